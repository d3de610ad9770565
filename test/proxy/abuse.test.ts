// The proxy under abuse and outage (issue 11): clients that trickle bytes, refused requests with big
// bodies, large bodies, and upstreams that are overloaded. Raw sockets play the abusive client.
import assert from 'node:assert/strict';
import {request as httpRequest, type ServerResponse} from 'node:http';
import {connect} from 'node:net';
import {after, describe, it} from 'node:test';
import {describeEvent} from '../../source/services/proxy/ipc.js';
import {anthropicStreamEvents, answerByProtocol, sendJson, writeSse} from '../helpers/fake-upstreams.js';
import {API_KEY, claudeAccounts, proxyFixture} from './fixture.js';

interface RawExchange {
  /** Everything the proxy sent back. */
  text: string;
  /** Whether the proxy closed the connection within the wait. */
  closed: boolean;
  /** ms from connect to close (or to the end of the wait). */
  ms: number;
}

/**
 * A client that sends `head` and then one byte of `trickle` every 50 ms (never finishing the body it
 * announced), waiting up to `waitMs` for the proxy to close the connection.
 */
function trickle(url: string, head: string, waitMs: number, trickleByte = 'x'): Promise<RawExchange> {
  const {port} = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const done = (closed: boolean) => {
      clearInterval(timer);
      clearTimeout(guard);
      socket.destroy();
      resolve({text, closed, ms: Date.now() - started});
    };
    const guard = setTimeout(() => done(false), waitMs);
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => (text += data));
    socket.on('close', () => done(true));
    socket.on('error', () => {}); // a reset after the answer counts as closed ('close' follows)
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (!socket.destroyed && socket.writable) socket.write(trickleByte);
      }, 50);
    });
  });
}

/**
 * Sends `request` `count` times on one connection, each after the answer before it has ended
 * (Content-Length or chunked); resolves with the answers' texts, or rejects when the proxy closes the
 * connection first.
 */
function answersOnOneConnection(url: string, request: string, count: number): Promise<string[]> {
  const {port} = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const answers: string[] = [];
    let text = '';
    /** The length of the first whole answer in `text`, or undefined while it is incomplete. */
    const wholeAnswer = (): number | undefined => {
      const headEnd = text.indexOf('\r\n\r\n');
      if (headEnd < 0) return undefined;
      const head = text.slice(0, headEnd);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (length) return text.length >= headEnd + 4 + Number(length[1]) ? headEnd + 4 + Number(length[1]) : undefined;
      if (!/\r\ntransfer-encoding: *chunked/i.test(head)) throw new Error(`an answer without a length: ${head}`);
      const last = text.indexOf('\r\n0\r\n\r\n', headEnd);
      return last < 0 ? undefined : last + 7;
    };
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      text += data;
      const end = wholeAnswer();
      if (end === undefined) return;
      answers.push(text.slice(0, end));
      text = text.slice(end);
      if (answers.length === count) {
        socket.destroy();
        resolve(answers);
      } else {
        socket.write(request);
      }
    });
    socket.on('close', () => reject(new Error(`the proxy closed the connection after ${answers.length} answer(s): ${answers.join('').slice(0, 200)}`)));
    socket.on('error', reject);
    socket.on('connect', () => socket.write(request));
  });
}

