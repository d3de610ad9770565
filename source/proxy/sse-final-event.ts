// Where a pass-through SSE stream's answer is over: the upstream's final event (Anthropic
// `message_stop`, Chat `data: [DONE]`, Responses `response.completed` / `.incomplete` / `.failed`)
// has come whole, its closing blank line included. The clients' SDKs read to the body's end, so an
// upstream that holds its connection open after it would leave them waiting (deliver.ts pipeThrough
// ends the client's answer here instead; a translated stream ends at its reader's `answered`).
//
// Cheap per chunk (the proxy's throughput is measured): a native search for the marker, and only
// where it is found a look at the few bytes its line starts with. A marker counts only as an event's
// name (`event: message_stop`) or as the first key of a `data:` line's object
// (`data: {"type":"message_stop"`), or as the whole data of a Chat `data: [DONE]`: JSON escapes line
// breaks, so text that quotes one (a model writing about these protocols) never starts a line. An
// upstream that words the final event otherwise (`type` not first) is not seen: its stream ends when
// the upstream closes it, as before.
//
// An event that says the answer failed (Responses `response.failed`, a final event; an Anthropic
// `error` event, a Responses `error` event and a Chat error chunk, after which the upstream closes
// the stream or sends its final event: FAILURES) is kept (up to FAILED_EVENT_MAX bytes) and read
// once the stream is over: the answer began as a success and ended in the upstream's error, which
// the proxy then takes as the account's failure (a rate limit cools it) though its client already
// has the stream (deliver.ts LateFailure). Those that end nothing come at the stream's end, so only
// the last FAILURE_LOOK_BYTES of each read are searched for them: a search for `error` over a whole
// read of text is slow (a short needle whose first letter is everywhere: ~19 µs for 30 KB).

import type {ApiProtocol} from '../providers/types.js';
import {anthropicStreamError} from './translate/readers/anthropic.js';
import type {StreamError} from './translate/events.js';
import {chatStreamError} from './translate/readers/openai-chat.js';
import {responsesStreamError} from './translate/readers/openai-responses.js';
import {parseJsonObject, type JsonObject} from './translate/json.js';
import {SseParser} from './translate/sse.js';

