// Server-sent events (WHATWG HTML § 9.2 "event stream interpretation"), both ways. The parser accepts
// the upstream's bytes split anywhere: inside a line, between `\r` and `\n`, inside a UTF-8 sequence.
import {headOf} from '../../core/code-units.js';
import {MAX_BODY_BYTES} from '../client-request.js';

export interface SseEvent {
  /** The `event:` field; undefined when the event had none (the spec's default type "message"). */
  event?: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

/**
 * Incremental SSE parser. `push` returns the events completed by the chunk; `end` returns the last
 * event when the stream ended without its blank line (lenient: upstreams do that on close).
 * Comments (`:` lines), `id:` and `retry:` are ignored: translation has no use for them.
 */
/** An SSE line end: CRLF, CR or LF. */
const LINE_END = /\r\n|\r|\n/g;

export class SseParser {
  /** The start of a line whose end has not come yet (never holds a line end). */
  private buffer = '';
  /** The previous chunk ended in `\r`: a `\n` opening the next chunk belongs to that line end. */
  private pendingCr = false;
  private event: string | undefined;
  /** The event's first `data:` line, and any after it (nearly every event has one). */
  private data: string | undefined;
  private moreData: string[] | undefined;
  /** Characters of the event's data lines so far. */
  private dataLength = 0;
  private readonly decoder = new TextDecoder('utf-8');
  /**
   * The start of text that was not SSE at all (e.g. a JSON error body sent with status 200 to a
   * streaming request), kept so a reader can quote what the upstream said; at most 1000 chars.
   */
  notSse = '';

  push(chunk: string | Uint8Array): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, {stream: true});
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    const events: SseEvent[] = [];
    // This loop sees every upstream byte: line ends are found natively (indexOf, or the regex engine
    // when the text has a `\r`), and a line is cut out of the text only when it carries a value. The
    // chunk is read where it is: a line begun in the last chunk is joined to its own end only.
    const lfOnly = !text.includes('\r');
    let start = 0;
    for (;;) {
      let end: number;
      let next: number;
      if (lfOnly) {
        end = text.indexOf('\n', start);
        next = end + 1;
      } else {
        LINE_END.lastIndex = start;
        const match = LINE_END.exec(text);
        end = match ? match.index : -1;
        next = match ? end + match[0].length : -1;
        // A `\r` that ends the chunk: its `\n` may open the next chunk.
        if (match?.[0] === '\r' && next === text.length) this.pendingCr = true;
      }
      if (end === -1) break;
      let done: SseEvent | undefined;
      if (this.buffer === '') {
        done = this.line(text, start, end);
      } else {
        const line = this.buffer + text.slice(start, end);
        this.buffer = '';
        done = this.line(line, 0, line.length);
      }
      start = next;
      if (done) events.push(done);
    }
    if (start < text.length) this.buffer += text.slice(start);
    // An event is held whole until its blank line: one that never ends would hold the upstream's
    // bytes without bound. No answer the proxy reads whole may be longer (MAX_BODY_BYTES, in bytes:
    // never fewer than its characters).
    if (this.buffer.length + this.dataLength > MAX_BODY_BYTES) throw new Error(`an upstream event is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`);
    return events;
  }

  end(): SseEvent[] {
    const tail = this.decoder.decode();
    const events = tail ? this.push(tail) : [];
    if (this.buffer) {
      const done = this.line(this.buffer, 0, this.buffer.length);
      this.buffer = '';
      if (done) events.push(done);
    }
    const last = this.dispatch();
    if (last) events.push(last);
    return events;
  }

  /** The line `text[start, end)`. */
  private line(text: string, start: number, end: number): SseEvent | undefined {
    if (start === end) return this.dispatch();
    // `data: ` first: nearly every line of a stream is one.
    if (text.startsWith('data: ', start)) {
      this.addData(text.slice(start + 6, end));
      return undefined;
    }
    const line = text.slice(start, end);
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.addData(value);
    else if (field === 'event') this.event = value;
    else if (field !== 'id' && field !== 'retry' && this.notSse.length < 1000) this.notSse = headOf(`${this.notSse}${line}\n`, 1001); // one more: whoever cuts it sees the cut (cutText)
    return undefined;
  }

  private addData(value: string): void {
    this.dataLength += value.length;
    if (this.data === undefined) this.data = value;
    else (this.moreData ??= []).push(value);
  }

  private dispatch(): SseEvent | undefined {
    const data = this.data;
    const name = this.event;
    this.event = undefined;
    if (data === undefined) return undefined;
    const event: SseEvent = {data: this.moreData ? [data, ...this.moreData].join('\n') : data};
    if (name !== undefined) event.event = name;
    this.data = undefined;
    this.moreData = undefined;
    this.dataLength = 0;
    return event;
  }
}

/** All events of a whole SSE body (a non-streaming client served by a streaming upstream). */
export function parseSseText(text: string): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(text), ...parser.end()];
}

/** One SSE event: `event: <name>` (when named) and one `data:` line of JSON, then the blank line. */
export function formatSse(event: string | undefined, data: unknown): string {
  const json = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${json}\n\n`;
}

/** Whether a body looks like SSE rather than one JSON document (upstreams that ignore `stream: false`). */
export function looksLikeSse(text: string): boolean {
  return /^\s*(data|event|:)/.test(text);
}
