// A problem every command must warn of, whichever reads the file (a broken tui.json, a secret file
// others may read), said once per process to the command line's printer (cli/run.ts). The TUI sets
// no printer: it owns the terminal and shows the problems in its banner. No imports: every command
// loads this.

/** One kind of problem's "say each message once" channel. */
export interface SayOnce {
  /** The command line's printer, for the rest of the process (what was said before is forgotten); returns the one it replaces. */
  listen(report: (message: string) => void): ((message: string) => void) | undefined;
  /** Tells the printer `message` unless it was said already; nothing is said (or remembered) without a printer. */
  say(message: string): void;
  /** Whether `message` went to the printer (a command listing its load's problems skips it). */
  said(message: string): boolean;
  /** Whether anything went to the printer. */
  saidAny(): boolean;
}

export function sayOnce(): SayOnce {
  let listener: ((message: string) => void) | undefined;
  const said = new Set<string>();
  return {
    listen(report) {
      const before = listener;
      listener = report;
      said.clear();
      return before;
    },
    say(message) {
      if (!listener || said.has(message)) return;
      said.add(message);
      listener(message);
    },
    said: (message) => said.has(message),
    saidAny: () => listener !== undefined && said.size > 0,
  };
}
