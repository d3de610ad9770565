// An upstream that closes kept-alive connections without saying when (no `Keep-Alive: timeout=`):
// the proxy retires an upstream connection it has not used for a few seconds itself, and a request
// that meets a reused connection closed under it goes once more over a new one, so the client gets
// the upstream's answer, not a 502. A streamed body is never sent twice, and nothing thrice.
import assert from 'node:assert/strict';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import {createServer as createHttpsServer} from 'node:https';
import type {AddressInfo, Socket} from 'node:net';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {anthropicMessage, sendJson, startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {waitFor} from '../helpers/wait.js';
import {makeTestCa, testCaSkip} from '../helpers/test-ca.js';
import {HANDED_OVER_VARIABLE, takeOverExtraCaCerts} from '../../source/cli/extra-ca-handover.js';
import {HANDED_OVER} from '../../source/services/extra-ca-certs.js';
import {accountTokens, API_KEY, askMessages, claudeAccounts, proxyFixture} from './fixture.js';

const MODEL = 'claude-sonnet-4-5-20250929';

interface Connection {
  id: number;
  /** Requests whose head came on it. */
  requests: number;
  /** When the proxy ended it (its FIN reached the upstream), in Date.now() ms. */
  endedAt?: number;
}

/** What the upstream saw of one request: the connection its head came on, its body, and whether it answered. */
interface Arrival {
  connection: number;
  raw: string;
  answered: boolean;
}

/** A Messages upstream's answer: `answer <n> on connection <id>`, n counting the requests that came. */
function answerMessages(_raw: string, res: ServerResponse, n: number, connection: number): void {
  sendJson(res, 200, anthropicMessage(MODEL, `answer ${n} on connection ${connection}`));
}

/**
 * A server that keeps connections open for ever and says nothing about it, answering with `answer`.
 * `onReuse`: what meets a request on a connection that already carried one: an answer, the
 * connection closed (FIN) or reset (RST) as it arrives, as an upstream closing an idle connection
 * does at that moment. `closeEvery`: every request but the first meets that.
 */
function closingUpstream(answer = answerMessages, tls?: {key: string; cert: string}) {
  const connections: Connection[] = [];
  const arrivals: Arrival[] = [];
  const bySocket = new WeakMap<Socket, Connection>();
  const state = {onReuse: 'answer' as 'answer' | 'close' | 'reset', closeEvery: false};
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const connection = bySocket.get(req.socket)!;
    connection.requests++;
    const arrival: Arrival = {connection: connection.id, raw: '', answered: false};
    arrivals.push(arrival);
    if (state.onReuse !== 'answer' && (connection.requests > 1 || (state.closeEvery && arrivals.length > 1))) {
      if (state.onReuse === 'reset') req.socket.resetAndDestroy();
      else req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      arrival.raw = Buffer.concat(chunks).toString('utf8');
      arrival.answered = true;
      answer(arrival.raw, res, arrivals.length, connection.id);
    });
  };
  const server = tls ? createHttpsServer(tls, handle) : createServer(handle);
  // No idle limit and no `Keep-Alive: timeout=` hint: how it closes is up to each test.
  server.keepAliveTimeout = 0;
  // Over TLS a request's socket is the TLS one, which 'secureConnection' gives.
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    const connection: Connection = {id: connections.length + 1, requests: 0};
    connections.push(connection);
    bySocket.set(socket, connection);
    socket.on('end', () => (connection.endedAt = Date.now()));
  });
  const listening = new Promise<FakeUpstream>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
        port,
        requests: [],
        bytesReceived: 0,
        handler: () => {},
        close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
      });
    }),
  );
  return {connections, arrivals, state, listening};
}

/** A Messages request whose one message says `content`: the client's status and answer text. */
async function ask(url: string, content: string): Promise<{status: number; text: string}> {
  const response = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: MODEL, max_tokens: 8, messages: [{role: 'user', content}]}),
  });
  return {status: response.status, text: await response.text()};
}

const answerText = (text: string) => (JSON.parse(text) as {content: {text: string}[]}).content[0]!.text;

describe('over TLS, in the process that took NODE_EXTRA_CA_CERTS over (services/extra-ca-certs.ts)', {skip: testCaSkip}, async () => {
  // A private CA, trusted only through the file taken over: the resend's connection of its own must
  // trust it as the agent's do.
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-tls-upstream-'));
  const ca = testCaSkip ? undefined : makeTestCa(dir);
  takeOverExtraCaCerts({[HANDED_OVER_VARIABLE]: ca?.caFile ?? ''});
  const upstream = closingUpstream(answerMessages, ca?.server);
  const f = testCaSkip ? undefined : await proxyFixture({provider: 'claude', tokens: claudeAccounts('solo'), upstream: await upstream.listening});
  after(async () => {
    delete (globalThis as Record<symbol, unknown>)[HANDED_OVER];
    await f?.close();
    rmSync(dir, {recursive: true, force: true});
  });

  it('the answer comes over the kept connection, and once more over a new one when the upstream closed it', async () => {
    upstream.state.onReuse = 'answer';
    const first = await ask(f!.url, 'first');
    assert.equal(first.status, 200, first.text);
    const opened = upstream.connections.length;
    const before = upstream.arrivals.length;
    upstream.state.onReuse = 'close';
    const second = await ask(f!.url, 'second');
    assert.equal(second.status, 200, second.text);
    // Twice: on the kept connection (closed under it), then resent on one opened for it.
    assert.equal(upstream.arrivals.length - before, 2);
    assert.ok(upstream.arrivals.at(-1)!.connection > opened, 'the second time on a connection opened for it');
  });
});

