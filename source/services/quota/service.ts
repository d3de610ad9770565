// Reading quota for accounts: one fetch (token, endpoint, backoff, cache), and the poller that keeps
// every account's numbers current for the TUI.
//
// Polling: every `quota.pollSeconds` per account, every `quota.fastPollSeconds` once a window is above
// `quota.fastPollAbovePct`, and at each window's reset. A 429 backs the token off (`Retry-After`, else
// 5 minutes); a refresh the user asked for bypasses the backoff.
import {anyWindowAbove, FUTURE_SLACK_MS, nextReset} from '../../core/quota.js';
import type {Account, QuotaWindow} from '../../core/types.js';
import {findProvider, withEndpointOverrides, type ProviderRow} from '../../providers/table.js';
import {endpointOverrides, loadSettings, settingsUnreadable, type TuiSettings} from '../../store/settings.js';
import {systemClock, type Clock} from '../clock.js';
import type {ServiceNeeds} from '../deps.js';
import {undiciHttpClient} from '../http.js';
import {GrantNotSavedError, NeedsLoginError, RefreshOutcomeUnknownError, RefreshRefusedError, ensureFreshToken, markRefreshRefused} from '../refresh.js';
import {refreshUnknownWords} from '../../core/accounts.js';
import {formatLocalTime} from '../../core/relative-time.js';
import {OAuthError} from '../oauth/token-endpoint.js';
import {cacheEntry, directQuotaSink, keepUnchangedEntries, readQuotaCacheIfChanged, QuotaCacheWriter, readQuotaCache, type QuotaCache, type QuotaCacheEntry, type QuotaEntryChange, type QuotaEntrySink} from './cache.js';
import {asQuotaError, DEFAULT_BACKOFF_MS, QuotaFetchError, settingsUnreadableQuotaError} from './errors.js';
import {credentialRedactor} from '../credential-redactor.js';
import {SHOWN_TEXT} from '../../core/redact.js';
import {idMap} from '../../core/id-map.js';
import {fetchQuota} from './fetchers.js';

/** The dependency bag's part a quota fetch uses (services/deps.ts). */
export type QuotaDeps = ServiceNeeds<'paths'>;

/** The provider row with tui.json overrides, when the provider reports quota at all. */
export function quotaProvider(settings: TuiSettings, provider: string): ProviderRow | undefined {
  const row = findProvider(provider);
  if (!row?.quotaSource) return undefined;
  return withEndpointOverrides(row, endpointOverrides(settings, row.id));
}

export const hasQuotaSource = (provider: string) => Boolean(findProvider(provider)?.quotaSource);

async function tokenFor(deps: QuotaDeps, account: Account) {
  let refreshFailure: unknown;
  /** The refresh was refused (marked refresh-failed): its refresh token is never sent again. */
  let refused = false;
  if (account.health === 'needs-login') {
    throw new QuotaFetchError('needs-login', account.healthDetail ?? 'the refresh token is no longer valid');
  }
  // Some providers read quota with a credential that does not expire (Copilot's GitHub token): nothing to refresh.
  if (!findProvider(account.provider)?.adapter.quotaWithoutRefresh) {
    try {
      return await ensureFreshToken({store: deps.store, settings: deps.settings, http: deps.http, clock: deps.clock}, account.provider, account.id);
    } catch (error) {
      if (error instanceof NeedsLoginError) throw new QuotaFetchError('needs-login', error.reason);
      // The refresh token may have been spent and the access token is due: the row says a login is needed, as `accounts` does.
      if (error instanceof RefreshOutcomeUnknownError) throw new QuotaFetchError('needs-login', refreshUnknownWords(error.detail, account.expiresAt));
      // The refresh was granted but its file could not take it: where the grant went is the news (the
      // token on disk is the spent one's).
      if (error instanceof GrantNotSavedError) throw new QuotaFetchError('file', error.message);
      // A refusal (now, or one met before) is marked, so the row says its refresh failed, as after `t`;
      // otherwise not fatal here: the token on disk may still be accepted.
      refused = await markRefreshRefused(deps.store, account.provider, account, error).catch(() => false);
      refreshFailure = error;
    }
  }
  const token = await deps.store.readToken(account);
  if (!token) throw new QuotaFetchError('needs-login', `${deps.store.tokenPath(account)}: token file not found`);
  // An access token already past its expiry is only refused (a 401 that says nothing of why): the
  // refresh's failure is what the row says (an answer without an access token, a server error).
  const expiresAt = typeof token.expired === 'string' ? Date.parse(token.expired) : Number.NaN;
  const now = (deps.clock ?? systemClock).now();
  if (refreshFailure !== undefined && expiresAt <= now) throw refreshFailed(refreshFailure, now, refused);
  return token;
}

