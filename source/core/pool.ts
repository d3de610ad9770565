// The proxy's account pool: which account serves the next request, which accounts are cooling down
// after an upstream failure, and for how long. Pure: time is passed in, nothing is read or written.
//
// Cooldowns follow what CLIProxyAPI does upstream (PROVIDERS.md): quota exhaustion until the reset
// the provider announced, 401/403 for 30 min (after one refresh attempt, decided by the caller), 404
// for 12 h (for that model only), 429 without a reset exponentially 1 s … 30 min. A server error
// (5xx) departs from its flat 60 s: see SERVER_BACKOFF_MS.
// An overloaded provider (529, 503, Anthropic's `overloaded_error`) is not the account's fault
// (issue 11): it cools nothing. The proxy may try another account once (see isOverloadAnswer); when
// none is left the upstream's answer, Retry-After included, is the client's.
import {canServeNow, CREDENTIAL_REFUSAL_REST_MS} from './accounts.js';
import {parseJsonObject} from './json-object.js';
import {clampProviderWait} from './provider-wait.js';
import {rankByHeadroom, type RotationStrategy, type WindowsByAccount} from './rotation.js';
import type {Account} from './types.js';
import {countOf} from './wording.js';

export type FailureKind = 'quota' | 'auth' | 'not-found' | 'rate-limit' | 'server';

/** An upstream answer that should move the request to another account. */
export interface UpstreamFailure {
  kind: FailureKind;
  status: number;
  /** Epoch ms when the provider said the limit resets, when it said so. */
  resetAt?: number;
  /** Short human reason, e.g. "5-hour limit reached". */
  message: string;
}

export interface Cooldown {
  until: number;
  kind: FailureKind;
  message: string;
  /** Set for a 404: only this model is cooling on the account. */
  model?: string;
  /**
   * Set for a server-error backoff (SERVER_BACKOFF_MS): the account is passed over while another
   * can serve, and still tried when none can. Unset: the account serves no request until `until`.
   */
  triedLast?: boolean;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
export const COOLDOWN_MS = {auth: CREDENTIAL_REFUSAL_REST_MS, notFound: 12 * HOUR, backoffMax: 30 * MINUTE};
/** Per-model waits (a 404) kept per account; the oldest go first. */
export const MODEL_COOLDOWNS_KEPT = 32;

/**
 * A server error (500, 502, 504, …; an overload is apart, see isOverloadAnswer) is the provider's
 * transient fault, not the account's, so it never parks an account: CLIProxyAPI's flat 60 s locked
 * a lone account out for a minute after one 500 (its "500, then no auth available" bug report).
 * The first one starts no cooldown at all (the request already moved on). From the second in a row
 * (no success between, each within `streakWindow` of the one before) the account is backed off for
 * `first` ms, doubling up to `max`, and only as "tried last" (Cooldown.triedLast). What counts as
 * one more in a row is a request sent after the last failure was met and after the backoff it set
 * ended: those sent before (parallel ones, or ones sent during the backoff because no other account
 * could serve) meet the same outage, so a burst of fast failures (an unreachable upstream answers in
 * a millisecond) does not double the backoff once per request. While another
 * account can serve, the pool spares its requests a round trip to an account that keeps failing;
 * when none can, it is tried anyway, so its user gets the upstream's answer, never the proxy's 429.
 * A success ends the streak and the backoff.
 */
export const SERVER_BACKOFF_MS = {first: 2 * SECOND, max: 30 * SECOND, streakWindow: 2 * MINUTE};

/**
 * Failures of one kind in a row on an account: how many, when the last was met (epoch ms), and
 * until when the wait that one set runs (epoch ms; `at` when it set none).
 */
interface Streak {
  count: number;
  at: number;
  until: number;
}

/**
 * Whether a failure of a request sent at `sentAt` belongs to the outage (or rate limit) the
 * account's last failure already counted: the request was in flight when that one was met
 * (parallel requests), or was sent while the wait that one set still ran (requests one after
 * another, each tried only because no other account could serve). It adds nothing to the streak.
 */
function sameAsLast(last: Streak | undefined, sentAt: number): boolean {
  return last !== undefined && sentAt < Math.max(last.at, last.until);
}

/**
 * The account's place in a streak after a failure met at `now` of a request sent at `sentAt`: the
 * same count when it belongs to the last one (sameAsLast), else one more, or 1 when the last is
 * older than `window` ms. The caller records it with the wait it sets.
 */
function nextInStreak(last: Streak | undefined, now: number, sentAt: number, window: number): number {
  if (last && sameAsLast(last, sentAt)) return last.count;
  return last && now - last.at <= window ? last.count + 1 : 1;
}

/** Lower-case header map. */
type Headers = Record<string, string | undefined>;

function unixSeconds(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  if (Number.isFinite(n) && n > 0) return n * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

/** `"30s"`, `"1.5s"` (Google duration) → ms. */
function googleDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match ? Number(match[1]) * SECOND : undefined;
}

function findGoogleRetryDelay(body: unknown): number | undefined {
  const details = (body as {error?: {details?: unknown}})?.error?.details;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    const delay = googleDuration((detail as {retryDelay?: unknown})?.retryDelay);
    if (delay !== undefined) return delay;
  }
  return undefined;
}

