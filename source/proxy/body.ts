// The client's request body on its way upstream. Small bodies are read whole and parsed. A large one
// (a prompt with images, a long conversation) is streamed: the proxy reads only its head, far enough
// to find the top-level "model" (routing and model rules need it), and pipes the rest to the upstream
// as it arrives, so memory does not grow with request size (DESIGN.md). Every byte of every body
// passes one scanner (ModelScanner), which refuses a top-level key the proxy and the upstream could
// read differently (a repeated "model"), before the upstream has the whole body. A body that must change
// beyond its model name (a translator's plan, an adapter's rewrite) is read whole, up to
// MAX_PARSED_BODY_BYTES.
import type {ClientRequest as UpstreamRequest, IncomingMessage} from 'node:http';
import {sanitizeLine} from '../core/sanitize.js';
import {HttpError} from './errors.js';

/**
 * Bodies at least this large, with a Content-Length and a top-level "model" in their head, are
 * streamed. Smaller ones are read whole, because a read body can fail over to the next account and
 * its session field (Claude Code's `metadata.user_id`, after the messages) keeps the session on one
 * account; a long conversation of text (200k tokens, under 1 MB) stays well under this.
 */
export const STREAM_ABOVE_BYTES = 4 * 1024 * 1024;
/**
 * The largest body read whole and parsed (Anthropic's own request limit is 32 MB): larger ones must be
 * streamable, i.e. pass through unchanged but for the model name.
 */
export const MAX_PARSED_BODY_BYTES = 32 * 1024 * 1024;
/**
 * A top-level string longer than this (encoded) is neither a model name nor a field the proxy decides
 * on (the longest, `prompt_cache_key`, is 96 bytes with every letter `\\u`-escaped); the scanner skips it.
 */