const postHead = (path: string, headers: Record<string, string>) =>
  `POST ${path} HTTP/1.1\r\n${Object.entries({host: '127.0.0.1', 'content-type': 'application/json', ...headers}).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;


/** One small Messages request for claude-opus-4-6 through the proxy at `url`. */
const askModel = (url: string, model: string) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model, max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
  });
const askOpus = (url: string) => askModel(url, 'claude-opus-4-6');

describe('refused requests close the connection without reading the body', async () => {
  const f = await proxyFixture({
    provider: 'claude',
    tokens: claudeAccounts('a'),
    clientTimeouts: {headersMs: 1_000, requestMs: 1_500, checkEveryMs: 200},
  });
  after(() => f.close());
  const big = {'content-length': String(50 * 1024 * 1024)};

  for (const [name, path, headers, status] of [
    ['no key (401)', '/v1/messages', {...big}, 401],
    ['a wrong key (401)', '/v1/messages', {...big, 'x-api-key': 'wrong-key'}, 401],
    ['a foreign Host (403)', '/v1/messages', {...big, 'x-api-key': API_KEY, host: 'evil.example:8317'}, 403],
    ['an unknown route (404)', '/v1/nothing-here', {...big, 'x-api-key': API_KEY}, 404],
    ['a declared size over the limit (413)', '/v1/messages', {'content-length': String(200 * 1024 * 1024), 'x-api-key': API_KEY}, 413],
  ] as const) {
    it(`answers ${name} and closes while the client still trickles its body`, async () => {
      const before = f.upstream.requests.length;
      const exchange = await trickle(f.url, postHead(path, headers), 5_000);
      assert.match(exchange.text, new RegExp(`^HTTP/1.1 ${status} `));
      assert.match(exchange.text, /\r\nconnection: close\r\n/i);
      assert.equal(exchange.closed, true, `still connected after ${exchange.ms} ms: ${exchange.text.slice(0, 80)}`);
      assert.equal(f.upstream.requests.length, before, 'nothing reached the upstream');
    });
  }

  it('answers 400 for a body that is not a JSON object without waiting for the rest of it', async () => {
    const exchange = await trickle(f.url, `${postHead('/v1/messages', {...big, 'x-api-key': API_KEY})}[`, 5_000, ' ');
    assert.match(exchange.text, /^HTTP\/1.1 400 /);
    // Still coming: only its first character is known, and said.
    assert.match(exchange.text, /request body must be a JSON object; it starts with `\[`/);
    assert.equal(exchange.closed, true);
  });

  it('drops a client that trickles its headers', async () => {
    const exchange = await trickle(f.url, 'POST /v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\nx-a: ', 5_000);
    assert.equal(exchange.closed, true, `still connected after ${exchange.ms} ms`);
    assert.ok(exchange.ms < 4_000, `closed after ${exchange.ms} ms`);
  });

  it('drops an authenticated client that never finishes its body (request timeout)', async () => {
    const head = `${postHead('/v1/messages', {'content-length': '100000', 'x-api-key': API_KEY})}{"model":"claude-opus-4-6","messages":[`;
    const exchange = await trickle(f.url, head, 5_000, ' ');
    assert.match(exchange.text, /^HTTP\/1.1 408 /);
    assert.equal(exchange.closed, true, `still connected after ${exchange.ms} ms`);
  });

  it('does not cut a long streaming answer: the request timeout only covers the request', async () => {
    f.upstream.handler = (req, res) => writeSse(res, anthropicStreamEvents(String(req.body?.model), ['a', 'b', 'c', 'd', 'e', 'f']), {pauseMs: 500});
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, stream: true, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(response.status, 200);
    const text = await response.text(); // 2.5 s, longer than requestMs
    assert.match(text, /message_stop/);
  });

  it('keeps the connection of an accepted request alive', async () => {
    // /v1/models asks Claude's live list upstream: answered at once, not by the slow stream the test before set.
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    // Kept alive: the same connection carries a second request once the first answer has ended
    // (waited for, not a time window: a loaded machine takes most of a second to answer the first).
    const answers = await answersOnOneConnection(f.url, `GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\nx-api-key: ${API_KEY}\r\n\r\n`, 2);
    for (const answer of answers) {
      assert.match(answer, /^HTTP\/1.1 200 /);
      assert.doesNotMatch(answer, /connection: close/i);
    }
  });
});

describe('an overloaded upstream (529, 503) is not the account\'s fault', async () => {
  const f = await proxyFixture({
    provider: 'claude',
    strategy: 'fill-first',
    tokens: claudeAccounts('a', 'b'),
  });
  after(() => f.close());
  const ask = () => askOpus(f.url);
  const overloaded = {type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}};
  const bearerA = 'Bearer at-a@example.com-0123456789abcdef';
  const bearerB = 'Bearer at-b@example.com-0123456789abcdef';
  /** Each account answers with its own handler: an overload, or a normal answer. */
  const perAccount = (answers: Record<string, 'ok' | {status: number; body: unknown; retryAfter: string}>) => {
    f.upstream.handler = (req, res) => {
      const answer = answers[String(req.headers.authorization)] ?? 'ok';
      if (answer === 'ok') return answerByProtocol(req, res);
      sendJson(res, answer.status, answer.body, {'retry-after': answer.retryAfter});
    };
  };
  const failovers = () => f.events.filter((e) => e.type === 'failover');

  it('a 529 from account A moves the request to B before the first byte, and A is not parked', async () => {
    perAccount({[bearerA]: {status: 529, body: overloaded, retryAfter: '7'}});
    const before = f.upstream.requests.length;
    const eventsBefore = failovers().length;
    const response = await ask();
    assert.equal(response.status, 200);
    assert.match(await response.text(), /"type":"message"/);
    assert.deepEqual(f.upstream.requests.slice(before).map((r) => r.headers.authorization), [bearerA, bearerB]);
    assert.deepEqual(f.proxy.status().cooling, [], 'A is not cooling');
    const events = failovers().slice(eventsBefore);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type === 'failover' && events[0]!.until, undefined, 'the failover names no cooldown');
    assert.match(describeEvent(events[0]!), /^claude\/a@example\.com not parked, trying another account: provider overloaded \(529\)$/);
    // A serves again at once: B is now the current account (fill-first moved on); when B is overloaded the next request lands on A.
    perAccount({[bearerB]: {status: 529, body: overloaded, retryAfter: '7'}});
    const next = await ask();
    assert.equal(next.status, 200);
    assert.equal(f.upstream.requests.at(-1)!.headers.authorization, bearerA, 'A was not parked');
    assert.deepEqual(f.proxy.status().cooling, []);
  });

  it('passes the last 529 and its Retry-After through when every account is overloaded, again and again, without parking any', async () => {
    // Before failover on overload each request reached the upstream once; now it tries each account once.
    f.upstream.handler = (_req, res) => sendJson(res, 529, overloaded, {'retry-after': '7'});
    for (let i = 0; i < 3; i++) {
      const before = f.upstream.requests.length;
      const response = await ask();
      assert.equal(response.status, 529, `request ${i + 1}: not the proxy's own 429`);
      assert.equal(response.headers.get('retry-after'), '7');
      assert.equal(((await response.json()) as {error: {type: string}}).error.type, 'overloaded_error');
      const sent = f.upstream.requests.slice(before).map((r) => r.headers.authorization);
      assert.equal(sent.length, 2, `request ${i + 1} tried each account once`);
      assert.deepEqual(new Set(sent), new Set([bearerA, bearerB]));
    }
    assert.deepEqual(f.proxy.status().cooling, []);
    assert.ok(failovers().every((e) => e.type === 'failover' && e.until === undefined), 'no failover parked an account');
  });

  /** The first upstream request from now on gets `first`; later ones a normal answer. */
  const firstOnly = (first: (res: ServerResponse) => void) => {
    let n = 0;
    f.upstream.handler = (req, res) => (n++ === 0 ? first(res) : answerByProtocol(req, res));
  };

  it('a 503 from the first account is served by the other; a 503 from both passes the upstream\'s 503 and Retry-After through', async () => {
    const unavailable = {error: {message: 'Service Unavailable'}};
    firstOnly((res) => sendJson(res, 503, unavailable, {'retry-after': '3'}));
    let before = f.upstream.requests.length;
    const served = await ask();
    assert.equal(served.status, 200);
    const sent = f.upstream.requests.slice(before).map((r) => r.headers.authorization);
    assert.equal(sent.length, 2);
    assert.notEqual(sent[0], sent[1], 'the other account served');
    assert.deepEqual(f.proxy.status().cooling, []);
    f.upstream.handler = (_req, res) => sendJson(res, 503, unavailable, {'retry-after': '3'});
    before = f.upstream.requests.length;
    const response = await ask();
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '3');
    assert.match(await response.text(), /Service Unavailable/);
    assert.equal(f.upstream.requests.length, before + 2);
    assert.deepEqual(f.proxy.status().cooling, []);
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    const recovered = await ask();
    assert.equal(recovered.status, 200, 'served as soon as the upstream recovers: nothing was parked');
  });

  it('a plain 500 moves on the same way and parks nothing either (repeated ones: server-errors.test.ts)', async () => {
    firstOnly((res) => sendJson(res, 500, {error: {message: 'boom'}}));
    const response = await ask();
    assert.equal(response.status, 200);
    assert.deepEqual(f.proxy.status().cooling, []);
  });
});

