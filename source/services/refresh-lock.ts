// The per-account refresh lock, shared by the refresher (refresh.ts) and native mode (native/sync.ts):
// whoever holds it is the only process that may spend or replace the account's refresh token. It is an
// owned lock (store/owned-lock.ts): stale only when its holder is gone or after a bound longer than the
// longest possible refresh, so a suspended holder keeps it.
import {tokenFingerprint} from '../core/fingerprint.js';
import path from 'node:path';
import {withOwnedLock, type OwnedLock} from '../store/owned-lock.js';
import type {CcsPaths} from '../store/paths.js';
import type {TuiSettings} from '../store/settings.js';

export const MAX_RATE_LIMIT_WAITS = 3;
/** A 429 asking for a longer wait than this fails the refresh instead (the lock's bound stays finite). */
export const MAX_RETRY_AFTER_SECONDS = 60;

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

export function refreshLockPath(paths: Pick<CcsPaths, 'locks'>, provider: string, accountId: string): string {
  return path.join(paths.locks, `refresh-${provider}-${tokenFingerprint(accountId)}`);
}

/** Runs `work` holding the account's refresh lock (bounds default to tui.json's defaults). */
export function withRefreshLock<T>(
  paths: Pick<CcsPaths, 'locks'>,
  provider: string,
  accountId: string,
  work: (lock: OwnedLock) => Promise<T>,
  bounds: RefreshLockBounds = refreshLockBounds({}),
): Promise<T> {
  return withOwnedLock(refreshLockPath(paths, provider, accountId), work, {...bounds, describe: `a refresh of ${provider} account ${accountId}`});
}
