// Prints the README's table of `endpoints.<provider>.api` defaults from the provider table, so what an
// override must look like (which path it keeps) cannot go stale. `node dist/scripts/readme-endpoints.js`;
// a test checks the README holds exactly this table.
import {PROVIDERS} from '../source/providers/table.js';

export function endpointTableMarkdown(): string {
  const rows = PROVIDERS.filter((row) => typeof row.endpoints.api === 'string').map((row) => {
    const url = new URL(row.endpoints.api!);
    const path = url.pathname.replace(/\/+$/, '');
    return `| \`${row.id}\` | \`${row.endpoints.api}\` | ${path ? `your gateway's URL ending in \`${path}\`` : 'your gateway\'s base URL (no path: ccs-tui adds the API paths)'} |`;
  });
  return ['| provider | default `api` | an override is |', '|---|---|---|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(endpointTableMarkdown());
