// Work the TUI leaves running when its screen goes: a login whose code is with the provider and
// whose account is still being stored (LoginSession.leave). Quitting waits for it, saying so, rather
// than ending the process under it (the provider's grant for that one code would be lost unsaid).

export class UnfinishedWork {
  /** Each piece of work: what is said while waiting for it, and the line saying how it ended. */
  private readonly pending = new Map<Promise<string>, string>();

  /** `waiting`: said while quitting waits for it; `done` resolves with the line that says how it ended. */
  add(waiting: string, done: Promise<string>): void {
    this.pending.set(done, waiting);
    void done.finally(() => this.pending.delete(done));
  }

  /** Waits for what is still running, each in turn: its `waiting` line first, then how it ended, on `say`. */
  async finish(say: (line: string) => void): Promise<void> {
    for (const [done, waiting] of [...this.pending]) {
      say(waiting);
      say(await done.catch((error: unknown) => String((error as Error)?.message ?? error)));
    }
  }
}
