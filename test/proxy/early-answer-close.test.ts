// An upstream answer that comes before the client's streamed body has all arrived (body.ts sendBody,
// server.ts forward): the answer is the connection's last (`Connection: close`), the upstream request
// is cut once its answer ended (its connection is not reused with a body half sent), and the client's
// next request is served. A large body the upstream read whole first keeps the connection alive.
import assert from 'node:assert/strict';
import {Agent, createServer, request, type IncomingMessage} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, describe, it} from 'node:test';
import {answerByProtocol, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, askChat as chat, proxyFixture} from './fixture.js';
import {waitFor} from '../helpers/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sent {
  status: number;
  text: string;
  headers: IncomingMessage['headers'];
  localPort: number;
}

/** A POST of `payload` on `agent`, in 256 KB slices `pauseMs` apart: its answer and the client port it came on. */
function post(url: string, agent: Agent, payload: Buffer, pauseMs: number): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/chat/completions`, {method: 'POST', agent, headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'content-length': payload.length}}, (res) => {
      let text = '';
      const localPort = res.socket.localPort!;
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({status: res.statusCode!, text, headers: res.headers, localPort}));
    });
    req.on('error', reject);
    void (async () => {
      for (let at = 0; at < payload.length; at += 256 * 1024) {
        if (!req.write(payload.subarray(at, at + 256 * 1024))) await new Promise((r) => req.once('drain', r));
        if (pauseMs) await sleep(pauseMs);
      }
      req.end();
    })().catch(() => undefined);
  });
}

describe('a lone account whose upstream answers 500 before a large body ends', async () => {
  let early = true;
  const seen: {bytes: number; ended: boolean; closed: boolean}[] = [];
  const server = createServer((req, res) => {
    const record = {bytes: 0, ended: false, closed: false};
    seen.push(record);
    req.socket.on('close', () => (record.closed = true));
    req.on('data', (d: Buffer) => (record.bytes += d.length));
    if (early) {
      res.writeHead(500, {'content-type': 'application/json'});
      res.end(JSON.stringify({error: {message: 'upstream gave up early'}}));
      req.on('end', () => (record.ended = true));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      record.ended = true;
      const raw = Buffer.concat(chunks).toString('utf8');
      answerByProtocol({method: req.method!, url: req.url!, path: req.url!.split('?')[0]!, headers: req.headers, raw, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined}, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const upstream: FakeUpstream = {url: `http://127.0.0.1:${port}`, port, requests: [], bytesReceived: 0, handler: () => {}, close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections()))};
  const f = await proxyFixture({provider: 'kimi', serve: {provider: 'kimi'}, upstream, tokens: accountTokens('kimi', ['solo@example.com']), endpoints: {kimi: {api: upstream.url}}});
  after(() => f.close());
  const payload = Buffer.from(JSON.stringify({model: 'kimi-k2', messages: [{role: 'user', content: 'y'.repeat(6 * 1024 * 1024)}]}));

  it('the client gets the 500 marked as its connection\'s last, the upstream request is cut, and the next request is served', {timeout: 20_000}, async () => {
    const agent = new Agent({keepAlive: true, maxSockets: 1});
    after(() => agent.destroy());
    const got = await post(f.url, agent, payload, 30);
    assert.equal(got.status, 500, got.text);
    assert.match(got.text, /upstream gave up early/);
    assert.equal(got.headers.connection, 'close');
    await waitFor(() => seen[0]!.closed, 'the upstream request to be cut');
    assert.equal(seen[0]!.ended, false, 'the upstream never got the whole body');
    assert.equal(seen[0]!.closed, true, 'the upstream request was cut once its answer ended');
    assert.ok(seen[0]!.bytes < payload.length, `${seen[0]!.bytes} bytes reached the upstream`);
    early = false;
    const next = await post(f.url, agent, Buffer.from(JSON.stringify({model: 'kimi-k2', messages: [{role: 'user', content: 'hi'}]})), 0);
    assert.equal(next.status, 200, next.text);
    assert.notEqual(next.localPort, got.localPort, 'a new connection');
    assert.equal((await chat(f.url, 'kimi-k2')).status, 200);
  });

  it('a large body the upstream reads whole before answering keeps the connection alive', {timeout: 20_000}, async () => {
    early = false;
    const agent = new Agent({keepAlive: true, maxSockets: 1});
    after(() => agent.destroy());
    const first = await post(f.url, agent, payload, 0);
    assert.equal(first.status, 200, first.text);
    assert.notEqual(first.headers.connection, 'close');
    const second = await post(f.url, agent, Buffer.from(JSON.stringify({model: 'kimi-k2', messages: [{role: 'user', content: 'hi'}]})), 0);
    assert.equal(second.status, 200, second.text);
    assert.equal(second.localPort, first.localPort, 'the same connection serves the next request');
    assert.equal(seen.at(-2)!.bytes, payload.length);
  });
});
