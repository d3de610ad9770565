// Reading quota for accounts: one fetch (token, endpoint, backoff, cache), and the poller that keeps
// every account's numbers current for the TUI.
//
// Polling: every `quota.pollSeconds` per account, every `quota.fastPollSeconds` once a window is above
// `quota.fastPollAbovePct`, and at each window's reset. A 429 backs the token off (`Retry-After`, else
// 5 minutes); a refresh the user asked for bypasses the backoff.
import {anyWindowAbove, nextReset} from '../../core/quota.js';
import type {Account, QuotaWindow} from '../../core/types.js';
import {findProvider, withEndpointOverrides, type ProviderRow} from '../../providers/table.js';
import {endpointOverrides, loadSettings, type TuiSettings} from '../../store/settings.js';
import {systemClock, type Clock} from '../clock.js';
import type {ServiceNeeds} from '../deps.js';
import {undiciHttpClient} from '../http.js';
import {NeedsLoginError, ensureFreshToken} from '../refresh.js';
import {cacheEntry, readQuotaCache, updateQuotaEntry, type QuotaCache, type QuotaCacheEntry} from './cache.js';
import {asQuotaError, QuotaFetchError} from './errors.js';
import {credentialRedactor} from '../credential-redactor.js';
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
  if (account.health === 'needs-login') {
    throw new QuotaFetchError('needs-login', `${account.healthDetail ?? 'the refresh token is no longer valid'}; log in again`);
  }
  // Some providers read quota with a credential that does not expire (Copilot's GitHub token): nothing to refresh.
  if (!findProvider(account.provider)?.adapter.quotaWithoutRefresh) {
    try {
      return await ensureFreshToken({store: deps.store, settings: deps.settings, http: deps.http, clock: deps.clock}, account.provider, account.id);
    } catch (error) {
      if (error instanceof NeedsLoginError) throw new QuotaFetchError('needs-login', error.message);
      // A failed refresh is not fatal here: the token on disk may still be accepted.
    }
  }
  const token = await deps.store.readToken(account);
  if (!token) throw new QuotaFetchError('needs-login', `${deps.store.tokenPath(account)}: token file not found`);
  return token;
}

/**
 * Reads one account's quota and records the result in the cache. Inside a 429 backoff nothing is
 * asked unless `force` (a refresh the user asked for). Returns the cache entry as it now stands.
 */
export async function fetchAccountQuota(
  deps: QuotaDeps,
  account: Account,
  /** `cache`: the caller's copy (the poller keeps one), so the file is not re-read for every account. */
  options: {force?: boolean; signal?: AbortSignal; cache?: QuotaCache} = {},
): Promise<QuotaCacheEntry> {
  const clock = deps.clock ?? systemClock;
  const row = quotaProvider(deps.settings, account.provider);
  if (!row) return {windows: []};
  const cached = cacheEntry(options.cache ?? (await readQuotaCache(deps.paths)), account.provider, account.id);
  if (!options.force && cached?.backoffUntil !== undefined && cached.backoffUntil > clock.now()) return cached;
  let windows: QuotaWindow[];
  try {
    const token = await tokenFor(deps, account);
    windows = await fetchQuota({http: deps.http ?? undiciHttpClient, row, account, token, now: clock.now(), signal: options.signal});
  } catch (error) {
    // Abandoned (the TUI quit): nothing learned, nothing recorded.
    if (options.signal?.aborted) throw error;
    const failure = asQuotaError(error);
    return updateQuotaEntry(deps.paths, account.provider, account.id, (entry) => ({
      windows: entry.windows,
      fetchedAt: new Date(clock.now()).toISOString(),
      // A usage endpoint may echo the token it was sent: the cache and every screen get it masked.
      error: credentialRedactor(deps.paths).current().redactDeep(failure.toInfo()),
      ...(failure.retryAt === undefined ? {} : {backoffUntil: failure.retryAt}),
    }));
  }
  // The usage endpoint is the full picture: it replaces what headers contributed.
  return updateQuotaEntry(deps.paths, account.provider, account.id, () => ({windows, fetchedAt: new Date(clock.now()).toISOString()}));
}

// ---------------------------------------------------------------------------------------------

export type QuotaListener = (cache: QuotaCache) => void;

