// Waiting for a condition instead of a fixed time: on a loaded machine (CI's two cores running the
// whole suite) what takes 50 ms here can take a second; a window sized for a quiet machine flakes.

/**
 * Resolves once `condition` holds, checking every `everyMs` ms; rejects naming `what` after
 * `timeoutMs` ms (keep it under the test's own timeout so the failure says what never happened).
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** What waitForState needs of a ProxySupervisor (services/proxy-supervisor.ts). */
interface Observable<S extends {logTail: string[]}> {
  readonly current: S;
  subscribe(listener: (state: S) => void): () => void;
}

/**
 * Resolves with the first state of `supervisor` (a ProxySupervisor) for which `predicate` holds, the
 * current one included; rejects after `timeoutMs` with the state it was in (its last 5 log lines).
 */
export function waitForState<S extends {logTail: string[]}>(supervisor: Observable<S>, predicate: (state: S) => boolean, timeoutMs = 15_000): Promise<S> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out; state: ${JSON.stringify({...supervisor.current, logTail: supervisor.current.logTail.slice(-5)})}`));
    }, timeoutMs);
    const unsubscribe = supervisor.subscribe((state) => {
      if (!predicate(state)) return;
      clearTimeout(timer);
      queueMicrotask(() => unsubscribe());
      resolve(state);
    });
  });
}