/**
 * A refresh's failure as the row says it: `refresh failed: <why>`, a rate limit (429) with its next
 * try (Retry-After, else the usage endpoint's default backoff), as a usage endpoint's is. `refused`:
 * the refresh token is never sent again (markRefreshRefused), so only a login brings the account back.
 */
function refreshFailed(error: unknown, now: number, refused: boolean): QuotaFetchError {
  // A refusal met before says so itself (RefreshRefusedError).
  if (refused) return new QuotaFetchError('needs-login', `refresh failed: ${(error as Error).message}${error instanceof RefreshRefusedError ? '' : '; that refresh token is never sent again'}`);
  if (error instanceof OAuthError && error.status === 429) {
    const retryAt = now + (error.retryAfter === undefined ? DEFAULT_BACKOFF_MS : error.retryAfter * 1000);
    return new QuotaFetchError('rate-limited', `refresh failed: ${error.message}; next try at ${formatLocalTime(new Date(retryAt).toISOString())}`, retryAt);
  }
  const failure = asQuotaError(error);
  return new QuotaFetchError(failure.kind, `refresh failed: ${failure.message}`, failure.retryAt);
}

/**
 * Asks the account's usage endpoint (unless inside a 429 backoff and not `force`, or the provider
 * reports no quota) and returns how its cache entry changes; undefined when nothing was asked.
 * `cached`: the entry as the caller has it. Throws only when `signal` aborted it. Writing the change
 * is the caller's (fetchAccountQuota, or a batch: the request need not wait for the file).
 */
export async function askAccountQuota(deps: QuotaDeps, account: Account, cached: QuotaCacheEntry | undefined, options: {force?: boolean; signal?: AbortSignal} = {}): Promise<QuotaEntryChange | undefined> {
  const clock = deps.clock ?? systemClock;
  const row = quotaProvider(deps.settings, account.provider);
  if (!row) return undefined;
  if (!options.force && cached?.backoffUntil !== undefined && cached.backoffUntil > clock.now()) return undefined;
  let windows: QuotaWindow[];
  try {
    const token = await tokenFor(deps, account);
    windows = await fetchQuota({http: deps.http ?? undiciHttpClient, row, account, token, now: clock.now(), signal: options.signal});
  } catch (error) {
    // Abandoned (the TUI quit): nothing learned, nothing recorded.
    if (options.signal?.aborted) throw error;
    const failure = asQuotaError(error);
    return (entry) => ({
      windows: entry.windows,
      fetchedAt: new Date(clock.now()).toISOString(),
      // A usage endpoint may echo the token it was sent: the cache and every screen get it masked.
      error: credentialRedactor(deps.paths).current().redactDeep(failure.toInfo(), SHOWN_TEXT),
      ...(failure.retryAt === undefined ? {} : {backoffUntil: failure.retryAt}),
    });
  }
  // The usage endpoint is the full picture: it replaces what headers contributed.
  const fetchedAt = new Date(clock.now()).toISOString();
  return () => ({windows, fetchedAt});
}

/**
 * An account's entry while tui.json is broken: its cached numbers (kept, not re-dated) with why they
 * do not move. Never written to the cache file: nothing was asked. `cause`: settingsUnreadable's text.
 */