const keyOf = (account: Pick<Account, 'provider' | 'id'>) => `${account.provider}\u0000${account.id}`;
/** How many accounts are fetched at once. */
const MAX_CONCURRENT_FETCHES = 4;

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
 * Where a poller's numbers come from: this machine's cache file and fetchAccountQuota (the default),
 * or a remote server (services/remote/quota.ts), whose numbers stay in memory.
 */
export interface QuotaSource {
  read(): Promise<QuotaCache>;
  fetch(deps: QuotaDeps, account: Account, options: {force?: boolean; signal?: AbortSignal; cache?: QuotaCache}): Promise<QuotaCacheEntry>;
}

/** What the poller needs; tui.json is read at start when no settings are given. */
export type QuotaPollerDeps = Omit<QuotaDeps, 'settings'> & {settings?: TuiSettings; source?: QuotaSource};

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
  private readonly source: QuotaSource;

  constructor(private readonly options: QuotaPollerDeps) {
    this.clock = options.clock ?? systemClock;
    this.source = options.source ?? {read: () => readQuotaCache(options.paths), fetch: fetchAccountQuota};
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

  /** The account list changed (reload): poll new accounts, forget removed ones. */
  setAccounts(accounts: readonly Account[]): void {
    if (this.stopped) return;
    const next = new Map(accounts.filter((a) => hasQuotaSource(a.provider)).map((a) => [keyOf(a), a] as const));
    for (const key of this.accounts.keys()) if (!next.has(key)) this.cancel(key);
    const added = [...next.keys()].filter((key) => !this.accounts.has(key));
    this.accounts = next;
    for (const key of added) this.scheduleFromCache(key);
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
    this.cache = await this.source.read();
    this.emit();
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
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.cache);
  }

  private cancel(key: string): void {
    this.timers.get(key)?.();
    this.timers.delete(key);
  }

  private scheduleFromCache(key: string): void {
    const account = this.accounts.get(key)!;
    const entry = cacheEntry(this.cache, account.provider, account.id);
    const fetchedAt = entry?.fetchedAt ? Date.parse(entry.fetchedAt) : Number.NaN;
    if (!entry || Number.isNaN(fetchedAt)) {
      void this.poll(key, false);
      return;
    }
    this.schedule(key, entry, fetchedAt);
  }

  /** Next poll: the interval after the last fetch, sooner at a reset, later inside a backoff. */
  private schedule(key: string, entry: QuotaCacheEntry, from: number): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const {quota} = this.deps!.settings;
    const fast = anyWindowAbove(entry.windows, quota.fastPollAbovePct, now);
    let at = from + (fast ? quota.fastPollSeconds : quota.pollSeconds) * 1000;
    const reset = nextReset(entry.windows, now);
    if (reset !== undefined) at = Math.min(at, reset + AFTER_RESET_MS);
    if (entry.backoffUntil !== undefined) at = Math.max(at, entry.backoffUntil);
    this.cancel(key);
    this.timers.set(key, this.clock.setTimeout(() => void this.poll(key, false), Math.max(0, at - now)));
  }

  private poll(key: string, force: boolean, given?: Account): Promise<void> {
    const running = this.inFlight.get(key);
    // A fetch abandoned by a pause is not joined: it records nothing.
    if (running && !running.signal.aborted) return running.work;
    const account = this.accounts.get(key) ?? given;
    if (!account || this.stopped || !this.deps) return Promise.resolve();
    const work = (async () => {
      let entry: QuotaCacheEntry;
      const {signal} = this.aborter;
      try {
        entry = await this.slots.run(() => this.source.fetch(this.deps!, account, {force, signal, cache: this.cache}));
      } catch (error) {
        if (signal.aborted) return;
        // The cache itself could not be written (disk full, lock held too long): show it, retry later.
        entry = {windows: cacheEntry(this.cache, account.provider, account.id)?.windows ?? [], error: credentialRedactor(this.deps!.paths).current().redactDeep(asQuotaError(error).toInfo())};
      }
      if (this.stopped) return;
      ((this.cache.accounts[account.provider] ??= idMap())[account.id] = entry);
      this.emit();
      // Paused meanwhile (no screen shows quota): no next poll.
      if (this.accounts.has(key)) this.schedule(key, entry, this.clock.now());
    })().finally(() => {
      if (this.inFlight.get(key)?.work === work) this.inFlight.delete(key);
    });
    this.inFlight.set(key, {work, signal: this.aborter.signal});
    return work;
  }
}