describe('an overload and an account out of quota in one request', async () => {
  const f = await proxyFixture({provider: 'claude', strategy: 'fill-first', tokens: claudeAccounts('a', 'b')});
  after(() => f.close());
  const overloaded = {type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}};
  const ask = () => askOpus(f.url);

  it('answers with the overload, not the proxy\'s own 429, when the other account is out of quota', async () => {
    const resetAt = Math.floor(Date.now() / 1000) + 3600;
    let n = 0;
    f.upstream.handler = (_req, res) =>
      n++ === 0
        ? sendJson(res, 529, overloaded, {'retry-after': '7'})
        : sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'limit reached'}}, {
            'anthropic-ratelimit-unified-status': 'rejected',
            'anthropic-ratelimit-unified-5h-status': 'rejected',
            'anthropic-ratelimit-unified-5h-reset': String(resetAt),
          });
    const cooling = f.proxy.status().cooling.length;
    const response = await ask();
    assert.equal(response.status, 529);
    assert.equal(response.headers.get('retry-after'), '7', 'the overloaded account\'s wait, not the other account\'s hour');
    assert.equal(((await response.json()) as {error: {type: string}}).error.type, 'overloaded_error');
    assert.equal(n, 2);
    assert.equal(f.proxy.status().cooling.length, cooling + 1, 'only the account out of quota cools');
  });
});