/** An error answer's JSON object; Cloud Code's non-SSE answers wrap it in a one-element array: `[{"error": {…}}]`. */
function errorBody(bodyText: string): Record<string, unknown> | undefined {
  return parseJsonObject(bodyText) ?? firstArrayObject(bodyText);
}

/** The `error` object of an error answer (or the answer itself when it has none). */
function errorOf(bodyText: string): Record<string, unknown> | undefined {
  const body = errorBody(bodyText);
  return (body?.error ?? body) as Record<string, unknown> | undefined;
}

/** The first element of a JSON array answer when it is an object (`[{"error": {…}}]`), else undefined. */
function firstArrayObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? parseJsonObject(JSON.stringify(value[0] ?? null)) : undefined;
  } catch {
    return undefined;
  }
}

/** Claude's unified rate-limit headers: the latest reset among the windows that are `rejected`. */
function claudeRejection(headers: Headers): {resetAt?: number; message: string} | undefined {
  const windows = [
    {prefix: 'anthropic-ratelimit-unified-5h', label: '5-hour limit reached'},
    {prefix: 'anthropic-ratelimit-unified-7d', label: 'weekly limit reached'},
    {prefix: 'anthropic-ratelimit-unified', label: 'usage limit reached'},
  ];
  let found: {resetAt?: number; message: string} | undefined;
  for (const window of windows) {
    if (headers[`${window.prefix}-status`]?.toLowerCase() !== 'rejected') continue;
    const resetAt = unixSeconds(headers[`${window.prefix}-reset`]);
    if (!found || (resetAt !== undefined && (found.resetAt === undefined || resetAt > found.resetAt))) {
      found = {resetAt, message: window.label};
    }
  }
  return found;
}

/** When a `Retry-After` header (seconds or an HTTP date) lets the client come back; undefined without one. */
export function retryAfterAt(headers: Headers, now: number): number | undefined {
  const value = headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return clampProviderWait(now, now + Number(value) * SECOND);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : clampProviderWait(now, at);
}

/** The later of two announced waits, ignoring any already past: the account is not used before either says. */
function laterWait(now: number, ...waits: (number | undefined)[]): number | undefined {
  const future = waits.filter((w): w is number => w !== undefined && w > now);
  return future.length > 0 ? Math.max(...future) : undefined;
}

/**
 * A failure with the provider's own wait applied: a quota or rate-limit failure cools the account
 * until the later of the reset it already names and the answer's `Retry-After` (for failures the
 * adapter named, such as iFlow's 8211 / 449, which carry no reset of their own).
 */
export function withProviderWait(failure: UpstreamFailure, headers: Headers, now: number): UpstreamFailure {
  if (failure.kind !== 'quota' && failure.kind !== 'rate-limit') return failure;
  const resetAt = clampProviderWait(now, laterWait(now, failure.resetAt, retryAfterAt(headers, now)));
  return resetAt === undefined ? failure : {...failure, resetAt};
}

/** What an account signs its requests with: an API key it was given, or an OAuth access token. */
export type Credential = 'key' | 'token';

/**
 * The upstream refused the account's credential, in words for its kind: an API key is "key
 * rejected" (a new key is the way out), an OAuth token "token rejected" (a refresh or a login is).
 * Every surface that says so (the proxy's log, failover events, the proxy screen's Waiting rows) takes it from here.
 */
export const rejectedText = (credential: Credential, status: number): string => `${credential} rejected (${status})`;

/**
 * Decides whether an upstream answer means "this account cannot serve now". Undefined for answers
 * that belong to the client (400, a 200, an overload, …). `retryAfterMs` is the parsed Retry-After header.
 */
export function classifyUpstreamFailure(
  status: number,
  headers: Headers,
  bodyText: string,
  now: number,
  credential: Credential = 'token',
): UpstreamFailure | undefined {
  const failure = quotaFailure(status, headers, bodyText, now);
  if (failure) return withProviderWait(failure, headers, now);
  if (isOverload(status, errorOf(bodyText))) return undefined;
  if (status === 401 || status === 403) return {kind: 'auth', status, message: status === 401 ? rejectedText(credential, 401) : 'forbidden (403)'};
  if (status === 404) return {kind: 'not-found', status, message: 'model not found upstream (404)'};
  if (status >= 500 && status <= 599) return {kind: 'server', status, message: `upstream error ${status}`};
  return undefined;
}

/** An error's words that say the key itself is refused, not what it asked for: invalid, expired, revoked, leaked, unknown. */
const KEY_REFUSED_WORDS = /\b(invalid|incorrect|unknown|expired|revoked|disabled|leaked)\b[^.]{0,20}\b(api[ _-]?key|key|token|credentials?)\b|\b(api[ _-]?key|token|credentials?)\b[^.]{0,20}\b(invalid|not valid|expired|revoked|disabled|leaked)\b|\bunauthenticated\b|\bauthentication\b/i;

