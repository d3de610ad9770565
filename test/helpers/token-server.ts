// A token endpoint (`/token`) and a Claude usage endpoint (anything else) on 127.0.0.1, recording
// every refresh token presented: what tests of refreshes across processes count sends with.
import http from 'node:http';
import type {AddressInfo} from 'node:net';

export interface TokenServer {
  url: string;
  /** Every refresh token presented to `/token`, in order. */
  presented: string[];
  close(): Promise<void>;
}

/** Answers the nth refresh (1-based). */
export type TokenAnswer = (n: number, res: http.ServerResponse, req: http.IncomingMessage) => void;

/** A rotating grant: the nth refresh answers `sk-ant-oat01-new-<n>-…` and `sk-ant-ort01-new-<n>-…`. */
export const rotatingGrant: TokenAnswer = (n, res) => {
  res.writeHead(200, {'content-type': 'application/json'});
  res.end(JSON.stringify({access_token: `sk-ant-oat01-new-${n}-0123456789abcdef`, refresh_token: `sk-ant-ort01-new-${n}-0123456789abcdef`, expires_in: 3600, token_type: 'Bearer'}));
};

export async function startTokenServer(answer: TokenAnswer = rotatingGrant): Promise<TokenServer> {
  const presented: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url?.startsWith('/token')) {
        let rt: string | null;
        try {
          rt = (JSON.parse(body) as {refresh_token?: string}).refresh_token ?? null;
        } catch {
          rt = new URLSearchParams(body).get('refresh_token');
        }
        presented.push(rt ?? '');
        return answer(presented.length, res, req);
      }
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({five_hour: {utilization: 10, resets_at: new Date(Date.now() + 3600_000).toISOString()}}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    presented,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
