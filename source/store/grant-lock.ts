// The refresh lock of one OAuth grant: whoever holds it is the only process that may spend or replace
// the grant's refresh token (a refresh, a login storing a new grant over it, native mode syncing an
// agent's file into it, `remove` deleting its file). It is an owned lock (owned-lock.ts): stale only when its holder is gone or
// after a bound longer than the longest possible refresh, so a suspended holder keeps it.
//
// The lock is named by what every writer of the grant agrees on whatever the account is called: the
// refresh token the token file holds (its grant fingerprint), else the token file's name. Never by
// account id: an unregistered token file's id is derived from its email and changes when a second file
// of that email appears (store/accounts.ts deriveAccountId), and two processes holding two ids of one
// file would take two locks and both send its refresh token.
import {AsyncLocalStorage} from 'node:async_hooks';
import path from 'node:path';
import {grantFingerprint, tokenFingerprint} from '../core/fingerprint.js';
import type {AccountRef} from '../core/accounts.js';
import {UserError, type Account, type TokenFile} from '../core/types.js';
import {withOwnedLock, type OwnedLock} from './owned-lock.js';
import type {CcsPaths} from './paths.js';
import type {TuiSettings} from './settings.js';

/**
 * How often a refresh answered 429 (rate limited, the request put off unread) is sent again after
 * its Retry-After: once. Whoever asked (a proxy request, `quota`, the TUI) waits through it saying
 * nothing, so a longer limit is the caller's to handle: `quota` says when it tries again, the proxy
 * serves another account meanwhile.
 */
export const MAX_RATE_LIMIT_WAITS = 1;
/** A 429 asking for a longer wait than this (seconds) fails the refresh at once, as rate limited with its next try. */
export const MAX_RETRY_AFTER_SECONDS = 10;

export interface RefreshLockBounds {
  /** The token call's timeout, ms (tui.json `refresh.timeoutSeconds`, default 120 s). */
  timeoutMs: number;
  /** Age after which a lock whose holder seems alive is taken over, ms. */
  staleMs: number;
  /** How long a waiter waits for a live holder, ms. */
  waitMs: number;
}

/**
 * Bounds of the refresh lock, from the token call's timeout: the longest a refresh can take is every
 * rate-limited attempt running into both timeouts (discovery and token) plus the allowed waits. The
 * lock is taken over as stale only after that (or at once when its holder's process is gone).
 */
export function refreshLockBounds(settings: Partial<Pick<TuiSettings, 'refresh'>>): RefreshLockBounds {
  const configured = Number(settings.refresh?.timeoutSeconds);
  const timeoutMs = (Number.isFinite(configured) && configured > 0 ? configured : 120) * 1000;
  const attempts = MAX_RATE_LIMIT_WAITS + 1;
  const derived = attempts * 2 * timeoutMs + MAX_RATE_LIMIT_WAITS * MAX_RETRY_AFTER_SECONDS * 1000 + 60_000;
  const configuredStale = Number(settings.refresh?.lockStaleSeconds);
  const staleMs = Number.isFinite(configuredStale) && configuredStale > 0 ? configuredStale * 1000 : derived;
  return {timeoutMs, staleMs, waitMs: timeoutMs + 30_000};
}

/**
 * The name of the grant a token file holds: `rt-<grant fingerprint>` of its refresh token, else
 * `file-<fingerprint of the file name>` (an API key, a GitHub token: nothing single-use to spend).
 */
export function grantKey(provider: string, tokenFile: string, token: TokenFile | undefined): string {
  const refreshToken = token?.refresh_token;
  if (typeof refreshToken === 'string' && refreshToken !== '') return `rt-${grantFingerprint(provider, refreshToken)}`;
  return `file-${tokenFingerprint(`${provider}\n${tokenFile}`)}`;
}

export function refreshLockPath(paths: Pick<CcsPaths, 'locks'>, key: string): string {
  return path.join(paths.locks, `refresh-${key}`);
}

/** The grant locks this async context holds (a switch holding two accounts' locks may find them one grant). */
const held = new AsyncLocalStorage<Map<string, OwnedLock>>();

/**
 * Runs `work` holding the grant's refresh lock (bounds default to tui.json's defaults). Re-entrant
 * within one async context: a lock already held there is not taken again (it would wait on itself).
 */
export function withGrantLock<T>(
  paths: Pick<CcsPaths, 'locks'>,
  key: string,
  work: (lock: OwnedLock) => Promise<T>,
  bounds: RefreshLockBounds = refreshLockBounds({}),
  describe = 'a refresh of this grant',
): Promise<T> {
  const file = refreshLockPath(paths, key);
  const mine = held.getStore();
  const already = mine?.get(file);
  if (already) return work(already);
  return withOwnedLock(file, (lock) => held.run(new Map([...(mine ?? []), [file, lock]]), () => work(lock)), {...bounds, describe});
}

/**
 * Runs `work` as if no grant lock were held here: for work that outlives the locks of the context it
 * was started in (a background clean-up), which must take each lock itself rather than re-enter one.
 */
export function outsideGrantLocks<T>(work: () => T): T {
  return held.exit(work);
}

/** What the lock needs of the account store (store/accounts.ts AccountStore). */
export interface GrantStore {
  readonly paths: Pick<CcsPaths, 'locks'>;
  loadAccount(provider: string, ref: AccountRef): Promise<Account>;
  readToken(account: Pick<Account, 'tokenFile' | 'paused'>): Promise<TokenFile | undefined>;
  tokenPath(account: Pick<Account, 'tokenFile' | 'paused'>): string;
}

/** How often the token file may change between its read and the lock before the caller is told to try again. */
const MAX_LOCK_CHASES = 20;

/**
 * Runs `work` holding the refresh lock of the grant the account's token file holds now, with the
 * account and its token as read inside the lock (the file's name, not the account's id, is followed:
 * an id may change while this waits). When the file's refresh token changed between the read and the
 * lock (another process refreshed), the lock of the new one is taken instead.
 */
export async function withAccountGrantLock<T>(
  store: GrantStore,
  provider: string,
  ref: AccountRef,
  work: (lock: OwnedLock, inside: {account: Account; token: TokenFile | undefined}) => Promise<T>,
  bounds: RefreshLockBounds = refreshLockBounds({}),
): Promise<T> {
  let account = await store.loadAccount(provider, ref);
  const byFile = {tokenFile: account.tokenFile};
  for (let chase = 0; chase < MAX_LOCK_CHASES; chase++) {
    const key = grantKey(provider, account.tokenFile, await store.readToken(account).catch(() => undefined));
    const outcome = await withGrantLock(store.paths, key, async (lock) => {
      account = await store.loadAccount(provider, byFile);
      const token = await store.readToken(account).catch(() => undefined);
      if (grantKey(provider, account.tokenFile, token) !== key) return {moved: true as const};
      return {moved: false as const, value: await work(lock, {account, token})};
    }, bounds, `a refresh of ${provider} token file ${account.tokenFile}`);
    if (!outcome.moved) return outcome.value;
  }
  throw new UserError(`${store.tokenPath(account)} keeps changing (another process is rewriting it); try again`);
}