/**
 * Whether an upstream's error answer refuses the credential itself (an API key), not the request:
 * any 401; a 403 whose error says so (`authentication_error`, `invalid_api_key`, `UNAUTHENTICATED`,
 * words such as "invalid API key"), since a 403 also answers a model, a region or a feature the
 * key may not use; and Google's 400 `API_KEY_INVALID` (how the Gemini API answers a bad or expired key).
 */
export function refusesKey(status: number, bodyText: string): boolean {
  if (status === 401) return true;
  if (status !== 403 && status !== 400) return false;
  if (/API_KEY_INVALID/.test(bodyText)) return true;
  if (status === 400) return false;
  const error = errorOf(bodyText);
  const field = (name: string) => (typeof error?.[name] === 'string' ? (error[name] as string) : '');
  if (/^(authentication_error|invalid_api_key|unauthenticated|invalid_token)$/i.test(field('type')) || /^(invalid_api_key|unauthenticated|invalid_token)$/i.test(field('code')) || /^unauthenticated$/i.test(field('status'))) return true;
  return KEY_REFUSED_WORDS.test(field('message') || bodyText.slice(0, 2000));
}

/**
 * A rate or quota limit in an answer, with the reset the provider names (PROVIDERS.md "Quota
 * exhaustion signals"): Claude's unified `-status: rejected` headers with `-reset`, Codex's
 * `usage_limit_reached` with `resets_at` / `resets_in_seconds`, Google's `RESOURCE_EXHAUSTED` with
 * `retryDelay`, Qwen's `insufficient_quota`, and any other 429. `Retry-After` is applied by the caller.
 */
function quotaFailure(status: number, headers: Headers, bodyText: string, now: number): UpstreamFailure | undefined {
  const claude = claudeRejection(headers);
  if (claude && (status === 429 || status === 403)) return {kind: 'quota', status, resetAt: claude.resetAt, message: claude.message};
  const body = errorBody(bodyText);
  const error = errorOf(bodyText);
  if (status === 429 && (error?.type === 'usage_limit_reached' || error?.code === 'usage_limit_reached')) {
    const resetsAt = unixSeconds(String(error.resets_at ?? ''));
    const resetsIn = Number(error.resets_in_seconds);
    const resetAt = laterWait(now, resetsAt, Number.isFinite(resetsIn) && resetsIn > 0 ? now + resetsIn * SECOND : undefined);
    return {kind: 'quota', status, resetAt, message: 'usage limit reached'};
  }
  if (status === 429 && (error?.status === 'RESOURCE_EXHAUSTED' || bodyText.includes('RESOURCE_EXHAUSTED'))) {
    const delay = findGoogleRetryDelay(body);
    return {kind: 'quota', status, resetAt: delay !== undefined ? now + delay : undefined, message: 'quota exhausted'};
  }
  if ((status === 429 || status === 403) && bodyText.includes('insufficient_quota')) {
    return {kind: 'quota', status, message: 'insufficient quota'};
  }
  if (status === 429) return {kind: 'rate-limit', status, message: 'rate limited'};
  return undefined;
}

/**
 * Whether an upstream answer says the provider is overloaded (Anthropic's 529 `overloaded_error`, a
 * 503 Service Unavailable, any 5xx whose error type is `overloaded_error`). Not a failure of the
 * account, so classifyUpstreamFailure gives undefined and nothing cools; the caller may still try
 * another account of the pool (another organisation may be served by other capacity), at most once each.
 */
export function isOverloadAnswer(status: number, bodyText: string): boolean {
  return isOverload(status, errorOf(bodyText));
}

function isOverload(status: number, error: Record<string, unknown> | undefined): boolean {
  return status === 529 || status === 503 || (status >= 500 && error?.type === 'overloaded_error');
}

export interface PoolAccount {
  id: string;
  /** Shown in status and logs. */
  label: string;
}

export interface PickOptions {
  now: number;
  /** Requests of one client session stick to one account while it stays healthy. */
  session?: string;
  model?: string;
  /** Accounts already tried for this request. */
  exclude?: ReadonlySet<string>;
  /** most-headroom: ids ordered best first (the quota ranking); others keep pool order. */
  ranked?: readonly string[];
}

/**
 * `cooling`: some account waits out a cooldown that bars it (429 with Retry-After); else none is
 * left at all (503). A "tried last" backoff is never the reason: such an account is picked instead.
 */
export type PickResult =
  | {account: PoolAccount}
  | {
      account?: undefined;
      retryAfterMs: number;
      reason: string;
      cooling: boolean;
      /** Every account that bars the request does so for this model alone, after the upstream's 404 for it: the model is missing there, not the accounts busy. */
      modelMissing?: {model: string; until: number};
      /** Every account that bars the request does so because the upstream refused its credential (401/403): a new key or login, not a wait, is the way out. */
      credentialRefused?: boolean;
    };

