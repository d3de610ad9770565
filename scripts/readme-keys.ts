// Prints the README's key table from the keymap, the one source of truth for keys.
// `node dist/scripts/readme-keys.js` — a test checks the README holds exactly this table.
import {KEY_BINDINGS, keyLabel} from '../source/core/keymap.js';

export function keyTableMarkdown(): string {
  const rows = KEY_BINDINGS.map((b) => `| ${b.scopes.join(', ')} | ${b.keys.map((k) => `\`${keyLabel(k)}\``).join(' ')} | ${b.description} |`);
  return ['| where | keys | does |', '|---|---|---|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(keyTableMarkdown());
