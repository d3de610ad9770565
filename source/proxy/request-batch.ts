// The proxy child's request events, gathered for one log write and one IPC message per batch instead
// of one of each per request (issue 14: those were a fifth of the proxy's time per request). Held
// outside the JS heap: a log line kept in a string for the batch's tenth of a second outlives two
// young-generation collections and is promoted, so the old generation (and RSS) grew with the rate.
import {isOwn} from '../core/id-map.js';

export interface RequestBatchOut {
  /** The batch's log lines, each ending in a newline (UTF-8). */
  lines: Buffer;
  /** The forwarded requests among them (a refusal's line is not one: ProxyStatus counts those apart). */
  count: number;
  /** The newest lines' text without their time prefix (at most `keep`), oldest first. */
  recent: string[];
}

export class RequestBatch {
  private bytes = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  /** Lines in the batch. */
  private lines = 0;
  /** Of them, lines added as `counted`. */
  private count = 0;
  /**
   * Where the newest `keep` lines' text lies in `bytes` (start, end), a ring: `lines` says how far it
   * has turned. Offsets, not the events: an event held for the batch's tenth of a second outlived two
   * young-generation collections and was promoted, so a sustained load grew the old generation (and
   * RSS) by a quarter of a megabyte a second until the next full collection.
   */
  private readonly ring: Uint32Array;

  /**
   * `flushAfterMs`: how long the first line of a batch waits; `keep`: how many lines a batch carries
   * as text for the log tail (the rest only in `lines` and `count`); `out` receives each batch.
   */
  constructor(
    private readonly flushAfterMs: number,
    private readonly keep: number,
    private readonly out: (batch: RequestBatchOut) => void,
  ) {
    this.ring = new Uint32Array(keep * 2);
  }

  private timer: NodeJS.Timeout | undefined;

  /**
   * Adds the line `prefix` + `text` (the prefix is the time, left out of `recent`); `counted`: a
   * forwarded request's (in `count`), not a refusal's.
   */
  add(prefix: string, text: string, counted = true): void {
    // A UTF-16 unit is at most 3 UTF-8 bytes: a line that fits so is not measured (issue 14).
    const fits = this.used + 3 * (prefix.length + text.length) + 1 <= this.bytes.length;
    const room = fits ? 0 : Buffer.byteLength(prefix) + Buffer.byteLength(text) + 1;
    if (!fits && this.used + room > this.bytes.length) {
      // A full buffer goes out early; a line larger than the buffer gets a buffer of its own size.
      this.flush();
      if (room > this.bytes.length) this.bytes = Buffer.allocUnsafe(room);
    }
    this.used += this.bytes.write(prefix, this.used, 'utf8');
    const slot = (this.lines % this.keep) * 2;
    this.ring[slot] = this.used;
    this.used += this.bytes.write(text, this.used, 'utf8');
    this.ring[slot + 1] = this.used;
    this.bytes[this.used++] = 0x0a;
    this.lines++;
    if (counted) this.count++;
    this.timer ??= setTimeout(() => this.flush(), this.flushAfterMs).unref();
  }

  /** Sends what is gathered now (before any other event, so the order holds; and at exit). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines === 0) return;
    const kept = Math.min(this.lines, this.keep);
    const recent = Array.from({length: kept}, (_, i) => {
      const slot = ((this.lines - kept + i) % this.keep) * 2;
      return this.bytes.toString('utf8', this.ring[slot], this.ring[slot + 1]);
    });
    const lines = Buffer.from(this.bytes.subarray(0, this.used));
    const count = this.count;
    this.used = 0;
    this.lines = 0;
    this.count = 0;
    this.out({lines, count, recent});
  }
}

/**
 * A request line's text (`text`, a function of the event and a version of what else it reads),
 * remembered for the events that differ from the last one only in `ms`: under load one client's
 * lines are the same but for their time, and describing, masking and sanitising each was a
 * measurable share of a small answer's cost (issue 14). One event's fields at a time, by `ms` up
 * to MEMO_MAX_MS; any other field, or the version, changing starts afresh.
 */
export class LineMemo<E extends {ms: number}> {
  private last: E | undefined;
  private version = Number.NaN;
  private texts: (string | undefined)[] = [];

  constructor(private readonly text: (event: E) => string) {}

  /** text(event); `version` changes whenever text() could answer otherwise for the same event. */
  of(event: E, version: number): string {
    if (version !== this.version || this.last === undefined || !sameButMs(this.last, event)) {
      this.last = event;
      this.version = version;
      this.texts = [];
    }
    const ms = event.ms;
    if (!(Number.isInteger(ms) && ms >= 0 && ms < LineMemo.MEMO_MAX_MS)) return this.text(event);
    return (this.texts[ms] ??= this.text(event));
  }

  private static readonly MEMO_MAX_MS = 1000;
}

/** Whether two flat events have the same own fields with the same values, `ms` aside. */
function sameButMs(a: object, b: object): boolean {
  let fields = 0;
  for (const key in a) {
    if (!isOwn(a, key)) continue;
    fields++;
    if (key !== 'ms' && (a as Record<string, unknown>)[key] !== (b as Record<string, unknown>)[key]) return false;
  }
  for (const key in b) if (isOwn(b, key)) fields--;
  return fields === 0;
}
