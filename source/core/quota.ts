// Quota window maths: what a window means right now (reset, stale), pace, run-out, headroom, the
// binding window, exhaustion, and windows read from response headers. Pure: callers pass `now`.
import {isOwn, nullRecord} from './id-map.js';
import {isoOrUndefined} from './provider-wait.js';
import type {QuotaWindow, QuotaWindowKind} from './types.js';

const MINUTE_MS = 60_000;

/** Window lengths the providers use, in seconds. */
export const WINDOW_SECONDS = {'5h': 5 * 3600, weekly: 7 * 86_400, '30d': 30 * 86_400} as const;

/**
 * The kind of a window from its length. Providers put windows in arbitrary slots (codex's weekly-only
 * plans send the week as `primary`), so the length is the only reliable signal. Undefined when the
 * length matches none of the known windows.
 */
export function kindForWindowSeconds(seconds: number | null | undefined): QuotaWindowKind | undefined {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return undefined;
  if (seconds === WINDOW_SECONDS['5h']) return '5h';
  if (seconds === WINDOW_SECONDS.weekly) return 'weekly';
  if (seconds === WINDOW_SECONDS['30d']) return '30d';
  return undefined;
}

/**
 * The kind and length of a window whose length may be missing (Codex sends some without
 * `limit_window_seconds`): its length when given; else how far away its reset is (within 5 h: the
 * 5-hour window, within 7 days: the week, within 30 days: the month); else, as a last resort, the
 * slot it came in (`primary` is the 5-hour window, `secondary` the week). Undefined when a length is
 * given that matches no known window.
 */
export function classifyWindow(
  windowSeconds: number | null,
  resetInSeconds: number | null,
  slot: 'primary' | 'secondary',
): {kind: QuotaWindowKind; seconds: number} | undefined {
  if (windowSeconds !== null) {
    const kind = kindForWindowSeconds(windowSeconds);
    return kind ? {kind, seconds: windowSeconds} : undefined;
  }
  let kind: '5h' | 'weekly' | '30d' = slot === 'primary' ? '5h' : 'weekly';
  if (resetInSeconds !== null && resetInSeconds > 0) {
    if (resetInSeconds <= WINDOW_SECONDS['5h']) kind = '5h';
    else if (resetInSeconds <= WINDOW_SECONDS.weekly) kind = 'weekly';
    else if (resetInSeconds <= WINDOW_SECONDS['30d']) kind = '30d';
  }
  return {kind, seconds: WINDOW_SECONDS[kind]};
}

