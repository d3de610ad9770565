// How the proxy feeds and reads the quota state. Windows seen in response headers go to the shared
// quota cache (throttled per account: the headers come with every response) and into the ranking;
// most-headroom ranks a pool with the same function as the TUI's `r`, over the cached windows.
import {rankByHeadroom} from '../core/rotation.js';
import type {Account, QuotaWindow} from '../core/types.js';
import {windowsFromHeaders} from '../providers/table.js';
import {othersQuotaCacheStamp, readQuotaCache, recordObservedWindows} from '../services/quota/cache.js';
import type {CcsPaths} from '../store/paths.js';

export interface QuotaHooks {
  onQuotaHeaders: (provider: string, accountId: string, headers: Record<string, string>) => void;
  /** `after`: for a rotation off that account (core/rotation.ts rankByHeadroom). */
  rank: (provider: string, accounts: readonly Account[], after?: string) => readonly string[] | undefined;
  /**
   * Reads the quota cache now. A new proxy awaits it before it listens: ranked without it, its
   * first requests went to the first account listed (quota unknown) while `proxy status` and the
   * screen, asked a moment later, named the one with the most room left (a newcomer's report).
   */
  load: () => Promise<void>;
  /** Resolves once the quota-cache reads and writes under way have ended (a stopping proxy waits for it: no write is cut). */
  settled: () => Promise<void>;
}

const RECORD_EVERY_MS = 10_000;
const RELOAD_CACHE_EVERY_MS = 30_000;
/**
 * How often a proxy that ranks looks at the cache file's stamp between reloads: a quota the TUI
 * fetched (`R`, its poll) moves the ranking within a second, not after up to RELOAD_CACHE_EVERY_MS
 * (a newcomer's ★ stayed on an account just seen used up, and requests went there first).
 */
const LOOK_AT_CACHE_EVERY_MS = 1000;
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
  let lookedAt = -Infinity;
  /** The stamp another process left on the file, as last seen (othersQuotaCacheStamp). */
  let othersStamp: string | undefined;
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

  /** Latest time (epoch ms) any of the windows was read; -Infinity for none. */
  const observedAt = (list: readonly QuotaWindow[]) => Math.max(-Infinity, ...list.map((w) => Date.parse(w.observedAt)).filter((t) => !Number.isNaN(t)));

  /**
   * The cache's windows where they are newer than the ones held: a quota fetch by the TUI (a reset
   * seen, a limit reached elsewhere) counts here as the response headers this proxy saw do.
   */
  const readCache = async () => {
    // Taken first: a write after it is seen at the next look, never missed.
    othersStamp = (await othersQuotaCacheStamp(paths)) ?? othersStamp;
    const cache = await readQuotaCache(paths);
    for (const [provider, accounts] of Object.entries(cache.accounts)) {
      const byAccount = windowsOf(provider);
      for (const [accountId, entry] of Object.entries(accounts)) {
        const held = byAccount.get(accountId);
        if (!held || observedAt(entry.windows) > observedAt(held)) byAccount.set(accountId, entry.windows);
      }
      // What was ranked before the read may be stale now.
      ranked.delete(provider);
    }
  };

  /** A read of the cache, tracked (settled) and timed (RELOAD_CACHE_EVERY_MS). */
  const startRead = () => {
    loading = true;
    cacheLoadedAt = now();
    const work = readCache()
      .catch((error: Error) => onError(`quota cache: ${error.message}`))
      .finally(() => (loading = false));
    track(work);
    return work;
  };

  const reloadCache = () => {
    if (loading) return;
    const at = now();
    if (at - cacheLoadedAt >= RELOAD_CACHE_EVERY_MS) return void startRead();
    if (at - lookedAt < LOOK_AT_CACHE_EVERY_MS) return;
    lookedAt = at;
    // Another process wrote it since the last look: read now. Our own writes change nothing we do not hold.
    track(
      othersQuotaCacheStamp(paths).then((stamp) => {
        if (stamp === undefined || stamp === othersStamp) return;
        othersStamp = stamp;
        if (!loading) void startRead();
      }),
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
    rank(provider, accounts, after) {
      reloadCache();
      const at = now();
      // A rotation's ranking (ties in turn after the account rotated off): rare, never kept.
      if (after !== undefined) return rankByHeadroom(accounts, windowsOf(provider), at, after).map((a) => a.id);
      const cached = ranked.get(provider);
      if (cached && cached.accounts === accounts && at - cached.at < RANK_FOR_MS) return cached.ids;
      const ids = rankByHeadroom(accounts, windowsOf(provider), at).map((a) => a.id);
      ranked.set(provider, {accounts, at, ids});
      return ids;
    },
    load: startRead,
    async settled() {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}