/**
 * Accounts of one provider, in registry order, with their cooldowns. `single` pools serve only the
 * current account (a person picked it) and never fail over, even when it leaves the pool (paused,
 * removed): then nothing serves; `rotate()` still moves it on.
 *
 * Which account serves next (`next`, the one answer status and routing share), by strategy:
 * - fill-first: the current account while it is healthy, else the first healthy one after it;
 * - round-robin: the first healthy account after the one that served last;
 * - most-headroom: the best of the ranking (quota cache), unranked accounts after, in pool order.
 * An account a person put first (`rotate()`, `select()`: the TUI's `r`, a new default) is "held":
 * it serves next, whatever the strategy, until the pool's own rule moves it: it cools down
 * (a quota limit, a rejected token), leaves the pool or drops out of the ranking (its quota used
 * up); round-robin serves it once and goes on from it.
 */
export class AccountPool {
  private accounts: PoolAccount[];
  private cooldowns = new Map<string, Cooldown[]>();
  /** Rate limits without a reset time in a row per account, and when the last was met (the backoff doubles). */
  private rateLimitStreak = new Map<string, Streak>();
  /** Server errors in a row per account, and when the last was met (SERVER_BACKOFF_MS). */
  private serverStreak = new Map<string, Streak>();
  private affinity = new Map<string, string>();
  private currentId: string | undefined;
  /** The account a person put first (rotate, select), served next while the strategy's rule lets it. */
  private heldId: string | undefined;

  constructor(
    accounts: readonly PoolAccount[],
    readonly strategy: RotationStrategy,
    options: {current?: string; single?: boolean} = {},
  ) {
    this.accounts = [...accounts];
    this.currentId = options.current ?? accounts[0]?.id;
    this.single = options.single ?? false;
  }

  readonly single: boolean;

  /** The account that served last (fill-first: the one it fills; single: the only one), if it is still in the pool. */
  get current(): PoolAccount | undefined {
    return this.accounts.find((a) => a.id === this.currentId);
  }

  /** The account held first (rotate, select) while the hold lasts. */
  get held(): PoolAccount | undefined {
    return this.heldId === undefined ? undefined : this.byId().get(this.heldId);
  }

  get size(): number {
    return this.accounts.length;
  }

  list(): readonly PoolAccount[] {
    return this.accounts;
  }

  /**
   * Replaces the account list (accounts added or removed on disk), keeping state for those that
   * stay. An account that leaves (paused, logged out) forgets its auth cooldown, so once it is back
   * (resumed, logged in again) it serves; the provider's own waits (quota, rate limit) stay. A
   * single pool keeps its account even when it leaves: it serves nothing meanwhile, never another.
   */
  setAccounts(accounts: readonly PoolAccount[]): void {
    const ids = new Set(accounts.map((a) => a.id));
    for (const left of this.accounts.filter((a) => !ids.has(a.id))) {
      const kept = (this.cooldowns.get(left.id) ?? []).filter((c) => c.kind !== 'auth');
      if (kept.length > 0) this.cooldowns.set(left.id, kept);
      else this.cooldowns.delete(left.id);
    }
    this.accounts = [...accounts];
    if (!this.single && (!this.currentId || !ids.has(this.currentId))) this.currentId = accounts[0]?.id;
    if (this.heldId !== undefined && !ids.has(this.heldId)) this.heldId = undefined;
    for (const [session, id] of this.affinity) if (!ids.has(id)) this.affinity.delete(session);
  }

  /**
   * The account's active cooldown that matters most: the longest one that bars it, else the longest
   * "tried last" backoff (the account still serves when no other can). Undefined: it is healthy.
   */
  cooldownOf(id: string, now: number, model?: string): Cooldown | undefined {
    const active = (this.cooldowns.get(id) ?? []).filter((c) => c.until > now && (!c.model || c.model === model));
    return active.sort((a, b) => Number(a.triedLast ?? false) - Number(b.triedLast ?? false) || b.until - a.until)[0];
  }

  /** The account's waits for one model alone (after the upstream's 404 for it), still running. */
  modelCooldownsOf(id: string, now: number): Cooldown[] {
    return (this.cooldowns.get(id) ?? []).filter((c) => c.until > now && c.model !== undefined);
  }

  /** Whether the account serves when no healthy one is left: it only waits out "tried last" backoffs. */
  private servesLast(id: string, now: number, model?: string): boolean {
    return this.cooldownOf(id, now, model)?.triedLast === true;
  }

  isHealthy(id: string, now: number, model?: string): boolean {
    return this.cooldownOf(id, now, model) === undefined;
  }

