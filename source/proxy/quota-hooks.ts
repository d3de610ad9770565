// How the proxy feeds and reads the quota state. Windows seen in response headers go to the shared
// quota cache (throttled per account: the headers come with every response) and into the ranking;
// most-headroom ranks a pool with the same function as the TUI's `r`, over the cached windows.
import {rankByHeadroom} from '../core/rotation.js';
import type {Account, QuotaWindow} from '../core/types.js';
import {windowsFromHeaders} from '../providers/table.js';
import {readQuotaCache, recordObservedWindows} from '../services/quota/cache.js';
import type {CcsPaths} from '../store/paths.js';

export interface QuotaHooks {
  onQuotaHeaders: (provider: string, accountId: string, headers: Record<string, string>) => void;
  rank: (provider: string, accounts: readonly Account[]) => readonly string[] | undefined;
  /** Resolves once the quota-cache reads and writes under way have ended (a stopping proxy waits for it: no write is cut). */
  settled: () => Promise<void>;
}

const RECORD_EVERY_MS = 10_000;
const RELOAD_CACHE_EVERY_MS = 30_000;
/**
 * A ranking is reused this long: ranking 1,000 accounts (headroom of each, a sort) per request cost
 * more than the request. Windows seen meanwhile count from the next ranking; an account that fails
 * is parked by the pool at once whatever the ranking says.
 */
const RANK_FOR_MS = 1000;

export function quotaHooks(paths: CcsPaths, now: () => number = Date.now, onError: (message: string) => void = () => {}): QuotaHooks {
  const windows = new Map<string, Map<string, readonly QuotaWindow[]>>();
  const lastRecorded = new Map<string, number>();
  /** The last ranking per provider, reused for RANK_FOR_MS while the account list is the same. */
  const ranked = new Map<string, {accounts: readonly Account[]; at: number; ids: readonly string[]}>();
  let cacheLoadedAt = -Infinity;
  let loading = false;
  /** Cache reads and writes under way (each removes itself when done). */
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  const windowsOf = (provider: string) => {
    let byAccount = windows.get(provider);
    if (!byAccount) windows.set(provider, (byAccount = new Map()));
    return byAccount;
  };

  const reloadCache = () => {
    if (loading || now() - cacheLoadedAt < RELOAD_CACHE_EVERY_MS) return;
    loading = true;
    cacheLoadedAt = now();
    track(
      readQuotaCache(paths)
        .then((cache) => {
          for (const [provider, accounts] of Object.entries(cache.accounts)) {
            const byAccount = windowsOf(provider);
            for (const [accountId, entry] of Object.entries(accounts)) if (!byAccount.has(accountId)) byAccount.set(accountId, entry.windows);
          }
        })
        .catch((error: Error) => onError(`quota cache: ${error.message}`))
        .finally(() => (loading = false)),
    );
  };

  return {
    onQuotaHeaders(provider, accountId, headers) {
      const at = now();
      const seen = windowsFromHeaders(provider, headers, at);
      if (seen.length === 0) return;
      windowsOf(provider).set(accountId, seen);
      const key = `${provider}/${accountId}`;
      if (at - (lastRecorded.get(key) ?? -Infinity) < RECORD_EVERY_MS) return;
      lastRecorded.set(key, at);
      track(recordObservedWindows(paths, provider, accountId, seen).catch((error: Error) => onError(`quota cache: ${error.message}`)));
    },
    rank(provider, accounts) {
      reloadCache();
      const at = now();
      const cached = ranked.get(provider);
      if (cached && cached.accounts === accounts && at - cached.at < RANK_FOR_MS) return cached.ids;
      const ids = rankByHeadroom(accounts, windowsOf(provider), at).map((a) => a.id);
      ranked.set(provider, {accounts, at, ids});
      return ids;
    },
    async settled() {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}
