// How the proxy treats a client it refuses or that stalls. A refused request (401, 403, 404, 405,
// 413, an early 400) is answered and its connection closed without reading the rest of the body:
// Node's default drains the body to keep the connection alive, which let a client without a key
// hold the socket (and feed it bytes) for as long as it liked.
import type {IncomingMessage, ServerResponse} from 'node:http';

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

/** After the response is flushed, the socket is destroyed even if the peer never reads or closes. */
const LINGER_MS = 1_000;

/**
 * Marks the response as the connection's last and closes the socket once the response is flushed,
 * whatever of the request body is still unread. Call before writing the head.
 */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('connection', 'close');
  const socket = req.socket;
  res.once('finish', () => {
    // end() sends our FIN once the answer is out; destroy() then drops whatever the client still sends.
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('finish', () => {
      clearTimeout(timer);
      socket.destroy();
    });
  });
}
