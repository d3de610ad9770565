// Review attack on backpressure with the 'drain' listener added lazily (deliver.ts): an upstream that
// streams 40 MB as fast as it can to a client that reads nothing for a while, then reads it all.
import assert from 'node:assert/strict';
import {request} from 'node:http';
import {after, describe, it} from 'node:test';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, proxyFixture} from './fixture.js';

const TOTAL = 40 * 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a fast upstream and a client that does not read', async () => {
  let sent = 0;
  const upstream = await startFakeUpstream(async (req, res) => {
    res.writeHead(200, {'content-type': 'application/octet-stream'});
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    while (sent < TOTAL) {
      sent += chunk.length;
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
      if (res.destroyed) return;
    }
    res.end();
  });
  const f = await proxyFixture({provider: 'kimi', upstream, tokens: accountTokens('kimi', ['k1@example.com']), endpoints: {kimi: {api: upstream.url}}});
  after(() => f.close());

  it('the upstream is held back while the client does not read, and the client gets every byte', {timeout: 30_000}, async () => {
    const got = await new Promise<number>((resolve, reject) => {
      const req = request(`${f.url}/v1/chat/completions`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}}, (res) => {
        res.pause();
        void (async () => {
          await sleep(1500);
          const held = sent;
          assert.ok(held < 16 * 1024 * 1024, `the upstream sent ${held} bytes to a client that read none`);
          let n = 0;
          res.on('data', (d: Buffer) => (n += d.length));
          res.on('end', () => resolve(n));
          res.resume();
        })().catch(reject);
      });
      req.on('error', reject);
      req.end(JSON.stringify({model: 'kimi-k2', messages: [{role: 'user', content: 'hi'}]}));
    });
    assert.equal(got, TOTAL);
  });
});