const MAX_TOKEN_BYTES = 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The bytes JSON (RFC 8259) has outside its strings: whitespace, structure, and the characters of
 * numbers and of `true`, `false` and `null`. Anything else there means some parser reads the body
 * differently from this scanner: NUL (Python's json.loads on bytes and Jackson take `{` then NUL for
 * UTF-16LE, RFC 4627 §3), `/` and `#` (comments to JSON5 and Gson's lenient reader), `'`, unquoted
 * names, `NaN`.
 */
const OUTSIDE_STRINGS = new Uint8Array(256);
/** A byte outside strings the scanner only steps over (whitespace, numbers, literals)... */
const PLAIN = 1;
/** ...and one it acts on (a quote, a bracket, `:`, `,`); 0: not JSON there. */
const STRUCTURAL = 2;
for (const c of ' \t\n\r0123456789+-.eEtruefalsn') OUTSIDE_STRINGS[c.charCodeAt(0)] = PLAIN;
for (const c of '"{}[]:,') OUTSIDE_STRINGS[c.charCodeAt(0)] = STRUCTURAL;
const isBlank = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * The top-level fields the proxy decides on, and where it reads them: `model` (the provider, the
 * account's model rules: aliases and exclusions, prepare.ts), `stream` (a translated answer's form),
 * `metadata`, `prompt_cache_key` and `user` (the session key that keeps a client on one account,
 * client-request.ts), `messages` (foreign thinking blocks dropped, prepare.ts). The proxy must act on
 * the value the upstream acts on, and parsers disagree when a key repeats: JSON.parse, Go's
 * encoding/json and Python's json keep the last, gjson and this scanner the first. Go's also matches a
 * name regardless of case (Unicode simple folding: `Model`, `ſtream`). So a body that repeats one of
 * these, or spells one in another case, is refused, whatever its size (ModelScanner.refusal).
 */
export const DECIDED_FIELDS = ['model', 'stream', 'metadata', 'prompt_cache_key', 'user', 'messages'] as const;

/** A decided field by its case-folded name (a Map: a key named `__proto__` is data, not a prototype). */
const DECIDED_BY_FOLDED = new Map<string, string>(DECIDED_FIELDS.map((name) => [foldCase(name), name]));
/** Each decided field's bit in ModelScanner's `seen`. */
const DECIDED_BIT = new Map<string, number>(DECIDED_FIELDS.map((name, i) => [name, 1 << i]));
/** The decided fields' names as bytes (all lower-case ASCII: each folds to itself), for decidedKeyAt. */
const DECIDED_BYTES = DECIDED_FIELDS.map((name) => ({name, bytes: Buffer.from(name, 'latin1')}));

/**
 * A top-level key whose bytes `chunk[from..to)` are ASCII without a capital letter, an escape or a
 * control byte, decided without decoding it: the decided field it names, or null when it names none
 * (case folding leaves such a key as it is, and every folded decided name is lower-case ASCII, so
 * its bytes either equal one of them or name none; checkKey says the same of its decoded text).
 * Undefined for any other key (checkKey decides on its text). No string made per key (issue 14).
 */
function decidedKeyAt(chunk: Buffer, from: number, to: number): string | null | undefined {
  for (let i = from; i < to; i++) {
    const b = chunk[i]!;
    if (b < 0x20 || b >= 0x80 || b === BACKSLASH || (b >= 0x41 && b <= 0x5a)) return undefined;
  }
  const length = to - from;
  // Compared here, byte by byte: a Buffer method's checks and native call cost more than these few bytes.
  for (const {name, bytes} of DECIDED_BYTES) {
    if (bytes.length !== length) continue;
    let i = 0;
    while (i < length && chunk[from + i] === bytes[i]) i++;
    if (i === length) return name;
  }
  return null;
}

/** Whether a name is all ASCII without a capital letter: case folding leaves it as it is. */
function foldsToItself(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80 || (c >= 0x41 && c <= 0x5a)) return false;
  }
  return true;
}

/**
 * A name with case folded as Go's encoding/json compares field names (it folds `ſ` to `s` and the
 * Kelvin sign to `k` too; upper-casing first catches those). May fold a few more names than Go does,
 * which only refuses more.
 */
function foldCase(name: string): string {
  return name.toUpperCase().toLowerCase();
}

/** The top-level `"model": "<string>"`: its decoded value and the byte span of its string token, quotes included. */
export interface ScannedModel {
  value: string;
  start: number;
  end: number;
}

/**
 * Reads a JSON object's top level as its bytes arrive, with constant memory (depth, string and escape
 * state, the current top-level key, the decided fields seen): finds the first top-level
 * `"model": "<string>"` (`model`), and refuses a body whose top-level keys, decoded (`"mod\u0065l"`
 * is `model`), repeat a field the proxy decides on or spell one in another case (`refusal`, a 400
 * naming the field; DECIDED_FIELDS says why). `invalid` is set as soon as the body cannot be a JSON
 * object (its first non-blank byte is not `{`). It does not validate the grammar (the upstream does
 * that, and JSON.parse for a body read whole), but a streamed body is never parsed here, so what
 * lets a lenient parser see other keys than the scanner does is refused too: a byte outside strings
 * that JSON has no use for (OUTSIDE_STRINGS), a top-level key that is not a JSON string, anything but
 * whitespace after the object. Strings are skipped with indexOf, so most of a large body (message
 * text, base64 images) costs no per-byte work in JavaScript.
 */
export class ModelScanner {
  model: ScannedModel | undefined;
  invalid = false;
  /** With `invalid`: the body's first non-blank byte (what the body is instead of an object). */
  invalidStart: number | undefined;
  refusal: HttpError | undefined;
  /** The object closed, the body is invalid or refused: nothing more to learn (a closed one's tail is still checked to be blank). */
  done = false;
  private closed = false;
  /** Offset of the current chunk's first byte in the body. */
  private offset = 0;
  private started = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private expectKey = true;
  /** The current top-level key (undefined after a comma); one decidedKeyAt found no decided field in may be left undefined: only `model` is looked for. */
  private key: string | undefined;
  /** The decided fields seen so far, one bit each (DECIDED_BIT). */
  private seen = 0;
  /** Pieces of the top-level string being read (a key or a value), undefined when too long to matter. */
  private token: Buffer[] | undefined;
  /** The one array `token` is (emptied for each string: a string is read to its end before the next begins). */
  private readonly pieces: Buffer[] = [];
  private tokenBytes = 0;
  private tokenStart = 0;

  feed(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !this.done) i = this.inString ? this.stringPart(chunk, i) : this.outside(chunk, i);
    if (this.closed && !this.refusal) this.tail(chunk, i);
    this.offset += chunk.length;
  }

  /** Bytes after the top-level object: only whitespace (JSON.parse refuses the rest of a small body alike). */
  private tail(chunk: Buffer, from: number): void {
    for (let i = from; i < chunk.length; i++) {
      if (!isBlank(chunk[i]!)) return this.notJson(chunk[i]!, this.offset + i, 'after the top-level object');
    }
  }

  private notJson(b: number, at: number, where: string): void {
    const what = b >= 0x20 && b < 0x7f ? JSON.stringify(String.fromCharCode(b)) : `byte 0x${b.toString(16).padStart(2, '0')}`;
    this.refuse(`request body is not UTF-8 JSON: ${what} at offset ${at}, ${where}`);
  }

  /**
   * Bytes outside strings, up to a string's opening quote (included), the object's end or the
   * chunk's end; returns the next index. One loop steps over numbers and whitespace (a body of
   * numbers costs no call per byte).
   */
  private outside(chunk: Buffer, from: number): number {
    if (!this.started) return this.first(chunk[from]!, from);
    for (let i = from; i < chunk.length; i++) {
      const b = chunk[i]!;
      const kind = OUTSIDE_STRINGS[b];
      if (kind === PLAIN) continue;
      if (kind !== STRUCTURAL) {
        this.notJson(b, this.offset + i, 'outside any string');
        return i + 1;
      }
      switch (b) {
        case QUOTE:
          this.inString = true;
          this.token = this.depth === 1 ? this.pieces : undefined;
          // Set only when it holds pieces: each length store is a runtime call (~9 strings in a small body).
          if (this.pieces.length !== 0) this.pieces.length = 0;
          this.tokenBytes = 0;
          this.tokenStart = this.offset + i;
          return i + 1;
        case 0x7b: // {
        case 0x5b: // [
          this.depth++;
          break;
        case 0x7d: // }
        case 0x5d: // ]
          if (--this.depth === 0) {
            this.done = this.closed = true;
            return i + 1;
          }
          break;
        case 0x3a: // :
          if (this.depth === 1) this.expectKey = false;
          break;
        case 0x2c: // ,
          if (this.depth === 1) {
            this.expectKey = true;
            this.key = undefined;
          }
          break;
      }
    }
    return chunk.length;
  }

  /** A byte before the body started: blank, or the `{` that opens it (any other byte: invalid). */
  private first(b: number, i: number): number {
    if (isBlank(b)) return i + 1;
    this.started = true;
    if (b !== 0x7b) {
      this.invalid = true;
      this.invalidStart = b;
      this.done = true;
    } else this.depth = 1;
    return i + 1;
  }

  /**
   * The bytes of a string up to its closing quote, or to the chunk's end; returns the next index.
   * Only quotes are looked for (indexOf): a quote closes the string when the run of backslashes
   * before it is even, so text full of escapes (`\n`, `\"` in code and in JSON inside strings) costs
   * one count per quote, not a step per escape.
   */
  private stringPart(chunk: Buffer, from: number): number {
    // Backslashes before `fresh` are paired already (an escape carried over from the last chunk, or
    // one that escaped a quote just passed): a run is counted from there.
    let fresh = from;
    if (this.escaped) {
      this.escaped = false;
      fresh = from + 1;
    }
    let quote = quoteFrom(chunk, fresh);
    while (quote >= 0 && backslashesBefore(chunk, quote, fresh) % 2 === 1) {
      fresh = quote + 1;
      quote = quoteFrom(chunk, fresh);
    }
    if (quote < 0) {
      this.keep(chunk, from, chunk.length);
      this.escaped = backslashesBefore(chunk, chunk.length, fresh) % 2 === 1;
      return chunk.length;
    }
    this.inString = false;
    if (this.token && this.token.length === 0 && quote + 1 - from <= MAX_TOKEN_BYTES) {
      // The whole string in this chunk (the common case): read in place, no copy of its bytes.
      if (this.depth !== 1) return quote + 1;
      if (this.expectKey) {
        const decided = decidedKeyAt(chunk, from, quote);
        if (decided !== undefined) {
          this.key = decided ?? undefined;
          if (decided !== null) this.checkKey(decided);
          return quote + 1;
        }
      } else if (this.key !== 'model' || this.model) {
        // A value no one reads (only the first top-level model's is): not decoded.
        return quote + 1;
      }
      this.topLevelString(plainText(chunk, from, quote) ?? chunk.subarray(from, quote + 1), this.offset + quote + 1);
      return quote + 1;
    }
    this.keep(chunk, from, quote + 1);
    if (this.depth === 1 && this.token) this.topLevelString(Buffer.concat(this.token), this.offset + quote + 1);
    return quote + 1;
  }

  /** Adds bytes to the top-level token being read, or drops it once it is too long to matter. */
  private keep(chunk: Buffer, from: number, to: number): void {
    if (!this.token) return;
    this.tokenBytes += to - from;
    if (this.tokenBytes > MAX_TOKEN_BYTES) this.token = undefined;
    else this.token.push(chunk.subarray(from, to));
  }

  /**
   * A top-level key or value has ended (`end`: the offset after its closing quote). `content`: its
   * bytes after the opening quote, the closing one included, or the text they decode to (plainText).
   */
  private topLevelString(content: Buffer | string, end: number): void {
    let text: string;
    try {
      text = typeof content === 'string' ? content : (JSON.parse(`"${content.toString('utf8')}`) as string);
    } catch {
      // Not a JSON string (a raw control byte, a bad escape): a strict upstream refuses the body, a
      // lenient one may read a decided field in it (`"\model"` is `model` to a parser that lets any
      // character be escaped), so a key is refused here; a value is not the model (none is found).
      if (this.expectKey) this.refuse(`request body is not UTF-8 JSON: the top-level key at offset ${this.tokenStart} is not a JSON string`);
      return;
    }
    if (this.expectKey) {
      this.key = text;
      this.checkKey(text);
    } else if (this.key === 'model' && !this.model) this.model = {value: text, start: this.tokenStart, end};
  }

  private checkKey(key: string): void {
    // Most keys are lower-case ASCII: folded, they are what they are (no case folding's two new strings per key).
    const field = DECIDED_BY_FOLDED.get(key) ?? (foldsToItself(key) ? undefined : DECIDED_BY_FOLDED.get(foldCase(key)));
    if (field === undefined) return;
    const bit = DECIDED_BIT.get(field)!;
    if (key !== field) {
      this.refuse(`request body has a top-level ${JSON.stringify(sanitizeLine(key))} field: send it as "${field}" (names are case-sensitive here, but some upstreams read any case, so the proxy and the upstream could act on different values)`);
    } else if (this.seen & bit) {
      this.refuse(`request body repeats the top-level "${field}" field: send it once (parsers disagree on which copy counts, so the proxy and the upstream could act on different values)`);
    } else this.seen |= bit;
  }

  private refuse(message: string): void {
    this.refusal = new HttpError(400, message);
    this.done = true;
  }
}

/**
 * The text of the JSON string bytes `chunk[from..to)` when they hold no escape and no control byte
 * (JSON.parse would read them as their UTF-8, and so does this); else undefined (JSON.parse decides).
 */
function plainText(chunk: Buffer, from: number, to: number): string | undefined {
  for (let i = from; i < to; i++) {
    const b = chunk[i]!;
    if (b < 0x20 || b === BACKSLASH) return undefined;
  }
  return chunk.toString('utf8', from, to);
}

/** Bytes a string's closing quote is looked for in JavaScript before the native search takes over. */
const QUOTE_LOOP_BYTES = 64;

/**
 * The index of the first quote at or after `from` in `chunk`, -1 when none: the first bytes in a
 * loop (most strings of a request's top level are short keys, and a Buffer search's checks and
 * native call cost more than they do: issue 14), the rest by indexOf (message text, base64 images).
 */
function quoteFrom(chunk: Buffer, from: number): number {
  const end = Math.min(chunk.length, from + QUOTE_LOOP_BYTES);
  for (let i = from; i < end; i++) if (chunk[i] === QUOTE) return i;
  return end < chunk.length ? chunk.indexOf(QUOTE, end) : -1;
}

/** How many backslashes come right before `at`, counting back no further than `floor`. */
function backslashesBefore(chunk: Buffer, at: number, floor: number): number {
  let i = at;
  while (i > floor && chunk[i - 1] === BACKSLASH) i--;
  return at - i;
}

/**
 * A large body as readClientRequest leaves it: the head read (as read, not copied), the rest still to
 * come from `req`, and the scanner that read the head, which reads the rest as it goes upstream.
 */
export interface StreamedRead {
  head: readonly Buffer[];
  req: IncomingMessage;
  /** The client's Content-Length. */
  declaredLength: number;
  /** The scanner's find in `head`. */
  model: ScannedModel;
  scanner: ModelScanner;
}

/** A body that goes upstream as it arrives: the head already read (as read, not copied), then the rest of the client's request. */
export interface StreamedBody {
  head: readonly Buffer[];
  rest: IncomingMessage;
  /** Reads the rest on its way: a refused key stops it before the upstream has the whole body. */
  scanner: ModelScanner;
  /** Bytes the upstream receives (its Content-Length). */
  length: number;
  /** Set once piping began: the body cannot be sent a second time (no failover to another account). */
  sent: boolean;
}

export type OutgoingBody = Buffer | StreamedBody;

/** The streamed body with the model name replaced by `sentAs` (an alias resolved) when it differs. */
export function streamedBody(read: StreamedRead, sentAs: string | undefined): StreamedBody {
  const {head, req: rest, declaredLength, model, scanner} = read;
  if (sentAs === undefined || sentAs === model.value) return {head, rest, scanner, length: declaredLength, sent: false};
  // Only the chunks up to the model's end are copied; the model is near the start of the body.
  let covered = 0;
  let count = 0;
  while (covered < model.end) covered += head[count++]!.length;
  const front = Buffer.concat(head.slice(0, count));
  const token = Buffer.from(JSON.stringify(sentAs));
  const spliced = [front.subarray(0, model.start), token, front.subarray(model.end), ...head.slice(count)];
  return {head: spliced, rest, scanner, length: declaredLength - (model.end - model.start) + token.length, sent: false};
}

/**
 * Writes the body to the upstream request: at once, or the head then the rest piped (backpressure).
 * The rest passes the scanner chunk by chunk before it is written: a chunk that repeats a decided
 * field is never written, and the upstream request is destroyed with the scanner's 400 (its 'error'),
 * so the upstream never has a complete body to act on.
 */
export function sendBody(request: UpstreamRequest, body: OutgoingBody): void {
  if (Buffer.isBuffer(body)) {
    request.end(body);
    return;
  }
  body.sent = true;
  for (const chunk of body.head) request.write(chunk);
  const {scanner, rest} = body;
  // By hand, as pipe() does it (backpressure, stop when the upstream request closes), but with no
  // Transform between: a stream hop per chunk cost a 4.6 MB body more than its scan does.
  const resume = () => rest.resume();
  const detach = () => {
    rest.off('data', onData).off('end', onEnd);
    request.off('drain', resume).off('close', onClose);
  };
  const onData = (chunk: Buffer) => {
    scanner.feed(chunk);
    if (scanner.refusal) {
      // The client's unread rest stays paused for the 400 (refusal.ts closes).
      detach();
      rest.pause();
      request.destroy(scanner.refusal);
    } else if (!request.write(chunk)) {
      rest.pause();
      request.off('drain', resume).once('drain', resume);
    }
  };
  const onEnd = () => {
    detach();
    request.end();
  };
  // The upstream request ended before the body did (a reset, the upstream cut for an idle limit),
  // or the upstream's whole answer came first (it will not read the rest; the request is cut, its
  // connection unusable with a body half sent): the rest of the client's body is read and dropped
  // until it ends or the client, told its answer is the connection's last (server.ts forward),
  // closes. Left paused, the upload never ended; and a socket closed over unread bytes sends a
  // reset that can destroy the answer before the client reads it. Bounded by what the body was
  // already allowed: its Content-Length (at most client-request.ts MAX_BODY_BYTES), within
  // refusal.ts CLIENT_TIMEOUTS.requestMs (after which Node answers 408 and closes).
  const onClose = () => {
    detach();
    rest.resume();
  };
  const onAnswered = () => {
    if (request.writableEnded) return;
    onClose();
    request.destroy();
  };
  rest.on('data', onData).on('end', onEnd);
  request.once('close', onClose);
  // Only a streamed (large) body pays for these listeners; a small one was sent whole above.
  request.once('response', (answer: IncomingMessage) => answer.once('end', onAnswered));
  rest.resume();
}

/** Whether the body was already sent once (a streamed one cannot be replayed to another account). */
export function bodySpent(body: OutgoingBody): boolean {
  return !Buffer.isBuffer(body) && body.sent;
}

/** The client closed its connection (or Node closed it: server.ts clientError) before its request body ended. */
export class ClientLeft extends Error {}

/** What collectBody read: the chunks as they came, their total size, and whether the body ended. */
export interface CollectedBody {
  chunks: Buffer[];
  size: number;
  complete: boolean;
}

/**
 * The whole body when node:http has already parsed all of it into `req` (the `declared`
 * Content-Length bytes, below `below`; no one reading it yet), taken in one read(); else undefined:
 * it is read as it comes (collectBody). The request is resumed, so its end still comes (node:http
 * sets `complete` and ends the stream a little later, after the read that brought it).
 */
export function bufferedBody(req: IncomingMessage, declared: number, below: number): Buffer | undefined {
  if (!(declared > 0 && declared < below && req.readableLength === declared && req.readableFlowing === null)) return undefined;
  const body = req.read() as Buffer | null;
  req.resume();
  return body ?? undefined;
}

/**
 * Reads a request body chunk by chunk until `stop` says so or it ends; 413 past `limit` bytes.
 * Listens for 'data' instead of iterating, since leaving an iterator destroys the socket before the
 * 413 is sent. On 'stop' the request is paused with its remaining bytes unread. `done` makes the
 * answer from what was read (its throw rejects): one promise for the read and its use, not a
 * second one awaiting the first (issue 14).
 */
export function collectBody<T = CollectedBody>(
  req: IncomingMessage,
  limit: number,
  tooLarge: () => HttpError,
  onChunk?: (chunk: Buffer, size: number) => 'stop' | HttpError | undefined,
  done: (read: CollectedBody) => T = (read) => read as T,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: Error | undefined, complete: boolean) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
      if (error || !complete) req.pause();
      if (error) return reject(error);
      try {
        resolve(done({chunks, size, complete}));
      } catch (failure) {
        reject(failure);
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish(tooLarge(), false);
      chunks.push(chunk);
      const verdict = onChunk?.(chunk, size);
      if (verdict instanceof HttpError) finish(verdict, false);
      else if (verdict === 'stop') finish(undefined, false);
    };
    const onEnd = () => finish(undefined, true);
    const onError = (error: Error) => finish(error, false);
    const onAborted = () => finish(new ClientLeft('the client left before its body ended'), false);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
    req.resume(); // a 'data' listener alone does not restart a request paused by an earlier read
  });
}