/** A number from JSON that providers send as a number or a numeric string; null for anything else. */
export function numberOrNull(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

/** 0–100 with two decimals at most (floating noise like 41.000000001 is not worth showing). */
export function clampPct(value: number): number {
  return Math.round(Math.min(100, Math.max(0, value)) * 100) / 100;
}

/** An instant given as unix seconds, unix milliseconds or an ISO string, as ISO; null when unusable. */
export function isoFromInstant(value: unknown): string | null {
  const n = numberOrNull(value);
  if (n !== null) {
    if (n <= 0) return null;
    return isoOrUndefined(n > 1e12 ? n : n * 1000) ?? null;
  }
  if (typeof value === 'string') {
    const at = Date.parse(value);
    return Number.isNaN(at) ? null : new Date(at).toISOString();
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// What a window means now

/** instantMs' answers by text; cleared when full, so it never grows without bound. */
const parsedInstants = new Map<string, number>();
const PARSED_INSTANTS_KEPT = 8192;

/**
 * `Date.parse(text)` (ms since the epoch, NaN when it is no date), remembered by text. A redraw
 * during a 1,000-account poll asks the same windows' `resetsAt` and `observedAt` thousands of times
 * (the ★ ranking, the rows' bars and countdowns), and each parse is ~0.3 µs; a lookup is a tenth.
 */
export function instantMs(text: string): number {
  let at = parsedInstants.get(text);
  if (at === undefined) {
    if (parsedInstants.size >= PARSED_INSTANTS_KEPT) parsedInstants.clear();
    parsedInstants.set(text, (at = Date.parse(text)));
  }
  return at;
}

export interface WindowState {
  window: QuotaWindow;
  /** The reset time has passed since the numbers were read: counted as 0 % until fresh data comes. */
  resetPassed: boolean;
  /** Effective used percentage now (0 after a passed reset), or null when unknown. */
  usedPct: number | null;
  /** Milliseconds since the numbers were read. */
  ageMs: number;
  stale: boolean;
}

const DEFAULT_STALE_AFTER_MS = 10 * MINUTE_MS;

/** How far ahead of the clock a recorded time may be and still count as now (ms): clocks of two machines, coarse file times. */
export const FUTURE_SLACK_MS = 60_000;

export function windowState(window: QuotaWindow, now: number, staleAfterMs = DEFAULT_STALE_AFTER_MS): WindowState {
  const observed = instantMs(window.observedAt);
  // Read "in the future" (a clock set wrong then, a cache edited or copied from elsewhere): of no
  // known age, so stale, never fresh until then.
  const ageMs = Number.isNaN(observed) || observed > now + FUTURE_SLACK_MS ? Number.POSITIVE_INFINITY : Math.max(0, now - observed);
  const resetAt = window.resetsAt ? instantMs(window.resetsAt) : Number.NaN;
  const resetPassed = !Number.isNaN(resetAt) && resetAt <= now;
  return {
    window,
    resetPassed,
    usedPct: resetPassed ? 0 : window.usedPct,
    ageMs,
    // A passed reset means the numbers describe a window that is over: stale until a new read.
    stale: resetPassed || ageMs > staleAfterMs || window.stale === true,
  };
}

/**
 * The windows as they stand now, in the stable `quota --json` shape: a passed reset reads 0 % used
 * with an unknown next reset, and old or passed numbers are marked stale.
 */
export function currentWindows(windows: readonly QuotaWindow[], now: number, staleAfterMs = DEFAULT_STALE_AFTER_MS): QuotaWindow[] {
  return windows.map((w) => {
    const state = windowState(w, now, staleAfterMs);
    return {
      kind: w.kind,
      usedPct: state.usedPct,
      resetsAt: state.resetPassed ? null : w.resetsAt,
      windowSeconds: w.windowSeconds,
      source: w.source,
      observedAt: w.observedAt,
      stale: state.stale,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Pace and run-out

/**
 * Where even use would be now, 0–100: the elapsed share of the window. Null when the reset time or
 * the window length is unknown, or the reset has passed.
 */
export function pacePct(window: QuotaWindow, now: number): number | null {
  if (!window.resetsAt || !window.windowSeconds) return null;
  const resetAt = instantMs(window.resetsAt);
  if (Number.isNaN(resetAt) || resetAt <= now) return null;
  const remaining = (resetAt - now) / (window.windowSeconds * 1000);
  return clampPct((1 - remaining) * 100);
}

/** Points above pace before a window counts as "over pace" (a few points is noise). */
export const OVER_PACE_MARGIN = 5;

export type PaceStatus = 'over' | 'under' | 'unknown';

export function paceStatus(window: QuotaWindow, now: number): PaceStatus {
  const state = windowState(window, now);
  const pace = pacePct(window, now);
  if (state.usedPct === null || pace === null || state.resetPassed) return 'unknown';
  return state.usedPct > pace + OVER_PACE_MARGIN ? 'over' : 'under';
}

export type RunOut =
  | {kind: 'runs-out'; inMs: number}
  | {kind: 'lasts'}
  | {kind: 'exhausted'};

/**
 * At the current average rate since the window began, when it runs out: before the reset, or it lasts.
 * None for 5-hour windows (too bursty to extrapolate), when the numbers or the window length are
 * unknown, or when the projected run-out is already past for numbers read earlier.
 */
export function runOut(window: QuotaWindow, now: number): RunOut | null {
  if (window.kind === '5h' || window.kind.startsWith('5h:')) return null;
  const state = windowState(window, now);
  if (state.usedPct === null || state.resetPassed || !window.resetsAt || !window.windowSeconds) return null;
  if (state.usedPct >= 100) return {kind: 'exhausted'};
  if (state.usedPct === 0) return {kind: 'lasts'};
  const resetAt = instantMs(window.resetsAt);
  const start = resetAt - window.windowSeconds * 1000;
  // Measured at read time: usage does not grow while we are not looking.
  const observed = Math.min(instantMs(window.observedAt) || now, now);
  const elapsed = observed - start;
  if (!(elapsed > 0)) return null;
  const perMs = state.usedPct / elapsed;
  const at = observed + (100 - state.usedPct) / perMs;
  if (at >= resetAt) return {kind: 'lasts'};
  // Projected from numbers read earlier: a run-out already behind us is not known to have happened
  // (the numbers say less than 100 %), so nothing is claimed until a fresh read, never "in 0s".
  if (at <= now) return null;
  return {kind: 'runs-out', inMs: at - now};
}

// ---------------------------------------------------------------------------------------------
// Headroom, binding window, exhaustion

/** Room left in one window now, 0–100, or null when unknown. */
export function roomLeft(window: QuotaWindow, now: number): number | null {
  const used = windowState(window, now).usedPct;
  return used === null ? null : clampPct(100 - used);
}

/** The window with the least room left (ties: the one that resets last), or undefined when none is known. */
export function bindingWindow<W extends QuotaWindow>(windows: readonly W[], now: number): W | undefined {
  let best: {window: W; room: number; reset: number} | undefined;
  for (const window of windows) {
    const room = roomLeft(window, now);
    if (room === null) continue;
    const reset = window.resetsAt ? instantMs(window.resetsAt) : Number.POSITIVE_INFINITY;
    if (!best || room < best.room || (room === best.room && reset > best.reset)) best = {window, room, reset};
  }
  return best?.window;
}

/** The least room left in any window (0–100), or null when no window is known. */
export function headroom(windows: readonly QuotaWindow[], now: number): number | null {
  const binding = bindingWindow(windows, now);
  return binding ? roomLeft(binding, now) : null;
}

/** Some window is used up and has not reset yet. */
export function isExhausted(windows: readonly QuotaWindow[], now: number): boolean {
  return windows.some((w) => {
    const used = windowState(w, now).usedPct;
    return used !== null && used >= 100;
  });
}

/** Any window above the threshold (the poller polls faster then). */
export function anyWindowAbove(windows: readonly QuotaWindow[], pct: number, now: number): boolean {
  return windows.some((w) => {
    const used = windowState(w, now).usedPct;
    return used !== null && used > pct;
  });
}

/** The earliest future reset among the windows (ms), or undefined. */
export function nextReset(windows: readonly QuotaWindow[], now: number): number | undefined {
  let next: number | undefined;
  for (const w of windows) {
    const at = w.resetsAt ? instantMs(w.resetsAt) : Number.NaN;
    if (!Number.isNaN(at) && at > now && (next === undefined || at < next)) next = at;
  }
  return next;
}

/** Display order of window kinds: 5h, weekly, scoped 5h, scoped weekly, daily, 30d, monthly. */
export function kindOrder(kind: QuotaWindowKind): number {
  if (kind === '5h') return 0;
  if (kind === 'weekly') return 1;
  if (kind.startsWith('5h:')) return 2;
  if (kind.startsWith('weekly:')) return 3;
  if (kind.startsWith('daily:')) return 4;
  if (kind === '30d') return 5;
  return 6;
}

export function sortWindows<W extends QuotaWindow>(windows: readonly W[]): W[] {
  return [...windows].sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind) || a.kind.localeCompare(b.kind));
}

/**
 * Merges fresh windows into cached ones: a fresh window replaces the cached one of the same kind;
 * cached kinds the fresh read did not mention are kept (headers carry only some windows).
 */
export function mergeWindows(cached: readonly QuotaWindow[], fresh: readonly QuotaWindow[]): QuotaWindow[] {
  const byKind = new Map(cached.map((w) => [w.kind, w] as const));
  for (const w of fresh) byKind.set(w.kind, w);
  return sortWindows([...byKind.values()]);
}

// ---------------------------------------------------------------------------------------------
// Response headers

/**
 * The headers whose lower-case name starts with `prefix`, by that lower-case name (answers may come
 * in any case); undefined when there is none.
 */
function headersWithPrefix(headers: Record<string, string>, prefix: string): Record<string, string> | undefined {
  let found: Record<string, string> | undefined;
  // Names are compared folded, but most cannot start with the prefix: one whose first character
  // is neither the prefix's (an ASCII letter) nor its capital is passed over without a lower-cased
  // copy (the proxy asks per answer, of every header). Header names are ASCII (node:http and undici
  // take only token characters), so no other character folds to the prefix's.
  const first = prefix.charCodeAt(0);
  for (const name in headers) {
    if (!isOwn(headers, name) || (name.charCodeAt(0) | 0x20) !== first) continue;
    const key = name.toLowerCase();
    if (!key.startsWith(prefix)) continue;
    // No Object.prototype: a header name is data, never a prototype key.
    (found ??= nullRecord<string>())[key] = String(headers[name]);
  }
  return found;
}

/** Claude's rate-limit headers: `anthropic-ratelimit-unified-5h-utilization`, `-7d-reset`, … */
const CLAUDE_UNIFIED_PREFIX = 'anthropic-ratelimit-unified-';

/**
 * Windows from Claude's `anthropic-ratelimit-unified-*` response headers ([] when it sent none).
 * Each provider's adapter says which reader its headers need (providers/table.ts windowsFromHeaders).
 */
export function claudeHeaderWindows(headers: Record<string, string>, now: number): QuotaWindow[] {
  const h = headersWithPrefix(headers, CLAUDE_UNIFIED_PREFIX);
  // Most answers of an API-key account carry none: nothing more to build (the proxy asks per answer).
  if (h === undefined) return [];
  const observedAt = new Date(now).toISOString();
  const windows: QuotaWindow[] = [];
  const slots = [
    {slot: '5h', kind: '5h', seconds: WINDOW_SECONDS['5h']},
    {slot: '7d', kind: 'weekly', seconds: WINDOW_SECONDS.weekly},
  ] as const;
  for (const {slot, kind, seconds} of slots) {
    const prefix = `${CLAUDE_UNIFIED_PREFIX}${slot}-`;
    const utilization = numberOrNull(h[`${prefix}utilization`]);
    const status = h[`${prefix}status`]?.toLowerCase();
    const reset = isoFromInstant(h[`${prefix}reset`]);
    if (utilization === null && status === undefined && reset === null) continue;
    // `rejected` means the window is used up, whatever the utilisation says.
    const usedPct = status === 'rejected' ? 100 : utilization === null ? null : clampPct(utilization * 100);
    windows.push({kind, usedPct, resetsAt: reset, windowSeconds: seconds, source: 'response-headers', observedAt});
  }
  return windows;
}

/** Windows from Codex's `x-codex-primary-*` / `x-codex-secondary-*` response headers ([] when none). */
export function codexHeaderWindows(headers: Record<string, string>, now: number): QuotaWindow[] {
  const h = headersWithPrefix(headers, 'x-codex-');
  if (h === undefined) return [];
  const observedAt = new Date(now).toISOString();
  const windows: QuotaWindow[] = [];
  for (const slot of ['primary', 'secondary'] as const) {
    const prefix = `x-codex-${slot}-`;
    const minutes = numberOrNull(h[`${prefix}window-minutes`]);
    const used = numberOrNull(h[`${prefix}used-percent`]);
    const afterSeconds = numberOrNull(h[`${prefix}reset-after-seconds`]);
    const resetsAt =
      isoFromInstant(h[`${prefix}reset-at`]) ?? (afterSeconds === null ? null : new Date(now + afterSeconds * 1000).toISOString());
    if (minutes === null && used === null) continue;
    const classified = classifyWindow(minutes === null ? null : minutes * 60, resetsAt === null ? null : (Date.parse(resetsAt) - now) / 1000, slot);
    if (!classified) continue;
    windows.push({
      kind: classified.kind,
      usedPct: used === null ? null : clampPct(used),
      resetsAt,
      windowSeconds: classified.seconds,
      source: 'response-headers',
      observedAt,
    });
  }
  return windows;
}

/** Claude's `-representative-claim` header names the binding window (`five_hour`, `seven_day`). */
export function claudeRepresentativeKind(headers: Record<string, string>): QuotaWindowKind | undefined {
  const claim = Object.entries(headers).find(([k]) => k.toLowerCase() === 'anthropic-ratelimit-unified-representative-claim')?.[1];
  if (!claim) return undefined;
  if (/five|5h/i.test(claim)) return '5h';
  if (/seven|7d|week/i.test(claim)) return 'weekly';
  return undefined;
}
