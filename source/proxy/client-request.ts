// The client's request as the proxy's request path uses it: the raw bytes (passed through unchanged
// when nothing needs rewriting), the parsed JSON body, the model asked for and the session key. A
// large body is not read whole: only its head is, and the rest is streamed upstream (body.ts).
import type {IncomingMessage} from 'node:http';
import {bufferedBody, collectBody, MAX_PARSED_BODY_BYTES, ModelScanner, STREAM_ABOVE_BYTES, type StreamedRead} from './body.js';
import {HttpError} from './errors.js';
import {jsonErrorOffset} from '../core/json-error-position.js';

/** The largest body the proxy forwards (streamed); a parsed one stops at MAX_PARSED_BODY_BYTES. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface ClientRequest {
  /** The whole body; empty for a streamed one (its head is `streamed.head`). */
  raw: Buffer;
  /** The parsed body; for a streamed one only `{model}`. */
  body: Record<string, unknown>;
  /** `body.model`, when it is a string. */
  model: string | undefined;
  /** Whether the client asked for a stream (`stream: true`; unknown, so false, for a streamed body). */
  stream: boolean;
  /** What ties requests of one client session together (affinity, iFlow's session id). */
  session: string | undefined;
  headers: IncomingMessage['headers'];
  /** Set when the body is streamed: the rest of it is still to come from `req`. */
  streamed?: StreamedRead;
}

/**
 * Reads the body: whole and parsed when small (400 when it is not a JSON object), or only its head
 * when it is large and names its model early (then `streamed` is set). 413 over MAX_BODY_BYTES
 * (declared or sent), or over MAX_PARSED_BODY_BYTES for a body that cannot be streamed; 400 as soon
 * as the first byte shows it is not a JSON object, or as soon as a top-level key repeats (or
 * misspells by case) a field the proxy decides on (body.ts DECIDED_FIELDS): one scanner reads every
 * body, so the same body gets the same answer whatever its size. A refusal is thrown (HttpError) or,
 * once the body is read as it comes, a rejection.
 *
 * Called after the turn that brought the request's head (server.ts forward awaits once first):
 * node:http pushes a body that came in the same socket read into `req` only after the 'request'
 * handler's synchronous part. Such a body is then taken in one read, and the answer is the request
 * itself, without a promise or a microtask hop (issue 14); a body still coming makes it a promise.
 */
export function readClientRequest(req: IncomingMessage): ClientRequest | Promise<ClientRequest> {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) throw tooLarge(MAX_BODY_BYTES);
  const streamable = Number.isInteger(declared) && declared > 0;
  const scanner = new ModelScanner();
  const limit = streamable ? MAX_BODY_BYTES : MAX_PARSED_BODY_BYTES;
  const onChunk = (chunk: Buffer, size: number) => {
    scanner.feed(chunk);
    if (scanner.invalid) return notAnObject(scanner.invalidStart);
    if (scanner.refusal) return scanner.refusal;
    if (streamable && size >= STREAM_ABOVE_BYTES && scanner.model) return 'stop';
    if (size > MAX_PARSED_BODY_BYTES && !scanner.model) return modelTooLate();
    return undefined;
  };
  // A small body mostly comes in the socket read that brought its head: node:http has parsed it
  // whole into `req` by the time the handler's first await returns. Then it is taken in one read,
  // through the same checks as chunks that come one by one (issue 14: a flowing stream's listeners,
  // ticks and events were a measurable share of a small request's cost).
  const buffered = bufferedBody(req, declared, STREAM_ABOVE_BYTES);
  if (buffered !== undefined) {
    const verdict = onChunk(buffered, buffered.length);
    if (verdict instanceof HttpError) throw verdict;
    return parsed(req, buffered);
  }
  return collectBody(req, limit, () => tooLarge(limit), onChunk, (read): ClientRequest => {
    if (!read.complete && scanner.model) {
      const model = scanner.model;
      const streamed = {head: read.chunks, req, declaredLength: declared, model, scanner};
      return {raw: Buffer.alloc(0), body: {model: model.value}, model: model.value, stream: false, session: sessionKey(req, {}), headers: req.headers, streamed};
    }
    return parsed(req, read.chunks.length === 1 ? read.chunks[0]! : Buffer.concat(read.chunks));
  });
}

