// Keys first: work that redraws for something in the background (a batch of quota results, a
// re-read of the accounts) waits while keys are coming in, so a held j/k never queues behind its
// render. Real time (performance.now, timers), not the clock service: this paces the event loop.

/** No key for this long (ms) counts as a pause: a held key repeats every 30–50 ms. */
const QUIET_MS = 150;
/** Background updates are never held back longer than this (ms), keys or not. */
const MAX_WAIT_MS = 1000;

let lastKeyAt = -Infinity;

/** The dispatcher calls this for every key it handles. */
export function noteKey(): void {
  lastKeyAt = performance.now();
}

/**
 * Runs `work` now when no key came in the last QUIET_MS, else once keys pause, at most MAX_WAIT_MS
 * from now. Returns a function that cancels it if it has not run yet.
 */
export function whenInputQuiet(work: () => void): () => void {
  const askedAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const attempt = () => {
    timer = undefined;
    const now = performance.now();
    const quietIn = lastKeyAt + QUIET_MS - now;
    if (quietIn <= 0 || now - askedAt >= MAX_WAIT_MS) return work();
    timer = setTimeout(attempt, Math.min(quietIn, askedAt + MAX_WAIT_MS - now));
  };
  attempt();
  return () => clearTimeout(timer);
}
