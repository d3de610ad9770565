// A tiny recording HTTP server on 127.0.0.1 for provider quirks no real peer reproduces. Each
// fake provider is a route table; every request is recorded (method, path, query, headers, body)
// so tests assert on exactly what ccs-tui sent.
import http from 'node:http';
import type {AddressInfo} from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Form or JSON body, parsed by content type. */
  fields: Record<string, string>;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
}

export type Route = (req: Recorded) => Reply | Promise<Reply>;

export interface FakeServer {
  url: string;
  requests: Recorded[];
  on(path: string): Recorded[];
  close(): Promise<void>;
}

export async function startFakeServer(routes: Record<string, Route>): Promise<FakeServer> {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let fields: Record<string, string> = {};
      const type = req.headers['content-type'] ?? '';
      if (type.includes('json')) {
        try {
          fields = JSON.parse(body) as Record<string, string>;
        } catch {
          fields = {};
        }
      } else if (type.includes('x-www-form-urlencoded')) fields = Object.fromEntries(new URLSearchParams(body));
      const recorded: Recorded = {method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, fields};
      requests.push(recorded);
      // `*` answers what no other route does (paths with ids in them).
      const route = routes[`${recorded.method} ${url.pathname}`] ?? routes[url.pathname] ?? routes['*'];
      const reply: Reply = route ? await route(recorded) : {status: 404, json: {error: 'not_found'}};
      const text = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
      res.writeHead(reply.status ?? 200, {'content-type': reply.json !== undefined ? 'application/json' : 'text/plain', ...reply.headers});
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    on: (path) => requests.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An unsigned JWT with these claims (what id_token parsing reads). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({alg: 'none', typ: 'JWT'})}.${part(claims)}.sig`;
}

/** PKCE S256 check as the server does it. */
export async function pkceMatches(verifier: string | undefined, challenge: string | undefined): Promise<boolean> {
  if (!verifier || !challenge) return false;
  const {createHash} = await import('node:crypto');
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

/** A port that was free a moment ago on 127.0.0.1 (for callback-port overrides). */
export {freePort} from '../fake-upstreams.js';