describe('an overloaded upstream with one account served (--account): no failover, the answer passes through', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a', 'b'), serve: {account: 'a@example.com'}});
  after(() => f.close());

  it('passes the 529 and its Retry-After through after one upstream request, nothing parked', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 529, {type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}}, {'retry-after': '5'});
    const before = f.upstream.requests.length;
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(response.status, 529);
    assert.equal(response.headers.get('retry-after'), '5');
    assert.equal(f.upstream.requests.length, before + 1);
    assert.equal(f.upstream.requests.at(-1)!.headers.authorization, 'Bearer at-a@example.com-0123456789abcdef');
    assert.deepEqual(f.proxy.status().cooling, []);
    assert.equal(f.events.filter((e) => e.type === 'failover').length, 0);
  });
});

describe('large bodies are streamed to the upstream, not held whole', async () => {
  const f = await proxyFixture({
    provider: 'claude',
    strategy: 'fill-first',
    tokens: claudeAccounts('a', 'b'),
    configYaml: ['oauth-model-alias:', '  claude:', '    - name: "claude-sonnet-4-5-20250929"', '      alias: "sonnet"', ''].join('\n'),
  });
  after(() => f.close());

  /** A Messages body of about `bytes` bytes: `model` first, then one long user message. */
  const bigBody = (model: string, bytes: number) => {
    const head = `{"model":${JSON.stringify(model)},"max_tokens":8,"messages":[{"role":"user","content":"`;
    const tail = '"}]}';
    return {head, filler: 'y'.repeat(bytes - head.length - tail.length), tail};
  };

  /**
   * Sends the head and most of the filler, then holds the last byte of the body until the upstream
   * has received bytes of this request (a proxy that reads the whole body first never lets it), or
   * 5 s passed. Returns what the client got and whether the upstream saw bytes before the end.
   */
  const sendHeld = (model: string, bytes: number) =>
    new Promise<{status: number; text: string; streamedEarly: boolean}>((resolve, reject) => {
      const {head, filler, tail} = bigBody(model, bytes);
      const body = Buffer.from(head + filler + tail);
      const before = f.upstream.bytesReceived;
      const req = httpRequest(`${f.url}/v1/messages`, {
        method: 'POST',
        headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'content-length': String(body.length)},
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({status: res.statusCode!, text, streamedEarly}));
      });
      req.on('error', reject);
      let streamedEarly = false;
      req.write(body.subarray(0, body.length - 1));
      const started = Date.now();
      const poll = setInterval(() => {
        streamedEarly = f.upstream.bytesReceived > before;
        if (streamedEarly || Date.now() - started > 5_000) {
          clearInterval(poll);
          req.end(body.subarray(body.length - 1));
        }
      }, 10);
    });

  it('pipes a 9 MB body upstream as it arrives, the alias resolved in place and the rest intact', async () => {
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    const result = await sendHeld('sonnet', 9 * 1024 * 1024);
    assert.equal(result.status, 200, result.text.slice(0, 200));
    assert.equal(result.streamedEarly, true, 'the upstream got bytes before the client finished its body');
    const sent = f.upstream.requests.at(-1)!;
    assert.equal(sent.body?.model, 'claude-sonnet-4-5-20250929');
    const {filler} = bigBody('sonnet', 9 * 1024 * 1024);
    assert.equal((sent.body?.messages as {content: string}[])[0]!.content, filler);
    assert.equal(Number(sent.headers['content-length']), Buffer.byteLength(sent.raw));
  });

  it('passes the upstream\'s quota answer on for a streamed body (it cannot be sent twice) and cools the account', async () => {
    const resetAt = Math.floor(Date.now() / 1000) + 3600;
    f.upstream.handler = (req, res) =>
      req.headers.authorization === 'Bearer at-a@example.com-0123456789abcdef'
        ? sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'limit reached'}}, {
            'anthropic-ratelimit-unified-status': 'rejected',
            'anthropic-ratelimit-unified-5h-status': 'rejected',
            'anthropic-ratelimit-unified-5h-reset': String(resetAt),
          })
        : answerByProtocol(req, res);
    const before = f.upstream.requests.length;
    const result = await sendHeld('claude-opus-4-6', 9 * 1024 * 1024);
    assert.equal(result.status, 429);
    assert.match(result.text, /limit reached/);
    assert.equal(f.upstream.requests.length, before + 1, 'sent once');
    assert.equal(f.proxy.status().cooling.length, 1);
    const next = await sendHeld('claude-opus-4-6', 9 * 1024 * 1024);
    assert.equal(next.status, 200, 'the next request goes to the other account');
    assert.equal(f.upstream.requests.at(-1)!.headers.authorization, 'Bearer at-b@example.com-0123456789abcdef');
  });

  it('passes a 529 through for a streamed body (it cannot be sent twice) and parks no account', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 529, {type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}}, {'retry-after': '4'});
    const cooling = f.proxy.status().cooling.length;
    const before = f.upstream.requests.length;
    const result = await sendHeld('claude-opus-4-6', 9 * 1024 * 1024);
    assert.equal(result.status, 529);
    assert.match(result.text, /overloaded_error/);
    assert.equal(result.streamedEarly, true, 'the body was streamed');
    assert.equal(f.upstream.requests.length, before + 1, 'sent once');
    assert.equal(f.proxy.status().cooling.length, cooling, 'nothing more is cooling');
  });

  it("passes a 500 through for a streamed body (it cannot be sent twice), parks no account, and the next one is served", async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 500, {type: 'error', error: {type: 'api_error', message: 'Internal server error'}});
    const cooling = f.proxy.status().cooling.length;
    const before = f.upstream.requests.length;
    const result = await sendHeld('claude-opus-4-6', 9 * 1024 * 1024);
    assert.equal(result.status, 500);
    assert.match(result.text, /Internal server error/);
    assert.equal(result.streamedEarly, true, 'the body was streamed');
    assert.equal(f.upstream.requests.length, before + 1, 'sent once');
    assert.equal(f.proxy.status().cooling.length, cooling, 'nothing more is cooling');
    // The other account is out of quota (above): the one that answered 500 serves the next request.
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    const next = await sendHeld('claude-opus-4-6', 9 * 1024 * 1024);
    assert.equal(next.status, 200, `not the proxy's 429: ${next.text.slice(0, 200)}`);
    assert.equal(f.upstream.requests.at(-1)!.headers.authorization, 'Bearer at-b@example.com-0123456789abcdef');
  });

  it('reads a large body whole when its model comes last, and still serves it', async () => {
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    const filler = 'z'.repeat(9 * 1024 * 1024);
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({max_tokens: 8, messages: [{role: 'user', content: filler}], model: 'sonnet'}),
    });
    assert.equal(response.status, 200);
    assert.equal(f.upstream.requests.at(-1)!.body?.model, 'claude-sonnet-4-5-20250929');
  });
});

