// Review attacks on the response side (deliver.ts, server.ts ClientWatch) with real sockets: a pool
// of accounts where one resets, upstreams that stall, cut a declared body short or answer garbage,
// and clients that leave at every stage. The proxy must never hang a client, leave an upstream
// answer open after its client left, or reuse a connection whose answer was not read to its end.
import assert from 'node:assert/strict';
import {request as httpRequest, Agent} from 'node:http';
import {connect} from 'node:net';
import {after, describe, it} from 'node:test';
import {answerByProtocol, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, askChat as chat, proxyFixture} from './fixture.js';
import {waitFor} from '../helpers/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const body = (model: string, stream = false) => JSON.stringify({model, stream, messages: [{role: 'user', content: 'hi'}]});

/** A chat request through node:http; `leave` decides when the client goes away. */
function ask(url: string, model: string, opts: {stream?: boolean; agent?: Agent} = {}) {
  return httpRequest(`${url}/v1/chat/completions`, {method: 'POST', agent: opts.agent, headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body(model, opts.stream))}});
}

describe('pass-through answers under attack (Kimi, pool of three, one resets)', async () => {
  /** Per upstream request: how it ended for the upstream (closed before its answer ended). */
  const upstreamClosed: string[] = [];
  let mode = 'normal';
  /** The text of a stalled stream's one event. */
  let firstText = 'a';
  const upstream = await startFakeUpstream((req, res, incoming) => {
    const who = String(req.headers.authorization);
    if (req.method !== 'POST') return answerByProtocol(req, res);
    if (who.includes('k1@')) {
      incoming.socket.destroy();
      return;
    }
    res.on('close', () => {
      if (!res.writableFinished) upstreamClosed.push(mode);
    });
    if (mode === 'stall-stream') {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":${JSON.stringify(firstText)}}}]}\n\n`);
      return;
    }
    if (mode === 'late') {
      setTimeout(() => !res.destroyed && sendJson(res, 200, {id: 'c', object: 'chat.completion', choices: [{index: 0, message: {role: 'assistant', content: 'late'}, finish_reason: 'stop'}]}), 400);
      return;
    }
    if (mode === 'short') {
      res.writeHead(200, {'content-type': 'application/json', 'content-length': '100'});
      res.write('{"id":"c","object":"chat.');
      setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    if (mode === 'garbage') {
      res.socket?.end('this is not http\r\n\r\n');
      return;
    }
    answerByProtocol(req, res);
  });
  const f = await proxyFixture({
    provider: 'kimi',
    serve: {provider: 'kimi'},
    strategy: 'round-robin',
    upstream,
    tokens: accountTokens('kimi', ['k1@example.com', 'k2@example.com', 'k3@example.com']),
    endpoints: {kimi: {api: upstream.url}},
  });
  after(() => f.close());

  for (const text of ['', 'a', 'I', 'Hello', 'Let me look at the repository first.']) {
    it(`a stream whose first event (text ${JSON.stringify(text)}) is followed by silence: the client sees the answer start (its head)`, {timeout: 10_000}, async () => {
      mode = 'stall-stream';
      firstText = text;
      const req = ask(f.url, 'kimi-k2', {stream: true});
      req.on('error', () => {});
      const started = new Promise<string>((resolve) => req.on('response', (res) => resolve(`head ${res.statusCode}`)));
      req.end(body('kimi-k2', true));
      const outcome = await Promise.race([started, sleep(2000).then(() => 'no head after 2 s')]);
      req.destroy();
      assert.equal(outcome, 'head 200', 'the upstream had answered 200 and sent an event, the client got nothing');
    });
  }

  it('a client that leaves mid-stream: the upstream answer is cut (no connection left generating unread)', {timeout: 10_000}, async () => {
    mode = 'stall-stream';
    firstText = 'Hello';
    upstreamClosed.length = 0;
    for (let i = 0; i < 3; i++) {
      const req = ask(f.url, 'kimi-k2', {stream: true});
      req.on('error', () => {});
      const got = new Promise<void>((resolve) => req.on('response', () => resolve()));
      req.end(body('kimi-k2', true));
      await got;
      req.destroy();
    }
    await waitFor(() => upstreamClosed.length >= 3, 'the three stalled upstream answers to be cut');
    assert.equal(upstreamClosed.length, 3, 'every stalled upstream answer was cut when its client left');
  });

  it('a client that leaves before the answer: the upstream request is cut, and the next one is served', {timeout: 10_000}, async () => {
    mode = 'late';
    upstreamClosed.length = 0;
    const req = ask(f.url, 'kimi-k2');
    req.on('error', () => {});
    req.end(body('kimi-k2'));
    await sleep(150);
    req.destroy();
    await waitFor(() => upstreamClosed.length >= 1, 'the upstream request to be cut');
    assert.equal(upstreamClosed.length, 1);
    mode = 'normal';
    for (let i = 0; i < 4; i++) {
      const answer = await chat(f.url, 'kimi-k2');
      assert.equal(answer.status, 200, answer.text);
    }
  });

  it('an upstream that cuts its declared body short: the client sees the cut (no hang), and the next requests are served', {timeout: 10_000}, async () => {
    mode = 'short';
    const outcome = await Promise.race([
      fetch(`${f.url}/v1/chat/completions`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: body('kimi-k2')}).then(
        async (r) => {
          try {
            return `read ${r.status} ${(await r.text()).length}`;
          } catch (error) {
            return `cut after ${r.status}`;
          }
        },
        () => 'cut',
      ),
      sleep(4000).then(() => 'hung'),
    ]);
    assert.notEqual(outcome, 'hung');
    assert.doesNotMatch(outcome, /^read 200/, `a half body was delivered as a whole answer: ${outcome}`);
    mode = 'normal';
    for (let i = 0; i < 4; i++) assert.equal((await chat(f.url, 'kimi-k2')).status, 200);
  });

  it('an upstream that answers garbage: a 502 naming the upstream, no crash, then served', {timeout: 10_000}, async () => {
    mode = 'garbage';
    const bad = await chat(f.url, 'kimi-k2');
    assert.ok(bad.status >= 500, `${bad.status} ${bad.text}`);
    mode = 'normal';
    for (let i = 0; i < 4; i++) assert.equal((await chat(f.url, 'kimi-k2')).status, 200);
  });

  it('clients leaving at every stage of a raw request (mid-headers, mid-body, right after the body): the proxy serves the next, logs each', {timeout: 15_000}, async () => {
    mode = 'late';
    const port = Number(new URL(f.url).port);
    const full = body('kimi-k2');
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${API_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(full)}\r\n\r\n`;
    const cuts = [10, head.length - 3, head.length + 5, head.length + full.length];
    for (const cut of cuts) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      await new Promise((r) => socket.once('connect', r));
      socket.write((head + full).slice(0, cut));
      await sleep(60);
      socket.destroy();
    }
    await sleep(600);
    mode = 'normal';
    for (let i = 0; i < 4; i++) assert.equal((await chat(f.url, 'kimi-k2')).status, 200);
  });
});
