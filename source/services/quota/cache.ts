// The last good quota per account, kept in `tui/quota-cache.json` so the dashboard and `quota` show
// numbers at once. Written atomically under a lock: the TUI's poller, its proxy child (which feeds
// windows it sees in response headers) and `ccs-tui quota --refresh` may all write at the same time.
// The poller batches its results (QuotaCacheWriter): one write per batch, not one per account.
import fs from 'node:fs/promises';
import path from 'node:path';
import {mergeWindows} from '../../core/quota.js';
import {isObject} from '../../providers/adapters/quota-windows.js';
import type {Account, QuotaWindow} from '../../core/types.js';
import {idMap} from '../../core/id-map.js';
import {backupCorruptFile, CorruptFileError, readJsonFile, readTextIfExists} from '../../store/files.js';
import {fileVersion, withFileLock} from '../../store/file-lock.js';
import {fileStamp} from '../../store/file-stamp.js';
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

/**
 * The cache with every entry of the shape this module writes, and whether anything else was left out
 * (an entry, a window or a field of another type: a hand edit, another tool, a damaged disk; read as
 * it was, one `null` window stopped every quota view and every proxy request). Account ids are keys
 * here: maps without prototypes, so `__proto__` or `constructor` is an ordinary id.
 */
function checkedEntries(cache: QuotaCache): {cache: QuotaCache; leftOut: boolean} {
  let leftOut = false;
  const accounts = idMap<Record<string, QuotaCacheEntry>>();
  for (const [provider, byAccount] of Object.entries(cache.accounts)) {
    if (!isObject(byAccount)) {
      leftOut = true;
      continue;
    }
    const entries = (accounts[provider] = idMap<QuotaCacheEntry>());
    for (const [accountId, entry] of Object.entries(byAccount)) {
      const checked = checkedEntry(entry);
      if (checked) entries[accountId] = checked;
      if (checked !== entry) leftOut = true;
    }
  }
  return {cache: {...cache, accounts}, leftOut};
}

const isTextOrNull = (value: unknown) => value === null || typeof value === 'string';
const isNumberOrNull = (value: unknown) => value === null || (typeof value === 'number' && Number.isFinite(value));

/** A window as QuotaWindow types it (`stale` optional), else undefined. */
function isWindow(value: unknown): value is QuotaWindow {
  if (!isObject(value)) return false;
  const {kind, usedPct, resetsAt, windowSeconds, source, observedAt, stale} = value;
  return typeof kind === 'string' && isNumberOrNull(usedPct) && isTextOrNull(resetsAt) && isNumberOrNull(windowSeconds) && typeof source === 'string' && typeof observedAt === 'string' && (stale === undefined || typeof stale === 'boolean');
}

/** `entry` itself when it is whole, a copy without what is not of its type, or undefined when it is no entry at all. */
function checkedEntry(entry: unknown): QuotaCacheEntry | undefined {
  if (!isObject(entry) || !Array.isArray(entry.windows)) return undefined;
  const windows = entry.windows.every(isWindow) ? (entry.windows as QuotaWindow[]) : entry.windows.filter(isWindow);
  const {fetchedAt, error, backoffUntil} = entry;
  const errorWhole = error === undefined || (isObject(error) && typeof error.kind === 'string' && typeof error.message === 'string' && (error.retryAt === undefined || typeof error.retryAt === 'string'));
  const whole = windows === entry.windows && (fetchedAt === undefined || typeof fetchedAt === 'string') && errorWhole && (backoffUntil === undefined || (typeof backoffUntil === 'number' && Number.isFinite(backoffUntil)));
  if (whole) return entry as unknown as QuotaCacheEntry;
  return {
    windows,
    ...(typeof fetchedAt === 'string' ? {fetchedAt} : {}),
    ...(error !== undefined && errorWhole ? {error: error as unknown as QuotaErrorInfo} : {}),
    ...(typeof backoffUntil === 'number' && Number.isFinite(backoffUntil) ? {backoffUntil} : {}),
  };
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
    const {cache, leftOut} = checkedEntries(value);
    // What was left out is fetched again; the file as it was is kept beside it (the next write drops it).
    if (leftOut) await backupCorruptFile(file).catch(() => undefined);
    return cache;
  } catch (error) {
    if (!(error instanceof CorruptFileError)) throw error;
    await backupCorruptFile(file).catch(() => undefined);
    return emptyCache();
  }
}