export function waitingForSettings(cached: QuotaCacheEntry | undefined, cause: string): QuotaCacheEntry {
  return {...(cached ?? {windows: []}), error: settingsUnreadableQuotaError(cause)};
}

/**
 * Reads one account's quota and records the result in the cache. Inside a 429 backoff nothing is
 * asked unless `force` (a refresh the user asked for). Returns the cache entry as it now stands.
 */
export async function fetchAccountQuota(
  deps: QuotaDeps,
  account: Account,
  /**
   * `cache`: the caller's copy (the poller keeps one), so the file is not re-read for every account.
   * `sink`: where the result is written (default: its own locked read-modify-write of the file).
   */
  options: {force?: boolean; signal?: AbortSignal; cache?: QuotaCache; sink?: QuotaEntrySink} = {},
): Promise<QuotaCacheEntry> {
  if (!quotaProvider(deps.settings, account.provider)) return {windows: []};
  const cached = cacheEntry(options.cache ?? (await readQuotaCache(deps.paths)), account.provider, account.id);
  const change = await askAccountQuota(deps, account, cached, options);
  if (!change) return cached!;
  return (options.sink ?? directQuotaSink(deps.paths)).update(account.provider, account.id, change);
}

// ---------------------------------------------------------------------------------------------

export type QuotaListener = (cache: QuotaCache) => void;

const keyOf = (account: Pick<Account, 'provider' | 'id'>) => `${account.provider}\u0000${account.id}`;
/** How many accounts are fetched at once. */
const MAX_CONCURRENT_FETCHES = 4;
/**
 * Polls due together (a returning user's stale cache, a first start) beyond the first few are spread
 * at random over `min(SPREAD_MAX_MS, due × SPREAD_PER_ACCOUNT_MS)`: 1,000 overdue accounts are asked
 * over a minute, not all at the first frame. The first `MAX_CONCURRENT_FETCHES` go at once.
 */
const SPREAD_PER_ACCOUNT_MS = 60;
const SPREAD_MAX_MS = 60_000;
/**
 * Each next poll comes up to this fraction of its interval EARLY (never late: numbers stay no older
 * than `pollSeconds`), so accounts fetched together drift apart instead of staying in step.
 */
const JITTER_FRACTION = 0.1;
/** Subscribers hear results at most this often (a storm of results is one redraw, a few a second). */
const EMIT_EVERY_MS = 250;

