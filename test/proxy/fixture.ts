// A proxy in front of fake upstreams, in this process, on the real files of a temp CCS dir: accounts
// are token files, the API key and model rules live in config.yaml, and tui.json points the
// provider's `api` and `token` endpoints at the local servers.
import {writeFileSync} from 'node:fs';
import {ProxyServer} from '../../source/proxy/server.js';
import type {TranslatorLookup} from '../../source/proxy/prepare.js';
import type {ClientTimeouts} from '../../source/proxy/refusal.js';
import type {UpstreamIdle} from '../../source/proxy/server.js';
import type {FreeSocketIdle} from '../../source/proxy/upstream-agents.js';
import type {ProxyEvent} from '../../source/services/proxy/ipc.js';
import {quotaHooks} from '../../source/proxy/quota-hooks.js';
import {ensureFresh} from '../../source/services/refresh.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadCliproxyConfig} from '../../source/store/cliproxy-config.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {startFakeTokenServer, startFakeUpstream, type FakeTokenServer, type FakeUpstream} from '../helpers/fake-upstreams.js';

export const API_KEY = 'test-proxy-key-0123456789';

export interface ProxyFixture {
  ccs: TempCcs;
  upstream: FakeUpstream;
  tokenServer: FakeTokenServer;
  proxy: ProxyServer;
  url: string;
  events: ProxyEvent[];
  /** What the proxy told its runner of a rotation of the one account it serves alone (onPinMoved). */
  pinMoves: {provider: string; accountId: string}[];
  close(): Promise<void>;
}

export interface FixtureOptions {
  provider: string;
  tokens: {file: string; token: Record<string, unknown>}[];
  /** accounts.json as written before the proxy starts (none: the accounts are the token files alone). */
  registry?: unknown;
  /** `provider: null`: none served, the model picks the provider on the root routes. */
  serve?: {provider?: string | null; account?: string};
  /** Extra config.yaml text after `api-keys`. */
  configYaml?: string;
  strategy?: 'fill-first' | 'round-robin' | 'most-headroom';
  /** Path appended to the upstream URL for the `api` override (e.g. `/v1` for OpenAI-style bases). */
  apiPath?: string;
  /** Translator lookup handed to the proxy (default: the real registry). */
  translators?: TranslatorLookup;
  /** Slow-client limits handed to the proxy (default: the proxy's own). */
  clientTimeouts?: ClientTimeouts;
  /** Upstream idle limit handed to the proxy (default: the proxy's own, 10 min). */
  upstreamIdle?: UpstreamIdle;
  /** How long the proxy keeps an upstream socket unused (default: the proxy's own, 3–4 s). */
  freeSocketIdle?: FreeSocketIdle;
  /** The proxy's clock (epoch ms; default Date.now): cooldowns, the idle limit and log times follow it. */
  now?: () => number;
  /** The upstream to serve from (default: a fresh startFakeUpstream()); closed with the fixture. */
  upstream?: FakeUpstream;
  /** tui.json `endpoints` instead of the provider's at the fake upstream and token server (e.g. the Google stand-in's). */
  endpoints?: Record<string, Record<string, string>>;
  /** Run on the files before the proxy starts (e.g. an account's health mark, which a running proxy reads only after its TTL). */
  prepare?: (store: AccountStore) => Promise<void>;
}

