// An upstream server error (500, 502, 504, a reset) is the provider's transient fault, not the
// account's: the request moves on to another account when one can serve, and no account is parked
// for a minute on one 5xx. The same complaint as CLIProxyAPI's "after a 500 Unknown Error,
// immediately No Auth Available": before, one 500 cooled a lone account for 60 s and every next
// request got the proxy's own 429 "every account is cooling down (upstream error 500)". A streamed
// (≥ 4 MB) body meeting a 500 is in abuse.test.ts, beside the other large-body cases.
import assert from 'node:assert/strict';
import type {ServerResponse} from 'node:http';
import {after, describe, it} from 'node:test';
import OpenAI from 'openai';
import {describeEvent} from '../../source/services/proxy/ipc.js';
import {anthropicStreamEvents, answerByProtocol, sendJson, type UpstreamHandler} from '../helpers/fake-upstreams.js';
import {API_KEY, claudeAccounts, proxyFixture, type ProxyFixture} from './fixture.js';

const bearerA = 'Bearer at-a@example.com-0123456789abcdef';
const bearerB = 'Bearer at-b@example.com-0123456789abcdef';

/** A Messages request through the proxy: status, Retry-After and body text. */
async function ask(f: ProxyFixture, body: Record<string, unknown> = {}): Promise<{status: number; retryAfter: string | null; text: string}> {
  const response = await fetch(`${f.url}/v1/messages`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}], ...body}),
  });
  return {status: response.status, retryAfter: response.headers.get('retry-after'), text: await response.text()};
}

/** An Anthropic-shaped server error whose message echoes the token the upstream was sent (as some do). */
const serverError = (status: number): UpstreamHandler => (req, res) =>
  sendJson(res, status, {type: 'error', error: {type: 'api_error', message: `Internal server error for ${String(req.headers.authorization)}`}});

/**
 * An account out of quota for an hour, said in the body (codex's `usage_limit_reached`): not in
 * headers, whose quota windows the proxy writes to the quota cache while a fixture may be closing.
 */
const outOfQuota = (res: ServerResponse) => sendJson(res, 429, {error: {type: 'usage_limit_reached', message: 'limit reached', resets_in_seconds: 3600}});

/** Which account each upstream request since `before` was sent with. */
const sentWith = (f: ProxyFixture, before: number) => f.upstream.requests.slice(before).map((r) => String(r.headers.authorization));

/**
 * Three requests whose try on account a fails (a pool of a and b, a asked first): the first two are
 * served by b; the first parks nothing, the second puts a last for 2 s (`reason`, a pattern, in
 * status and the failover line); the third goes to b alone.
 */
async function secondInARowTriesLast(f: ProxyFixture, reason: string): Promise<void> {
  let before = f.upstream.requests.length;
  assert.equal((await ask(f)).status, 200);
  assert.deepEqual(sentWith(f, before), [bearerA, bearerB]);
  assert.deepEqual(f.proxy.status().cooling, []);

  before = f.upstream.requests.length;
  const asked = Date.now();
  assert.equal((await ask(f)).status, 200);
  assert.deepEqual(sentWith(f, before), [bearerA, bearerB]);
  const cooling = f.proxy.status().cooling;
  assert.equal(cooling.length, 1, JSON.stringify(cooling));
  assert.equal(cooling[0]!.account, 'a@example.com');
  assert.match(cooling[0]!.reason, new RegExp(`^${reason}$`));
  assert.equal(cooling[0]!.triedLast, true, 'status says the account is only passed over');
  const left = Date.parse(cooling[0]!.until) - asked;
  assert.ok(left > 1000 && left <= 2000 + (Date.now() - asked), `backs off 2 s, not a minute (${left} ms)`);
  const event = f.events.filter((e) => e.type === 'failover').at(-1)!;
  assert.match(describeEvent(event), new RegExp(`^claude/a@example\\.com tried last for [12]s \\(until [^)]+\\), still serves when no other account can: ${reason}$`));

  before = f.upstream.requests.length;
  assert.equal((await ask(f)).status, 200);
  assert.deepEqual(sentWith(f, before), [bearerB], 'the backed-off account is passed over');
}

