// Where a process says it is waiting for a lock another process holds (a CCS command changing its
// account list, another ccs-tui writing): without a word, a command or a TUI field just hangs for up
// to the lock's wait. The command line prints each wait once on stderr (cli/run.ts); the TUI shows it
// on its status line (ui/shell.tsx). No imports: every command loads this.

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
  listener?.(`waiting for ${lockDir}: ${holder} holds it while it changes the files (the change is made once it lets go)`);
}
