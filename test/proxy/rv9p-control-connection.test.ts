// rv9p probe: a control request (proxy status / rotate / serve) sends the proxy API key only on the
// connection where the port just proved the record's nonce (control.ts controlRequest). A port that
// proves and then closes that connection (as a stopping proxy does: server.close() frees the port
// and closeIdleConnections() drops the idle connection) must not get the key on a fresh connection:
// the fresh connection may reach whatever bound the freed port meanwhile.
import assert from 'node:assert/strict';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {describe, it} from 'node:test';
import {fetchProxyStatus} from '../../source/services/proxy/control.js';
import {controlProof} from '../../source/services/proxy/pid-file.js';
import {recordedStandIn} from './control-record.js';

const NONCE = 'b'.repeat(64);

describe('rv9p: the control key goes only on the connection that proved the nonce', () => {
  const standIn = recordedStandIn(NONCE);

  it('a port that proves the nonce, then closes that connection: the key is not sent on a new one', async () => {
    const seen: {url: string; key?: string; connection: number}[] = [];
    const sockets = new WeakMap<object, number>();
    let connections = 0;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      seen.push({url: url.pathname, key: req.headers['x-api-key'] as string | undefined, connection: sockets.get(req.socket)!});
      if (url.pathname === '/_ccs-tui/hello') {
        // The proof, then the connection is closed (a stopping proxy closes its idle connections).
        res.writeHead(200, {'content-type': 'application/json', connection: 'close'});
        return void res.end(JSON.stringify({proof: controlProof(NONCE, url.searchParams.get('challenge') ?? '', req.socket.remotePort)}));
      }
      res.writeHead(200, {'content-type': 'application/json'}).end('{}');
    });
    server.on('connection', (socket) => sockets.set(socket, ++connections));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      standIn.record(port);
      await fetchProxyStatus(standIn.ccs.paths, port);
      const proved = seen.find((s) => s.url === '/_ccs-tui/hello')?.connection;
      assert.ok(proved !== undefined, 'asked to prove itself');
      const keyed = seen.filter((s) => s.key !== undefined);
      assert.deepEqual(
        keyed.filter((s) => s.connection !== proved).map((s) => ({path: s.url, connection: s.connection, provedOn: proved})),
        [],
        'the API key went on a connection that proved nothing',
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