describe('a Chat Completions client on a Claude account (translated)', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a')});
  after(() => f.close());
  const chat = (body: Record<string, unknown>) =>
    fetch(`${f.url}/v1/chat/completions`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify(body)});

  it('gets the overloaded upstream\'s Retry-After with its translated error', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 529, {type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}}, {'retry-after': '9'});
    const response = await chat({model: 'claude-opus-4-6', messages: [{role: 'user', content: 'hi'}]});
    assert.notEqual(response.status, 200);
    assert.notEqual(response.status, 429, 'not the proxy\'s own cooldown answer');
    assert.equal(response.headers.get('retry-after'), '9');
    assert.deepEqual(f.proxy.status().cooling, []);
  });

  it('reads a large body whole when it must be translated, and the upstream gets all of it', async () => {
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    const filler = 'q'.repeat(5 * 1024 * 1024);
    const response = await chat({model: 'claude-opus-4-6', messages: [{role: 'user', content: filler}]});
    assert.equal(response.status, 200);
    const sent = f.upstream.requests.at(-1)!;
    assert.equal(sent.path, '/v1/messages');
    assert.ok(sent.raw.includes(filler), 'the whole message was translated and sent');
  });
});

describe('a model the upstream does not know (404) cools that model only', async () => {
  const f = await proxyFixture({provider: 'claude', strategy: 'fill-first', tokens: claudeAccounts('a', 'b')});
  after(() => f.close());
  const ask = () => askOpus(f.url);

  it('a 404 from A parks that model on A only, and the log line says so in local time', async () => {
    f.upstream.handler = (req, res) =>
      req.headers.authorization === 'Bearer at-a@example.com-0123456789abcdef' ? sendJson(res, 404, {type: 'error', error: {type: 'not_found_error', message: 'model: claude-opus-4-6'}}) : answerByProtocol(req, res);
    const response = await ask();
    const events = f.events.filter((e) => e.type === 'failover');
    assert.ok(events.length >= 1, `a failover (answer ${response.status})`);
    const event = events[0]!;
    assert.ok(event.type === 'failover' && event.model === 'claude-opus-4-6' && event.until !== undefined, JSON.stringify(event));
    // Written 42 s before the cooldown ends: the wait, then the end on the local clock to the second.
    const line = describeEvent(event, event.until! - 42_000);
    const clock = new Date(event.until!).toTimeString().slice(0, 8);
    assert.match(line, new RegExp(`^claude/a@example\\.com model claude-opus-4-6 cooling 42s \\(until (\\d{4}-\\d\\d-\\d\\d )?${clock}\\) \\(other models still served\\): model not found upstream \\(404\\)$`));
    assert.doesNotMatch(line, /\d\dT\d\d:|Z\b/, 'no raw UTC instant');
    const cooling = f.proxy.status().cooling;
    assert.deepEqual(cooling.filter((c) => c.model === undefined), [], 'no whole-account cooldown');
    // Said in the status (proxy status, the proxy screen): that model alone, on A.
    assert.deepEqual(cooling.map((c) => [c.account, c.model]), [['a@example.com', 'claude-opus-4-6']]);
  });

  it('once every account answered 404 for the model: the client gets a 404 naming it, not a 429 to retry in 12 hours', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 404, {type: 'error', error: {type: 'not_found_error', message: 'model: claude-opus-4-6'}});
    const first = await ask();
    assert.equal(first.status, 404, 'B\'s own 404 passed on');
    const again = await ask();
    assert.equal(again.status, 404);
    assert.equal(again.headers.get('retry-after'), null);
    const body = (await again.json()) as {error: {type: string; message: string}};
    assert.equal(body.error.type, 'not_found_error');
    assert.match(body.error.message, /^model "claude-opus-4-6" was not found upstream: every Claude account answered 404 for it \(not asked again before .+, or until the proxy restarts\); ccs-tui models claude lists its models, and ccs-tui cooldown clear claude <account> asks again now \(a fixed endpoint, a model just enabled\)$/);
    // Another model is served as ever.
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    assert.equal((await askModel(f.url, 'claude-sonnet-4-6')).status, 200);
  });

  it('a key pasted as the model name: masked in the status\'s per-model waits and in the log event, as in the 404', async () => {
    const key = `sk-ant-api03-${'Q'.repeat(40)}-AAAAAA`;
    f.upstream.handler = (_req, res) => sendJson(res, 404, {type: 'error', error: {type: 'not_found_error', message: 'no such model'}});
    await (await askModel(f.url, key)).arrayBuffer();
    const status = JSON.stringify(f.proxy.status());
    const events = JSON.stringify(f.events.filter((e) => e.type === 'failover'));
    for (const text of [status, events]) assert.ok(!text.includes('Q'.repeat(20)), text);
    assert.ok(f.proxy.status().cooling.some((c) => c.model !== undefined && c.model.startsWith('sk-a')), status);
  });
});

