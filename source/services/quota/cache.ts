// The last good quota per account, kept in `tui/quota-cache.json` so the dashboard and `quota` show
// numbers at once. Written atomically under a lock: the TUI's poller, its proxy child (which feeds
// windows it sees in response headers) and `ccs-tui quota --refresh` may all write at the same time.
import path from 'node:path';
import {mergeWindows} from '../../core/quota.js';
import type {QuotaWindow} from '../../core/types.js';
import {idMap} from '../../core/id-map.js';
import {backupCorruptFile, CorruptFileError, readJsonFile, withFileLock, writeJsonAtomic} from '../../store/files.js';
import type {CcsPaths} from '../../store/paths.js';
import type {QuotaErrorInfo} from './errors.js';

export interface QuotaCacheEntry {
  /** Last good windows (kept through failures: old numbers with their age beat no numbers). */
  windows: QuotaWindow[];
  /** RFC 3339 time of the last fetch attempt. */
  fetchedAt?: string;
  /** The last fetch failed: why. Cleared by the next success. */
  error?: QuotaErrorInfo;
  /** Epoch ms before which the usage endpoint is not asked again for this token (429 backoff). */
  backoffUntil?: number;
}

export interface QuotaCache {
  version: 1;
  /** provider → account id → entry. */
  accounts: Record<string, Record<string, QuotaCacheEntry>>;
}

export const quotaCacheFile = (paths: CcsPaths) => path.join(paths.state, 'quota-cache.json');

const emptyCache = (): QuotaCache => ({version: 1, accounts: idMap()});

/** Account ids are keys here: maps without prototypes, so `__proto__` or `constructor` is an ordinary id. */
function withIdMaps(cache: QuotaCache): QuotaCache {
  const accounts = idMap<Record<string, QuotaCacheEntry>>();
  for (const [provider, byAccount] of Object.entries(cache.accounts)) accounts[provider] = idMap(byAccount);
  return {...cache, accounts};
}

function isCache(value: unknown): value is QuotaCache {
  return typeof value === 'object' && value !== null && typeof (value as QuotaCache).accounts === 'object' && (value as QuotaCache).accounts !== null;
}

/** The cache, or an empty one when missing. A broken cache is copied aside and read as empty. */
export async function readQuotaCache(paths: CcsPaths): Promise<QuotaCache> {
  const file = quotaCacheFile(paths);
  try {
    const value = await readJsonFile(file);
    if (value === undefined) return emptyCache();
    if (!isCache(value)) throw new CorruptFileError(file, 'expected {"version": 1, "accounts": {...}}');
    return withIdMaps(value);
  } catch (error) {
    if (!(error instanceof CorruptFileError)) throw error;
    await backupCorruptFile(file).catch(() => undefined);
    return emptyCache();
  }
}

export function cacheEntry(cache: QuotaCache, provider: string, accountId: string): QuotaCacheEntry | undefined {
  return cache.accounts[provider]?.[accountId];
}

/** Read-modify-write of one account's entry under the cache lock; returns the new entry. */
export async function updateQuotaEntry(
  paths: CcsPaths,
  provider: string,
  accountId: string,
  change: (entry: QuotaCacheEntry) => QuotaCacheEntry,
): Promise<QuotaCacheEntry> {
  const file = quotaCacheFile(paths);
  return withFileLock(file, async () => {
    const cache = await readQuotaCache(paths);
    const byAccount = (cache.accounts[provider] ??= idMap());
    const next = change(byAccount[accountId] ?? {windows: []});
    byAccount[accountId] = next;
    await writeJsonAtomic(file, cache);
    return next;
  });
}

/**
 * Windows seen elsewhere (the proxy reads them from response headers) join the cache: they replace
 * the cached windows of the same kind. A working response proves the token works, so an earlier
 * login or network error is cleared; a usage-endpoint backoff stays.
 */
export async function recordObservedWindows(paths: CcsPaths, provider: string, accountId: string, windows: readonly QuotaWindow[]): Promise<void> {
  if (windows.length === 0) return;
  await updateQuotaEntry(paths, provider, accountId, (entry) => ({
    ...entry,
    windows: mergeWindows(entry.windows, windows),
    error: entry.error?.kind === 'rate-limited' ? entry.error : undefined,
  }));
}
