// The floor any Node proxy pays, for the proxy bench (scripts/bench-proxy.ts): a bare node:http relay
// that forwards method, path, headers and body to one upstream and streams the answer back — no key
// check, no account, no rewrite, no masking, no log. Each request it relays is parsed and written
// twice more than a direct call, as through ccs-tui's proxy, so "proxy vs direct" mixes that floor
// with ccs-tui's own cost; measured beside it, the bench can tell the two apart.
//
// `node --max-semi-space-size=4 dist/scripts/bench-bare-relay.js http://127.0.0.1:PORT` (the proxy's
// Node flags); prints `listening on http://127.0.0.1:PORT` as `ccs-tui proxy serve` does. Listens on
// 127.0.0.1 only. The socket settings match the proxy's server and upstream agent
// (source/proxy/server.ts) so that the two differ in per-request work, not in transport.
import {Agent, createServer, request} from 'node:http';
import type {AddressInfo} from 'node:net';

const upstream = new URL(process.argv[2] ?? '');
if (upstream.protocol !== 'http:') throw new Error(`bench-bare-relay: the upstream must be an http:// URL, got "${process.argv[2] ?? ''}"`);
const agent = new Agent({keepAlive: true, maxSockets: 256, scheduling: 'lifo'});

const server = createServer({noDelay: true, keepAlive: true, highWaterMark: 64 * 1024}, (req, res) => {
  const forward = request({host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent}, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  forward.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, {'content-type': 'text/plain'});
    res.end(`bare relay: ${error.message}`);
  });
  req.pipe(forward);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
