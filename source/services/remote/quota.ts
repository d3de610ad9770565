// Quota of a remote server's accounts: the same fetchers as for local accounts, with every request
// sent through the server's `POST /v0/management/api-call` (api_tools.go). The fetchers put the
// token in a header as usual, but the token they get is the literal `$TOKEN$`, which the server
// replaces with the credential's access token: tokens never leave the server.
//
// Not cached in this machine's quota cache (that cache belongs to the local accounts), and no
// refresh is done here: the server refreshes its own tokens (api-call refreshes one before use).
import {maskCredentialPatterns} from '../../core/redact.js';
import type {Account, TokenFile} from '../../core/types.js';
import type {TuiSettings} from '../../store/settings.js';
import {systemClock, type Clock} from '../clock.js';
import {encodeBody, type HttpClient, type HttpRequest, type HttpResponse} from '../http.js';
import {cacheEntry, type QuotaCache, type QuotaCacheEntry} from '../quota/cache.js';
import {asQuotaError, DEFAULT_BACKOFF_MS, QuotaFetchError, type QuotaErrorInfo} from '../quota/errors.js';
import {fetchQuota} from '../quota/fetchers.js';
import {quotaProvider, type QuotaSource} from '../quota/service.js';
import type {RemoteAccountStore} from './accounts.js';
import {ManagementError, type ManagementClient} from './client.js';

/** The server's magic variable: replaced in header values by the chosen credential's token. */
export const SERVER_TOKEN = '$TOKEN$';

/** An HttpClient whose requests the server makes with one credential (`auth_index`). */
export function apiCallHttp(client: ManagementClient, authIndex: string): HttpClient {
  return {
    async send(req: HttpRequest): Promise<HttpResponse> {
      const header = {...req.headers};
      const data = encodeBody(req.body, header);
      const method = req.method ?? (data === undefined ? 'GET' : 'POST');
      const answer = await client.json<{status_code?: number; header?: Record<string, string[] | string>; body?: string}>({
        method: 'POST',
        route: '/api-call',
        json: {auth_index: authIndex, method, url: req.url, header, ...(data === undefined ? {} : {data})},
        feature: 'requests made with an account (api-call)',
        signal: req.signal,
        timeoutMs: req.timeoutMs,
      });
      // The server put a token we never see in the request; an upstream that echoes it back must not
      // get it printed: what looks like a credential in the answer is masked (issue 11).
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(answer.header ?? {})) headers[name.toLowerCase()] = maskCredentialPatterns(Array.isArray(value) ? value.join(', ') : String(value));
      return {status: Number(answer.status_code ?? 0), headers, text: typeof answer.body === 'string' ? maskCredentialPatterns(answer.body) : ''};
    },
  };
}

/**
 * Management errors that stop every account's read (the key, the ban, the server's settings or
 * version, the server unreachable): thrown. Others (the server's api-call for this one account
 * answering 4xx/5xx, e.g. 502 when it could not reach the provider) are this account's error.
 */
const TARGET_WIDE: ReadonlySet<ManagementError['kind']> = new Set(['wrong-key', 'banned', 'remote-disabled', 'key-not-set', 'unsupported', 'network']);

/**
 * One account's management failure as a quota error: a 502/503/504 means the provider was not
 * reached; a 429 is waited out (until its Retry-After, else the usual back-off).
 */
function accountError(error: ManagementError, now: number): QuotaErrorInfo {
  if (error.kind === 'rate-limited') return new QuotaFetchError('rate-limited', error.message, error.retryAt ?? now + DEFAULT_BACKOFF_MS).toInfo();
  const unreached = error.kind === 'server' && [502, 503, 504].includes(error.status ?? 0);
  return new QuotaFetchError(unreached ? 'network' : 'unexpected', error.message).toInfo();
}

/**
 * Reads one remote account's quota with the fetcher of its provider. Failures are returned as the
 * entry's error (as for local accounts, and for the server's api-call failing for this account); a
 * management error that concerns the whole target (wrong key, ban, see TARGET_WIDE) is thrown.
 */
export async function fetchRemoteQuota(
  store: RemoteAccountStore,
  settings: TuiSettings,
  account: Account,
  options: {clock?: Clock; signal?: AbortSignal} = {},
): Promise<QuotaCacheEntry> {
  const clock = options.clock ?? systemClock;
  const row = quotaProvider(settings, account.provider);
  if (!row) return {windows: []};
  const entry = store.detail(account)?.entry;
  if (!entry?.auth_index) return {windows: [], error: {kind: 'unexpected', message: `the server gave no auth_index for ${account.tokenFile}`}};
  // What the fetchers read from a token file, from the list entry; the token itself stays on the server.
  const token: TokenFile = {
    type: entry.type ?? account.provider,
    access_token: SERVER_TOKEN,
    ...(entry.id_token?.chatgpt_account_id ? {account_id: entry.id_token.chatgpt_account_id} : {}),
    ...(entry.project_id ? {project_id: entry.project_id} : {}),
  };
  try {
    const windows = await fetchQuota({http: apiCallHttp(store.client, entry.auth_index), row, account, token, now: clock.now(), signal: options.signal});
    return {windows, fetchedAt: new Date(clock.now()).toISOString()};
  } catch (error) {
    if (options.signal?.aborted || (error instanceof ManagementError && TARGET_WIDE.has(error.kind))) throw error;
    const info = error instanceof ManagementError ? accountError(error, clock.now()) : asQuotaError(error).toInfo();
    // A 429 (the server's, or the provider's through api-call) holds the next poll off until its time, as for local accounts.
    const backoffUntil = info.retryAt === undefined ? undefined : Date.parse(info.retryAt);
    return {windows: [], fetchedAt: new Date(clock.now()).toISOString(), error: info, ...(backoffUntil === undefined ? {} : {backoffUntil})};
  }
}

/**
 * A QuotaPoller source for a remote target: numbers fetched through the server, kept in memory only
 * (the cache file belongs to this machine's accounts).
 */
export function remoteQuotaSource(store: RemoteAccountStore): QuotaSource {
  const memory: QuotaCache = {version: 1, accounts: {}};
  return {
    // One object for the session: the poller records into it, and a restart keeps what it holds.
    read: async () => memory,
    // Nothing but this poller changes it: a change heard elsewhere (the local cache file) is not ours.
    reread: async () => undefined,
    fetch: async (deps, account, _cached, {signal}) => {
      const entry = await fetchRemoteQuota(store, deps.settings, account, {clock: deps.clock, signal});
      return () => entry;
    },
    // The poller puts the entry into `memory` (its cache) itself.
    record: async (provider, accountId, change) => change(cacheEntry(memory, provider, accountId) ?? {windows: []}),
    flush: async () => {},
  };
}
