// How the proxy treats a client it refuses or that stalls. A refused request (401, 403, 404, 405,
// 413, an early 400) is answered and its connection closed without reading the rest of the body:
// Node's default drains the body to keep the connection alive, which let a client without a key
// hold the socket (and feed it bytes) for as long as it liked.
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
 * A client told `Connection: close` normally stops its upload and closes within milliseconds; these
 * only cut one that goes on sending (or never reads the answer):
 * - LINGER_MS: time enough for a loopback client on a loaded machine to read its answer, short
 *   enough that a refused client does not hold its socket (Apache lingers about as long);
 * - LINGER_BYTES: the most an accepted request makes the proxy read (client-request.ts
 *   MAX_BODY_BYTES), so a refusal never costs more reading than a served request.
 */
const LINGER_MS = 2_000;
const LINGER_BYTES = MAX_BODY_BYTES;

/**
 * Marks the response as the connection's last and closes the connection once the response is
 * written, whatever of the request body is still unread, with a lingering close (below). Call
 * before writing the head.
 */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('connection', 'close');
  lingerOnClose(req);
}

/**
 * Makes the close of `req`'s connection after its answer a lingering one (RFC 9112 section 9.6):
 * our side is ended (FIN after the answer), and what the client still sends of its body is read
 * and dropped until it closes its side, for at most LINGER_MS and LINGER_BYTES, before the socket
 * is destroyed. Destroyed at once, with the client's bytes still arriving, the kernel answers them
 * with a reset that can reach the client before it has read the answer: it saw ECONNRESET instead
 * of the 401 or 413. node:http ends a `Connection: close` answer's socket with destroySoon() (its
 * resOnFinish), which destroys it as soon as our FIN is out: this connection's replaces it.
 */
function lingerOnClose(req: IncomingMessage): void {
  const socket = req.socket;
  socket.destroySoon = () => {
    socket.end();
    let read = 0;
    const close = () => {
      clearTimeout(timer);
      req.off('data', drop).off('end', close);
      socket.destroy();
    };
    const drop = (chunk: Buffer) => {
      read += chunk.length;
      if (read > LINGER_BYTES) close();
    };
    const timer = setTimeout(close, LINGER_MS);
    timer.unref();
    // The client closed its side, or its whole body came (nothing left to arrive over a closed socket).
    socket.once('end', close).once('close', close);
    req.once('end', close);
    // Through the request, not the socket: node:http's parser owns the socket's reads.
    req.on('data', drop).resume();
  };
}
