// The requests a proxy is serving now, for close() to log the ones a stop cuts (issue 14).
//
// Not a Set: a Set that every request enters and leaves (thousands a second) made the proxy's old
// generation grow by about 1 KB a request between full collections (--trace-gc: 10 -> 42 MB, then
// back to 10; peak RSS 94 MB instead of 73 MB over 60,000 requests, `node dist/scripts/bench.js
// proxy`). The likely cause: V8 rebuilds a Set's hash table whenever deleted entries fill it, and a
// long-lived Set's new tables (and what they hold) are promoted. Here a freed slot is reused at
// once, so the array stays as long as the most requests served at once and is never rebuilt.

/** An entry knows its slot (undefined when not listed). */
export interface Slotted {
  slot?: number;
}

export class InFlight<T extends Slotted> {
  private readonly slots: (T | undefined)[] = [];
  private readonly free: number[] = [];

  add(entry: T): void {
    if (entry.slot !== undefined) return;
    const slot = this.free.pop() ?? this.slots.length;
    this.slots[slot] = entry;
    entry.slot = slot;
  }

  /** Removes `entry` (a no-op when it is not listed). */
  delete(entry: T): void {
    if (entry.slot === undefined || this.slots[entry.slot] !== entry) return;
    this.slots[entry.slot] = undefined;
    this.free.push(entry.slot);
    entry.slot = undefined;
  }

  /** The entries listed now (a copy: the caller may delete while it goes through them). */
  entries(): T[] {
    return this.slots.filter((entry): entry is T => entry !== undefined);
  }
}
