// Logins on a remote server: the server runs the OAuth flow and stores the token file; this side
// only shows the URL (and device code) and, for auth-code flows, hands back the code the person
// pasted, once it is checked to be this login's. Routes and payloads from CLIProxyAPI's auth_files_provider_oauth.go and oauth_callback.go:
//
//   GET  /<route>-auth-url            → {status: "ok", url, state[, flow: "device", user_code, expires_in]}
//   POST /oauth-callback               {provider, code, state} (the server takes {provider, redirect_url} too)
//   GET  /get-auth-status?state=S      → {status: "wait" | "ok" | "error", error?}
//   DELETE /oauth-session?state=S      → {status: "ok", cancelled}
//
// Without `is_webui` the server waits (5 minutes) for the callback posted to /oauth-callback: the
// paste flow, which is what a terminal on another machine needs.
import {pastedCodeFor} from '../../core/pkce.js';
import {cutText, excerpt, REASON_CHARS} from '../../core/redact.js';
import {processRedactor} from '../credential-redactor.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {UserError, type Account} from '../../core/types.js';
import {findProvider, PROVIDERS} from '../../providers/table.js';
import {systemClock, type Clock} from '../clock.js';
import type {RemoteAccountStore} from './accounts.js';
import {ManagementError, type ManagementClient} from './client.js';
import {countOf} from '../../core/wording.js';

export interface RemoteLogin {
  /** The server's name for the flow (`anthropic`, `kimi`…), sent back with the callback. */
  serverProvider: string;
  state: string;
  /** The URL to open (device flows: the verification URL, with the code when the server has it). */
  url: string;
  device: boolean;
  userCode?: string;
  expiresInSeconds?: number;
}

/** How often the status is asked (seconds), and after how many failures in a row it gives up. */
export const STATUS_POLL_MS = 2000;
export const MAX_STATUS_ERRORS = 5;
/** Longest a remote login is waited for, whatever the server says (ms); the server's own wait is 5 minutes. */
export const MAX_REMOTE_LOGIN_MS = 20 * 60_000;
/** Status answers that are neither wait, ok nor error tolerated in a row before giving up. */
export const MAX_UNKNOWN_STATUSES = 3;

export async function startRemoteLogin(client: ManagementClient, provider: string): Promise<RemoteLogin> {
  // The server's name for the flow is a fact of the provider table (ProviderRow.cliproxyAuthRoute).
  const serverProvider = findProvider(provider)?.cliproxyAuthRoute;
  if (!serverProvider) {
    const offered = PROVIDERS.filter((row) => row.cliproxyAuthRoute).map((row) => row.id);
    throw new UserError(`${provider} logins are not available on a remote target: CLIProxyAPI's Management API has no login for it (logins there: ${offered.join(', ')})`, 2);
  }
  const body = await client.json<Record<string, unknown>>({method: 'GET', route: `/${serverProvider}-auth-url`, feature: `${provider} logins`});
  const url = typeof body.url === 'string' ? body.url : '';
  const state = typeof body.state === 'string' ? body.state : '';
  if (!url || !state || !/^https?:\/\//i.test(url)) {
    throw new ManagementError('server', `target ${client.target.name}: the ${provider} login start gave no usable url and state`);
  }
  const userCode = typeof body.user_code === 'string' ? sanitizeLine(body.user_code) : undefined;
  return {
    serverProvider,
    state,
    url: sanitizeLine(url),
    device: body.flow === 'device' || userCode !== undefined,
    userCode,
    expiresInSeconds: typeof body.expires_in === 'number' ? body.expires_in : undefined,
  };
}

/**
 * Posts what the person pasted (the address the browser ended on, `code#state`, or the bare code) as
 * `{provider, code, state}`, at most once. Resolves when the server took it, and when its fate is
 * unknown (no answer, a 5xx): it may have reached the server, whose status then decides, never a
 * second post. Throws a UserError, posting nothing, for a paste that holds no code for this login
 * (pastedCodeFor): the server would give a code with another state to that state's pending login,
 * and it reads no fragment. Throws the server's refusal (a 4xx ManagementError: it took nothing), and
 * `signal`'s reason when it ends the post (its fate unknown: the caller cancels the login).
 */