export function cacheEntry(cache: QuotaCache, provider: string, accountId: string): QuotaCacheEntry | undefined {
  return cache.accounts[provider]?.[accountId];
}

/** The cached windows of `accounts` (one provider's or many), by account id; none for an account the cache lacks (or no cache). */
export function cachedWindows(cache: QuotaCache | undefined, accounts: readonly Pick<Account, 'provider' | 'id'>[]): Map<string, readonly QuotaWindow[]> {
  return new Map(accounts.map((a) => [a.id, (cache && cacheEntry(cache, a.provider, a.id)?.windows) ?? []]));
}

/** The stamp (store/file-stamp.ts) of a file, to tell our own last write from another process's. */
const stampOf = (file: string) =>
  fs.stat(file).then(
    (stat) => fileStamp(stat),
    () => undefined,
  );
/** file → stamp right after this process last wrote it. */
const lastOwnWrite = new Map<string, string | undefined>();

/**
 * The cache as it now is on disk, or undefined when the file is still the one this process last
 * wrote (a watcher fires for our own writes too: no need to re-read 0.75 MB to learn nothing).
 */
export async function readQuotaCacheIfChanged(paths: CcsPaths): Promise<QuotaCache | undefined> {
  const file = quotaCacheFile(paths);
  const own = lastOwnWrite.get(file);
  if (own !== undefined && own === (await stampOf(file))) return undefined;
  return readQuotaCache(paths);
}

/**
 * The cache file's stamp (store/file-stamp.ts) when another process wrote it last, undefined when
 * this process did (or there is no file): what a reader that re-reads on a change compares.
 */
export async function othersQuotaCacheStamp(paths: CcsPaths): Promise<string | undefined> {
  const file = quotaCacheFile(paths);
  const stamp = await stampOf(file);
  return stamp === lastOwnWrite.get(file) ? undefined : stamp;
}

/**
 * `next` with every entry that did not change replaced by `current`'s object for it, so that whoever
 * compares by identity (memoised rows) sees only the accounts whose numbers changed.
 */
export function keepUnchangedEntries(current: QuotaCache, next: QuotaCache): QuotaCache {
  for (const [provider, accounts] of Object.entries(next.accounts)) {
    const before = current.accounts[provider];
    if (!before) continue;
    for (const [accountId, entry] of Object.entries(accounts)) {
      const old = before[accountId];
      if (old && JSON.stringify(old) === JSON.stringify(entry)) accounts[accountId] = old;
    }
  }
  return next;
}

/** How one account's entry changes: given the entry as it stands in the file (or an empty one). */
export type QuotaEntryChange = (entry: QuotaCacheEntry) => QuotaCacheEntry;

/**
 * One read-modify-write of the cache file under its lock, for any number of accounts: entries other
 * processes wrote meanwhile are kept (merge, never clobber). Returns the new entries in `changes`'
 * order. Compact JSON: the file is machine-read and, at 1,000 accounts, large.
 */
export async function updateQuotaEntries(
  paths: CcsPaths,
  changes: readonly {provider: string; accountId: string; change: QuotaEntryChange}[],
): Promise<QuotaCacheEntry[]> {
  return changeQuotaCache(paths, (cache) =>
    changes.map(({provider, accountId, change}) => {
      const byAccount = (cache.accounts[provider] ??= idMap());
      return (byAccount[accountId] = change(byAccount[accountId] ?? {windows: []}));
    }),
  );
}

/**
 * Takes removed accounts' entries out of the cache file (`accountIds` of `provider`), so the file
 * names no account the registry no longer has. Nothing is written when none of them has one.
 */
export async function forgetQuotaEntries(paths: CcsPaths, provider: string, accountIds: readonly string[]): Promise<void> {
  if (!(await readQuotaCache(paths).catch(() => undefined))?.accounts[provider]) return;
  await changeQuotaCache(paths, (cache) => {
    const byAccount = cache.accounts[provider];
    if (!byAccount) return;
    for (const id of accountIds) if (Object.hasOwn(byAccount, id)) delete byAccount[id];
    if (Object.keys(byAccount).length === 0) delete cache.accounts[provider];
  });
}