  /**
   * The account the pool's rule serves next to a request that sticks to no session (undefined when
   * none is healthy), without choosing it: what `proxy status` and the proxy screen say serves
   * "now", and the answer pick() acts on. Options as pick()'s (`ranked`: most-headroom's order).
   */
  next(options: Omit<PickOptions, 'session'>): PoolAccount | undefined {
    const {now, model, exclude} = options;
    const usable = (a: PoolAccount | undefined): a is PoolAccount => a !== undefined && !exclude?.has(a.id) && this.isHealthy(a.id, now, model);
    if (this.single) return usable(this.current) ? this.current : undefined;
    const held = this.held;
    // A held account out of the ranking (its quota used up, by the cache) is the strategy's rule moving it on.
    if (usable(held) && (this.strategy !== 'most-headroom' || !options.ranked || options.ranked.includes(held.id))) return held;
    if (this.strategy === 'fill-first') return usable(this.current) ? this.current : this.afterCurrent().find(usable);
    if (this.strategy === 'round-robin') return this.afterCurrent().find(usable);
    // Best first: the ranked ids in their order, then the accounts the ranking leaves out, in pool
    // order. Not a sort of the pool (an indexOf per comparison took milliseconds per request at 1,000 accounts).
    const order = options.ranked ?? [];
    const byId = this.byId();
    for (const id of order) {
      const account = byId.get(id);
      if (usable(account)) return account;
    }
    const ranked = new Set(order);
    return this.accounts.find((a) => !ranked.has(a.id) && usable(a));
  }

  pick(options: PickOptions): PickResult {
    const {now, session, model, exclude} = options;
    if (this.single) {
      const current = this.current;
      const chosen = this.next(options);
      return chosen ? {account: chosen} : this.lastResort(now, model, exclude, current ? [current] : []);
    }
    if (session) {
      const sticky = this.accounts.find((a) => a.id === this.affinity.get(session));
      if (sticky && !exclude?.has(sticky.id) && this.isHealthy(sticky.id, now, model)) return {account: sticky};
    }
    const chosen = this.next(options);
    if (!chosen) return this.lastResort(now, model, exclude, this.accounts);
    this.currentId = chosen.id;
    // Round-robin serves a held account once, then goes on from it; a hold the rule passed over is over.
    if (this.heldId !== undefined && (this.strategy === 'round-robin' ? chosen.id === this.heldId : chosen.id !== this.heldId && !exclude?.has(this.heldId))) this.heldId = undefined;
    if (session) this.affinity.set(session, chosen.id);
    return {account: chosen};
  }

  private idIndex: {of: PoolAccount[]; byId: Map<string, PoolAccount>} | undefined;

  /** The pool's accounts by id (rebuilt when the list is replaced). */
  private byId(): Map<string, PoolAccount> {
    if (this.idIndex?.of !== this.accounts) this.idIndex = {of: this.accounts, byId: new Map(this.accounts.map((a) => [a.id, a]))};
    return this.idIndex.byId;
  }

  /** Accounts after the current one, wrapping around, the current one last. */
  private afterCurrent(): PoolAccount[] {
    return this.after(this.currentId);
  }

  /** Accounts after `id`, wrapping around, `id` last (all in pool order when it is not in the pool). */
  private after(id: string | undefined): PoolAccount[] {
    const start = this.accounts.findIndex((a) => a.id === id);
    return this.accounts.map((_, i) => this.accounts[(start + 1 + i) % this.accounts.length]!);
  }

  /**
   * With no healthy account left: the one of `accounts` (not excluded) whose "tried last" backoff
   * ends first, chosen without moving the current account or a session to it; else why none serves.
   */
  private lastResort(now: number, model: string | undefined, exclude: ReadonlySet<string> | undefined, accounts: readonly PoolAccount[]): PickResult {
    let best: {account: PoolAccount; until: number} | undefined;
    for (const account of accounts) {
      if (exclude?.has(account.id) || !this.servesLast(account.id, now, model)) continue;
      const until = this.cooldownOf(account.id, now, model)!.until;
      if (!best || until < best.until) best = {account, until};
    }
    return best ? {account: best.account} : this.allCooling(now, model, accounts);
  }

  private allCooling(now: number, model: string | undefined, accounts: readonly PoolAccount[]): PickResult {
    const cooling = accounts.map((a) => this.cooldownOf(a.id, now, model)).filter((c): c is Cooldown => c !== undefined && !c.triedLast);
    if (cooling.length === 0) return {retryAfterMs: SECOND, reason: accounts.length === 0 ? 'no usable account' : 'no account left to try', cooling: false};
    const soonest = cooling.sort((a, b) => a.until - b.until)[0]!;
    const lacksModel = (c: Cooldown) => model !== undefined && c.kind === 'not-found' && c.model === model;
    const missing = cooling.every(lacksModel);
    // Some lack the model (their 404 for it), the others wait: both said, the wait's reason the
    // soonest of those that wait, not the 404's (the retry may still be the 404's end, when sooner).
    const lacking = cooling.filter(lacksModel).length;
    const waiting = cooling.find((c) => !lacksModel(c));
    const others = cooling.length - lacking === 1 ? 'the other is' : 'the others are';
    // One account left to serve: named, not "every account" (the pool's others may be paused or need a login).
    const one = accounts.length === 1 ? `${accounts[0]!.label}, the only account that can serve now,` : undefined;
    const refused = cooling.every((c) => c.kind === 'auth');
    const reason =
      lacking > 0 && waiting ? `${countOf(lacking, 'account')} answered 404 for this model and ${others} cooling down (${waiting.message})`
      : refused ? `${one ?? 'every account'} had its credential refused (${soonest.message})`
      : `${one ? `${one} is` : 'every account is'} cooling down (${soonest.message})`;
    return {
      retryAfterMs: Math.max(SECOND, soonest.until - now),
      reason,
      cooling: true,
      ...(missing && model !== undefined ? {modelMissing: {model, until: soonest.until}} : {}),
      ...(refused ? {credentialRefused: true} : {}),
    };
  }

