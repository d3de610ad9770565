// A CCS dir with one account per quota provider, every usage endpoint pointed at one local server
// (path `/<provider>/usage`), and tokens that stay valid for a month (no refresh is ever due).
import {makeTempCcs, tokenFixture, type TempCcs} from '../../helpers/ccs.js';
import {startFakeUpstream, type FakeUpstream, type UpstreamHandler} from '../../helpers/fake-upstreams.js';
import {AccountStore} from '../../../source/store/accounts.js';
import {loadSettings} from '../../../source/store/settings.js';
import type {Account} from '../../../source/core/types.js';
import type {Clock} from '../../../source/services/clock.js';
import type {QuotaDeps} from '../../../source/services/quota/service.js';

export const QUOTA_PROVIDERS = ['claude', 'codex', 'antigravity', 'gemini', 'kimi', 'copilot'] as const;

const MONTH_MS = 30 * 24 * 3600_000;

export interface QuotaFixture {
  ccs: TempCcs;
  upstream: FakeUpstream;
  deps(clock?: Clock): Promise<QuotaDeps>;
  account(provider: string, email?: string): Promise<Account>;
  /** Answers `/<provider>/usage` with this JSON (status 200 unless given). */
  serve(provider: string, body: unknown, status?: number, headers?: Record<string, string>): void;
  /** Answers requests to `path` (e.g. a token endpoint set in tui.json) with `body`. */
  route(path: string, body: unknown, status?: number, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

export function quotaToken(provider: string, email: string, extra: Record<string, unknown> = {}) {
  const type = provider === 'copilot' ? 'github-copilot' : provider;
  return tokenFixture(type, email, {expired: new Date(Date.now() + MONTH_MS).toISOString(), ...extra});
}

export async function makeQuotaFixture(extraTokens: Record<string, Record<string, unknown>> = {}): Promise<QuotaFixture> {
  const routes = new Map<string, {status: number; body: unknown; headers: Record<string, string>}>();
  const handler: UpstreamHandler = (req, res) => {
    const route = routes.get(req.path);
    if (!route) {
      res.writeHead(404, {'content-type': 'application/json'});
      res.end('{"error":"no route"}');
      return;
    }
    res.writeHead(route.status, {'content-type': 'application/json', ...route.headers});
    res.end(typeof route.body === 'string' ? route.body : JSON.stringify(route.body));
  };
  const upstream = await startFakeUpstream(handler);
  const ccs = makeTempCcs();
  for (const provider of QUOTA_PROVIDERS) {
    ccs.writeToken(`${provider}-user@example.com.json`, quotaToken(provider, 'user@example.com', extraTokens[provider] ?? {}));
  }
  ccs.writeRaw(
    'tui.json',
    JSON.stringify({endpoints: Object.fromEntries(QUOTA_PROVIDERS.map((p) => [p, {usage: `${upstream.url}/${p}/usage`}]))}),
  );
  const store = new AccountStore(ccs.paths);
  return {
    ccs,
    upstream,
    async deps(clock) {
      return {paths: ccs.paths, store, settings: (await loadSettings(ccs.paths)).settings, clock};
    },
    async account(provider, email = 'user@example.com') {
      const snapshot = await store.load();
      const found = snapshot.accounts.find((a) => a.provider === provider && a.email === email);
      if (!found) throw new Error(`fixture has no ${provider} account ${email}`);
      return found;
    },
    serve(provider, body, status = 200, headers = {}) {
      routes.set(`/${provider}/usage`, {status, body, headers});
    },
    route(path, body, status = 200, headers = {}) {
      routes.set(path, {status, body, headers});
    },
    async close() {
      await upstream.close();
      ccs.cleanup();
    },
  };
}
