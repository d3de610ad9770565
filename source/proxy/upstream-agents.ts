// The proxy's keep-alive agents for its upstream requests (node:http's: no extra client library in
// the child), one per scheme.
import {Agent as HttpAgent} from 'node:http';
import {Agent as HttpsAgent} from 'node:https';

/** Upstream sockets an agent keeps open at most per origin. */
const UPSTREAM_SOCKETS = 256;

/**
 * An upstream agent (keep-alive, given with its one option) limited to UPSTREAM_SOCKETS sockets per
 * origin, the most recently freed socket reused first (node:http's default scheduling, 'lifo'). The
 * limit is set on the agent, not passed as an option: node:http copies an agent's options into each
 * request's own (`{__proto__: null, ...options, ...agent.options}`, a dictionary built key by key),
 * and with the request's two copies of its own options that was about a tenth of the CPU of relaying
 * a small JSON answer; every key left out of either makes each copy cheaper.
 */
function upstreamAgent<A extends HttpAgent>(agent: A): A {
  agent.maxSockets = UPSTREAM_SOCKETS;
  return agent;
}

export class UpstreamAgents {
  readonly http = upstreamAgent(new HttpAgent({keepAlive: true}));
  readonly https = upstreamAgent(new HttpsAgent({keepAlive: true}));

  /** Closes every socket (ProxyServer close). */
  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
