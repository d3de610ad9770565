// Every request leaves a line in the log that says what became of it, even when it ends before the
// proxy's own request path: an HTTP message Node cannot parse (400), headers over Node's limit
// (431), a request not complete in time (408, was logged as the proxy's own 502 "client closed the
// connection" and made the last error), a client that leaves mid-body, mid-send or mid-answer.
// Refusals are counted as refused; a client that left is no refusal and no proxy error.
import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import {connect, type AddressInfo} from 'node:net';
import {after, describe, it} from 'node:test';
import {describeEvent} from '../../source/services/proxy/ipc.js';
import {anthropicStreamEvents, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, claudeAccounts, proxyFixture} from './fixture.js';

/**
 * On one connection, a whole request (the model list), then, once its answer is whole (its JSON ends
 * the body), a next message that never ends its headers; resolves with all the proxy sent.
 */
function keptAliveThenUnended(port: number): Promise<string> {
  return new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${API_KEY}\r\n\r\n`));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (/\r\n\r\n[\s\S]*\}$/.test(text) && !text.includes('408')) socket.write('POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
  });
}

describe('requests that end before the proxy could answer them', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a'), clientTimeouts: {headersMs: 400, requestMs: 600, checkEveryMs: 100}});
  after(() => f.close());
  const port = Number(new URL(f.url).port);

  /** Writes `text` on a raw connection, then either waits for the proxy to close it (its answer) or hangs up after `leaveAfterMs`. */
  const raw = (text: string, leaveAfterMs?: number) =>
    new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(text);
        if (leaveAfterMs !== undefined) setTimeout(() => socket.destroy(), leaveAfterMs);
      });
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(answer));
    });
  /** The log line of the newest event of `type`, once it came. */
  const lastLine = async (type: 'refused' | 'request') => {
    for (let i = 0; i < 40 && !f.events.some((e) => e.type === type); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    return describeEvent(f.events.filter((e) => e.type === type).at(-1)!);
  };
  const postHead = (length: number) => `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${API_KEY}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;

  it('a body refused before it is forwarded (a repeated "model"): a refusal line naming the served provider and the cause, never the key', async () => {
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: `{"model":"claude-opus-4-6","model":"${API_KEY}","messages":[]}`,
    });
    assert.equal(response.status, 400);
    const line = await lastLine('refused');
    assert.match(line, /^POST \/v1\/messages → claude refused by the proxy 400 \d+ ms: request body repeats the top-level "model" field/);
    assert.ok(!line.includes(API_KEY), line);
  });

  it('the model list, answered locally: a request line, counted', async () => {
    const before = f.proxy.status().totalRequests;
    const response = await fetch(`${f.url}/v1/models`, {headers: {'x-api-key': API_KEY, 'anthropic-version': '2023-06-01'}});
    assert.equal(response.status, 200);
    await response.text();
    assert.match(await lastLine('request'), /^GET \/v1\/models - → claude\/a@example\.com 200 \d+ ms$/);
    assert.equal(f.proxy.status().totalRequests, before + 1);
  });

  it('an HTTP message Node cannot parse: its 400, and a refusal line saying why', async () => {
    const before = f.proxy.status().refusedRequests;
    const answer = await raw('NONSENSE\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(await lastLine('refused'), /^- - → refused by the proxy 400 \d+ ms: malformed HTTP request \(HPE_INVALID_METHOD\)$/);
    assert.equal(f.proxy.status().refusedRequests, before + 1);
  });

  it('headers over the limit: 431, and a refusal line that never quotes the key', async () => {
    const before = f.events.length;
    const answer = await raw(`POST /v1/messages?key=${API_KEY} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${API_KEY}\r\nx-padding: ${'p'.repeat(20_000)}\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    const line = await lastLine('refused');
    assert.match(line, /refused by the proxy 431 \d+ ms: request headers too large$/);
    assert.ok(f.events.slice(before).every((e) => !JSON.stringify(e).includes(API_KEY)));
  });

  it('a body not complete in time: the 408 the client gets is the status logged, not a 502 and no proxy error', async () => {
    const before = f.proxy.status();
    const answer = await raw(`${postHead(100)}{"model":"claude-opus-4-6"`);
    assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.match(await lastLine('refused'), /^POST \/v1\/messages → claude refused by the proxy 408 \d+ ms: request not complete in time \(headers within 0\.4 s, body within 0\.6 s\)$/);
    const status = f.proxy.status();
    assert.equal(status.refusedRequests, before.refusedRequests + 1);
    assert.equal(status.lastError, before.lastError, 'not a proxy error');
    assert.ok(!f.events.some((e) => describeEvent(e).includes('502')), f.events.map((e) => describeEvent(e)).join('\n'));
  });

  it('headers not complete in time: the 408 line is timed from the connection\'s start (not "0 ms" from the error)', async () => {
    const before = f.events.length;
    const asked = Date.now();
    const answer = await raw('POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const took = Date.now() - asked;
    assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    for (let i = 0; i < 40 && !f.events.slice(before).some((e) => e.type === 'refused'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const line = describeEvent(f.events.slice(before).find((e) => e.type === 'refused')!);
    const ms = /^- - → refused by the proxy 408 (\d+) ms: request not complete in time \(headers within 0\.4 s, body within 0\.6 s\)$/.exec(line);
    assert.ok(ms, line);
    assert.ok(Number(ms[1]) >= 400 && Number(ms[1]) <= took, `${line} (the client waited ${took} ms)`);
  });

  it('headers not complete in time on a kept-alive connection: the line says what is known (over the limit), not "0 ms"', async () => {
    const before = f.events.length;
    const answer = await keptAliveThenUnended(port);
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n[\s\S]*HTTP\/1\.1 408 Request Timeout\r\n/);
    for (let i = 0; i < 40 && !f.events.slice(before).some((e) => e.type === 'refused'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = f.events.slice(before).filter((e) => e.type === 'refused').map((e) => describeEvent(e));
    assert.deepEqual(lines, ['- - → refused by the proxy 408 over 400 ms: request not complete in time (headers within 0.4 s, body within 0.6 s)']);
  });

  it('a client that leaves mid-body: a line saying so, neither a refusal nor a proxy error', async () => {
    const before = f.proxy.status();
    await raw(`${postHead(100)}{"model":"claude-opus-4-6"`, 100);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.match(await lastLine('refused'), /^POST \/v1\/messages → claude not answered \d+ ms: the client left before its body ended$/);
    const status = f.proxy.status();
    assert.equal(status.refusedRequests, before.refusedRequests);
    assert.equal(status.lastError, before.lastError);
  });

  it('a client that leaves before the upstream answers: its request line says so', async () => {
    f.upstream.handler = () => undefined; // never answers
    const controller = new AbortController();
    const asked = fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      signal: controller.signal,
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    });
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(asked);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.match(await lastLine('request'), /^POST \/v1\/messages claude-opus-4-6 → claude\/a@example\.com not answered \d+ ms: the client left before the answer ended$/);
  });

  it('a client that leaves mid-stream: its request line says so after the status', async () => {
    const events = anthropicStreamEvents('claude-opus-4-6', ['Hello', ' from', ' upstream']);
    f.upstream.handler = (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(events[0]);
      // The rest never comes: the client gives up.
    };
    const controller = new AbortController();
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      signal: controller.signal,
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, stream: true, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(response.status, 200);
    await response.body!.getReader().read();
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.match(await lastLine('request'), /→ claude\/a@example\.com 200 \d+ ms, then the client left before the answer ended$/);
    assert.doesNotMatch(f.proxy.status().lastError?.message ?? '', /stream broke/, 'the client leaving is not an upstream break');
  });
});

describe('the kept-alive 408 line, on a clock that moves between any two readings', async () => {
  // A busy machine can read the clock a millisecond apart within one refusal; a clock that moves on
  // every reading makes that certain: the line still says the limit it took, not a millisecond over.
  let readings = 0;
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a'), clientTimeouts: {headersMs: 400, requestMs: 600, checkEveryMs: 100}, now: () => Date.now() + readings++});
  after(() => f.close());
  const port = Number(new URL(f.url).port);

  it('says "over 400 ms", the headers limit', async () => {
    const answer = await keptAliveThenUnended(port);
    assert.match(answer, /HTTP\/1\.1 408 Request Timeout\r\n/);
    for (let i = 0; i < 40 && !f.events.some((e) => e.type === 'refused'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(f.events.filter((e) => e.type === 'refused').map((e) => describeEvent(e)), ['- - → refused by the proxy 408 over 400 ms: request not complete in time (headers within 0.4 s, body within 0.6 s)']);
  });
});

describe('garbage pipelined after a whole request on one connection', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a')});
  after(() => f.close());

  it("Node's 400 for the garbage is a refusal line of its own; the request before it is not blamed for it", async () => {
    // The upstream takes its time: the first request is still in flight when the garbage is parsed.
    f.upstream.handler = () => undefined;
    const body = JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(f.url).port), '127.0.0.1', () => {
        socket.write(`POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${API_KEY}\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        setTimeout(() => socket.write('NONSENSE\r\n\r\n'), 200);
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
    });
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    for (let i = 0; i < 40 && !f.events.some((e) => e.type === 'request'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = f.events.filter((e) => e.type === 'refused' || e.type === 'request').map((e) => describeEvent(e));
    assert.ok(lines.some((line) => /^- - → refused by the proxy 400 \d+ ms: malformed HTTP request \(HPE_INVALID_METHOD\)$/.test(line)), lines.join('\n'));
    assert.equal(f.proxy.status().refusedRequests, 1);
    assert.ok(lines.some((line) => /^POST \/v1\/messages claude-opus-4-6 → claude\/a@example\.com not answered \d+ ms: the next message on its connection was refused: malformed HTTP request \(HPE_INVALID_METHOD\)$/.test(line)), lines.join('\n'));
  });
});

describe('a streamed body (over 4 MB) not complete in time', async () => {
  /** Whether the upstream answers at once, before the body ends (else it waits for the body). */
  let answersEarly = true;
  const server = createServer((req, res) => {
    req.on('error', () => undefined).resume();
    if (!answersEarly) return;
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.write('event: ping\ndata: {"type":"ping"}\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const upstream = {url, requests: [], close: async () => void (server.closeAllConnections(), server.close())} as unknown as FakeUpstream;
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a'), upstream, clientTimeouts: {headersMs: 1000, requestMs: 1500, checkEveryMs: 100}});
  after(() => f.close());

  /** Promises 6 MB, sends 5 (the rest never comes): the lines logged, and what the client got. */
  const sendMostOfABody = async () => {
    const before = f.events.length;
    const start = `{"model":"claude-opus-4-6","max_tokens":8,"messages":[{"role":"user","content":"${'x'.repeat(5 * 1024 * 1024)}`;
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(f.url).port), '127.0.0.1', () => {
        socket.write(`POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${API_KEY}\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\ncontent-length: ${6 * 1024 * 1024}\r\n\r\n${start}`);
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
    });
    for (let i = 0; i < 40 && !f.events.slice(before).some((e) => e.type === 'request' || e.type === 'refused'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    return {answer, lines: f.events.slice(before).filter((e) => e.type === 'refused' || e.type === 'request').map((e) => describeEvent(e))};
  };

  it('the upstream began to answer: its line says the body was not complete in time (the client did not leave)', async () => {
    const {answer, lines} = await sendMostOfABody();
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^POST \/v1\/messages claude-opus-4-6 → claude\/a@example\.com 200 \d+ ms, then request not complete in time \(headers within 1 s, body within 1\.5 s\)$/);
  });

  it('the client leaves while its body is still being sent upstream: its line says so (not "before the answer ended")', async () => {
    answersEarly = false;
    const before = f.events.length;
    const start = `{"model":"claude-opus-4-6","max_tokens":8,"messages":[{"role":"user","content":"${'x'.repeat(5 * 1024 * 1024)}`;
    await new Promise<void>((resolve) => {
      const socket = connect(Number(new URL(f.url).port), '127.0.0.1', () => {
        // All but the last MB sent, then the client goes away.
        socket.write(`POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${API_KEY}\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\ncontent-length: ${6 * 1024 * 1024}\r\n\r\n${start}`, () => socket.destroy());
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
    });
    for (let i = 0; i < 40 && !f.events.slice(before).some((e) => e.type === 'request' || e.type === 'refused'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = f.events.slice(before).filter((e) => e.type === 'refused' || e.type === 'request').map((e) => describeEvent(e));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^POST \/v1\/messages claude-opus-4-6 → claude\/a@example\.com not answered \d+ ms: the client left while its body was still being sent upstream$/);
  });

  it("the upstream had not answered: the 408 the client got is the line's, a refusal", async () => {
    answersEarly = false;
    const refused = f.proxy.status().refusedRequests;
    const {answer, lines} = await sendMostOfABody();
    assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^POST \/v1\/messages → claude refused by the proxy 408 \d+ ms: request not complete in time \(headers within 1 s, body within 1\.5 s\)$/);
    assert.equal(f.proxy.status().refusedRequests, refused + 1);
  });
});

describe('garbage sent on a connection whose answer is streaming', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a')});
  after(() => f.close());

  it('no second status line is written into the answer: the connection is only closed, and the line says why', async () => {
    const events = anthropicStreamEvents('claude-opus-4-6', ['Hello', ' from', ' upstream']);
    f.upstream.handler = (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(events[0]);
      // The rest never comes.
    };
    const body = JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, stream: true, messages: [{role: 'user', content: 'hi'}]});
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(f.url).port), '127.0.0.1', () => {
        socket.write(`POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${API_KEY}\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      });
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
        if (text.includes('message_start')) socket.write('NONSENSE\r\n\r\n');
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
    });
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.doesNotMatch(answer, /HTTP\/1\.1 400/);
    for (let i = 0; i < 40 && !f.events.some((e) => e.type === 'request'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = f.events.filter((e) => e.type === 'refused' || e.type === 'request').map((e) => describeEvent(e));
    assert.ok(lines.some((line) => /^POST \/v1\/messages claude-opus-4-6 → claude\/a@example\.com 200 \d+ ms, then the next message on its connection was refused: malformed HTTP request \(HPE_INVALID_METHOD\)$/.test(line)), lines.join('\n'));
    assert.ok(lines.some((line) => /^- - → refused by the proxy 400 \d+ ms: malformed HTTP request \(HPE_INVALID_METHOD\)$/.test(line)), lines.join('\n'));
  });
});