/** A small counting semaphore. */
class FetchSlots {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/** Fetch a little after a reset, so the server has rolled the window over. */
const AFTER_RESET_MS = 5_000;

/**
 * Where a poller's numbers come from and go: this machine's cache file (localQuotaSource: the
 * default), or a remote server (services/remote/quota.ts), whose numbers stay in memory.
 */
export interface QuotaSource {
  /** The numbers as they stand (at start). */
  read(): Promise<QuotaCache>;
  /** The numbers again after a change was heard; undefined when nothing is new (this process's own write). */
  reread(): Promise<QuotaCache | undefined>;
  /**
   * Asks one account's usage (the only part that holds a fetch slot) and returns how its entry
   * changes; undefined when nothing was asked. `cached`: the entry as the poller has it.
   */
  fetch(deps: QuotaDeps, account: Account, cached: QuotaCacheEntry | undefined, options: {force?: boolean; signal?: AbortSignal}): Promise<QuotaEntryChange | undefined>;
  /** Keeps a change; resolves with the entry as kept (local: once its batch is on disk). */
  record(provider: string, accountId: string, change: QuotaEntryChange): Promise<QuotaCacheEntry>;
  /** Keeps what is still pending (on stop: nothing fetched is lost on quit). */
  flush(): Promise<void>;
}

/**
 * The cache file of this machine: fetches ask the account's usage endpoint; results are written in
 * batches (QuotaCacheWriter: one locked read-modify-write that merges other processes' entries).
 */
export function localQuotaSource(paths: QuotaDeps['paths']): QuotaSource {
  const writer = new QuotaCacheWriter(paths);
  return {
    read: () => readQuotaCache(paths),
    reread: () => readQuotaCacheIfChanged(paths),
    fetch: askAccountQuota,
    record: (provider, accountId, change) => writer.update(provider, accountId, change),
    flush: () => writer.flush(),
  };
}

/** What the poller needs; tui.json is read at start when no settings are given. */
export type QuotaPollerDeps = Omit<QuotaDeps, 'settings'> & {
  settings?: TuiSettings;
  source?: QuotaSource;
  /** [0, 1) for jitter and spreading (tests pin it); Math.random by default. */
  random?: () => number;
};

/**
 * Keeps every account's quota current while the TUI shows it; tells subscribers after each change.
 * Screens `use()` it; when the last user lets go, polling pauses (the cache stays in memory).
 */
export class QuotaPoller {
  private accounts = new Map<string, Account>();
  private timers = new Map<string, () => void>();
  private inFlight = new Map<string, {work: Promise<void>; signal: AbortSignal}>();
  private cache: QuotaCache = {version: 1, accounts: {}};
  private listeners = new Set<QuotaListener>();
  private stopped = false;
  private aborter = new AbortController();
  private users = 0;
  private starting: Promise<void> | undefined;
  private deps: QuotaDeps | undefined;
  private readonly clock: Clock;
  /** Fetches wait for one of these: with many accounts, polls due together do not all run at once. */
  private readonly slots = new FetchSlots(MAX_CONCURRENT_FETCHES);
  /** Local results are written in batches (localQuotaSource): one locked write of the file for many accounts. */
  private readonly source: QuotaSource;
  private readonly random: () => number;
  /**
   * Real time (performance.now) of the last emit of a result, and the pending trailing emit. Real
   * time, not `clock`: this paces redraws (CPU), not quota time.
   */
  private lastEmitAt = -Infinity;
  private emitTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: QuotaPollerDeps) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.source = options.source ?? localQuotaSource(options.paths);
    if (options.settings) this.deps = {...options, settings: options.settings};
  }

  /**
   * Starts polling these accounts (or updates the list) for one more user; the returned function
   * lets go. Resolves once the cached numbers are loaded.
   */
  use(accounts: readonly Account[]): {ready: Promise<void>; release: () => void} {
    this.users++;
    this.stopped = false;
    const ready = this.starting && this.users > 1 ? this.starting.then(() => this.setAccounts(accounts)) : (this.starting = this.start(accounts));
    let released = false;
    return {
      ready,
      release: () => {
        if (released) return;
        released = true;
        if (--this.users === 0) this.pause();
      },
    };
  }

  /** Stops the timers but keeps the numbers and the subscribers (a screen may come back). */
  private pause(): void {
    for (const key of [...this.timers.keys()]) this.cancel(key);
    this.aborter.abort();
    this.aborter = new AbortController();
    this.accounts.clear();
    this.starting = undefined;
  }

  /** The cached numbers as last read or fetched. */
  get snapshot(): QuotaCache {
    return this.cache;
  }

  subscribe(listener: QuotaListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the cache (numbers on screen at once) and starts polling the accounts. */
  async start(accounts: readonly Account[]): Promise<void> {
    this.stopped = false;
    this.deps ??= {...this.options, settings: (await loadSettings(this.options.paths)).settings};
    this.cache = await this.source.read();
    this.emit();
    this.setAccounts(accounts);
  }

  /**
   * tui.json changed: its poll intervals and endpoint overrides apply from now on. Every polled
   * account's next poll is worked out again from its last fetch (an account now due is fetched).
   */
  updateSettings(settings: TuiSettings): void {
    this.deps = {...this.options, settings};
    if (this.stopped) return;
    for (const key of this.accounts.keys()) if (!this.inFlight.has(key) && !this.scheduleFromCache(key)) void this.poll(key, false);
  }

  /** The account list changed (reload): poll new accounts, forget removed ones. */
  setAccounts(accounts: readonly Account[]): void {
    if (this.stopped) return;
    const next = new Map(accounts.filter((a) => hasQuotaSource(a.provider)).map((a) => [keyOf(a), a] as const));
    for (const key of this.accounts.keys()) if (!next.has(key)) this.cancel(key);
    const added = [...next.keys()].filter((key) => !this.accounts.has(key));
    this.accounts = next;
    const due = added.filter((key) => !this.scheduleFromCache(key));
    // Few due at once: now (the slots bound them). Many: spread out, so the first minute is no storm.
    const spreadMs = due.length <= MAX_CONCURRENT_FETCHES ? 0 : Math.min(SPREAD_MAX_MS, due.length * SPREAD_PER_ACCOUNT_MS);
    for (const key of due) {
      if (spreadMs === 0) void this.poll(key, false);
      else this.timers.set(key, this.clock.setTimeout(() => void this.poll(key, false), Math.floor(this.random() * spreadMs)));
    }
  }

  /**
   * Fetches now, bypassing the backoff (the user asked). Without accounts: every polled account.
   * Works before any screen started polling (the home screen's `R`): the accounts are read once.
   */
  async refresh(accounts?: readonly Account[]): Promise<void> {
    await this.starting;
    this.deps ??= {...this.options, settings: (await loadSettings(this.options.paths)).settings};
    const targets = accounts ? accounts.filter((a) => hasQuotaSource(a.provider)) : [...this.accounts.values()];
    await Promise.all(targets.map((account) => this.poll(keyOf(account), true, account)));
  }

  /** Re-reads the cache file (another process, e.g. the proxy, wrote it). */
  async reload(): Promise<void> {
    const next = await this.source.reread();
    if (!next) return; // our own batch: nothing new
    this.cache = keepUnchangedEntries(this.cache, next);
    this.emit();
  }

  /** True while the account's usage is being asked (screens say `fetching…` instead of `?`). */
  isFetching(account: Pick<Account, 'provider' | 'id'>): boolean {
    const running = this.inFlight.get(keyOf(account));
    return running !== undefined && !running.signal.aborted;
  }

  /** Resolves once no fetch is running (tests, and a clean exit). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()].map((f) => f.work));
  }

  stop(): void {
    this.stopped = true;
    for (const key of [...this.timers.keys()]) this.cancel(key);
    this.aborter.abort();
    this.listeners.clear();
    clearTimeout(this.emitTimer);
    this.emitTimer = undefined;
    // Results still queued for the file are written (nothing fetched is lost on quit).
    void this.source.flush();
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.cache);
  }

  /** A result came in: tell subscribers now, or once the throttle window ends (one emit for many results). */
  private emitResult(): void {
    if (this.emitTimer) return;
    const wait = this.lastEmitAt + EMIT_EVERY_MS - performance.now();
    const fire = () => {
      this.emitTimer = undefined;
      this.lastEmitAt = performance.now();
      this.emit();
    };
    if (wait <= 0) fire();
    else this.emitTimer = setTimeout(fire, wait).unref();
  }

  private cancel(key: string): void {
    this.timers.get(key)?.();
    this.timers.delete(key);
  }

  /** Schedules the account's next poll from its cached entry; false when it is due now (none, or overdue). */
  private scheduleFromCache(key: string): boolean {
    const account = this.accounts.get(key)!;
    const entry = cacheEntry(this.cache, account.provider, account.id);
    const fetchedAt = entry?.fetchedAt ? Date.parse(entry.fetchedAt) : Number.NaN;
    // Fetched "in the future" (a cache from a machine whose clock was ahead, or edited): due now,
    // or it would wait for that date.
    if (!entry || Number.isNaN(fetchedAt) || fetchedAt > this.clock.now() + FUTURE_SLACK_MS) return false;
    const at = this.nextPollAt(entry, fetchedAt);
    if (at <= this.clock.now()) return false;
    this.cancel(key);
    this.timers.set(key, this.clock.setTimeout(() => void this.poll(key, false), at - this.clock.now()));
    return true;
  }

  /** Next poll: the interval (less its jitter) after the last fetch, sooner at a reset, later inside a backoff. */
  private nextPollAt(entry: QuotaCacheEntry, from: number): number {
    const now = this.clock.now();
    const {quota} = this.deps!.settings;
    const fast = anyWindowAbove(entry.windows, quota.fastPollAbovePct, now);
    const intervalMs = (fast ? quota.fastPollSeconds : quota.pollSeconds) * 1000;
    let at = from + intervalMs * (1 - JITTER_FRACTION * this.random());
    const reset = nextReset(entry.windows, now);
    if (reset !== undefined) at = Math.min(at, reset + AFTER_RESET_MS);
    if (entry.backoffUntil !== undefined) at = Math.max(at, entry.backoffUntil);
    return at;
  }

  private schedule(key: string, entry: QuotaCacheEntry, from: number): void {
    if (this.stopped) return;
    const delay = Math.max(0, this.nextPollAt(entry, from) - this.clock.now());
    this.cancel(key);
    this.timers.set(key, this.clock.setTimeout(() => void this.poll(key, false), delay));
  }

  private poll(key: string, force: boolean, given?: Account): Promise<void> {
    const running = this.inFlight.get(key);
    // A fetch abandoned by a pause is not joined: it records nothing.
    if (running && !running.signal.aborted) return running.work;
    const account = this.accounts.get(key) ?? given;
    if (!account || this.stopped || !this.deps) return Promise.resolve();
    // tui.json is broken: nothing is asked (store/settings.ts endpointOverrides) and no next poll is
    // set; the account shows why, and updateSettings polls again once the file is fixed.
    const unreadable = settingsUnreadable(this.deps.settings);
    if (unreadable !== undefined) {
      this.cancel(key);
      ((this.cache.accounts[account.provider] ??= idMap())[account.id] = waitingForSettings(cacheEntry(this.cache, account.provider, account.id), unreadable));
      this.emitResult();
      return Promise.resolve();
    }
    const work = (async () => {
      let entry: QuotaCacheEntry;
      const {signal} = this.aborter;
      try {
        const deps = this.deps!;
        const cached = cacheEntry(this.cache, account.provider, account.id);
        // Only the request holds a slot; the batched write is waited for outside it.
        const change = await this.slots.run(() => this.source.fetch(deps, account, cached, {force, signal}));
        // Gone from the list meanwhile (removed: `d`, `ccs-tui remove`): its answer is no entry to keep,
        // or the cache would name the account again after its removal took its entry out.
        if (!given && !this.accounts.has(key)) return;
        entry = change ? await this.source.record(account.provider, account.id, change) : (cached ?? {windows: []});
      } catch (error) {
        if (signal.aborted) return;
        // The cache itself could not be written (disk full, lock held too long): show it, retry later.
        entry = {windows: cacheEntry(this.cache, account.provider, account.id)?.windows ?? [], error: credentialRedactor(this.deps!.paths).current().redactDeep(asQuotaError(error).toInfo(), SHOWN_TEXT)};
      }
      if (this.stopped) return;
      ((this.cache.accounts[account.provider] ??= idMap())[account.id] = entry);
      this.emitResult();
      // Paused meanwhile (no screen shows quota): no next poll.
      if (this.accounts.has(key)) this.schedule(key, entry, this.clock.now());
    })().finally(() => {
      if (this.inFlight.get(key)?.work === work) this.inFlight.delete(key);
      // The fetch is over (whatever came of it): isFetching changed.
      if (!this.stopped) this.emitResult();
    });
    this.inFlight.set(key, {work, signal: this.aborter.signal});
    // Subscribers hear that a fetch started (a screen shows `fetching…`), throttled like results.
    this.emitResult();
    return work;
  }
}
