// Attack review (issue 16): a management answer that trickles or never ends is cut by a total
// deadline and a size limit, with errors that say which.
import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, describe, test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {ManagementClient} from '../../source/services/remote/client.js';
import {resolveTarget} from '../../source/store/targets.js';
import type {TuiSettings} from '../../source/store/settings.js';

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(url: string): Promise<ManagementClient> {
  const ccs = makeTempCcs();
  after(() => ccs.cleanup());
  const target = resolveTarget(ccs.paths, {targets: {team: {url, managementKeyEnv: 'K'}}} as unknown as TuiSettings, 'team', {K: 'limits-key-0123456789'});
  return ManagementClient.open(target);
}

describe('management request limits', () => {
  test('a server trickling one byte at a time is cut at the total deadline', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      const timer = setInterval(() => res.write(' '), 200);
      res.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    await assert.rejects((await client(url)).json({method: 'GET', route: '/auth-files', timeoutMs: 1000}), /within 1 s/);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });

  test('an answer over 16 MB is refused, not read whole', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      const chunk = Buffer.alloc(1024 * 1024, 32);
      let sent = 0;
      const more = () => {
        while (sent < 20 && res.write(chunk)) sent++;
        if (sent < 20) res.once('drain', more);
        else res.end();
      };
      more();
    });
    await assert.rejects((await client(url)).json({method: 'GET', route: '/auth-files'}), /larger than 16 MB/);
  });
});
