// A manual clock: time moves only when a test calls advance().
import type {Clock} from '../../source/services/clock.js';

interface Timer {
  at: number;
  every?: number;
  callback: () => void;
}

export class FakeClock implements Clock {
  private timers = new Set<Timer>();

  constructor(private current = Date.parse('2026-11-22T12:00:00Z')) {}

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): () => void {
    const timer = {at: this.current + ms, callback};
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  setInterval(callback: () => void, ms: number): () => void {
    const timer = {at: this.current + ms, every: ms, callback};
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const cancel = this.setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        cancel();
        reject(signal.reason);
      }, {once: true});
    });
  }

  /** Moves time forward, firing due timers in order; awaits pending promise callbacks between them. */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      const due = [...this.timers].filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.current = due.at;
      if (due.every) due.at += due.every;
      else this.timers.delete(due);
      due.callback();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.current = end;
    await new Promise((resolve) => setImmediate(resolve));
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}