describe('a lone account whose upstream closes a kept-alive connection as it is reused', async () => {
  const upstream = closingUpstream();
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('solo'), upstream: await upstream.listening});
  after(() => f.close());

  for (const close of ['close', 'reset'] as const) {
    it(`the client gets the upstream's answer, sent once more over a new connection (${close === 'close' ? 'FIN' : 'RST'})`, async () => {
      upstream.state.onReuse = 'answer';
      const first = await ask(f.url, 'first');
      assert.equal(first.status, 200, first.text);
      const before = upstream.arrivals.length;
      const opened = upstream.connections.length;
      upstream.state.onReuse = close;
      const second = await ask(f.url, 'second');
      assert.equal(second.status, 200, second.text);
      const arrivals = upstream.arrivals.slice(before);
      assert.equal(arrivals.length, 2, 'the request came twice: on the kept connection, then on a new one');
      assert.equal(arrivals[0]!.answered, false);
      assert.equal((JSON.parse(arrivals[1]!.raw) as {messages: {content: string}[]}).messages[0]!.content, 'second');
      assert.ok(arrivals[1]!.connection > opened, 'the second time on a connection opened for it');
      assert.equal(answerText(second.text), `answer ${before + 2} on connection ${arrivals[1]!.connection}`);
    });
  }

  it('a request that meets a closed connection again on the new one gets the 502: never sent a third time', async () => {
    upstream.state.onReuse = 'answer';
    assert.equal((await ask(f.url, 'warm')).status, 200);
    const before = upstream.arrivals.length;
    upstream.state.onReuse = 'close';
    upstream.state.closeEvery = true;
    try {
      const got = await ask(f.url, 'doomed');
      assert.equal(got.status, 502, got.text);
      assert.match(got.text, /cannot reach 127\.0\.0\.1:\d+: connection reset/);
      assert.equal(upstream.arrivals.length - before, 2);
    } finally {
      upstream.state.closeEvery = false;
    }
  });

  it('a streamed body is not sent again: the client gets the 502, the upstream saw it once', {timeout: 15_000}, async () => {
    upstream.state.onReuse = 'answer';
    assert.equal((await ask(f.url, 'warm')).status, 200);
    const before = upstream.arrivals.length;
    upstream.state.onReuse = 'close';
    // Over 4 MB: the proxy sends it upstream as it comes, and does not keep it.
    const got = await ask(f.url, 'y'.repeat(6 * 1024 * 1024));
    assert.equal(got.status, 502, got.text);
    assert.equal(upstream.arrivals.length - before, 1, 'the upstream saw the streamed request once');
    // The next small request is served (over a new connection: the reused one was closed).
    upstream.state.onReuse = 'answer';
    assert.equal((await askMessages(f)).status, 200);
  });
});

describe('upstream connections the proxy has not used for its idle limit', async () => {
  const IDLE = {ms: 300, checkEveryMs: 50};
  const upstream = closingUpstream();
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('solo'), upstream: await upstream.listening, freeSocketIdle: IDLE});
  after(() => f.close());

  it('are closed by the proxy after the limit, not before; the next request opens a new one', {timeout: 20_000}, async () => {
    const answered = Date.now();
    assert.equal((await ask(f.url, 'first')).status, 200);
    const connection = upstream.connections.at(-1)!;
    await waitFor(() => connection.endedAt !== undefined, 'the proxy to close the idle upstream connection', 10_000);
    assert.ok(connection.endedAt! - answered >= IDLE.ms, `closed ${connection.endedAt! - answered} ms after the answer`);
    const next = await ask(f.url, 'next');
    assert.equal(next.status, 200, next.text);
    assert.equal(upstream.arrivals.at(-1)!.connection, connection.id + 1);
  });

  it('a connection kept busy stays open past the limit', {timeout: 20_000}, async () => {
    const before = upstream.arrivals.length;
    const started = Date.now();
    while (Date.now() - started < 3 * IDLE.ms) assert.equal((await ask(f.url, 'busy')).status, 200);
    const used = new Set(upstream.arrivals.slice(before).map((a) => a.connection));
    assert.equal(used.size, 1, 'one connection for all of them');
    assert.equal(upstream.connections[[...used][0]! - 1]!.endedAt, undefined);
  });
});

describe('a refresh whose kept-alive connection the token endpoint closes as it is reused', async () => {
  // The token endpoint answers a grant per refresh, and closes a connection that carried one already.
  const tokens = closingUpstream((_raw, res, n) => sendJson(res, 200, {access_token: `granted-${n}-0123456789abcdef`, refresh_token: `rotated-${n}-0123456789abcdef`, token_type: 'Bearer', expires_in: 3600}));
  const tokenServer = await tokens.listening;
  after(() => tokenServer.close());
  tokens.state.onReuse = 'close';
  // Both accounts expired a minute ago: each is refreshed before it is used.
  const expired = () => ({expired: new Date(Date.now() - 60_000).toISOString()});
  const upstream = await startFakeUpstream();
  const f = await proxyFixture({
    provider: 'claude',
    tokens: accountTokens('claude', ['a@example.com', 'b@example.com'], expired),
    upstream,
    endpoints: {claude: {api: upstream.url, token: `${tokenServer.url}/oauth/token`}},
  });
  after(() => f.close());

  it('is not sent again: the token endpoint gets the second refresh token once', async () => {
    // The first account's answer is a rate limit: the request moves to the second, whose refresh
    // goes over the connection the first refresh left open.
    f.upstream.handler = (_req, res) => sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'slow down'}});
    const got = await ask(f.url, 'moves on');
    assert.equal(got.status, 429, got.text);
    // The first refresh answered; the second met the close and was not sent again, on any connection.
    assert.deepEqual(tokens.arrivals.map((a) => a.answered), [true, false]);
    assert.equal(tokens.arrivals[1]!.connection, tokens.arrivals[0]!.connection, 'the second came on the kept connection');
  });
});
