// An answer the proxy gives before a large request body has all come (a refusal: 401, 403, 404,
// 405, 413, an early 400) is its connection's last, and the connection closes with a lingering close
// (refusal.ts closeAfterAnswer): the client still uploading reads the answer's status and body, never
// a reset (ECONNRESET) that a socket destroyed over the bytes still arriving would send.
import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import {connect, type AddressInfo} from 'node:net';
import {after, describe, it} from 'node:test';
import type {FakeUpstream} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, claudeAccounts, proxyFixture} from './fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  status: number;
  head: string;
  text: string;
}

/**
 * A client that writes its whole upload before it reads (as Python's http.client and many SDKs do):
 * `head` announcing `declared` body bytes, `first`, then spaces in 64 KB slices `pauseMs` apart up
 * to `uploadBytes`; only then it reads the answer. Resolves with the answer once it has all come
 * (its Content-Length); rejects on any socket error first (EPIPE, ECONNRESET).
 */
function uploadThenRead(url: string, head: string, first: Buffer, uploadBytes: number, pauseMs: number): Promise<Answer> {
  const {port} = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', reject);
    socket.pause();
    let raw = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      raw = Buffer.concat([raw, d]);
      const headEnd = raw.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const answerHead = raw.subarray(0, headEnd).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(answerHead)?.[1] ?? NaN);
      if (raw.length < headEnd + 4 + length) return;
      socket.destroy();
      resolve({status: Number(answerHead.split(' ')[1]), head: answerHead, text: raw.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8')});
    });
    socket.on('close', () => reject(new Error(`closed before a whole answer: ${raw.toString('latin1').slice(0, 200)}`)));
    void (async () => {
      await new Promise((r) => socket.once('connect', r));
      const slice = Buffer.alloc(64 * 1024, ' ');
      const write = (data: string | Buffer) => (socket.write(data) ? undefined : new Promise((r) => socket.once('drain', r)));
      await write(head);
      await write(first);
      for (let sent = first.length; sent < uploadBytes; sent += slice.length) {
        await write(slice);
        await sleep(pauseMs);
      }
      socket.resume(); // only now does it look for the answer
    })().catch(reject);
  });
}

const requestHead = (method: string, path: string, headers: Record<string, string>) =>
  `${method} ${path} HTTP/1.1\r\n${Object.entries({host: '127.0.0.1', 'content-type': 'application/json', ...headers}).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;

describe('an early answer reaches a client still uploading its body (lingering close)', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a')});
  after(() => f.close());
  const json = Buffer.from('{"model":"claude-opus-4-6","messages":[{"role":"user","content":"');
  const size = 16 * 1024 * 1024;

  for (const [name, method, path, headers, first, declared, status, says] of [
    ['no key (401)', 'POST', '/v1/messages', {}, json, size, 401, /x-api-key|API key/i],
    ['a wrong key (401)', 'POST', '/v1/messages', {'x-api-key': 'wrong-key'}, json, size, 401, /API key/i],
    ['a foreign Host (403)', 'POST', '/v1/messages', {'x-api-key': API_KEY, host: 'evil.example:8317'}, json, size, 403, /loopback/],
    ['an unknown route (404)', 'POST', '/v1/nothing-here', {'x-api-key': API_KEY}, json, size, 404, /no such endpoint/],
    ['a wrong method (405)', 'PUT', '/v1/messages', {'x-api-key': API_KEY}, json, size, 405, /use POST/],
    ['a declared size over the limit (413)', 'POST', '/v1/messages', {'x-api-key': API_KEY}, json, 200 * 1024 * 1024, 413, /larger than/],
    ['a body that is not a JSON object (400)', 'POST', '/v1/messages', {'x-api-key': API_KEY}, Buffer.from('['), size, 400, /JSON object/],
  ] as const) {
    it(`${name}: a client that uploads 4 MB before reading gets the status and the body`, {timeout: 30_000}, async () => {
      const before = f.upstream.requests.length;
      // Slow and fast uploads: a reset is a race, and every round must see the whole answer.
      for (const pauseMs of [5, 1, 0]) {
        const answer = await uploadThenRead(f.url, requestHead(method, path, {...headers, 'content-length': String(declared)}), first, 4 * 1024 * 1024, pauseMs);
        assert.equal(answer.status, status, answer.text);
        assert.match(answer.text, says);
        assert.match(answer.head, /\r\nconnection: close/i);
      }
      assert.equal(f.upstream.requests.length, before, 'nothing reached the upstream');
    });
  }
});

describe('the lingering close is bounded', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a')});
  after(() => f.close());

  it('a refused client that goes on trickling its body and ignores our FIN is cut (at most 10 s)', {timeout: 30_000}, async () => {
    const {port} = new URL(f.url);
    const socket = connect({port: Number(port), host: '127.0.0.1', allowHalfOpen: true});
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    const cut = new Promise<void>((resolve) => {
      socket.once('error', () => resolve()); // the proxy's reset, met by a write
      socket.once('close', () => resolve());
    });
    socket.write(requestHead('POST', '/v1/messages', {'content-length': String(1024 * 1024)}));
    const trickle = setInterval(() => socket.writable && socket.write(' '), 50);
    try {
      // The proxy's FIN after its answer leaves this side open (allowHalfOpen): only its destroy ends it.
      await new Promise((r) => socket.once('end', r));
      assert.match(text, /^HTTP\/1.1 401 /);
      await cut;
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });
});

describe('an upstream that answers before a large streamed body ends: the client still uploading reads it', async () => {
  // Answers 500 at once (parks no account), reading (and dropping) whatever of the body comes.
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(500, {'content-type': 'application/json'});
    res.end(JSON.stringify({error: {type: 'api_error', message: 'upstream gave up early'}}));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const upstream: FakeUpstream = {url: `http://127.0.0.1:${port}`, port, requests: [], bytesReceived: 0, handler: () => {}, close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections()))};
  const f = await proxyFixture({provider: 'kimi', serve: {provider: 'kimi'}, upstream, tokens: accountTokens('kimi', ['solo@example.com']), endpoints: {kimi: {api: upstream.url}}});
  after(() => f.close());

  it('a client that uploads 8 MB before reading gets the upstream\'s status and body', {timeout: 30_000}, async () => {
    // Over body.ts STREAM_ABOVE_BYTES with the model first: streamed upstream as it comes.
    const first = Buffer.from('{"model":"kimi-k2","messages":[{"role":"user","content":"');
    for (const pauseMs of [5, 0]) {
      const head = requestHead('POST', '/v1/chat/completions', {authorization: `Bearer ${API_KEY}`, 'content-length': String(16 * 1024 * 1024)});
      const answer = await uploadThenRead(f.url, head, first, 8 * 1024 * 1024, pauseMs);
      assert.equal(answer.status, 500, answer.text);
      assert.match(answer.text, /upstream gave up early/);
      assert.match(answer.head, /\r\nconnection: close/i);
    }
  });
});
