// Review attack: an upstream that answers (and ends its answer) before a large streamed body has
// all come from the client. The client must get that answer, the proxy must not hang or crash, and
// the client's kept-alive connection and the upstream's must serve the next request correctly.
// (Fails at 8d77e67 too: body.ts sendBody stops reading the client's body when the upstream request
// closes, and node:http does not dump a body already being read, so the client's upload never ends.)
import assert from 'node:assert/strict';
import {Agent, createServer, request} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, describe, it} from 'node:test';
import {answerByProtocol, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, askChat as chat, proxyFixture} from './fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('an upstream that answers before the body ends', async () => {
  let early = true;
  let bodiesSeen: number[] = [];
  const server = createServer((req, res) => {
    if (early && req.method === 'POST') {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({id: 'c', object: 'chat.completion', choices: [{index: 0, message: {role: 'assistant', content: 'early'}, finish_reason: 'stop'}]}));
      let n = 0;
      req.on('data', (d: Buffer) => (n += d.length));
      req.on('end', () => bodiesSeen.push(n));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      answerByProtocol({method: req.method!, url: req.url!, path: req.url!.split('?')[0]!, headers: req.headers, raw, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined}, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const upstream: FakeUpstream = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: [],
    bytesReceived: 0,
    handler: () => {},
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  const f = await proxyFixture({provider: 'kimi', serve: {provider: 'kimi'}, upstream, tokens: accountTokens('kimi', ['k1@example.com']), endpoints: {kimi: {api: upstream.url}}});
  after(() => f.close());

  it('the client gets the early answer whole, and its connection and the upstream serve the next request', {timeout: 20_000}, async () => {
    const agent = new Agent({keepAlive: true, maxSockets: 1});
    after(() => agent.destroy());
    const filler = 'x'.repeat(6 * 1024 * 1024);
    const payload = Buffer.from(JSON.stringify({model: 'kimi-k2', messages: [{role: 'user', content: filler}]}));
    const got = await new Promise<{status: number; text: string}>((resolve, reject) => {
      const req = request(`${f.url}/v1/chat/completions`, {method: 'POST', agent, headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'content-length': payload.length}}, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({status: res.statusCode!, text}));
        res.on('error', reject);
      });
      req.on('error', reject);
      // The body in slices, slowly: the upstream has answered long before its end.
      void (async () => {
        for (let at = 0; at < payload.length; at += 256 * 1024) {
          if (!req.write(payload.subarray(at, at + 256 * 1024))) await new Promise((r) => req.once('drain', r));
          await sleep(30);
        }
        req.end();
      })().catch(() => undefined);
      setTimeout(() => reject(new Error('no answer within 10 s')), 10_000);
    });
    assert.equal(got.status, 200, got.text);
    assert.match(got.text, /early/);
    early = false;
    for (let i = 0; i < 3; i++) {
      const next = await chat(f.url, 'kimi-k2');
      assert.equal(next.status, 200, `next ${i}: ${next.text}`);

    }
    const again = await new Promise<number>((resolve, reject) => {
      const req = request(`${f.url}/v1/chat/completions`, {method: 'POST', agent, headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}}, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end(JSON.stringify({model: 'kimi-k2', messages: [{role: 'user', content: 'hi'}]}));
      setTimeout(() => reject(new Error('the next request on the same client connection got no answer within 5 s')), 5000);
    });
    assert.equal(again, 200, 'the same client connection serves the next request');
  });
});