export async function submitRemoteCallback(client: ManagementClient, login: RemoteLogin, pasted: string, signal?: AbortSignal): Promise<void> {
  if (!pasted.trim()) throw new UserError('nothing was pasted; no account stored');
  const json = {provider: login.serverProvider, code: pastedCodeFor(pasted, login.state), state: login.state};
  try {
    await client.send({method: 'POST', route: '/oauth-callback', json, feature: 'pasted login callbacks', signal});
  } catch (error) {
    if (error instanceof ManagementError && (error.kind === 'network' || error.kind === 'server')) return;
    throw error;
  }
}

export type RemoteLoginProgress = {kind: 'waiting'} | {kind: 'retrying'; errors: number; message: string};

/**
 * Asks `get-auth-status` every 2 s until the server says ok (resolves) or error (throws a UserError
 * with its message). A failed status request is retried up to MAX_STATUS_ERRORS times in a row; a
 * wrong key or an IP ban ends it at once (retrying into a ban only extends it).
 */
export async function waitForRemoteLogin(
  client: ManagementClient,
  login: RemoteLogin,
  options: {signal?: AbortSignal; intervalMs?: number; clock?: Clock; onProgress?: (p: RemoteLoginProgress) => void} = {},
): Promise<void> {
  const intervalMs = options.intervalMs ?? STATUS_POLL_MS;
  const clock = options.clock ?? systemClock;
  // The code's expiry (RFC 8628 expires_in) is enforced here too: a server answering "wait" past it
  // would otherwise keep this loop alive forever. A few seconds of grace for the server's own clock.
  const expiresInMs = login.expiresInSeconds !== undefined && login.expiresInSeconds > 0 ? login.expiresInSeconds * 1000 + 10_000 : Infinity;
  const deadline = clock.now() + Math.min(expiresInMs, MAX_REMOTE_LOGIN_MS);
  let errors = 0;
  let unknown = 0;
  /** The server's last 429, while it still holds (the next ask waits until its time). */
  let askedToWait: ManagementError | undefined;
  /** The end of the last wait said (onProgress), so that each is said once. */
  let saidWait: number | undefined;
  for (;;) {
    if (clock.now() >= deadline) {
      const why = askedToWait ? `: the server was still asking to wait (${askedToWait.message})` : ' without an answer';
      throw new UserError(`the login on target ${client.target.name} expired after ${Math.round(Math.min(expiresInMs, MAX_REMOTE_LOGIN_MS) / 60_000)} min${why}; no account stored, start it again`);
    }
    // Asked to wait: the next ask is at the server's time (ManagementClient sends nothing before), not every interval.
    const retryAt = askedToWait?.retryAt;
    const wait = retryAt === undefined ? 0 : retryAt - Date.now();
    await clock.sleep(Math.max(intervalMs, Math.min(wait, deadline - clock.now())), options.signal);
    // A timer counts from the event loop's last look at the clock, so on a busy machine it can fire
    // before Date.now() reaches its time; asked then, the client refuses to send ("not sent: the
    // server asked to wait"), said as a second retry. The rest is waited once more.
    const early = retryAt === undefined ? 0 : Math.min(retryAt - Date.now(), deadline - clock.now());
    if (early > 0) await clock.sleep(early + 1, options.signal);
    let body: {status?: string; error?: string};
    try {
      body = await client.json({method: 'GET', route: '/get-auth-status', query: {state: login.state}, feature: 'login status', signal: options.signal});
      errors = 0;
      askedToWait = undefined;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof ManagementError && ['wrong-key', 'banned', 'remote-disabled', 'key-not-set', 'unsupported'].includes(error.kind)) throw error;
      // A 429 is the server alive and asking to slow down (ManagementClient sends nothing until its
      // Retry-After): waited out until the code expires, not counted as a failure.
      askedToWait = error instanceof ManagementError && error.kind === 'rate-limited' ? error : undefined;
      if (!askedToWait) errors++;
      if (errors >= MAX_STATUS_ERRORS) {
        throw new UserError(`gave up asking target ${client.target.name} for the login status after ${errors} failures in a row: ${(error as Error).message}`);
      }
      // A wait is said once: the client's own refusals while the server's wait holds (it sent nothing)
      // are not said again; one whose 429 another request met is said here, once.
      if (askedToWait?.notSent && askedToWait.retryAt === saidWait) continue;
      saidWait = askedToWait?.retryAt;
      options.onProgress?.({kind: 'retrying', errors, message: (error as Error).message});
      continue;
    }
    if (body.status === 'ok') return;
    if (body.status === 'error') {
      // Its words as a server sends them: a string, or an object (said as JSON, not "[object Object]"); one line, cut.
      const said: unknown = body.error ?? 'unknown error';
      throw new UserError(`the server's login failed: ${excerpt(typeof said === 'string' ? said : JSON.stringify(said), REASON_CHARS, processRedactor())}; no account stored`);
    }
    if (body.status !== 'wait') {
      unknown++;
      if (unknown >= MAX_UNKNOWN_STATUSES) {
        throw new UserError(`target ${client.target.name} answered the login status with "${cutText(sanitizeLine(String(body.status ?? '(none)')), 40)}" ${countOf(unknown, 'time')} (expected wait, ok or error); gave up`);
      }
    } else unknown = 0;
    options.onProgress?.({kind: 'waiting'});
  }
}