export async function proxyFixture(options: FixtureOptions): Promise<ProxyFixture> {
  const ccs = makeTempCcs();
  const upstream = options.upstream ?? (await startFakeUpstream());
  const tokenServer = await startFakeTokenServer();
  for (const {file, token} of options.tokens) ccs.writeToken(file, token);
  if (options.registry !== undefined) ccs.writeRegistry(options.registry);
  ccs.writeRaw('cliproxy/config.yaml', `# shared with CLIProxyAPI\nport: 8317\napi-keys:\n  - "${API_KEY}"\n${options.configYaml ?? ''}`);
  writeFileSync(
    ccs.paths.settings,
    JSON.stringify({
      endpoints: options.endpoints ?? {[options.provider]: {api: `${upstream.url}${options.apiPath ?? ''}`, token: `${tokenServer.url}/oauth/token`}},
      rotation: {strategy: options.strategy ?? 'fill-first'},
    }),
  );
  const {settings} = await loadSettings(ccs.paths);
  const store = new AccountStore(ccs.paths);
  await options.prepare?.(store);
  const {config} = await loadCliproxyConfig(ccs.paths);
  const events: ProxyEvent[] = [];
  // The pin moves the proxy tells its runner of (a rotation of one account served alone).
  const pinMoves: {provider: string; accountId: string}[] = [];
  const hooks = quotaHooks(ccs.paths);
  const proxy = new ProxyServer({
    port: 0,
    provider: options.serve?.provider === null ? undefined : (options.serve?.provider ?? options.provider),
    account: options.serve?.account,
    store,
    settings,
    config: () => config,
    refresh: (provider, accountId, force) => ensureFresh({store, settings}, provider, accountId, {force}),
    emit: (event) => events.push(event),
    onPinMoved: (provider, accountId) => pinMoves.push({provider, accountId}),
    onQuotaHeaders: hooks.onQuotaHeaders,
    rank: hooks.rank,
    ...(options.translators ? {translators: options.translators} : {}),
    ...(options.clientTimeouts ? {clientTimeouts: options.clientTimeouts} : {}),
    ...(options.upstreamIdle ? {upstreamIdle: options.upstreamIdle} : {}),
    ...(options.freeSocketIdle ? {freeSocketIdle: options.freeSocketIdle} : {}),
    ...(options.now ? {now: options.now} : {}),
  });
  const port = await proxy.listen();
  return {
    ccs,
    upstream,
    tokenServer,
    proxy,
    url: `http://127.0.0.1:${port}`,
    events,
    pinMoves,
    async close() {
      await proxy.close();
      await hooks.settled();
      await upstream.close();
      await tokenServer.close();
      ccs.cleanup();
    },
  };
}

/** A token file of the given provider that expires in a day (no refresh needed). */
export function oauthToken(type: string, email: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type,
    email,
    access_token: `at-${email}-0123456789abcdef`,
    refresh_token: `rt-${email}-0123456789abcdef`,
    expired: new Date(Date.now() + 30 * 24 * 3600_000).toISOString(),
    last_refresh: new Date().toISOString(),
    ...extra,
  };
}

/** One account of a provider: its token file's contents, and the upstream's API path when it has one. */
export interface OneAccount {
  provider: string;
  apiPath?: string;
  token: Record<string, unknown>;
}

/** A proxy serving one account of `c.provider` (token file `<provider>-a.json`) from the fixture's upstream. */
export function oneAccountFixture(c: OneAccount): Promise<ProxyFixture> {
  return proxyFixture({provider: c.provider, apiPath: c.apiPath, tokens: [{file: `${c.provider}-a.json`, token: c.token}]});
}

/** Runs `use` against oneAccountFixture(c), closed afterwards. */
export async function withOneAccount(c: OneAccount, use: (f: ProxyFixture) => Promise<void>): Promise<void> {
  const f = await oneAccountFixture(c);
  try {
    await use(f);
  } finally {
    await f.close();
  }
}

/** Token files of claude accounts `<name>@example.com`, in registry order (a pool). */
export function claudeAccounts(...names: string[]): FixtureOptions['tokens'] {
  return accountTokens('claude', names.map((name) => `${name}@example.com`));
}

/** Token files for a proxy fixture: one account per email, named as CLIProxyAPI names them (`<type>-<email>.json`). */
export function accountTokens(type: string, emails: readonly string[], extra: (email: string) => Record<string, unknown> = () => ({})): FixtureOptions['tokens'] {
  return emails.map((email) => ({file: `${type}-${email}.json`, token: oauthToken(type, email, extra(email))}));
}

/** A small Messages request through the fixture's proxy (`route` defaults to /v1/messages): its status and body text. */
export async function askMessages(f: Pick<ProxyFixture, 'url'>, route = '/v1/messages'): Promise<{status: number; text: string}> {
  const response = await fetch(`${f.url}${route}`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: 'claude-sonnet-4-5-20250929', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
  });
  return {status: response.status, text: await response.text()};
}

/** A small Chat Completions request for `model` through the proxy at `url` (root route, Bearer key): its status and body text. */
export const askChat = (url: string, model: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'},
    body: JSON.stringify({model, messages: [{role: 'user', content: 'hi'}]}),
  }).then(async (response) => ({status: response.status, text: await response.text()}));
