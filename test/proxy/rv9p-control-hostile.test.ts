// rv9p probes: a control request (proxy status, the TUI's polls, rotate, serve) asks the recorded
// port to prove the nonce before the key goes (control.ts controlRequest). The port may be any
// program's (that is why it must prove itself): its hello answer must not hold the command for
// ever, nor make it read without bound.
import assert from 'node:assert/strict';
import {createServer, type IncomingMessage, type ServerResponse, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {describe, it} from 'node:test';
import {fetchProxyStatus} from '../../source/services/proxy/control.js';
import {recordedStandIn} from './control-record.js';

const NONCE = 'd'.repeat(64);

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{server: Server; port: number}> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {server, port: (server.address() as AddressInfo).port};
}
const stop = async (server: Server) => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
};
/** `promise`'s outcome, or 'pending' after `ms`. */
const within = <T>(promise: Promise<T>, ms: number) => Promise.race([promise.then((value) => ({value})), new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms).unref())]);

describe('rv9p: a hostile port answering the hello', () => {
  const standIn = recordedStandIn(NONCE);

  it('a hello answer trickled a byte at a time: proxy status gives up within seconds', async () => {
    let timer: NodeJS.Timeout | undefined;
    const {server, port} = await listen((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.write('{"proof":"');
      timer = setInterval(() => res.write('0'), 500);
    });
    try {
      standIn.record(port);
      const outcome = await within(fetchProxyStatus(standIn.ccs.paths, port), 8000);
      assert.notEqual(outcome, 'pending', 'proxy status still waiting on the hello answer after 8 s');
    } finally {
      clearInterval(timer);
      await stop(server);
    }
  });

  it('a hello answer of endless bytes: not read without bound', async () => {
    let sent = 0;
    let closed = false;
    const {server, port} = await listen((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.write('{"proof":"');
      const chunk = Buffer.alloc(1024 * 1024, 0x30);
      const pump = () => {
        while (!closed && sent < 160 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      res.on('close', () => (closed = true));
      pump();
    });
    try {
      standIn.record(port);
      const outcome = await within(fetchProxyStatus(standIn.ccs.paths, port), 8000);
      assert.ok(sent < 64 * 1024 * 1024, `the command took ${Math.round(sent / 1024 / 1024)} MB of a hello answer (${outcome === 'pending' ? 'still reading' : 'done'})`);
    } finally {
      closed = true;
      await stop(server);
    }
  });
});
