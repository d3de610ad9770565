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

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`);
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