describe('every account answering 429 to one request', async () => {
  const f = await proxyFixture({provider: 'claude', strategy: 'fill-first', tokens: claudeAccounts('a', 'b')});
  after(() => f.close());

  it("the proxy's 429 with the soonest wait; its log line says the accounts were asked, not as if none was", async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'rate limited'}}, {'retry-after': '40'});
    const answer = await askOpus(f.url);
    assert.equal(answer.status, 429);
    assert.equal(f.upstream.requests.length, 2, 'both accounts were asked');
    const refused = f.events.filter((e) => e.type === 'refused');
    assert.equal(refused.length, 1);
    assert.match(describeEvent(refused[0]!), /^POST \/v1\/messages → claude refused by the proxy 429 \d+ ms: every account is cooling down \(rate limited\), after asking 2 accounts; retry in \d+ s$/);
    // The next request asks none: no "after asking".
    await (await askOpus(f.url)).arrayBuffer();
    assert.equal(f.upstream.requests.length, 2);
    assert.match(describeEvent(f.events.filter((e) => e.type === 'refused')[1]!), /: every account is cooling down \(rate limited\); retry in \d+ s$/);
  });

  it('a model one account lacks (its 404) while the others wait: both said, not only the wait', async () => {
    const g = await proxyFixture({provider: 'claude', strategy: 'fill-first', tokens: claudeAccounts('a', 'b')});
    try {
      g.upstream.handler = (req, res) =>
        req.headers.authorization === 'Bearer at-a@example.com-0123456789abcdef'
          ? sendJson(res, 404, {type: 'error', error: {type: 'not_found_error', message: 'model: claude-opus-4-6'}})
          : sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'rate limited'}}, {'retry-after': '40'});
      await (await askOpus(g.url)).arrayBuffer();
      const again = await askOpus(g.url);
      assert.equal(again.status, 429);
      const body = (await again.json()) as {error: {message: string}};
      assert.match(body.error.message, /^Claude: 1 account answered 404 for this model and the other is cooling down \(.*rate limited.*\); retry in \d+ s$/);
    } finally {
      await g.close();
    }
  });
});