/**
 * The whole request, parsed: a streamed one is read to its end first (a translator or an adapter's
 * rewrite needs the body), 413 over MAX_PARSED_BODY_BYTES; `purpose` words why in that 413
 * (default: ` to be translated or rewritten`).
 */
export async function readWhole(client: ClientRequest, purpose = ' to be translated or rewritten'): Promise<ClientRequest> {
  if (!client.streamed) return client;
  const {req, head, scanner} = client.streamed;
  const headBytes = head.reduce((sum, chunk) => sum + chunk.length, 0);
  const rest = await collectBody(req, MAX_PARSED_BODY_BYTES - headBytes, () => tooLarge(MAX_PARSED_BODY_BYTES, purpose), (chunk) => {
    scanner.feed(chunk);
    return scanner.refusal;
  });
  return parsed(req, Buffer.concat([...head, ...rest.chunks]));
}

function parsed(req: IncomingMessage, raw: Buffer): ClientRequest {
  let value: unknown;
  const text = raw.toString('utf8');
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw notJson(text);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, `request body must be a JSON object, not ${kindOf(value)}`);
  const body = value as Record<string, unknown>;
  // A model the rules cannot read must not go upstream unchecked: an upstream that coerces reads the
  // name inside `["<excluded>"]`, and no protocol this proxy speaks has a model that is not a string.
  if (Object.hasOwn(body, 'model') && typeof body.model !== 'string') throw new HttpError(400, `model: must be a string (the model id), not ${kindOf(body.model)}`);
  return {
    raw,
    body,
    model: typeof body.model === 'string' ? body.model : undefined,
    stream: body.stream === true,
    session: sessionKey(req, body),
    headers: req.headers,
  };
}

/** The request with another parsed `body` (a whole one), its raw bytes encoded from it. */
export function withBody(client: ClientRequest, body: Record<string, unknown>): ClientRequest {
  return {...client, body, raw: Buffer.from(JSON.stringify(body))};
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** The session header clients send, else a per-user field of the body. */
function sessionKey(req: IncomingMessage, body: Record<string, unknown>): string | undefined {
  const header = headerValue(req.headers['x-session-id'] ?? req.headers['session_id'] ?? req.headers['session-id'] ?? req.headers['conversation_id']);
  if (header) return header;
  const metadata = body.metadata as Record<string, unknown> | undefined;
  for (const value of [metadata?.user_id, body.prompt_cache_key, body.user]) if (typeof value === 'string' && value) return value;
  return undefined;
}

const megabytes = (bytes: number) => `${bytes / 1024 / 1024} MB`;

function tooLarge(limit: number, purpose = ''): HttpError {
  return new HttpError(413, `request body larger than ${megabytes(limit)}${purpose}`, 'request_too_large');
}

/** A JSON value's kind as an error names it (`an array`, `null`). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * 400 for a body that is no JSON object, said by the character it starts with (one character of the
 * client's own text): all that is known of a body still coming, and said the same of one that came
 * whole with its head (a client gets the same answer however its body was cut into reads).
 */
function notAnObject(startByte?: number): HttpError {
  if (startByte === undefined) return new HttpError(400, 'request body must be a JSON object');
  const char = String.fromCharCode(startByte);
  return new HttpError(400, `request body must be a JSON object; it starts with ${startByte >= 0x21 && startByte <= 0x7e ? `\`${char}\`` : `byte 0x${startByte.toString(16).padStart(2, '0')}`}`);
}

/**
 * A body that is no JSON at all: where it breaks (a byte offset, never the text around it, which
 * is the client's and may hold anything), or that it ends too soon (a body cut off on the way).
 */
function notJson(text: string): HttpError {
  if (text.trim() === '') return new HttpError(400, 'request body is empty (a JSON object was expected)');
  const at = jsonErrorOffset(text);
  // NaN: nested deeper than the scanner follows (its stack ran out); where it breaks is not known.
  const where = at === undefined || !Number.isFinite(at) ? '' : at >= text.length ? ': it ends too soon (cut off?)' : ` at character ${at + 1} of ${text.length}`;
  return new HttpError(400, `request body is not valid JSON${where}`);
}

function modelTooLate(): HttpError {
  return new HttpError(
    413,
    `request body larger than ${megabytes(MAX_PARSED_BODY_BYTES)} with no top-level "model" in it so far: a body this large is streamed, which needs its "model" ahead of the messages (and a Content-Length)`,
    'request_too_large',
  );
}
