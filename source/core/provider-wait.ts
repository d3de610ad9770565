// The one clamp for every wait or reset a provider names (Retry-After, Codex `resets_at` /
// `resets_in_seconds` / `reset_after_seconds`, Claude's `-reset` headers and `resets_at`, Google's
// `retryDelay`). A server may send any number ("99999999999999999999"): unclamped it becomes a
// cooldown past JavaScript's largest Date, and formatting it (`toISOString`) throws a RangeError.

const DAY_MS = 24 * 60 * 60 * 1000;

/** Longest cooldown a provider may impose on an account (ms): a week, the longest usage window. */
export const MAX_PROVIDER_WAIT_MS = 7 * DAY_MS;
/** Longest reset of a quota window shown (ms): the 30-day windows some plans have, with a day to spare. */
export const MAX_QUOTA_RESET_MS = 31 * DAY_MS;

/**
 * An instant (epoch ms) a provider named, no later than `now + maxMs`; undefined when it is not a
 * finite number. Instants already past are kept (the caller decides what a past reset means).
 */
export function clampProviderWait(now: number, at: number | undefined, maxMs = MAX_PROVIDER_WAIT_MS): number | undefined {
  if (at === undefined || !Number.isFinite(at)) return undefined;
  return Math.min(at, now + maxMs);
}

/** ISO 8601 for an epoch-ms instant, or undefined when it is not a valid Date (never throws). */
export function isoOrUndefined(at: number | undefined): string | undefined {
  if (at === undefined || !Number.isFinite(at)) return undefined;
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
