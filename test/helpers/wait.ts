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
