// The client's request as the proxy's request path uses it: the raw bytes (passed through unchanged
// when nothing needs rewriting), the parsed JSON body, the model asked for and the session key.
import type {IncomingMessage} from 'node:http';
import {HttpError} from './errors.js';

export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface ClientRequest {
  raw: Buffer;
  body: Record<string, unknown>;
  /** `body.model`, when it is a string. */
  model: string | undefined;
  /** Whether the client asked for a stream (`stream: true`). */
  stream: boolean;
  /** What ties requests of one client session together (affinity, iFlow's session id). */
  session: string | undefined;
  headers: IncomingMessage['headers'];
}

/** Reads and parses the body; 413 over 64 MB, 400 when it is not a JSON object. */
export async function readClientRequest(req: IncomingMessage): Promise<ClientRequest> {
  const raw = await readBody(req);
  let body: Record<string, unknown>;
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'request body must be a JSON object');
  }
  return {
    raw,
    body,
    model: typeof body.model === 'string' ? body.model : undefined,
    stream: body.stream === true,
    session: sessionKey(req, body),
    headers: req.headers,
  };
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

/**
 * Reads the whole body; 413 as soon as the declared or received size passes MAX_BODY_BYTES. Listens
 * for 'data' instead of iterating, since leaving an iterator destroys the socket before the 413 is sent.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', stop).off('aborted', onAborted);
      if (error) {
        req.pause();
        reject(error);
      } else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return stop(tooLarge());
      chunks.push(chunk);
    };
    const onEnd = () => stop();
    const onAborted = () => stop(new Error('client closed the connection while sending the body'));
    req.on('data', onData).on('end', onEnd).on('error', stop).on('aborted', onAborted);
  });
}

function tooLarge(): HttpError {
  return new HttpError(413, `request body larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`, 'request_too_large');
}