  /**
   * Records a failure met at `now` and returns the cooldown it started (none for a first server
   * error, SERVER_BACKOFF_MS). `sentAt`: when the failed request was sent (default `now`). A request
   * sent before the account's last failure of the same kind was met, or while the wait that one set
   * still ran, counts in no streak (sameAsLast): requests meeting one rate limit in parallel, or one
   * outage in parallel or one after another, are one failure in a row, not one each (a burst of twelve parallel
   * 429s without a reset time parked an account for the 30-minute maximum; a burst of unreachable
   * errors put every account of a pool last for 30 s).
   */
  recordFailure(id: string, failure: UpstreamFailure & {kind: Exclude<FailureKind, 'server'>}, now: number, model?: string, sentAt?: number): Cooldown;
  recordFailure(id: string, failure: UpstreamFailure, now: number, model?: string, sentAt?: number): Cooldown | undefined;
  recordFailure(id: string, failure: UpstreamFailure, now: number, model?: string, sentAt = now): Cooldown | undefined {
    if (failure.kind === 'server') return this.recordServerError(id, failure, now, sentAt);
    let until: number;
    switch (failure.kind) {
      case 'quota':
      case 'rate-limit':
        if (failure.resetAt !== undefined && failure.resetAt > now) until = failure.resetAt;
        else {
          // A 429 long after the last one (past the longest backoff and then some) starts over.
          const last = this.rateLimitStreak.get(id);
          const count = nextInStreak(last, now, sentAt, COOLDOWN_MS.backoffMax + SERVER_BACKOFF_MS.streakWindow);
          until = now + Math.min(COOLDOWN_MS.backoffMax, SECOND * 2 ** (count - 1));
          // No request is sent while this cooldown bars the account, so only the parallel case applies (`until`: now).
          if (!sameAsLast(last, sentAt)) this.rateLimitStreak.set(id, {count, at: now, until: now});
        }
        break;
      case 'auth':
        until = now + COOLDOWN_MS.auth;
        break;
      case 'not-found':
        until = now + COOLDOWN_MS.notFound;
        break;
    }
    return this.addCooldown(id, {until, kind: failure.kind, message: failure.message, ...(failure.kind === 'not-found' && model ? {model} : {})}, now);
  }

  /**
   * A server error: counted in the account's streak; from the second in a row, a "tried last"
   * backoff. None when it changes nothing: the failure belongs to the last one counted (sameAsLast;
   * the backoff that one set stands), or no other account could be picked first (a lone account, a
   * single pool), where "tried last" would only be a line saying so. The streak still counts there,
   * so an account that joins finds the backoff the outage has reached.
   */
  private recordServerError(id: string, failure: UpstreamFailure, now: number, sentAt: number): Cooldown | undefined {
    const last = this.serverStreak.get(id);
    if (sameAsLast(last, sentAt)) return undefined;
    const count = nextInStreak(last, now, sentAt, SERVER_BACKOFF_MS.streakWindow);
    const until = count < 2 ? now : now + Math.min(SERVER_BACKOFF_MS.max, SERVER_BACKOFF_MS.first * 2 ** (count - 2));
    this.serverStreak.set(id, {count, at: now, until});
    if (count < 2 || this.single || this.accounts.length < 2) return undefined;
    return this.addCooldown(id, {until, kind: 'server', message: `${failure.message}, ${count} in a row`, triedLast: true}, now);
  }

  private addCooldown(id: string, cooldown: Cooldown, now: number): Cooldown {
    // A newer backoff replaces the one before (it is longer); other cooldowns stay until they end.
    let kept = (this.cooldowns.get(id) ?? []).filter((c) => c.until > now && !(cooldown.triedLast && c.triedLast));
    // Each model name a client sends that the upstream does not know adds one: the oldest go past
    // MODEL_COOLDOWNS_KEPT (a client naming endless models would grow the list, and proxy status, without end).
    if (cooldown.model !== undefined) {
      const models = kept.filter((c) => c.model !== undefined);
      if (models.length >= MODEL_COOLDOWNS_KEPT) {
        const dropped = new Set(models.slice(0, models.length - MODEL_COOLDOWNS_KEPT + 1));
        kept = kept.filter((c) => !dropped.has(c));
      }
    }
    this.cooldowns.set(id, [...kept, cooldown]);
    // The pool's own rule moves a held account on: a wait that bars it ends the hold (a model's own 404 does not).
    if (id === this.heldId && !cooldown.triedLast && !cooldown.model) this.heldId = undefined;
    for (const [session, sticky] of this.affinity) if (sticky === id) this.affinity.delete(session);
    return cooldown;
  }

