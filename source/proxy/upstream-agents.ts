// The proxy's keep-alive agents for its upstream requests (node:http's: no extra client library in
// the child), one per scheme, and how long they keep a free socket.
import {Agent as HttpAgent} from 'node:http';
import {Agent as HttpsAgent} from 'node:https';
import type {Duplex} from 'node:stream';
import type {SecureContext} from 'node:tls';
import {extraCaContext} from '../services/extra-ca-certs.js';

/** Upstream sockets an agent keeps open at most per origin. */
const UPSTREAM_SOCKETS = 256;

/**
 * A free upstream socket is closed once it has gone unused `ms`, as found by one look at the free
 * sockets every `checkEveryMs` while there are any (so after ms to ms + checkEveryMs unused).
 */
export interface FreeSocketIdle {
  ms: number;
  checkEveryMs: number;
}

/**
 * 3–4 s, as undici's 4 s keep-alive. Many upstreams close a connection that idled some seconds
 * without saying when (no `Keep-Alive: timeout=`, and node:http 20 heeds one only under a timeout
 * of the agent's own), and a request sent on it as it closes fails before any answer (the client
 * got a 502). One look per second, not node:http's socket timeout: that arms a timer on every
 * request and refreshes it on every read and write (issue 14).
 */
export const FREE_SOCKET_IDLE: FreeSocketIdle = {ms: 3000, checkEveryMs: 1000};

/** When a socket was last freed (Date.now()), set as the agent keeps it. */
const FREED_AT = Symbol('freedAt');
type Kept = Duplex & {[FREED_AT]?: number};

/**
 * An upstream agent (keep-alive, given with its one option) limited to UPSTREAM_SOCKETS sockets per
 * origin, the most recently freed socket reused first (node:http's default scheduling, 'lifo'). The
 * limit is set on the agent, not passed as an option: node:http copies an agent's options into each
 * request's own (`{__proto__: null, ...options, ...agent.options}`, a dictionary built key by key),
 * and with the request's two copies of its own options that was about a tenth of the CPU of relaying
 * a small JSON answer; every key left out of either makes each copy cheaper.
 */
function upstreamAgent<A extends HttpAgent>(agent: A, kept: (socket: Kept) => void): A {
  agent.maxSockets = UPSTREAM_SOCKETS;
  // node:http's own decision (a `Keep-Alive: timeout=1` is not kept), then the time it was freed.
  const keepSocketAlive = agent.keepSocketAlive as (socket: Duplex) => boolean;
  agent.keepSocketAlive = (socket: Duplex) => {
    if (!keepSocketAlive.call(agent, socket)) return false;
    kept(socket as Kept);
    return true;
  };
  return agent;
}

export class UpstreamAgents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
  /**
   * What TLS trusts beyond Node's default, for the https agent and any connection made without it:
   * set when the proxy runs in the process that took NODE_EXTRA_CA_CERTS over
   * (services/extra-ca-certs.ts); a proxy started as a child has the variable back, Node reads it there.
   */
  readonly secureContext: SecureContext | undefined = extraCaContext();
  /** The next look at the free sockets, armed while there are any. */
  private look: NodeJS.Timeout | undefined;

  constructor(private readonly idle: FreeSocketIdle = FREE_SOCKET_IDLE) {
    this.http = upstreamAgent(new HttpAgent({keepAlive: true}), this.kept);
    const secureContext = this.secureContext;
    this.https = upstreamAgent(new HttpsAgent({keepAlive: true, ...(secureContext ? {secureContext} : {})}), this.kept);
  }

  private readonly kept = (socket: Kept) => {
    socket[FREED_AT] = Date.now();
    this.look ??= setTimeout(this.closeIdle, this.idle.checkEveryMs).unref();
  };

  /** Closes the free sockets unused for idle.ms; looks again while any are left. */
  private readonly closeIdle = () => {
    const now = Date.now();
    let left = false;
    for (const agent of [this.http, this.https]) {
      for (const sockets of Object.values(agent.freeSockets)) {
        // destroy() removes the socket from the list only on its 'close', a tick later.
        for (const socket of sockets ?? []) {
          if (now - (socket as Kept)[FREED_AT]! >= this.idle.ms) socket.destroy();
          else left = true;
        }
      }
    }
    this.look = left ? setTimeout(this.closeIdle, this.idle.checkEveryMs).unref() : undefined;
  };

  /** Closes every socket (ProxyServer close). */
  destroy(): void {
    clearTimeout(this.look);
    this.http.destroy();
    this.https.destroy();
  }
}
