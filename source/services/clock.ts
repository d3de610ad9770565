// Time, behind an interface, so countdowns, polling and backoff are tested with a fake clock.
export interface Clock {
  now(): number;
  /** Calls `callback` once after `ms` (any length, also past 24.8 days); returns its cancel. */
  setTimeout(callback: () => void, ms: number): () => void;
  setInterval(callback: () => void, ms: number): () => void;
  /** Resolves after `ms` (or at once when aborted, rejecting with the abort reason). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The longest delay a Node timer holds (2^31-1 ms, 24.8 days). Node fires a longer one after 1 ms
 * (TimeoutOverflowWarning), and an instant a server names (a cooldown's end) may be years ahead.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** setTimeout for any delay: a longer one waits in links of MAX_TIMER_MS. Returns its cancel. */
function longTimeout(callback: () => void, ms: number): () => void {
  let timer: NodeJS.Timeout;
  const wait = (left: number) => {
    timer = left > MAX_TIMER_MS ? setTimeout(() => wait(left - MAX_TIMER_MS), MAX_TIMER_MS) : setTimeout(callback, left);
  };
  wait(ms);
  return () => clearTimeout(timer);
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: longTimeout,
  setInterval(callback, ms) {
    const timer = setInterval(callback, ms);
    return () => clearInterval(timer);
  },
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const cancel = longTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        cancel();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, {once: true});
    });
  },
};
