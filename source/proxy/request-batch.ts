// The proxy child's request events, gathered for one log write and one IPC message per batch instead
// of one of each per request (issue 14: those were a fifth of the proxy's time per request). Held
// outside the JS heap: a log line kept in a string for the batch's tenth of a second outlives two
// young-generation collections and is promoted, so the old generation (and RSS) grew with the rate.
import type {ProxyEvent} from '../services/proxy/ipc.js';

export type RequestEvent = Extract<ProxyEvent, {type: 'request'}>;

export interface RequestBatchOut {
  /** The batch's log lines, each ending in a newline (UTF-8). */
  lines: Buffer;
  count: number;
  /** The newest events (at most `keep`), oldest first. */
  recent: RequestEvent[];
}

export class RequestBatch {
  private bytes = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  private count = 0;
  /** The newest `keep` events, a ring: `count` says how far it has turned. */
  private readonly ring: RequestEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  /**
   * `flushAfterMs`: how long the first event of a batch waits; `keep`: how many events a batch
   * carries whole (the rest only as lines and a count); `out` receives each batch.
   */
  constructor(
    private readonly flushAfterMs: number,
    private readonly keep: number,
    private readonly out: (batch: RequestBatchOut) => void,
  ) {}

  add(event: RequestEvent, line: string): void {
    const room = Buffer.byteLength(line) + 1;
    if (this.used + room > this.bytes.length) {
      // A full buffer goes out early; a line larger than the buffer gets a buffer of its own size.
      this.flush();
      if (room > this.bytes.length) this.bytes = Buffer.allocUnsafe(room);
    }
    this.used += this.bytes.write(line, this.used, 'utf8');
    this.bytes[this.used++] = 0x0a;
    this.ring[this.count % this.keep] = event;
    this.count++;
    this.timer ??= setTimeout(() => this.flush(), this.flushAfterMs).unref();
  }

  /** Sends what is gathered now (before any other event, so the order holds; and at exit). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.count === 0) return;
    const kept = Math.min(this.count, this.keep);
    const recent = Array.from({length: kept}, (_, i) => this.ring[(this.count - kept + i) % this.keep]!);
    const lines = Buffer.from(this.bytes.subarray(0, this.used));
    const count = this.count;
    this.used = 0;
    this.count = 0;
    this.ring.length = 0;
    this.out({lines, count, recent});
  }
}