  /**
   * Ends every wait of the account (its cooldowns, for all models, and its streaks), as a person
   * asks (`C`: they know its limit has reset). True when there was one.
   */
  clearCooldowns(id: string): boolean {
    const had = (this.cooldowns.get(id)?.length ?? 0) > 0;
    this.cooldowns.delete(id);
    this.rateLimitStreak.delete(id);
    this.serverStreak.delete(id);
    return had;
  }

  /** Ends the account's waits for a refused credential (its key or token changed since): true when there was one. */
  endCredentialRefusals(id: string): boolean {
    const cooldowns = this.cooldowns.get(id);
    if (!cooldowns?.some((c) => c.kind === 'auth')) return false;
    const kept = cooldowns.filter((c) => c.kind !== 'auth');
    if (kept.length > 0) this.cooldowns.set(id, kept);
    else this.cooldowns.delete(id);
    return true;
  }

  /** The account served: its rate-limit and server-error streaks start over, and a server-error backoff ends. */
  recordSuccess(id: string): void {
    this.rateLimitStreak.delete(id);
    this.serverStreak.delete(id);
    const cooldowns = this.cooldowns.get(id);
    if (cooldowns?.some((c) => c.triedLast)) this.cooldowns.set(id, cooldowns.filter((c) => !c.triedLast));
  }

  /**
   * Puts the next healthy account after the one that serves next (`next`) first (the `r` key): by
   * the ranking for most-headroom (`ranked`), else in pool order. It is held (see the class) until the
   * pool's rule moves it; in-flight requests keep the account they started with, new requests and
   * sessions go to the new one. Undefined (nothing changes) when no other account is healthy.
   */
  rotate(now: number, ranked?: readonly string[], off?: PoolAccount): PoolAccount | undefined {
    const from = off ?? this.next({now, ranked}) ?? this.current;
    const healthy = (a: PoolAccount | undefined): a is PoolAccount => a !== undefined && a.id !== from?.id && this.isHealthy(a.id, now);
    const ranking = this.strategy === 'most-headroom' && !this.single && ranked !== undefined;
    const byRank = ranking ? ranked.map((id) => this.byId().get(id)).find(healthy) : undefined;
    // Under a ranking, an account it leaves out (its quota used up) is none to go to: next() would
    // pass it over at once, and the rotation would be said but not served.
    const next = ranking ? byRank : this.after(from?.id).find(healthy);
    if (!next) return undefined;
    this.hold(next.id);
    return next;
  }

  /**
   * The same accounts and their waits (cooldowns, streaks) served another way: `single` for one
   * account alone (`current`), or as a pool again. A switch keeps what the proxy met: an account
   * cooling before it is still cooling after.
   */
  withMode(options: {current?: string; single?: boolean}): AccountPool {
    const pool = new AccountPool(this.accounts, this.strategy, options);
    pool.cooldowns = new Map(this.cooldowns);
    pool.rateLimitStreak = new Map(this.rateLimitStreak);
    pool.serverStreak = new Map(this.serverStreak);
    return pool;
  }

  /** Puts an account first (a person picked it: a new default); false when it is not in the pool. */
  select(id: string): boolean {
    if (!this.accounts.some((a) => a.id === id)) return false;
    this.hold(id);
    return true;
  }

  private hold(id: string): void {
    this.currentId = id;
    this.heldId = this.single ? undefined : id;
    this.affinity.clear();
  }
}

/** What a pool reads of an account: its id, whether it is the default, and a wait a proxy stored (account-state.json). */
export type PoolSourceAccount = Pick<Account, 'id' | 'default' | 'coolingKind' | 'coolingUntil' | 'coolingReason'>;

/**
 * The waits stored for `accounts` (met before a restart, or by another process) that still hold at
 * `now`, recorded in `pool` as the provider's own waits (quota, rate limit).
 */
export function applyStoredCooldowns(pool: AccountPool, accounts: readonly PoolSourceAccount[], now: number): void {
  for (const a of accounts) {
    const until = a.coolingUntil ? Date.parse(a.coolingUntil) : Number.NaN;
    if (a.coolingKind && until > now) pool.recordFailure(a.id, {kind: a.coolingKind, status: 429, resetAt: until, message: a.coolingReason ?? 'cooling down'}, now);
  }
}

/**
 * A new pool of one provider's usable accounts `usable` (registry order) as the proxy builds one:
 * the default current (or `pinned`, served alone), the stored waits applied. `label`: each
 * account's name in status and logs.
 */
