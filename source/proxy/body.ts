// The client's request body on its way upstream. Small bodies are read whole and parsed. A large one
// (a prompt with images, a long conversation) is streamed: the proxy reads only its head, far enough
// to find the top-level "model" (routing and model rules need it), and pipes the rest to the upstream
// as it arrives, so memory does not grow with request size (DESIGN.md). A body that must change
// beyond its model name (a translator's plan, an adapter's rewrite) is read whole, up to
// MAX_PARSED_BODY_BYTES.
import type {ClientRequest as UpstreamRequest, IncomingMessage} from 'node:http';
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
/** A model name longer than this is not a model name; the scanner stops looking. */
const MAX_MODEL_BYTES = 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Finds the top-level `"model": "<string>"` of a JSON object as its bytes arrive, with constant
 * memory: depth, string and escape state, and the current top-level key. `model.start`/`model.end`
 * are byte offsets of the value's string token, quotes included. `invalid` is set as soon as the body
 * cannot be a JSON object (its first non-blank byte is not `{`). It does not validate the rest: the
 * upstream does that.
 */
export class ModelScanner {
  model: {value: string; start: number; end: number} | undefined;
  invalid = false;
  /** The object closed, or the model was found: nothing more to learn. */
  done = false;
  private offset = 0;
  private started = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private expectKey = true;
  private key: string | undefined;
  /** Bytes of the top-level string being read (a key or a value), undefined when too long to matter. */
  private token: number[] | undefined;
  private tokenStart = 0;

  /**
   * `shapeOnly`: only tell whether the body starts as an object (`invalid`), then stop — for a body
   * that will be read whole and parsed anyway, where walking it for its model would be wasted.
   */
  constructor(private readonly shapeOnly = false) {}

  feed(chunk: Buffer): void {
    for (let i = 0; i < chunk.length && !this.done; i++, this.offset++) this.byte(chunk[i]!);
  }

  private byte(b: number): void {
    if (!this.started) {
      if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) return;
      this.started = true;
      if (b !== 0x7b) {
        this.invalid = true;
        this.done = true;
      } else this.depth = 1;
      if (this.shapeOnly) this.done = true;
      return;
    }
    if (this.inString) {
      if (this.token && this.token.length <= MAX_MODEL_BYTES) this.token.push(b);
      else this.token = undefined;
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) this.escaped = true;
      else if (b === QUOTE) {
        this.inString = false;
        if (this.depth === 1 && this.token) this.topLevelString(this.token);
      }
      return;
    }
    switch (b) {
      case QUOTE:
        this.inString = true;
        this.token = this.depth === 1 ? [b] : undefined;
        this.tokenStart = this.offset;
        break;
      case 0x7b: // {
      case 0x5b: // [
        this.depth++;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        this.depth--;
        if (this.depth === 0) this.done = true;
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

  private topLevelString(bytes: number[]): void {
    let text: string;
    try {
      text = JSON.parse(Buffer.from(bytes).toString('utf8')) as string;
    } catch {
      return;
    }
    if (this.expectKey) this.key = text;
    else if (this.key === 'model') {
      this.model = {value: text, start: this.tokenStart, end: this.offset + 1};
      this.done = true;
    }
  }
}

/** A body that goes upstream as it arrives: the head already read (as read, not copied), then the rest of the client's request. */
export interface StreamedBody {
  head: readonly Buffer[];
  rest: IncomingMessage;
  /** Bytes the upstream receives (its Content-Length). */
  length: number;
  /** Set once piping began: the body cannot be sent a second time (no failover to another account). */
  sent: boolean;
}

export type OutgoingBody = Buffer | StreamedBody;

/**
 * The streamed body with the model name replaced by `sentAs` (an alias resolved) when it differs.
 * `declaredLength` is the client's Content-Length; `model` the scanner's find in `head`.
 */
export function streamedBody(head: readonly Buffer[], rest: IncomingMessage, declaredLength: number, model: {value: string; start: number; end: number}, sentAs: string | undefined): StreamedBody {
  if (sentAs === undefined || sentAs === model.value) return {head, rest, length: declaredLength, sent: false};
  // Only the chunks up to the model's end are copied; the model is near the start of the body.
  let covered = 0;
  let count = 0;
  while (covered < model.end) covered += head[count++]!.length;
  const front = Buffer.concat(head.slice(0, count));
  const token = Buffer.from(JSON.stringify(sentAs));
  const spliced = [front.subarray(0, model.start), token, front.subarray(model.end), ...head.slice(count)];
  return {head: spliced, rest, length: declaredLength - (model.end - model.start) + token.length, sent: false};
}

/** Writes the body to the upstream request: at once, or the head then the rest piped (backpressure). */
export function sendBody(request: UpstreamRequest, body: OutgoingBody): void {
  if (Buffer.isBuffer(body)) {
    request.end(body);
    return;
  }
  body.sent = true;
  for (const chunk of body.head) request.write(chunk);
  body.rest.pipe(request);
}

/** Whether the body was already sent once (a streamed one cannot be replayed to another account). */
export function bodySpent(body: OutgoingBody): boolean {
  return !Buffer.isBuffer(body) && body.sent;
}

/**
 * Reads a request body chunk by chunk until `stop` says so or it ends; 413 past `limit` bytes.
 * Listens for 'data' instead of iterating, since leaving an iterator destroys the socket before the
 * 413 is sent. On 'stop' the request is paused with its remaining bytes unread.
 */
export function collectBody(
  req: IncomingMessage,
  limit: number,
  tooLarge: () => HttpError,
  onChunk?: (chunk: Buffer, size: number) => 'stop' | HttpError | undefined,
): Promise<{chunks: Buffer[]; size: number; complete: boolean}> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: Error | undefined, complete: boolean) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
      if (error || !complete) req.pause();
      if (error) reject(error);
      else resolve({chunks, size, complete});
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
    const onAborted = () => finish(new Error('client closed the connection while sending the body'), false);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
    req.resume(); // a 'data' listener alone does not restart a request paused by an earlier read
  });
}