describe('waits while one account is served alone', async () => {
  const f = await proxyFixture({provider: 'claude', strategy: 'fill-first', tokens: claudeAccounts('a', 'b')});
  after(() => f.close());

  it("the status lists only that account's waits; the pool's others come back with the pool", async () => {
    f.upstream.handler = (req, res) =>
      req.headers.authorization === 'Bearer at-a@example.com-0123456789abcdef' ? sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'rate limited'}}, {'retry-after': '600'}) : answerByProtocol(req, res);
    assert.equal((await askOpus(f.url)).status, 200, 'b served after a\'s 429');
    assert.deepEqual(f.proxy.status().cooling.map((c) => c.account), ['a@example.com']);
    await f.proxy.serve('claude', 'b@example.com');
    assert.deepEqual(f.proxy.status().cooling, [], "b alone: a's wait is none of this proxy's");
    await f.proxy.serve('claude');
    assert.deepEqual(f.proxy.status().cooling.map((c) => c.account), ['a@example.com'], 'the pool again: a still waits');
  });

  it("r moves the pin: the status lists the waits of the account served alone now, and says it serves that one", async () => {
    // a served alone, cooling; r moves the pin to b: a's wait is no longer this proxy's.
    await f.proxy.serve('claude', 'a@example.com');
    assert.deepEqual(f.proxy.status().cooling.map((c) => c.account), ['a@example.com']);
    // A switch is no pin move to tell the runner of (the switch's caller writes the record).
    assert.deepEqual(f.pinMoves, []);
    assert.equal(await f.proxy.rotate('claude'), 'b@example.com');
    assert.deepEqual(f.pinMoves, [{provider: 'claude', accountId: 'b@example.com'}]);
    const status = f.proxy.status();
    assert.deepEqual(status.cooling, []);
    assert.deepEqual([status.pinned, status.account, status.accountId], [true, 'b@example.com', 'b@example.com']);
    assert.equal((await askOpus(f.url)).status, 200);
    assert.equal(f.upstream.requests.at(-1)?.headers.authorization, 'Bearer at-b@example.com-0123456789abcdef');
  });
});

describe('one API-key account served alone whose key is refused', async () => {
  const key = (name: string) => ({file: `bob-${name}.json`, token: {type: 'bob', api_key: `bob-key-${name}-0123456789abcdef`}});
  const f = await proxyFixture({provider: 'bob', apiPath: '/v1', tokens: [key('spare'), key('main')], serve: {account: 'spare'}});
  after(() => f.close());

  it('the 503 names a new key under the same name, not a login that would add another account', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 401, {error: {message: 'invalid api key', type: 'invalid_request_error'}});
    const ask = () => fetch(`${f.url}/v1/chat/completions`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify({model: 'bob-model', messages: [{role: 'user', content: 'hi'}]})});
    assert.equal((await ask()).status, 401);
    const again = await ask();
    assert.equal(again.status, 503);
    const text = await again.text();
    assert.match(text, /spare, which this proxy serves alone, cannot serve now \(key rejected \(401\)\).*a new key: ccs-tui login bob --nickname spare/);
    assert.doesNotMatch(text, /log in again/);
  });
});

