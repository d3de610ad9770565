// Prints the README's tables of `endpoints.<provider>` keys and `.api` defaults from the provider table, so what an
// override must look like (which path it keeps) cannot go stale. `node dist/scripts/readme-endpoints.js`;
// a test checks the README holds exactly these tables.
import {PROVIDERS} from '../source/providers/table.js';

export function endpointTableMarkdown(): string {
  const rows = PROVIDERS.filter((row) => typeof row.endpoints.api === 'string').map((row) => {
    const url = new URL(row.endpoints.api!);
    const path = url.pathname.replace(/\/+$/, '');
    return `| \`${row.id}\` | \`${row.endpoints.api}\` | ${path ? `your gateway's URL ending in \`${path}\`` : 'your gateway\'s base URL (no path: ccs-tui adds the API paths)'} |`;
  });
  return ['| provider | default `api` | an override is |', '|---|---|---|', ...rows].join('\n');
}

/**
 * The `endpoints.<provider>` keys each provider uses (what an override can replace), and for OIDC
 * discovery providers the ones discovery fills in unless set.
 */
export function endpointKeysMarkdown(): string {
  const rows = PROVIDERS.filter((row) => Object.keys(row.endpoints).length > 0 || row.endpointNotes !== undefined).map((row) => {
    const discovered = row.logins.some((flow) => flow.kind === 'device' && flow.discovery);
    const keys = [...new Set([...Object.keys(row.endpoints), ...Object.keys(row.endpointNotes ?? {})])].map((name) => `\`${name}\``);
    const extra = discovered ? ['`device`', '`token`', '`userinfo`'].filter((k) => !keys.includes(k)) : [];
    const notes = [...(discovered ? [`${extra.join(', ')} come from \`discovery\` unless set`] : []), ...Object.values(row.endpointNotes ?? {})];
    const note = notes.join('; ');
    return `| \`${row.id}\` | ${[...keys, ...extra].join(', ')} | ${note} |`;
  });
  return ['| provider | keys | note |', '|---|---|---|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(`${endpointTableMarkdown()}\n\n${endpointKeysMarkdown()}`);
