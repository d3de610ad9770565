// How the proxy treats a client it refuses or that stalls. A refused request (401, 403, 404, 405,
// 413, an early 400) is answered and its connection closed, the rest of the body read and dropped
// only within a lingering close's bounds (closeAfterAnswer): Node's default drains the whole body to
// keep the connection alive, which let a client without a key hold the socket (and feed it bytes)
// for as long as it liked.
import type {IncomingMessage, ServerResponse} from 'node:http';
import {MAX_BODY_BYTES} from './client-request.js';

/**
 * Limits for a client's request, in ms (Node's `server.headersTimeout`, `server.requestTimeout`).
 * They bound how long the request itself may take to arrive; a response (a long SSE stream) is not
 * limited by them, since Node stops timing a request once its body is complete.
 */
export interface ClientTimeouts {
  /** From the first byte of a request to the end of its headers (slowloris on headers). */
  headersMs: number;
  /** From the first byte of a request to the end of its body: 408 and the socket closed after it. */
  requestMs: number;
  /** How often Node checks the two above (its `connectionsCheckingInterval`). */
  checkEveryMs: number;
}

/**
 * Loopback clients send their headers in one write and a 64 MB body in well under a minute; these
 * bounds only stop a client that trickles.
 */
export const CLIENT_TIMEOUTS: ClientTimeouts = {headersMs: 10_000, requestMs: 5 * 60_000, checkEveryMs: 1_000};

/**
 * Bounds of the lingering close (closeAfterAnswer), counted from the moment the answer is written.
 * A client told `Connection: close` normally stops its upload and closes within milliseconds, and
 * one that writes its whole body before it reads (Python's http.client) ends it about as fast on
 * loopback; these only cut one that goes on sending, stalls, or never reads the answer:
 * - LINGER_IDLE_MS: nothing more came for this long (the client is neither uploading nor closing);
 * - LINGER_MAX_MS: at most this long in all, the order of CLIENT_TIMEOUTS.headersMs (how long any
 *   client, without a key, may already hold a socket by trickling its headers);
 * - LINGER_BYTES: the most an accepted request makes the proxy read (client-request.ts
 *   MAX_BODY_BYTES), so a refusal never costs more reading than a served request.
 */
const LINGER_IDLE_MS = 2_000;
const LINGER_MAX_MS = 10_000;
const LINGER_BYTES = MAX_BODY_BYTES;

/**
 * Marks the response as the connection's last and closes the connection once the response is
 * written, whatever of the request body is still unread, with a lingering close (below). Call
 * before writing the head.
 */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('connection', 'close');
  lingerOnClose(req);
  // Refused: nothing else reads the body (a read before the refusal left it paused).
  req.resume();
}

/**
 * Whether `req` says a body follows its head (RFC 9112 section 6.3: a Transfer-Encoding, or a
 * Content-Length other than 0). Asked when the request is handled, node:http has not yet parsed
 * past the head, so `req.complete` is false even for a request without a body.
 */
export const declaresBody = (req: IncomingMessage) => req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';

/**
 * Makes the close of `req`'s connection after its answer (marked `Connection: close`) a lingering
 * one (RFC 9112 section 9.6): our side is ended (FIN after the answer), and what the client still
 * sends of its body is read and dropped until it closes its side or the body ends, within the
 * LINGER_ bounds, before the socket is destroyed. Destroyed at once, with the client's bytes still arriving, the kernel answers
 * them with a reset that can reach the client before it has read the answer: it saw EPIPE or
 * ECONNRESET instead of the 401 or 413. node:http ends a `Connection: close` answer's socket with
 * destroySoon() (its resOnFinish), which destroys it as soon as our FIN is out: this connection's
 * replaces it. Counts what the body's reader reads (body.ts sendBody, or closeAfterAnswer's resume)
 * without changing its pace.
 */
export function lingerOnClose(req: IncomingMessage): void {
  const socket = req.socket;
  let lingering: {read: number; idle: NodeJS.Timeout; max: NodeJS.Timeout} | undefined;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    if (lingering) {
      clearTimeout(lingering.idle);
      clearTimeout(lingering.max);
    }
    req.off('data', drop);
    socket.destroy();
  };
  const drop = (chunk: Buffer) => {
    if (!lingering) return;
    lingering.read += chunk.length;
    if (lingering.read > LINGER_BYTES) close();
    else lingering.idle.refresh();
  };
  // Counted through the request from now on, not after the answer: node:http's parser owns the
  // socket's reads, and drops a body nobody reads once the answer is out without a 'data' event,
  // leaving nothing to count.
  req.on('data', drop);
  socket.destroySoon = () => {
    socket.end();
    lingering = {read: 0, idle: setTimeout(close, LINGER_IDLE_MS), max: setTimeout(close, LINGER_MAX_MS)};
    lingering.idle.unref();
    lingering.max.unref();
    // The client closed its side, or its whole body came (nothing left to arrive over a closed
    // socket): destroyed once our answer and FIN are out, as node:http's own destroySoon does.
    const closeWhenFlushed = () => (socket.writableFinished ? close() : void socket.once('finish', close));
    socket.once('end', closeWhenFlushed).once('close', close);
    if (req.complete) closeWhenFlushed();
    else req.once('end', closeWhenFlushed);
  };
}
