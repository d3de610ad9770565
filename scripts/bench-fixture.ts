// A CCS dir with many accounts, for the benchmarks and the screenshot of a busy home screen.
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {quotaCacheFile, type QuotaCache} from '../source/services/quota/cache.js';
import {ccsPaths, type CcsPaths} from '../source/store/paths.js';

const PROVIDERS = [
  ['claude', 'claude'],
  ['codex', 'codex'],
  ['gemini', 'gemini'],
  ['kimi', 'kimi'],
  ['qwen', 'qwen'],
  ['copilot', 'github-copilot'],
] as const;

export interface FixtureOptions {
  /** Age of every cached quota entry, ms (0: fetched just now; over the poll interval: a returning user). */
  quotaAgeMs?: number;
  /** Base URL of a local usage server (`<base>/<provider>/usage`, `<base>/token`); default: a closed port. */
  endpointBase?: string;
}

export function makeManyAccounts(count: number, options: FixtureOptions = {}): CcsPaths {
  const paths = ccsPaths(path.join(mkdtempSync(path.join(tmpdir(), 'ccs-tui-bench-')), '.ccs'));
  mkdirSync(paths.authDir, {recursive: true, mode: 0o700});
  const registry: {version: number; providers: Record<string, {default?: string; accounts: Record<string, unknown>}>} = {
    version: 1,
    providers: {},
  };
  // A returning user: last-good quota for every account is cached (the poller fetches again later).
  const now = Date.now();
  const fetchedAt = now - (options.quotaAgeMs ?? 0);
  const quota: QuotaCache = {version: 1, accounts: {}};
  const window = (kind: '5h' | 'weekly', seconds: number, usedPct: number) => ({
    kind,
    usedPct,
    resetsAt: new Date(now + seconds * 500).toISOString(),
    windowSeconds: seconds,
    source: 'usage-endpoint',
    observedAt: new Date(fetchedAt).toISOString(),
  });
  for (let i = 0; i < count; i++) {
    const [provider, type] = PROVIDERS[i % PROVIDERS.length]!;
    const email = `user${String(i).padStart(4, '0')}@example.com`;
    const tokenFile = `${provider}-${email}.json`;
    registry.providers[provider] ??= {default: email, accounts: {}};
    (quota.accounts[provider] ??= {})[email] = {
      windows: [window('5h', 18_000, (i * 7) % 100), window('weekly', 604_800, (i * 13) % 100)],
      fetchedAt: new Date(fetchedAt).toISOString(),
    };
    registry.providers[provider]!.accounts[email] = {email, nickname: `user${i}`, tokenFile, createdAt: '2026-01-01T00:00:00.000Z'};
    writeFileSync(
      path.join(paths.authDir, tokenFile),
      JSON.stringify({
        type,
        email,
        access_token: `bench-access-${i}-0123456789abcdef`,
        refresh_token: `bench-refresh-${i}-0123456789abcdef`,
        expired: new Date(Date.now() + (i % 7) * 3600_000).toISOString(),
      }),
      {mode: 0o600},
    );
  }
  writeFileSync(paths.registry, JSON.stringify(registry, null, 2), {mode: 0o600});
  mkdirSync(paths.state, {recursive: true, mode: 0o700});
  writeFileSync(quotaCacheFile(paths), JSON.stringify(quota), {mode: 0o600});
  // Quota polling and token refresh go to loopback only: the bench's usage server, else a closed port.
  const base = options.endpointBase ?? 'http://127.0.0.1:9';
  writeFileSync(
    paths.settings,
    JSON.stringify({
      endpoints: Object.fromEntries(PROVIDERS.map(([provider]) => [provider, {usage: `${base}/${provider}/usage`, api: `${base}/${provider}/api`, token: `${base}/token`}])),
    }),
    {mode: 0o600},
  );
  return paths;
}
