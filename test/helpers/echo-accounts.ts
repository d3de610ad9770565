// The accounts of the "no token is ever shown" tests: two Claude accounts and a Codex one whose
// refresh is due, each with planted credentials, one upstream serving the Claude API, both usage
// endpoints and Codex's token endpoint, and the proxy's API key; all undone after the file's tests.
import assert from 'node:assert/strict';
import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after} from 'node:test';
import {API_KEY, oauthToken} from '../proxy/fixture.js';
import type {TempCcs} from './ccs.js';
import {runBin} from './cli.js';
import type {FakeUpstream} from './fake-upstreams.js';

export interface PlantedSecrets {
  accessA: string;
  refreshA: string;
  accessB: string;
  refreshB: string;
  /** Account B's `id_token`, when it has one. */
  idB?: string;
  codexAccess: string;
  codexRefresh: string;
}

/** Writes the accounts, config.yaml and tui.json's endpoints into `ccs`; stops the proxy and cleans up after. */
export function plantEchoAccounts(ccs: TempCcs, upstream: FakeUpstream, secrets: PlantedSecrets): void {
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com', {access_token: secrets.accessA, refresh_token: secrets.refreshA}));
  ccs.writeToken('claude-b@example.com.json', oauthToken('claude', 'b@example.com', {access_token: secrets.accessB, refresh_token: secrets.refreshB, ...(secrets.idB ? {id_token: secrets.idB} : {})}));
  ccs.writeToken('codex-c@example.com.json', oauthToken('codex', 'c@example.com', {access_token: secrets.codexAccess, refresh_token: secrets.codexRefresh, expired: new Date(Date.now() - 1000).toISOString()}));
  ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(
    ccs.paths.settings,
    JSON.stringify({
      endpoints: {
        claude: {api: upstream.url, usage: `${upstream.url}/claude/usage`},
        codex: {usage: `${upstream.url}/codex/usage`, token: `${upstream.url}/codex/token`},
      },
      rotation: {strategy: 'fill-first'},
    }),
  );
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    await upstream.close();
    ccs.cleanup();
  });
}

/**
 * `quota --refresh`, `quota --json`, the cache files in `tui/` and `accounts --json`, each checked by
 * `assertClean(text, where)`; the usage endpoints' errors are shown, masked.
 */
export async function checkQuotaOutputs(ccs: TempCcs, assertClean: (text: string, where: string) => void): Promise<void> {
  const quota = await runBin(['quota', '--refresh'], ccs.env);
  assertClean(quota.stdout + quota.stderr, 'quota');
  const json = await runBin(['quota', '--json'], ccs.env);
  assertClean(json.stdout + json.stderr, 'quota --json');
  assert.match(json.stdout + quota.stdout, /redacted/, 'the usage endpoint error is shown, masked');
  for (const name of readdirSync(ccs.paths.state)) {
    if (name.endsWith('.json')) assertClean(readFileSync(path.join(ccs.paths.state, name), 'utf8'), `cache ${name}`);
  }
  const accounts = await runBin(['accounts', '--json'], ccs.env);
  assertClean(accounts.stdout + accounts.stderr, 'accounts --json');
}