/** One read-modify-write of the cache file under its lock (`change` edits the cache in place). */
async function changeQuotaCache<T>(paths: CcsPaths, change: (cache: QuotaCache) => T): Promise<T> {
  const file = quotaCacheFile(paths);
  return withFileLock(file, async (lock) => {
    // Taken before the read: a change after it, by a process that took the lock over, is never written over.
    const version = await fileVersion(file);
    // Our last write, when the file still holds exactly its text (no other process wrote since): its
    // cache is taken as it is instead of parsing the file again. Taken out first: a batch whose write
    // fails leaves nothing behind to be written later.
    const kept = lastWritten.get(file);
    lastWritten.delete(file);
    const cache = kept && (await readTextIfExists(file).catch(() => undefined)) === kept.text ? kept.cache : await readQuotaCache(paths);
    const results = change(cache);
    const text = JSON.stringify(cache);
    await lock.write(file, text, version);
    lastWritten.set(file, {text, cache});
    lastOwnWrite.set(file, await stampOf(file));
    return results;
  });
}

/**
 * The text this process last wrote to each cache file, and the cache it was made from. With 1,000
 * accounts the file is ~0.75 MB, and a poll writes it twice a second: parsing it again before each
 * batch was a good part of the poll's CPU. Only this module changes the cache object kept.
 */
const lastWritten = new Map<string, {text: string; cache: QuotaCache}>();

/** Read-modify-write of one account's entry under the cache lock; returns the new entry. */
export async function updateQuotaEntry(paths: CcsPaths, provider: string, accountId: string, change: QuotaEntryChange): Promise<QuotaCacheEntry> {
  const [entry] = await updateQuotaEntries(paths, [{provider, accountId, change}]);
  return entry!;
}

/** Where a fetch's result goes: straight to the file, or into a batch (QuotaCacheWriter). */
export interface QuotaEntrySink {
  update(provider: string, accountId: string, change: QuotaEntryChange): Promise<QuotaCacheEntry>;
}

/** Each result is its own read-modify-write (one-off fetches: `ccs-tui quota --refresh` of one account). */
export const directQuotaSink = (paths: CcsPaths): QuotaEntrySink => ({
  update: (provider, accountId, change) => updateQuotaEntry(paths, provider, accountId, change),
});

/** Real milliseconds between two batched writes of the cache file. */
export const QUOTA_WRITE_EVERY_MS = 500;

/**
 * Batches results into one locked read-modify-write at most every `everyMs` (real time: this is file
 * I/O pacing, not quota time). With 1,000 accounts a poll storm rewrote the whole file once per
 * result; now it is rewritten a couple of times a second whatever the number of results. `update`
 * resolves with the entry as written, once its batch is on disk; a failed write rejects every
 * `update` in that batch.
 */
export class QuotaCacheWriter implements QuotaEntrySink {
  private queue: {provider: string; accountId: string; change: QuotaEntryChange; resolve: (entry: QuotaCacheEntry) => void; reject: (error: unknown) => void}[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** How many times the file was written (one per batch). */
  writes = 0;

  constructor(
    private readonly paths: CcsPaths,
    private readonly everyMs = QUOTA_WRITE_EVERY_MS,
  ) {}

  update(provider: string, accountId: string, change: QuotaEntryChange): Promise<QuotaCacheEntry> {
    return new Promise((resolve, reject) => {
      this.queue.push({provider, accountId, change, resolve, reject});
      // Not unref'd: someone awaits this batch, so the process stays until it is written.
      this.timer ??= setTimeout(() => void this.flush(), this.everyMs);
    });
  }

  /** Writes what is queued now (one write at a time); resolves once it is on disk or has failed. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return this.writing;
    this.writing = this.writing.then(async () => {
      try {
        const entries = await updateQuotaEntries(this.paths, batch);
        this.writes++;
        batch.forEach((item, i) => item.resolve(entries[i]!));
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    });
    return this.writing;
  }
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
