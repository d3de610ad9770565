// A control request (proxy status, the TUI's polls, rotate, serve) sends the API key only to a port
// that proves the record's nonce on the very connection the key then goes on (pid-file.ts
// controlProof binds the proof to the client's port). A program on the recorded port that passes
// the challenge on to the real proxy over a connection of its own (a relay, e.g. one that took the
// port of a stopping proxy) relays a proof for the wrong connection: the key is not sent to it.
import assert from 'node:assert/strict';
import {Agent, createServer, get, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {fetchProxyStatus, rotateRunningProxy} from '../../source/services/proxy/control.js';
import {recordedStandIn} from './control-record.js';
import {claudeAccounts, proxyFixture, type ProxyFixture} from './fixture.js';

const NONCE = 'c'.repeat(64);

describe('the control proof holds only on the connection it was asked on', () => {
  let f: ProxyFixture;
  // The record and config.yaml (the fixture's API key, which the proxy takes) in a CCS dir of their own.
  const standIn = recordedStandIn(NONCE);
  const record = (port: number) => standIn.record(port);
  before(async () => {
    f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a', 'b')});
    (f.proxy as unknown as {options: {nonce?: string}}).options.nonce = NONCE;
  });
  after(() => f.close());

  it('the proxy itself: status and rotate answer (the hello and the keyed request on one connection)', async () => {
    const port = Number(new URL(f.url).port);
    record(port);
    const status = await fetchProxyStatus(standIn.ccs.paths, port);
    assert.equal(status?.provider, 'claude', JSON.stringify(status));
    assert.match(await rotateRunningProxy(standIn.ccs.paths, port), /@example\.com/);
  });

  it('a relay on the recorded port passing the hello to the proxy: the key is never sent to it', async () => {
    const proxyPort = Number(new URL(f.url).port);
    const seen: {url: string; key?: string}[] = [];
    const agent = new Agent({keepAlive: true});
    const relay = createServer((req: IncomingMessage, res: ServerResponse) => {
      seen.push({url: req.url ?? '', key: req.headers['x-api-key'] as string | undefined});
      get({host: '127.0.0.1', port: proxyPort, path: req.url, agent}, (answer) => {
        res.writeHead(answer.statusCode ?? 502, {'content-type': 'application/json'});
        answer.pipe(res);
      });
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.address() as AddressInfo).port;
    try {
      record(port);
      assert.equal(await fetchProxyStatus(standIn.ccs.paths, port), undefined);
      await assert.rejects(rotateRunningProxy(standIn.ccs.paths, port), (error: Error) => {
        assert.match(error.message, new RegExp(`port ${port} did not prove itself the proxy .*tui/proxy\\.json names \\(pid ${standIn.pid}\\): a wrong proof; its API key was not sent`));
        return true;
      });
      assert.ok(seen.length >= 2 && seen.every((s) => s.url.startsWith('/_ccs-tui/hello?')), `the relay was asked only for proofs: ${JSON.stringify(seen)}`);
      assert.deepEqual(seen.filter((s) => s.key !== undefined), [], 'the API key went to the relay');
    } finally {
      agent.destroy();
      relay.closeAllConnections();
      await new Promise((resolve) => relay.close(resolve));
    }
  });
});