export function newPool<A extends PoolSourceAccount>(usable: readonly A[], label: (account: A) => string, strategy: RotationStrategy, now: number, pinned?: string, current?: string): AccountPool {
  const pool = new AccountPool(usable.map((a) => ({id: a.id, label: label(a)})), strategy, {current: pinned ?? current ?? usable.find((a) => a.default)?.id, single: pinned !== undefined});
  applyStoredCooldowns(pool, usable, now);
  return pool;
}

/** most-headroom's order of `usable` by their cached windows (ids, most headroom first), what its pool.next is given; other strategies: undefined. */
const headroomRanking = (usable: readonly Account[], strategy: RotationStrategy, windows: WindowsByAccount, now: number): string[] | undefined =>
  strategy === 'most-headroom' ? rankByHeadroom(usable, windows, now).map((a) => a.id) : undefined;

/** The account a running proxy serves next for the provider it serves (its status), by id. */
export interface ServedNow {
  provider: string;
  accountId: string;
  /** The proxy serves that account alone (`--account`, `s` on an account): no other is served after it. */
  pinned?: boolean;
}

/**
 * The account one provider's pool serves next, the pool's own answer: what the running proxy that
 * serves the provider says (`servedNow`: its status), else firstServed (a proxy starting now).
 * `accounts`: the provider's, registry order. What the quota screen marks ★ and what `ccs-tui run`
 * builds the agent's model list and exports from. Undefined when none can serve (or the running
 * proxy names an account not among them).
 */
export function servedNext<A extends Account>(accounts: readonly A[], strategy: RotationStrategy, windows: WindowsByAccount, now: number, servedNow?: ServedNow): A | undefined {
  const provider = accounts[0]?.provider;
  if (provider !== undefined && servedNow?.provider === provider) {
    const current = accounts.find((a) => a.id === servedNow.accountId);
    // Paused or shut out since: a pool moves on at its next request; a proxy pinned to it serves none.
    if (!current || canServeNow(current, now)) return current;
    if (servedNow.pinned) return undefined;
  }
  return firstServed(accounts, strategy, windows, now);
}

/**
 * The account a proxy that starts now on the pool of `accounts` (one provider's, registry order;
 * unusable ones are left out) serves first: newPool's `next`, ranked for most-headroom by
 * `windows` (the quota cache) as the proxy ranks. What the quota screen marks ★ for a provider
 * no running proxy serves; undefined when none can serve.
 */
export function firstServed<A extends Account>(accounts: readonly A[], strategy: RotationStrategy, windows: WindowsByAccount, now: number): A | undefined {
  const usable = accounts.filter((a) => canServeNow(a, now));
  const pool = newPool(usable, (a) => a.id, strategy, now);
  const id = pool.next({now, ranked: headroomRanking(usable, strategy, windows, now)})?.id;
  return usable.find((a) => a.id === id);
}

/**
 * The usable accounts of one provider's pool in the order it would try them (`accounts`: the
 * provider's, registry order): the one it serves next (servedNext: a running proxy's answer, else
 * firstServed), then each one the pool fails over to as the ones before it fail (its `next` with
 * them excluded), then the ones cooling down. What a live model list is asked with when the first
 * cannot give it: the proxy itself would go on to the next.
 */
export function servingOrder<A extends Account>(accounts: readonly A[], strategy: RotationStrategy, windows: WindowsByAccount, now: number, servedNow?: ServedNow): A[] {
  const usable = accounts.filter((a) => canServeNow(a, now));
  const first = servedNext(accounts, strategy, windows, now, servedNow);
  const order: A[] = first && canServeNow(first, now) ? [first] : [];
  // The pool as the proxy holds it now: the one it serves (a running proxy's answer) is its current.
  const pool = newPool(usable, (a) => a.id, strategy, now, undefined, first?.id);
  return failoverOrder(pool, usable, order, now, headroomRanking(usable, strategy, windows, now));
}

/**
 * `first` (the accounts already chosen, in order), then each account `pool` fails over to as the ones
 * before it fail (its `next` with them excluded), then the rest of `usable` (cooling down), at most
 * `limit` in all. `ranked`: most-headroom's order, as pool.next takes it. The proxy's live pool and a
 * pool built from the files (servingOrder) give their order the same way.
 */
export function failoverOrder<A extends {id: string}>(pool: AccountPool, usable: readonly A[], first: readonly A[], now: number, ranked?: readonly string[], limit = Number.POSITIVE_INFINITY): A[] {
  const order = [...first];
  const tried = new Set(order.map((a) => a.id));
  for (let next = pool.next({now, ranked, exclude: tried}); next && order.length < limit; next = pool.next({now, ranked, exclude: tried})) {
    tried.add(next.id);
    const account = usable.find((a) => a.id === next!.id);
    if (account) order.push(account);
  }
  return [...order, ...usable.filter((a) => !tried.has(a.id))].slice(0, limit);
}
