// Where a process says it is waiting for a lock another process holds (a CCS command changing its
// account list, another ccs-tui writing): without a word, a command or a TUI field just hangs for up
// to the lock's wait. The command line prints each wait once on stderr (cli/run.ts); the TUI shows it
// on its status line (ui/shell.tsx); the waits themselves (LockWait) are file-lock.ts's. No imports:
// every command loads this.

/** How long a write waits for a lock before it says so (ms): a change takes milliseconds. */
export const SAY_WAIT_AFTER_MS = 1000;

let listener: ((message: string) => void) | undefined;

/** The printer of lock waits, for the rest of the process; returns the one it replaces. */
export function onLockWait(report: ((message: string) => void) | undefined): ((message: string) => void) | undefined {
  const before = listener;
  listener = report;
  return before;
}

/** Tells the printer that a write waits for `lockDir`, held by `holder` (e.g. "CCS, or another program"). */
export function reportLockWait(lockDir: string, holder: string): void {
  reportWait(`waiting for ${lockDir}: ${holder} holds it while it changes the files (the change is made once it lets go)`);
}

/** Tells the printer of any other wait for another process (owned-lock.ts: a refresh of the same grant). */
export function reportWait(message: string): void {
  listener?.(message);
}

/**
 * The wait for one lock another process holds, across tries: past `waitMs` it gives up, after
 * SAY_WAIT_AFTER_MS it is said (once), and between tries it backs off (5 ms doubling to 100 ms, jittered).
 */
export class LockWait {
  private readonly started = Date.now();
  private tries = 0;
  private said = false;

  constructor(
    private readonly waitMs: number,
    /** Who holds it, in reportLockWait's words. */
    private readonly holder: string,
  ) {}

  /** After a try found `lockDir` held: throws `giveUp()` past the wait; else says so once and backs off. */
  async again(lockDir: string, giveUp: () => Error): Promise<void> {
    const waited = Date.now() - this.started;
    if (waited > this.waitMs) throw giveUp();
    if (!this.said && waited >= SAY_WAIT_AFTER_MS) {
      this.said = true;
      reportLockWait(lockDir, this.holder);
    }
    const backoff = Math.min(100, 5 * 2 ** Math.min(this.tries++, 5)) * (0.5 + Math.random());
    await new Promise((resolve) => setTimeout(resolve, backoff));
  }
}