const LF = 10;
const CR = 13;
/** The longest line start before a marker: `data: {"type": "` and some more spacing. */
const PREFIX_MAX = 24;
/** An event's name, or its data object's first key `type` (whatever spacing JSON allows). */
const NAMED = /^(?:event: ?|data: ?\{[ \t]*"type"[ \t]*:[ \t]*")$/;
/** Chat's end marker is the whole data of its event. */
const DATA = /^data: ?$/;

interface Marker {
  bytes: Buffer;
  /** What the marker's line must hold before it. */
  before: RegExp;
  /**
   * Set when the event says the answer failed (its event is kept and read: `failure`): how its line
   * began up to the marker's end, made whole again to read it, by the form that counted.
   */
  failure?: {event?: string; data: string};
}

const named = (...names: string[]): Marker[] => names.map((name) => ({bytes: Buffer.from(name, 'latin1'), before: NAMED}));
const failed = (name: string): Marker => ({bytes: Buffer.from(name, 'latin1'), before: NAMED, failure: {event: `event: ${name}`, data: `data: {"type":"${name}`}});
/** A Chat chunk that reports an error: `data: {"error": {…}}`, the object's first key. */
const CHAT_ERROR: Marker = {bytes: Buffer.from('error', 'latin1'), before: /^data: ?\{[ \t]*"$/, failure: {data: 'data: {"error'}};
const MARKERS: Partial<Record<ApiProtocol, Marker[]>> = {
  anthropic: named('message_stop'),
  'openai-chat': [{bytes: Buffer.from('[DONE]', 'latin1'), before: DATA}],
  'openai-responses': [...named('response.completed', 'response.incomplete'), failed('response.failed')],
};
/**
 * Events that say the answer failed without being its final event: Anthropic's `error` event (it
 * closes a stream that failed: docs.anthropic.com "Streaming Messages", error events), a Responses
 * `error` event (Codex's usage limit may come as one, the stream closed after it; `response.failed`
 * may follow it), a Chat error chunk (`[DONE]` may follow it). Read as a final failure is, by a
 * watch of their own, while the stream goes on to its end.
 */
const FAILURES: Partial<Record<ApiProtocol, Marker[]>> = {
  anthropic: [failed('error')],
  'openai-chat': [CHAT_ERROR],
  'openai-responses': [failed('error')],
};
/**
 * The bytes searched for FAILURES at the end of each read, and before a final event found in it,
 * from the start of the line they begin in and the line before it (a failure event is a few hundred
 * bytes: it fits, and so does what may follow it in its read but a final event, however long that
 * is; a longer one is seen by its start). One further from both is not seen.
 */
export const FAILURE_LOOK_BYTES = 2 * 1024;
/** The most bytes of a failed final event kept to read it (an error event is a few hundred). */
export const FAILED_EVENT_MAX = 64 * 1024;
/** A name goes on with these bytes (`message_stop_x` is not `message_stop`): letters, digits, `_`, `.`, `-`. */
const isNameByte = (byte: number | undefined) =>
  byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x5f || byte === 0x2e || byte === 0x2d);
/** A line start this long is kept across a read: a marker may be cut by one (PREFIX_MAX + the longest marker). */
const CARRY_MAX = PREFIX_MAX + 20;
const NONE = Buffer.alloc(0);
/** Two line ends in a row (a blank line): LF LF, CR CR, LF CR (CRLF CRLF holds it). */
const BLANK = ['\n\n', '\r\r', '\n\r'].map((pair) => Buffer.from(pair, 'latin1'));

const isBreak = (byte: number | undefined) => byte === LF || byte === CR;

/** The watch of a stream of `protocol` (client and upstream alike), or undefined when it has no final event the proxy knows. */
export function finalEventWatch(protocol: ApiProtocol | undefined): FinalEventWatch | undefined {
  const markers = protocol === undefined ? undefined : MARKERS[protocol];
  if (!markers) return undefined;
  const failures = FAILURES[protocol!];
  return new FinalEventWatch(markers, protocol, failures && new FinalEventWatch(failures, protocol, undefined, FAILURE_LOOK_BYTES));
}

export class FinalEventWatch {
  /** The final event's marker came; its closing blank line has not yet. */
  private seen = false;
  /** The byte before the chunk pushed next (a line break cut from the one after it). */
  private last = -1;
  /**
   * The unfinished line the last chunk ended with, when it was at most CARRY_MAX bytes (a copy: the
   * chunk's buffer may be reused); NONE when it ended with a line break; undefined when the line is
   * longer (no marker near its start is still to come).
   */
  private carry: Buffer | undefined = NONE;
  /** The event's blank line came but for the LF of its CRLF: the next read ends it, whatever it holds. */
  private crlfDue = false;
  /** The marker that counted. */
  private found: Marker | undefined;
  /** A failed final event: how its marker came (an event's name, or its data's `type`), and the bytes after it (copies). */
  private kept: {form: 'event' | 'data'; bytes: Buffer[]; size: number} | undefined;

  /** Whether `errors` has read its event whole (it is pushed no more). */
  private errorsOver = false;

  constructor(
    private readonly markers: readonly Marker[],
    private readonly protocol?: ApiProtocol,
    /** The watch of the protocol's failures that end nothing (FAILURES). */
    private readonly errors?: FinalEventWatch,
    /** Only this many bytes at the end of each read are searched (FAILURE_LOOK_BYTES); all when unset. */
    private readonly lookBytes?: number,
  ) {}

  /**
   * The next bytes of the stream as they came: true once the final event has come whole.
   * `lookFrom`: where in `chunk` a watch of `lookBytes` begins to look this time (push's own, for
   * its `errors`), when not at its last `lookBytes`.
   */
  push(chunk: Buffer, lookFrom?: number): boolean {
    if (chunk.length === 0) return false;
    let from = 0;
    /** Where the final event's marker ends in this read, when it came in this one. */
    let finalHere = -1;
    if (!this.seen) {
      const after = this.find(chunk, lookFrom);
      if (after >= 0) {
        this.seen = true;
        from = finalHere = after;
      }
    }
    // The failures that end nothing: in the read's last bytes, and in those before a final event
    // that came in it (codex's `error` event and a large `response.failed` after it, in one read).
    if (this.errors && !this.errorsOver) this.errorsOver = this.errors.push(chunk, finalHere < 0 ? undefined : Math.max(0, Math.min(chunk.length - FAILURE_LOOK_BYTES, finalHere - this.found!.bytes.length - FAILURE_LOOK_BYTES)));
    if (!this.seen) {
      this.keepLine(chunk);
      return false;
    }
    if (this.kept) this.keep(chunk.subarray(from));
    const ended = this.blankLine(chunk, from);
    this.last = chunk[chunk.length - 1]!;
    return ended;
  }

  /**
   * The upstream's error, when an event that came said the answer failed (Anthropic `error`,
   * Responses `response.failed` or `error`) and could be read (at most FAILED_EVENT_MAX bytes, its
   * data JSON; its closing blank line need not have come: the upstream may close without it); else
   * undefined. The first such event's, as the protocol's translating reader keeps the first error
   * (a Responses usage limit's `error` event, then a `response.failed` that names nothing). As that
   * reader reads it: its message, code word (`rate_limit_error`, `usage_limit_reached`) and error
   * object (the wait it names).
   */
  get failure(): StreamError | undefined {
    const earlier = this.errors?.failure;
    if (earlier) return earlier;
    const event = this.failedEvent();
    if (!event) return undefined;
    return this.protocol === 'anthropic' ? anthropicStreamError(event) : this.protocol === 'openai-chat' ? chatStreamError(event) : responsesStreamError(event);
  }

  /** The failed final event's data, read as its SSE (the marker's line made whole again from what counted). */
  private failedEvent(): JsonObject | undefined {
    const kept = this.kept;
    const failure = this.found?.failure;
    if (!kept || failure === undefined || kept.size > FAILED_EVENT_MAX) return undefined;
    const parser = new SseParser();
    // Its line start is known by what counted (the marker's `before`): the event's name, or the data object's first key.
    const start = (kept.form === 'event' ? failure.event : undefined) ?? failure.data;
    const events = [...parser.push(start), ...kept.bytes.flatMap((bytes) => parser.push(bytes)), ...parser.end()];
    const data = events[0]?.data;
    return data === undefined ? undefined : parseJsonObject(data);
  }

  /** Bytes of a failed final event, kept while they fit (FAILED_EVENT_MAX; one over it is not read). */
  private keep(bytes: Buffer): void {
    const kept = this.kept!;
    if (kept.size > FAILED_EVENT_MAX || bytes.length === 0) return;
    kept.size += bytes.length;
    if (kept.size <= FAILED_EVENT_MAX) kept.bytes.push(Buffer.from(bytes));
  }

  /** The offset in `chunk` right after the first marker that counts, or -1 (`found` and, for a failure, `kept` set). */
  private find(chunk: Buffer, lookFrom?: number): number {
    const carry = this.carry;
    if (carry !== undefined && carry.length > 0) {
      // A marker cut by the read: looked for in the line's start joined with this chunk's (rare:
      // SSE reads mostly end with an event).
      const joined = Buffer.concat([carry, chunk.subarray(0, CARRY_MAX)]);
      for (const marker of this.markers) {
        for (let at = joined.indexOf(marker.bytes); at >= 0; at = joined.indexOf(marker.bytes, at + 1)) {
          const end = at + marker.bytes.length;
          if (end > carry.length && this.counts(joined, at, NONE, marker)) return this.take(marker, joined, at, end - carry.length);
        }
      }
    }
    let from = lookFrom ?? (this.lookBytes === undefined ? 0 : Math.max(0, chunk.length - this.lookBytes));
    if (from > 0) {
      // Begun inside a line: from that line's start, and the line before it (an event's `event:`
      // line), so an error event longer than the window is seen by its start (LF line ends; a
      // stream of CRs alone is searched whole).
      const line = chunk.lastIndexOf(LF, from - 1);
      from = line <= 0 ? 0 : chunk.lastIndexOf(LF, line - 1) + 1;
    }
    for (const marker of this.markers) {
      for (let at = chunk.indexOf(marker.bytes, from); at >= 0; at = chunk.indexOf(marker.bytes, at + 1)) {
        if (this.counts(chunk, at, carry, marker)) return this.take(marker, chunk, at, at + marker.bytes.length);
      }
    }
    return -1;
  }

  /** The marker at `at` in `bytes` counted: remembered (and a failure's event kept from `after`, its offset in the chunk). */
  private take(marker: Marker, bytes: Buffer, at: number, after: number): number {
    this.found = marker;
    if (marker.failure !== undefined) {
      let start = at;
      while (start > 0 && !isBreak(bytes[start - 1])) start--;
      const form = bytes[start] === 0x65 /* e */ || (start === 0 && this.carry?.[0] === 0x65) ? 'event' : 'data';
      this.kept = {form, bytes: [], size: 0};
    }
    return after;
  }

  /** Whether the marker at `at` is an event's name or type: its line (begun with `carry` when it starts before `bytes`) holds just that before it. */
  private counts(bytes: Buffer, at: number, carry: Buffer | undefined, marker: Marker): boolean {
    let start = at;
    while (start > 0 && at - start <= PREFIX_MAX && !isBreak(bytes[start - 1])) start--;
    if (at - start > PREFIX_MAX) return false;
    // The name ends here (what follows it is not more of a name; a name cut by the read counts).
    if (isNameByte(bytes[at + marker.bytes.length])) return false;
    let before = bytes.toString('latin1', start, at);
    if (start === 0) {
      if (carry === undefined) return false;
      before = carry.toString('latin1') + before;
    }
    return before.length <= PREFIX_MAX && marker.before.test(before);
  }

  /** Keeps the unfinished line `chunk` ends with (see `carry`). */
  private keepLine(chunk: Buffer): void {
    if (isBreak(chunk[chunk.length - 1])) {
      this.carry = NONE;
      return;
    }
    let start = chunk.length - 1;
    while (start > 0 && chunk.length - start < CARRY_MAX && !isBreak(chunk[start - 1])) start--;
    if (start > 0 && !isBreak(chunk[start - 1])) this.carry = undefined;
    else if (start > 0) this.carry = Buffer.from(chunk.subarray(start));
    else this.carry = this.carry === undefined || this.carry.length + chunk.length > CARRY_MAX ? undefined : Buffer.concat([this.carry, chunk]);
  }

  /**
   * Whether the event has ended: a blank line is in `chunk` from `from` on (or made by its first byte
   * and the one before it). One that ends the chunk with the CR of a CRLF waits for the next read
   * (its LF), so the client gets the whole line end its parser may wait for.
   */
  private blankLine(chunk: Buffer, from: number): boolean {
    if (this.crlfDue) return true;
    let end = -1;
    let first = -1;
    if (from === 0 && isBreak(this.last) && isBreak(chunk[0]) && !(this.last === CR && chunk[0] === LF)) {
      end = 0;
      first = this.last;
    } else {
      // The first of BLANK's pairs.
      let at = -1;
      for (const pair of BLANK) {
        const found = chunk.indexOf(pair, from);
        if (found >= 0 && (at < 0 || found < at)) at = found;
      }
      if (at < 0) return false;
      end = at + 1;
      first = chunk[at]!;
    }
    if (end === chunk.length - 1 && first === LF && chunk[end] === CR) {
      this.crlfDue = true;
      return false;
    }
    return true;
  }
}