describe('a lone account and one upstream 5xx', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a')});
  after(() => f.close());

  for (const status of [500, 502, 504]) {
    it(`${status}: the client gets the upstream's error at once (masked), and the next request is served`, async () => {
      f.upstream.handler = serverError(status);
      const failed = await ask(f);
      assert.equal(failed.status, status);
      assert.match(failed.text, /Internal server error for /, "the upstream's own words");
      assert.ok(!failed.text.includes('at-a@example.com-0123456789abcdef'), `the echoed token is masked: ${failed.text}`);
      assert.doesNotMatch(failed.text, /cooling/);
      assert.deepEqual(f.proxy.status().cooling, [], 'one 5xx parks nothing');
      f.upstream.handler = (req, res) => answerByProtocol(req, res);
      const before = f.upstream.requests.length;
      const next = await ask(f);
      assert.equal(next.status, 200, `not the proxy's 429: ${next.text}`);
      assert.match(next.text, /Hello from upstream/);
      assert.deepEqual(sentWith(f, before), [bearerA]);
    });
  }

  it("an OpenAI Chat client gets the upstream's 500 in its own protocol's shape, then its answer", async () => {
    f.upstream.handler = serverError(500);
    const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const create = () => openai.chat.completions.create({model: 'claude-opus-4-6', messages: [{role: 'user', content: 'hi'}]});
    await assert.rejects(create(), (error: unknown) => error instanceof OpenAI.InternalServerError && /Internal server error for/.test(error.message) && !error.message.includes('0123456789abcdef'));
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    assert.equal((await create()).choices[0]?.message.content, 'Hello from upstream');
  });

  it("a 429: the client gets the upstream's answer (masked, its Retry-After), counted as forwarded; the account cools and the next request gets the proxy's 429 without reaching the upstream", async () => {
    f.upstream.handler = (req, res) => sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: `slow down, ${String(req.headers.authorization)}`}}, {'retry-after': '1'});
    const counted = f.proxy.status();
    const limited = await ask(f);
    assert.equal(limited.status, 429);
    assert.match(limited.text, /slow down, Bearer /, "the upstream's own words");
    assert.ok(!limited.text.includes('at-a@example.com-0123456789abcdef'), `the echoed token is masked: ${limited.text}`);
    assert.doesNotMatch(limited.text, /every account is cooling down/);
    assert.equal(limited.retryAfter, '1', "the upstream's Retry-After");
    const after429 = f.proxy.status();
    assert.equal(after429.totalRequests, counted.totalRequests + 1, 'counted as an upstream answer');
    assert.equal(after429.refusedRequests, counted.refusedRequests, 'not as refused by the proxy');
    const line = f.events.filter((e) => e.type === 'request').at(-1)!;
    assert.match(describeEvent(line), /→ claude\/a@example\.com 429 \d+ ms$/);
    const before = f.upstream.requests.length;
    const again = await ask(f);
    assert.equal(again.status, 429);
    assert.match(again.text, /a@example\.com, the only account that can serve now, is cooling down \(rate limited\)/);
    assert.equal(f.upstream.requests.length, before, 'the cooling account is not asked');
    assert.equal(f.proxy.status().cooling[0]?.reason, 'rate limited');
    assert.equal(f.proxy.status().refusedRequests, counted.refusedRequests + 1, "the proxy's own 429 is a refusal");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    assert.equal((await ask(f)).status, 200, 'served once the 1 s backoff is over');
  });

  it("a 429 to a translated (OpenAI Chat) client: the upstream's error in OpenAI's shape, with its Retry-After", async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'slow down'}}, {'retry-after': '3'});
    const response = await fetch(`${f.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'},
      body: JSON.stringify({model: 'claude-opus-4-6', messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '3');
    const body = (await response.json()) as {error: {message: string}};
    assert.match(body.error.message, /slow down/);
    assert.doesNotMatch(body.error.message, /every account is cooling down/);
  });
});

describe('a pool of two and one upstream 5xx', async () => {
  const f = await proxyFixture({provider: 'claude', strategy: 'fill-first', tokens: claudeAccounts('a', 'b')});
  after(() => f.close());
  const failovers = () => f.events.filter((e) => e.type === 'failover');
  /** The first upstream request from now on is answered by `first`, the others normally. */
  const firstOnly = (first: UpstreamHandler) => {
    let n = 0;
    f.upstream.handler = (req, res, incoming) => (n++ === 0 ? first(req, res, incoming) : answerByProtocol(req, res));
  };

  for (const [name, first] of [
    ['500', serverError(500)],
    ['502', serverError(502)],
    ['504', serverError(504)],
    ['a reset connection', ((_req, res) => void res.socket?.destroy()) as UpstreamHandler],
  ] as const) {
    it(`${name}: the request moves on to the other account and the client gets its 200; nothing is parked`, async () => {
      firstOnly(first);
      const before = f.upstream.requests.length;
      const eventsBefore = failovers().length;
      const served = await ask(f);
      assert.equal(served.status, 200, served.text);
      assert.match(served.text, /Hello from upstream/);
      const sent = sentWith(f, before);
      assert.equal(sent.length, 2);
      assert.notEqual(sent[0], sent[1], 'the second try used the other account');
      assert.deepEqual(f.proxy.status().cooling, [], 'the failing account is not parked');
      for (const event of failovers().slice(eventsBefore)) assert.equal(event.type === 'failover' && event.until, undefined, describeEvent(event));
    });
  }

  it('a 500 from both: the last 500 reaches the client, never the proxy\'s 429, and both serve the next request', async () => {
    f.upstream.handler = serverError(500);
    for (let i = 0; i < 2; i++) {
      const before = f.upstream.requests.length;
      const failed = await ask(f);
      assert.equal(failed.status, 500, `request ${i + 1}: ${failed.text}`);
      assert.match(failed.text, /Internal server error/);
      assert.equal(new Set(sentWith(f, before)).size, 2, `request ${i + 1} tried each account`);
    }
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    assert.equal((await ask(f)).status, 200);
  });

  it('a 500 on one account and a quota answer on the other: the client gets the 500, not "every account is cooling down"', async () => {
    let n = 0;
    f.upstream.handler = (req, res, incoming) =>
      n++ === 0
        ? serverError(500)(req, res, incoming)
        : outOfQuota(res);
    const failed = await ask(f);
    assert.equal(failed.status, 500, failed.text);
    assert.equal(n, 2);
    const cooling = f.proxy.status().cooling;
    assert.equal(cooling.length, 1, 'only the account out of quota cools');
    assert.equal(cooling[0]!.reason, 'usage limit reached');
    // The account that answered 500 serves the next request at once.
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    const before = f.upstream.requests.length;
    assert.equal((await ask(f)).status, 200);
    assert.equal(sentWith(f, before).length, 1);
  });
});

describe('an unreachable upstream on one account and a quota answer on the other', async () => {
  const f = await proxyFixture({provider: 'claude', strategy: 'fill-first', tokens: claudeAccounts('a', 'b')});
  after(() => f.close());

  it('the client gets the 502 naming the cause, not "every account is cooling down" for an hour', async () => {
    let n = 0;
    f.upstream.handler = (_req, res) =>
      n++ === 0
        ? void res.socket?.destroy()
        : outOfQuota(res);
    const failed = await ask(f);
    assert.equal(failed.status, 502, failed.text);
    assert.match(failed.text, /cannot reach 127\.0\.0\.1:\d+/);
    assert.equal(n, 2, 'both accounts were tried');
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    assert.equal((await ask(f)).status, 200, 'the account that could not reach the upstream serves the next request');
  });
});

describe('repeated 5xx from one account: a short, growing "tried last" backoff', async () => {
  /** The proxy's clock: the real one until a test holds it (`held`), so no request is late for a backoff under load. */
  let held: number | undefined;
  // most-headroom without quota data keeps pool order: account a is asked first every time.
  const f = await proxyFixture({provider: 'claude', strategy: 'most-headroom', tokens: claudeAccounts('a', 'b'), now: () => held ?? Date.now()});
  after(() => f.close());
  const failing = new Set<string>([bearerA]);
  const quotaOut = new Set<string>();
  f.upstream.handler = (req, res, incoming) => {
    const bearer = String(req.headers.authorization);
    if (failing.has(bearer)) return serverError(500)(req, res, incoming);
    if (quotaOut.has(bearer)) {
      return outOfQuota(res);
    }
    return answerByProtocol(req, res);
  };

  it('the first 500 parks nothing; the second backs the account off for 2 s, passed over while the other serves', () =>
    secondInARowTriesLast(f, 'upstream error 500, 2 in a row'));

  it('when no other account can serve, the backed-off account is still tried, and a success ends its backoff', async () => {
    quotaOut.add(bearerB);
    failing.delete(bearerA);
    const before = f.upstream.requests.length;
    const served = await ask(f);
    assert.equal(served.status, 200, served.text);
    assert.deepEqual(sentWith(f, before), [bearerB, bearerA]);
    assert.deepEqual(f.proxy.status().cooling.map((c) => [c.account, c.reason]), [['b@example.com', 'usage limit reached']], "a's backoff is over");
  });

  it('a lone usable account that keeps failing answers every request with the upstream\'s 500; requests during its backoff leave it as it was, the next one after it doubles it', async () => {
    failing.add(bearerA);
    const backoffOfA = () => f.proxy.status().cooling.find((c) => c.account === 'a@example.com');
    const failOnce = async (i: number) => {
      const before = f.upstream.requests.length;
      const failed = await ask(f);
      assert.equal(failed.status, 500, `request ${i}: ${failed.text}`);
      assert.deepEqual(sentWith(f, before), [bearerA], `request ${i} reached the upstream`);
    };
    held = Date.now();
    await failOnce(1);
    assert.equal(backoffOfA(), undefined, 'the first parks nothing');
    await failOnce(2);
    const second = backoffOfA()!;
    assert.equal(second.reason, 'upstream error 500, 2 in a row');
    const lines = f.events.length;
    assert.equal(Date.parse(second.until) - held, 2000);
    // Sent one after another while that backoff runs (a client retrying at once): the same outage.
    for (let i = 3; i <= 5; i++) {
      held += 100;
      await failOnce(i);
      assert.deepEqual(backoffOfA() && [backoffOfA()!.reason, backoffOfA()!.until], [second.reason, second.until], `request ${i}: the backoff stands as it was`);
    }
    assert.deepEqual(f.events.slice(lines).filter((e) => e.type === 'failover' && e.until !== undefined), [], 'and no line says it changed');
    // Once it ended, the next failure is the third in a row: 4 s.
    held = Date.parse(second.until) + 1;
    assert.equal(backoffOfA(), undefined);
    await failOnce(6);
    const third = backoffOfA()!;
    assert.equal(third.reason, 'upstream error 500, 3 in a row');
    assert.equal(Date.parse(third.until) - held, 4000);
    held = undefined;
    failing.delete(bearerA);
    assert.equal((await ask(f)).status, 200);
    assert.equal(f.proxy.status().cooling.find((c) => c.account === 'a@example.com'), undefined);
  });
});

describe('one account served (--account) and a 500', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a', 'b'), serve: {account: 'a@example.com'}});
  after(() => f.close());

  it('passes the 500 through after one upstream request, and the next request is served by the same account', async () => {
    f.upstream.handler = serverError(500);
    let before = f.upstream.requests.length;
    assert.equal((await ask(f)).status, 500);
    assert.deepEqual(sentWith(f, before), [bearerA]);
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    before = f.upstream.requests.length;
    assert.equal((await ask(f)).status, 200);
    assert.deepEqual(sentWith(f, before), [bearerA]);
  });
});

describe('a streamed answer that breaks after its head was sent (no account can take over then)', async () => {
  const f = await proxyFixture({provider: 'claude', strategy: 'fill-first', tokens: claudeAccounts('a', 'b')});
  after(() => f.close());
  const events = anthropicStreamEvents('claude-opus-4-6', ['Hello', ' from', ' upstream']);
  /** Two SSE events, then the upstream's connection is cut. */
  const breakMidStream: UpstreamHandler = async (_req, res) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.write(events[0]);
    res.write(events[1]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    res.socket?.destroy();
  };

  /** The request's log line says the answer broke, in the words of the last error, which names the account. */
  const assertLoggedBroken = () => {
    const line = describeEvent(f.events.filter((e) => e.type === 'request').at(-1)!);
    const lastError = f.proxy.status().lastError?.message ?? '';
    const reason = /^claude\/([ab]@example\.com): (upstream stream broke: .+)$/.exec(lastError);
    assert.ok(reason, lastError);
    assert.ok(line.endsWith(`→ claude/${reason[1]} 200 ${/ (\d+) ms,/.exec(line)?.[1]} ms, then ${reason[2]}`), `${line} | ${lastError}`);
  };

  it('a pass-through client gets the events sent so far, then a cut connection (not a hang); nothing is parked', async () => {
    f.upstream.handler = breakMidStream;
    const before = f.upstream.requests.length;
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, stream: true, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    await assert.rejects(
      (async () => {
        for (;;) {
          const {done, value} = await reader.read();
          if (done) return;
          text += decoder.decode(value, {stream: true});
        }
      })(),
      'the client sees the answer broken off, not a complete one',
    );
    assert.match(text, /message_start/);
    assert.equal(f.upstream.requests.length, before + 1, 'not sent again: the client already has part of an answer');
    assertLoggedBroken();
    assert.deepEqual(f.proxy.status().cooling, []);
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    assert.equal((await ask(f)).status, 200);
  });

  it('a translated (OpenAI Chat) streaming client gets an error event at the break; nothing is parked', async () => {
    f.upstream.handler = breakMidStream;
    const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const stream = await openai.chat.completions.create({model: 'claude-opus-4-6', stream: true, messages: [{role: 'user', content: 'hi'}]});
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
      (error: unknown) => /upstream stream broke/.test(String((error as Error).message)),
    );
    assert.equal(text, 'Hello');
    assertLoggedBroken();
    assert.deepEqual(f.proxy.status().cooling, []);
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    assert.equal((await ask(f)).status, 200);
  });
});

describe('an unreachable upstream in a row counts as server errors in a row do', async () => {
  // most-headroom without quota data keeps pool order: account a is asked first every time.
  const f = await proxyFixture({provider: 'claude', strategy: 'most-headroom', tokens: claudeAccounts('a', 'b')});
  after(() => f.close());
  /** Requests with these bearers get their connection reset before any answer. */
  const unreachable = new Set<string>([bearerA]);
  f.upstream.handler = (req, res) => (unreachable.has(String(req.headers.authorization)) ? void res.socket?.destroy() : answerByProtocol(req, res));

  it('the first reset parks nothing; the second puts the account last for 2 s, said in status and the log', () =>
    secondInARowTriesLast(f, 'cannot reach 127\\.0\\.0\\.1:\\d+: .+, 2 in a row'));

  it('a success ends it', async () => {
    unreachable.clear();
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const before = f.upstream.requests.length;
    assert.equal((await ask(f)).status, 200);
    assert.deepEqual(sentWith(f, before), [bearerA]);
    assert.deepEqual(f.proxy.status().cooling, []);
  });
});

describe('a burst of requests one after another into an unreachable upstream (a client retrying at once)', async () => {
  /** The proxy's clock, held still: the whole burst falls within the first backoff however loaded the machine is. */
  const held = Date.now();
  const f = await proxyFixture({provider: 'claude', strategy: 'round-robin', tokens: claudeAccounts('a', 'b', 'c'), now: () => held});
  after(() => f.close());

  it('puts each account last once for 2 s ("2 in a row"), not for 30 s; each of the twelve gets the 502 naming the cause', async () => {
    f.upstream.handler = (_req, res) => void res.socket?.destroy();
    for (let i = 0; i < 12; i++) {
      const failed = await ask(f);
      assert.equal(failed.status, 502, `request ${i + 1}: ${failed.text}`);
      assert.match(failed.text, /cannot reach 127\.0\.0\.1:\d+/);
    }
    const cooling = f.proxy.status().cooling;
    assert.deepEqual(cooling.map((c) => c.account).sort(), ['a@example.com', 'b@example.com', 'c@example.com']);
    for (const c of cooling) {
      assert.match(c.reason, /^cannot reach 127\.0\.0\.1:\d+: .+, 2 in a row$/);
      assert.equal(Date.parse(c.until) - held, 2000, `${c.account}: the first backoff, not doubled per request`);
    }
    const backoffLines = f.events.filter((e) => e.type === 'failover' && e.until !== undefined);
    assert.equal(backoffLines.length, 3, backoffLines.map((e) => describeEvent(e, held)).join('\n'));
  });
});

describe('a lone account whose upstream cannot be reached', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a')});
  after(() => f.close());

  it('every request still goes upstream and gets the 502 naming the cause; no "tried last" line or status (nothing to try first); a success serves', async () => {
    f.upstream.handler = (_req, res) => void res.socket?.destroy();
    const before = f.events.length;
    for (let i = 0; i < 5; i++) {
      const sent = f.upstream.requests.length;
      const failed = await ask(f);
      assert.equal(failed.status, 502, `request ${i + 1}: ${failed.text}`);
      assert.match(failed.text, /cannot reach 127\.0\.0\.1:\d+/);
      assert.deepEqual(sentWith(f, sent), [bearerA], `request ${i + 1} reached the upstream`);
      assert.deepEqual(f.proxy.status().cooling, [], `request ${i + 1}: a lone account is not listed as waiting`);
    }
    const lines = f.events.slice(before).map((e) => describeEvent(e));
    assert.deepEqual(lines.filter((line) => /tried last/.test(line)), [], 'no line describing a change that changes nothing');
    assert.equal(lines.filter((line) => /→ claude\/a@example\.com 502 /.test(line)).length, 5, lines.join('\n'));
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
    assert.equal((await ask(f)).status, 200);
    assert.deepEqual(f.proxy.status().cooling, []);
  });
});