/** Tells the server to drop a pending login (it then stores nothing even if approval comes late); `timeoutMs`: how long the answer is waited for (the client's default, 30 s). */
export async function cancelRemoteLogin(client: ManagementClient, login: RemoteLogin, timeoutMs?: number): Promise<boolean> {
  // Sent even while a 429 asks to wait: left pending, a late approval would still store an account.
  const body = await client.json<{cancelled?: boolean}>({method: 'DELETE', route: '/oauth-session', query: {state: login.state}, feature: 'cancelling logins', evenWhileAskedToWait: true, timeoutMs});
  return body.cancelled === true;
}

/** An account of the server with when the server last wrote its file (RemoteAccountStore.detail `modtime`). */
export interface StampedAccount {
  account: Account;
  modtime?: string;
}

/** The provider's accounts of a remote store, each with its file's time: what remoteLoginOutcome compares. */
export function stampedAccounts(store: RemoteAccountStore, provider: string, accounts: readonly Account[]): StampedAccount[] {
  return accounts.filter((a) => a.provider === provider).map((account) => ({account, modtime: store.detail(account)?.entry.modtime}));
}

/**
 * What a remote login the server reported done stored, from the provider's accounts before and after
 * it (stampedAccounts): `added` a file that was not there before (`notRelogin`: logging in again as
 * that account id, the browser logged in as another identity); `logged-in-again` the account asked
 * for (`relogin`), its file written again (same identity: the server updates that account's file);
 * `renewed` an account the server already had, which one it does not say (other files' times say
 * nothing: the server rewrites a file whenever it refreshes its token). The one reading for
 * `login --target` and the TUI's remote login. Throws a UserError when the account asked for was
 * not written again while the server reports file times (the browser logged in as another account
 * the server has): that account still needs a login.
 */
export type RemoteLoginOutcome = {kind: 'added'; account: Account; notRelogin?: string} | {kind: 'logged-in-again'; account: Account} | {kind: 'renewed'};

export function remoteLoginOutcome(target: string, provider: string, before: readonly StampedAccount[], after: readonly StampedAccount[], relogin?: string): RemoteLoginOutcome {
  const earlier = new Map(before.map((b) => [b.account.tokenFile, b]));
  const added = after.find((a) => !earlier.has(a.account.tokenFile))?.account;
  const asked = relogin === undefined ? undefined : before.find((b) => b.account.id === relogin)?.account;
  if (added) return asked && !sameIdentity(added, asked) ? {kind: 'added', account: added, notRelogin: relogin} : {kind: 'added', account: added};
  if (asked) {
    const again = after.find((a) => a.account.tokenFile === asked.tokenFile && a.modtime !== undefined && a.modtime !== earlier.get(asked.tokenFile)?.modtime);
    if (again) return {kind: 'logged-in-again', account: again.account};
    const name = sanitizeLine(asked.email ?? asked.id);
    // A server that reports no file times (older CLIProxyAPI) cannot tell: renewed, as for any login.
    if (after.some((a) => a.account.tokenFile === asked.tokenFile && a.modtime !== undefined)) {
      throw new UserError(
        `the server of target ${target} reported the login done, but it did not write ${name} again: ` +
          `the browser logged in as another ${provider} account the server already has. ${name} still needs a login ` +
          `(log out in the browser first, then log in again as it)`,
      );
    }
  }
  return {kind: 'renewed'};
}

/** How a `renewed` remote login ends (remoteLoginOutcome), on the command line and in the TUI alike. */
export function renewedLoginText(provider: string, target: string): string {
  return `${findProvider(provider)?.displayName ?? provider} login done on target ${target} (an existing account was renewed)`;
}

/** Two accounts of one provider are one identity when the server names the same email for both. */
function sameIdentity(a: Account, b: Account): boolean {
  return a.email !== undefined && b.email !== undefined && a.email.toLowerCase() === b.email.toLowerCase();
}