describe('one account served alone whose token is refused', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a', 'b'), serve: {account: 'a@example.com'}});
  after(() => f.close());

  it('the next request gets a 503 with the way out, not a 429 to retry in half an hour', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 401, {type: 'error', error: {type: 'authentication_error', message: 'OAuth token has been revoked'}});
    f.tokenServer.handler = (_req, res) => sendJson(res, 400, {error: 'invalid_grant', error_description: 'Refresh token revoked'});
    assert.equal((await askOpus(f.url)).status, 401, "the upstream's own 401 first");
    const again = await askOpus(f.url);
    assert.equal(again.status, 503);
    const body = (await again.json()) as {error: {type: string; message: string}};
    assert.equal(body.error.type, 'api_error');
    assert.match(body.error.message, /a@example\.com, which this proxy serves alone, cannot serve \(re-login: .*\).*log in again: ccs-tui login claude/);
    assert.doesNotMatch(body.error.message, /retry in/);
  });
});

describe("the proxy's own 429 with a long reason", async () => {
  const f = await proxyFixture({provider: 'claude', strategy: 'fill-first', tokens: claudeAccounts('a', 'b')});
  after(() => f.close());

  it('its log line keeps the wait after the reason it cuts', async () => {
    const {AccountStore} = await import('../../source/store/accounts.js');
    const long = `weekly limit reached for the Opus models of this organisation, resets Monday at 09:00 UTC; ${'contact your administrator to raise the limit; '.repeat(4)}`;
    for (const id of ['a@example.com', 'b@example.com']) await new AccountStore(f.ccs.paths).setCooldown('claude', id, {until: new Date(Date.now() + 3600_000).toISOString(), kind: 'quota', reason: long});
    // Stored by another process: taken in when the pool is served again (as after a restart).
    await f.proxy.serve('claude');
    const answer = await askOpus(f.url);
    assert.equal(answer.status, 429);
    assert.equal(f.upstream.requests.length, 0);
    const line = describeEvent(f.events.filter((e) => e.type === 'refused').at(-1)!);
    assert.match(line, /: every account is cooling down \(weekly limit reached for the Opus models.*; retry in \d+ s$/, line);
  });
});

// Attack (s41): a Host that starts with a loopback name but names another site (`…@evil.example`),
// and a second Host field after an accepted one, were answered 200.
describe('the Host field is checked whole, and only one is taken', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a')});
  after(() => f.close());
  const {port} = new URL(f.url);
  /** The status line of the proxy's answer to GET /v1/models with the key and these Host lines. */
  const statusWith = async (...hosts: string[]) => {
    const [answer] = await answersOnOneConnection(f.url, `GET /v1/models HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join('')}x-api-key: ${API_KEY}\r\n\r\n`, 1);
    return answer!.slice(0, answer!.indexOf('\r\n'));
  };
  for (const host of [`127.0.0.1:${port}@evil.example`, `localhost:${port}@evil.example`, `[::1]:${port}@evil.example`, '127.0.0.1/evil.example', '127.0.0.1.evil.example', `localhost:${port}:80`, 'localhost:', `127.0.0.1:${port} evil.example`]) {
    it(`refuses Host ${JSON.stringify(host)} (403)`, async () => {
      assert.equal(await statusWith(host), 'HTTP/1.1 403 Forbidden');
    });
  }
  for (const host of [`127.0.0.1:${port}`, '127.0.0.1', `LOCALHOST:${port}`, 'localhost', `[::1]:${port}`]) {
    it(`answers Host ${JSON.stringify(host)}`, async () => {
      assert.equal(await statusWith(host), 'HTTP/1.1 200 OK');
    });
  }
  it('refuses two Host fields, even when the first is loopback and was accepted before (400)', async () => {
    assert.equal(await statusWith(`127.0.0.1:${port}`), 'HTTP/1.1 200 OK');
    const before = f.upstream.requests.length;
    assert.equal(await statusWith(`127.0.0.1:${port}`, 'evil.example'), 'HTTP/1.1 400 Bad Request');
    assert.equal(await statusWith(`localhost`, 'localhost'), 'HTTP/1.1 400 Bad Request');
    assert.equal(f.upstream.requests.length, before, 'nothing reached the upstream');
  });
});
