// A translated upstream's 200 whose first event past the message's start is a rate or quota limit
// (Codex's `response.failed` after its `response.created`, Anthropic's `event: error`, a Chat
// stream's `{error}` chunk, Google's RESOURCE_EXHAUSTED) is that account's 429, met before the client
// got a byte: the account cools for the wait the upstream names and the request moves to the pool's
// next account, as for a 429 status. Before, the client got the 429 though another account could
// serve, and the account was counted a success (its rate-limit streak never grew). A limit met after
// the answer began, and an error of any other kind (the request's own fault, maybe), are answered,
// never sent again; but a limit that ends a stream already begun (translated, or passed through as
// Claude Code on Claude and Codex CLI on Codex get it) still cools the account, so the client's
// retry and the requests after it go to another account.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {startFakeInference} from '../helpers/fake-inference/server.js';
import type {UpstreamHandler} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';
import {accountOf, twoAccountPool, type PoolProvider} from './two-account-pool.js';

/** Each upstream protocol's error as the first event of its 200 stream (Codex's after its `response.created`, which `prelude` gives alone). */
const firstEventError: Record<string, (code: string, extra?: Record<string, unknown>) => string> = {
  codex: (code, extra) => `event: response.failed\ndata: ${JSON.stringify({type: 'response.failed', response: {id: 'r1', status: 'failed', error: {code, message: `Rate limit reached: ${code}`, ...extra}}})}\n\n`,
  claude: (code, extra) => `event: error\ndata: ${JSON.stringify({type: 'error', error: {type: code, message: `Limited: ${code}`, ...extra}})}\n\n`,
  qwen: (code, extra) => `data: ${JSON.stringify({error: {message: `Limited: ${code}`, type: code, code, ...extra}})}\n\n`,
  gemini: (code, extra) => `data: ${JSON.stringify({error: {code: 429, message: `Limited: ${code}`, status: code, ...extra}})}\n\n`,
};

/** What each upstream sends before its answer's first word: Codex its `response.created` and `response.in_progress`, Anthropic its `message_start`, Chat its role chunk. */
const prelude: Record<string, string> = {
  codex:
    `event: response.created\ndata: ${JSON.stringify({type: 'response.created', response: {id: 'r1', status: 'in_progress', output: []}})}\n\n` +
    `event: response.in_progress\ndata: ${JSON.stringify({type: 'response.in_progress', response: {id: 'r1', status: 'in_progress', output: []}})}\n\n`,
  claude: `event: message_start\ndata: ${JSON.stringify({type: 'message_start', message: {id: 'm1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, usage: {input_tokens: 1, output_tokens: 0}}})}\n\n`,
  qwen: `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', model: 'qwen3-coder-plus', choices: [{index: 0, delta: {role: 'assistant', content: ''}, finish_reason: null}]})}\n\n`,
  gemini: '',
};

/** twoAccountPool, with ways for account a to answer with a limit. */
async function pool(provider: PoolProvider, options: {now?: () => number; accessToken?: string} = {}) {
  const {f, upstream, inner, tried} = await twoAccountPool(provider, options);
  /**
   * `who` (default `a`) answers its 200 with the provider's prelude, then, 50 ms later (its own
   * read), the error of `code` (with `extra` fields in its error object); every request's account
   * is noted in `tried`.
   */
  const limitA = (code: string, extra?: Record<string, unknown>, who?: (account: string) => boolean) => limitAWith(firstEventError[provider]!(code, extra), who);
  /** As limitA, with `event` (the upstream's bytes) for the error. */
  const limitAWith = (event: string, who: (account: string) => boolean = (account) => account === 'a') => {
    upstream.handler = (req, res, incoming) => {
      const account = accountOf(req);
      tried.push(account);
      if (!who(account)) return inner(req, res, incoming);
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(prelude[provider]!);
      setTimeout(() => res.end(event), 50);
    };
  };
  /**
   * `who` (default `a`) answers its 200 with the provider's prelude and the answer's first words,
   * then, 100 ms later (past the head's wait: the client has its 200 by then), `event`. `whole`:
   * the whole stream in one write, with its length (the proxy has it all before it answers).
   */
  const limitAfterBegun = (event: string, options: {whole?: boolean; who?: (account: string) => boolean} = {}) => {
    const who = options.who ?? ((account: string) => account === 'a');
    upstream.handler = (req, res, incoming) => {
      const account = accountOf(req);
      tried.push(account);
      if (!who(account)) return inner(req, res, incoming);
      const begun = prelude[provider]! + firstWords[provider]!;
      if (options.whole) {
        res.writeHead(200, {'content-type': 'text/event-stream', 'content-length': Buffer.byteLength(begun + event)});
        return void res.end(begun + event);
      }
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(begun);
      setTimeout(() => res.end(event), 100);
    };
  };
  return {f, upstream, tried, limitA, limitAWith, limitAfterBegun};
}

/** The answer's first words as each upstream streams them (after its prelude). */
const firstWords: Record<string, string> = {
  codex: `event: response.output_text.delta\ndata: ${JSON.stringify({type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Half an answer'})}\n\n`,
  claude:
    `event: content_block_start\ndata: ${JSON.stringify({type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}})}\n\n` +
    `event: content_block_delta\ndata: ${JSON.stringify({type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: 'Half an answer'}})}\n\n`,
};

const failovers = (f: ProxyFixture) => f.events.filter((e) => e.type === 'failover') as Array<{from: string; reason: string; until?: number}>;

describe('Claude Code → a Codex pool: a `response.failed` rate limit first moves the request to the next account', async () => {
  const {f, tried, limitA} = await pool('codex');
  const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});

  it('the stream is the next account\'s answer, and the limited account cools', async () => {
    limitA('rate_limit_exceeded');
    const message = await client.messages.stream({model: 'gpt-5-codex', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'served by the next account');
    assert.deepEqual(tried, ['a', 'b']);
    assert.deepEqual(failovers(f).map((e) => [e.from, e.reason]), [['a@example.com', 'rate limited']]);
    const logged = f.events.filter((e) => e.type === 'request');
    assert.deepEqual(logged.map((e) => e.type === 'request' && [e.status, e.account]), [[200, 'b@example.com']]);
  });

  it('the next request goes to the other account at once (the limited one is cooling)', async () => {
    tried.length = 0;
    const message = await client.messages.create({model: 'gpt-5-codex', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'served by the next account');
    assert.deepEqual(tried, ['b']);
  });
});

describe('an OpenAI Chat stream client → a Codex pool: the limit after `response.created` moves it on', async () => {
  const {f, tried, limitA} = await pool('codex');
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});

  it('the stream is the next account\'s, its first chunk never the limited account\'s', async () => {
    limitA('rate_limit_exceeded');
    const stream = await client.chat.completions.create({model: 'gpt-5-codex', stream: true, messages: [{role: 'user', content: 'hi'}]});
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'served by the next account');
    assert.deepEqual(tried, ['a', 'b']);
    assert.equal(failovers(f).length, 1);
  });
});

/** The request went from account a to b, and a waits for the 2 h reset its usage limit named (from `sent`, ms). */
function movedOnForTheReset(f: ProxyFixture, tried: string[], sent: number): void {
  assert.deepEqual(tried, ['a', 'b']);
  const [event] = failovers(f);
  assert.equal(event?.reason, 'usage limit reached');
  const wait = event!.until! - sent;
  assert.ok(wait > 7_100_000 && wait < 7_300_000, `waits ${wait} ms`);
}

/** Codex's usage limit in the stream, in each shape it may take: `response.failed` with a code, or a type alone (as its 429 bodies), or an `error` event with the code inside its `error`. */
const usageLimits: Array<{name: string; event: string}> = [
  {name: '`response.failed`, its code', event: firstEventError.codex!('usage_limit_reached', {type: 'usage_limit_reached', resets_in_seconds: 7200})},
  {name: '`response.failed`, its type alone', event: `event: response.failed\ndata: ${JSON.stringify({type: 'response.failed', response: {id: 'r1', status: 'failed', error: {type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: 'plus', resets_in_seconds: 7200}}})}\n\n`},
  {name: 'an `error` event, its code inside `error`', event: `event: error\ndata: ${JSON.stringify({type: 'error', error: {type: 'usage_limit_reached', code: 'usage_limit_reached', message: 'The usage limit has been reached', resets_in_seconds: 7200}})}\n\n`},
];

for (const shape of usageLimits) describe(`a Codex usage limit in the stream (${shape.name}) names its reset: the account waits that long, as for the 429 status`, async () => {
  const {f, tried, limitAWith} = await pool('codex');
  const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});

  it('cools until the reset it names (2 h), not the 1 s of a rate limit without one', async () => {
    limitAWith(shape.event);
    const sent = Date.now();
    const message = await client.messages.stream({model: 'gpt-5-codex', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'served by the next account');
    movedOnForTheReset(f, tried, sent);
  });
});

describe('Google\'s RESOURCE_EXHAUSTED in the stream names its retryDelay: the account waits that long', async () => {
  const {f, tried, limitA} = await pool('gemini');
  const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});

  it('the next account answers, and the limited one cools for the 90 s Google named', async () => {
    limitA('RESOURCE_EXHAUSTED', {details: [{'@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '90s'}]});
    const sent = Date.now();
    const message = await client.messages.stream({model: 'gemini-2.5-pro', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'served by the next account');
    assert.deepEqual(tried, ['a', 'b']);
    const [event] = failovers(f);
    const wait = event!.until! - sent;
    assert.ok(wait > 85_000 && wait < 95_000, `waits ${wait} ms (${event?.reason})`);
  });
});

describe('an error of no known kind in the first event is the client\'s: sent to no other account, backing none off', async () => {
  const {f, tried, limitA} = await pool('codex');
  const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});

  it('each request reaches one account once, and the client gets the error', async () => {
    limitA('image_too_large', undefined, () => true);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(client.messages.create({model: 'gpt-5-codex', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}), (error: unknown) => error instanceof Anthropic.APIError && error.status === 502 && /image_too_large/.test(error.message));
    }
    assert.deepEqual(tried, ['a', 'a']);
    assert.equal(failovers(f).length, 0);
  });
});

describe('the first event\'s error text in the proxy\'s log: credentials masked', async () => {
  const {f, limitA} = await pool('claude');
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
  const foreignKey = `sk-ant-api03-${'Q'.repeat(40)}`;

  it('an account token and a credential-shaped key echoed in it are masked in the error event and the answer', async () => {
    limitA('invalid_request_error', {message: `bad request for at-a@example.com-0123456789abcdef with ${foreignKey}`});
    const before = f.events.length;
    await assert.rejects(client.chat.completions.create({model: 'claude-sonnet-4-5', messages: [{role: 'user', content: 'hi'}]}), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.doesNotMatch(error.message, /0123456789abcdef|Q{20}/);
      return true;
    });
    const logged = JSON.stringify(f.events.slice(before));
    assert.match(logged, /bad request for/);
    assert.doesNotMatch(logged, /0123456789abcdef|Q{20}/);
  });
});

describe('an OpenAI client (no stream) → a Claude pool: an `event: error` rate limit first moves it on', async () => {
  const {f, tried, limitA} = await pool('claude');
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});

  it('the completion is the next account\'s', async () => {
    limitA('rate_limit_error');
    const completion = await client.chat.completions.create({model: 'claude-sonnet-4-5', messages: [{role: 'user', content: 'hi'}]});
    assert.equal(completion.choices[0]?.message.content, 'served by the next account');
    assert.deepEqual(tried, ['a', 'b']);
    assert.equal(failovers(f).length, 1);
  });
});

describe('Codex CLI (Responses, stream) → a Qwen pool: a quota error chunk first moves it on', async () => {
  const {f, tried, limitA} = await pool('qwen');
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});

  it('the stream is the next account\'s answer', async () => {
    limitA('insufficient_quota');
    const stream = await client.responses.create({model: 'qwen3-coder-plus', input: 'hi', stream: true});
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    assert.equal(text, 'served by the next account');
    assert.deepEqual(tried, ['a', 'b']);
    assert.deepEqual(failovers(f).map((e) => e.reason), ['insufficient quota']);
  });
});

// Codex's backend answers only streams: a Responses client that asked for none is answered with the
// stream collected whole (collect.ts), so a failure anywhere in it is met before a byte is sent.
describe('a Responses client (no stream) → a Codex pool, passed through and collected: a `response.failed` limit moves it on', async () => {
  const {f, tried, limitA, upstream} = await pool('codex');
  const inner = upstream.handler;
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/codex/v1`, maxRetries: 0});

  it("the Response is the next account's, and only its answer is logged", async () => {
    limitA('rate_limit_exceeded');
    const response = await client.responses.create({model: 'gpt-5-codex', input: 'hi'});
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, 'served by the next account');
    assert.deepEqual(tried, ['a', 'b']);
    assert.deepEqual(failovers(f).map((e) => [e.from, e.reason]), [['a@example.com', 'rate limited']]);
    assert.deepEqual(f.events.filter((e) => e.type === 'request').map((e) => e.type === 'request' && [e.status, e.account]), [[200, 'b@example.com']]);
  });

  it('the next request goes to the other account at once (the limited one is cooling)', async () => {
    tried.length = 0;
    upstream.handler = (req, res, incoming) => {
      tried.push(accountOf(req));
      return inner(req, res, incoming);
    };
    assert.equal((await client.responses.create({model: 'gpt-5-codex', input: 'hi'})).output_text, 'served by the next account');
    assert.deepEqual(tried, ['b']);
  });

  for (const shape of usageLimits) {
    it(`a usage limit (${shape.name}) cools the account for the reset it names`, async () => {
      const {f, tried, limitAWith} = await pool('codex');
      limitAWith(shape.event);
      const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/codex/v1`, maxRetries: 0});
      const sent = Date.now();
      assert.equal((await client.responses.create({model: 'gpt-5-codex', input: 'hi'})).output_text, 'served by the next account');
      movedOnForTheReset(f, tried, sent);
    });
  }

  it('an overload on every account: each tried once, the client gets a 503 naming it, and none is parked', async () => {
    const {f, tried, limitA} = await pool('codex');
    limitA('server_is_overloaded', undefined, () => true);
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/codex/v1`, maxRetries: 0});
    await assert.rejects(client.responses.create({model: 'gpt-5-codex', input: 'hi'}), (error: unknown) => error instanceof OpenAI.APIError && error.status === 503 && /Rate limit reached: server_is_overloaded/.test(error.message));
    assert.deepEqual([...tried].sort(), ['a', 'b']);
    assert.ok(failovers(f).every((e) => e.until === undefined || e.until - Date.now() < 60_000), JSON.stringify(failovers(f)));
  });

  it("an error of no known kind is the client's: an error status in OpenAI's shape, the request sent to one account once", async () => {
    const {f, tried, limitA} = await pool('codex');
    limitA('image_too_large', undefined, () => true);
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/codex/v1`, maxRetries: 0});
    await assert.rejects(client.responses.create({model: 'gpt-5-codex', input: 'hi'}), (error: unknown) => error instanceof OpenAI.APIError && error.status === 502 && error.code === 'image_too_large' && /Rate limit reached: image_too_large/.test(error.message));
    assert.deepEqual(tried, ['a']);
    assert.equal(failovers(f).length, 0);
    const logged = f.events.filter((e) => e.type === 'request');
    assert.deepEqual(logged.map((e) => e.type === 'request' && [e.status, e.account]), [[502, 'a@example.com']]);
  });
});

describe('a collected Codex stream: what is not a limit', async () => {
  const responses = (f: ProxyFixture) => new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/codex/v1`, maxRetries: 0});

  it("`slow_down` is Codex's word for an overload too: the next account answers, and none is parked", async () => {
    const {f, tried, limitA} = await pool('codex');
    limitA('slow_down');
    assert.equal((await responses(f).responses.create({model: 'gpt-5-codex', input: 'hi'})).output_text, 'served by the next account');
    assert.deepEqual(tried, ['a', 'b']);
    assert.ok(failovers(f).every((e) => e.until === undefined), JSON.stringify(failovers(f)));
  });

  it("a stream that broke off (no terminal event) is the proxy's 502, and no success of the account's: its last use is not written", async () => {
    const {f, limitAWith} = await pool('codex');
    limitAWith(`event: response.output_text.delta\ndata: ${JSON.stringify({type: 'response.output_text.delta', output_index: 0, delta: 'Half'})}\n\n`, () => true);
    await assert.rejects(responses(f).responses.create({model: 'gpt-5-codex', input: 'hi'}), (error: unknown) => error instanceof OpenAI.APIError && error.status === 502 && /upstream stream broke/.test(error.message));
    await f.proxy.close();
    let state = '';
    try {
      state = readFileSync(f.ccs.paths.accountState, 'utf8');
    } catch {
      // No state written at all: no last use either.
    }
    assert.doesNotMatch(state, /"served"/);
  });

  it('a failure message of megabytes is cut, masked and answered with its own status and code (masking it whole failed)', async () => {
    const {f, limitAWith} = await pool('codex');
    const message = `Invalid prompt: ${'sk-'.repeat(3_000_000)} at-a@example.com-0123456789abcdef`;
    limitAWith(`event: error\ndata: ${JSON.stringify({type: 'error', code: 'invalid_prompt', message, param: 'x'.repeat(100_000)})}\n\n`, () => true);
    const answer = await fetch(`${f.url}/api/provider/codex/v1/responses`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify({model: 'gpt-5-codex', input: 'hi'})});
    const text = await answer.text();
    assert.equal(answer.status, 400, text.slice(0, 300));
    assert.ok(text.length < 4000, `${text.length} characters`);
    const {error} = JSON.parse(text) as {error: {message: string; type: string; param: unknown; code: string}};
    assert.deepEqual([error.type, error.param, error.code], ['invalid_request_error', null, 'invalid_prompt']);
    assert.match(error.message, /^the upstream failed: Invalid prompt: /);
    assert.doesNotMatch(text + JSON.stringify(f.events), /0123456789abcdef/);
  });

  it('translated, the same megabytes: Claude Code gets the cut message in its error shape, with the status its code stands for', async () => {
    const {f, limitAWith} = await pool('codex');
    limitAWith(`event: response.failed\ndata: ${JSON.stringify({type: 'response.failed', response: {id: 'r1', status: 'failed', error: {code: 'context_length_exceeded', message: `Too long: ${'sk-'.repeat(3_000_000)} at-a@example.com-0123456789abcdef`}}})}\n\n`, () => true);
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    await assert.rejects(client.messages.stream({model: 'gpt-5-codex', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage(), (error: unknown) => {
      assert.ok(error instanceof Anthropic.BadRequestError, String(error).slice(0, 300));
      assert.ok(error.message.length < 4000, `${error.message.length} characters`);
      assert.match(error.message, /Too long: /);
      assert.doesNotMatch(error.message, /0123456789abcdef/);
      return true;
    });
    assert.doesNotMatch(JSON.stringify(f.events), /0123456789abcdef/);
  });

  it('a lone account limited for a reset it names: the 429 says when (Retry-After), in OpenAI\'s error shape', async () => {
    const upstream = await startFakeInference({script: () => ({text: 'unused'}), project: 'p1'});
    const f = await proxyFixture({provider: 'codex', apiPath: '/backend-api/codex', tokens: [{file: 'codex-a.json', token: oauthToken('codex', 'a@example.com', {account_id: 'acct-a'})}], upstream});
    after(() => f.close());
    upstream.handler = (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.end(prelude.codex! + firstEventError.codex!('usage_limit_reached', {resets_in_seconds: 300}));
    };
    const answer = await fetch(`${f.url}/api/provider/codex/v1/responses`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify({model: 'gpt-5-codex', input: 'hi'})});
    const body = (await answer.json()) as {error: {type: string; code: string}};
    assert.equal(answer.status, 429);
    const wait = Number(answer.headers.get('retry-after'));
    assert.ok(wait > 290 && wait <= 300, `Retry-After ${answer.headers.get('retry-after')}`);
    assert.deepEqual([body.error.type, body.error.code], ['rate_limit_error', 'usage_limit_reached']);
  });
});

// Attack (s44) on the bounded failure: what the bounding must keep, and what no cut may show.
describe('a failure bounded: the wait it names kept, no credential shown at the cut, a deep error object read', async () => {
  const ask = (f: ProxyFixture) => fetch(`${f.url}/api/provider/codex/v1/responses`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify({model: 'gpt-5-codex', input: 'hi'})});

  it("Google's RESOURCE_EXHAUSTED with a long message: the account still cools for the retryDelay in `details`", async () => {
    const {f, tried, limitA} = await pool('gemini');
    // The wait the 21st entry of `details` names, after a large one and 19 small ones, beside a field of 200,000 numbers.
    const help = (i: number) => ({'@type': 'type.googleapis.com/google.rpc.Help', links: [{description: `see ${i}`, url: 'https://ai.google.dev/gemini-api/docs/rate-limits'}]});
    const details = [{'@type': 'type.googleapis.com/google.rpc.Help', links: ['y'.repeat(30_000)]}, ...Array.from({length: 19}, (_, i) => help(i)), {'@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7200s'}];
    limitA('RESOURCE_EXHAUSTED', {message: `Quota exceeded. ${'x'.repeat(20_000)}`, counts: Array.from({length: 200_000}, (_, i) => i), details});
    const sent = Date.now();
    const message = await new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0}).messages.stream({model: 'gemini-2.5-pro', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'served by the next account');
    assert.deepEqual(tried, ['a', 'b']);
    const wait = failovers(f)[0]!.until! - sent;
    assert.ok(wait > 7_100_000 && wait < 7_300_000, `waits ${wait} ms`);
  });

  for (const [name, between] of [['NULs', '\u0000'], ['zero-width spaces', '\u200b'], ['combining marks', '\u0301']] as const) {
    it(`a credential across the 1,000-character cut with ${name} between its letters shows no more than a masked form`, async () => {
      const token = 'sk-TOKENa-0123456789abcdefghijklmnopqrstuvwxyzABCDEF';
      const {f, limitAWith} = await pool('codex', {accessToken: token});
      // The account's own token, and a key of a known shape no account holds: 4 characters at most (sk-T…, sk-p…).
      for (const [secret, tooMuch] of [[token, /sk-TO/], ['sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij0123456789', /sk-proj/]] as const) {
        for (const at of [960, 975, 990, 997]) {
          const message = `${'y'.repeat(at)} ${[...secret].join(between)} and more`;
          limitAWith(`event: error\ndata: ${JSON.stringify({type: 'error', code: 'invalid_prompt', message})}\n\n`, () => true);
          const shown = ((await (await ask(f)).json()) as {error: {message: string}}).error.message.replace(/[\u0000\u200b\u0301]/g, '');
          assert.doesNotMatch(shown, tooMuch, `${name} at ${at}: ${shown.slice(-30)}`);
        }
      }
      assert.doesNotMatch(JSON.stringify(f.events).replace(/\\u0000|\u200b|\u0301/g, ''), /sk-TO|sk-proj/);
    });
  }

  it('a rate limit with no message and an error object nested 200,000 deep moves the pool on (writing it as the message overflowed the stack)', async () => {
    const {f, tried, limitAWith} = await pool('codex');
    limitAWith(`event: error\ndata: {"type":"error","code":"rate_limit_exceeded","extra":${'['.repeat(200_000)}${']'.repeat(200_000)}}\n\n`);
    const message = await new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0}).messages.create({model: 'gpt-5-codex', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'served by the next account');
    assert.deepEqual(tried, ['a', 'b']);
  });

  it('the same on a collected stream, and with a deep `details` beside a message: the client gets the failure, never the stack overflow', async () => {
    const {f, limitAWith} = await pool('codex');
    limitAWith(`event: error\ndata: {"type":"error","code":"invalid_prompt","message":"bad prompt","details":${'['.repeat(9_000)}${']'.repeat(9_000)}}\n\n`, () => true);
    const answer = await ask(f);
    const text = await answer.text();
    assert.equal(answer.status, 400, text.slice(0, 200));
    assert.match(text, /the upstream failed: bad prompt/);
  });
});

describe('half an answer and then a limit, all before the client got a byte: the next account answers whole', async () => {
  const {f, tried, upstream} = await pool('claude');
  const inner = upstream.handler;
  const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});

  it('the client gets the next account\'s whole answer, never the half', async () => {
    upstream.handler = (req, res, incoming) => {
      const who = accountOf(req);
      tried.push(who);
      if (who !== 'a') return inner(req, res, incoming);
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.end(
        `event: message_start\ndata: ${JSON.stringify({type: 'message_start', message: {id: 'm1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, usage: {input_tokens: 1, output_tokens: 0}}})}\n\n` +
          `event: content_block_start\ndata: ${JSON.stringify({type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}})}\n\n` +
          `event: content_block_delta\ndata: ${JSON.stringify({type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: 'Half an'}})}\n\n` +
          firstEventError.claude!('overloaded_error'),
      );
    };
    const stream = await openai.chat.completions.create({model: 'claude-sonnet-4-5', stream: true, messages: [{role: 'user', content: 'hi'}]});
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'served by the next account');
    assert.deepEqual(tried, ['a', 'b']);
  });
});

describe('what is not moved on', async () => {
  const {f, tried, limitA} = await pool('claude');
  const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});

  it("an error that is the client's (a request it refused) is answered, the request sent once", async () => {
    limitA('invalid_request_error');
    await assert.rejects(openai.chat.completions.create({model: 'claude-sonnet-4-5', messages: [{role: 'user', content: 'hi'}]}), (error: unknown) => error instanceof OpenAI.BadRequestError && /Limited: invalid_request_error/.test(error.message));
    assert.deepEqual(tried, ['a']);
    assert.equal(failovers(f).length, 0);
  });

  it('a limit after the answer began is an error event in the 200 stream, not a second answer', async () => {
    tried.length = 0;
    f.upstream.handler = ((req, res) => {
      tried.push(accountOf(req));
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(`event: message_start\ndata: ${JSON.stringify({type: 'message_start', message: {id: 'm1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, usage: {input_tokens: 1, output_tokens: 0}}})}\n\n`);
      res.write(`event: content_block_start\ndata: ${JSON.stringify({type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}})}\n\n`);
      res.write(`event: content_block_delta\ndata: ${JSON.stringify({type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: 'Half an answer'}})}\n\n`);
      // Later than the head's wait for a first byte: the client has its 200 by then.
      setTimeout(() => res.end(firstEventError.claude!('rate_limit_error')), 100);
    }) satisfies UpstreamHandler;
    const response = await fetch(`${f.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'},
      body: JSON.stringify({model: 'claude-sonnet-4-5', stream: true, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /Half an answer/);
    assert.match(text, /Limited: rate_limit_error/);
    assert.equal(tried.length, 1);
  });
});

describe('a lone account limited in its first event, again and again: its wait grows as for 429 statuses', async () => {
  let clock = Date.now();
  const upstream = await startFakeInference({script: () => ({text: 'never'})});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'a@example.com')}], upstream, now: () => clock});
  after(() => f.close());
  upstream.handler = ((_req, res) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.end(firstEventError.claude!('rate_limit_error'));
  }) satisfies UpstreamHandler;
  const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});

  it('each wait is longer than the one before (the 200 was never counted a success)', async () => {
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = failovers(f).length;
      await assert.rejects(openai.chat.completions.create({model: 'claude-sonnet-4-5', messages: [{role: 'user', content: 'hi'}]}), (error: unknown) => error instanceof OpenAI.RateLimitError);
      const event = failovers(f)[before];
      assert.ok(event?.until !== undefined, JSON.stringify(f.events.slice(-3)));
      waits.push(event.until - clock);
      // Past the wait: the next request reaches the upstream again.
      clock = event.until + 1;
    }
    assert.ok(waits[0]! < waits[1]! && waits[1]! < waits[2]!, `waits ${waits.join(', ')} ms`);
  });
});

/** A streamed request's answer as its client reads it (status and text), sent with `fetch`. */
async function streamed(f: ProxyFixture, path: string, body: Record<string, unknown>): Promise<{status: number; text: string}> {
  const response = await fetch(`${f.url}${path}`, {method: 'POST', headers: {'x-api-key': API_KEY, authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body: JSON.stringify({...body, stream: true})});
  return {status: response.status, text: await response.text()};
}

/** The request log's lines (status, account, what broke it). */
const requestLines = (f: ProxyFixture) => f.events.flatMap((e) => (e.type === 'request' ? [[e.status, e.account, e.broke ?? '']] : []));

describe('Claude Code → a Claude pool, passed through: a rate limit after the stream began cools the account', async () => {
  const {f, tried, limitAfterBegun} = await pool('claude');
  const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
  const ask = {model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{role: 'user' as const, content: 'hi'}]};

  it('Claude Code gets the stream as Claude sent it; the account cools, and the log says how the answer ended', async () => {
    limitAfterBegun(firstEventError.claude!('rate_limit_error'));
    const {status, text} = await streamed(f, '/v1/messages', ask);
    assert.equal(status, 200);
    assert.match(text, /Half an answer[\s\S]*event: error\ndata: .*Limited: rate_limit_error/);
    assert.deepEqual(tried, ['a']);
    const [event] = failovers(f);
    assert.equal(event?.from, 'a@example.com');
    assert.equal(event?.reason, 'rate limited');
    assert.ok(event?.until !== undefined && event.until > Date.now(), JSON.stringify(event));
    assert.deepEqual(requestLines(f), [[200, 'a@example.com', 'upstream stream ended with an error: Limited: rate_limit_error']]);
  });

  it("Claude Code's retry goes to the other account at once", async () => {
    tried.length = 0;
    const message = await client.messages.create(ask);
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'served by the next account');
    assert.deepEqual(tried, ['b']);
  });
});

describe('a pass-through stream that ended in what is not a limit: no account cools', async () => {
  const {f, tried, limitAfterBegun} = await pool('claude');

  for (const code of ['overloaded_error', 'api_error', 'invalid_request_error']) {
    it(`\`${code}\` after the stream began: said in the log, no account parked`, async () => {
      tried.length = 0;
      limitAfterBegun(firstEventError.claude!(code));
      const {status, text} = await streamed(f, '/v1/messages', {model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
      assert.equal(status, 200);
      assert.match(text, new RegExp(`Limited: ${code}`));
      assert.deepEqual(tried, ['a']);
      assert.equal(failovers(f).length, 0);
      assert.match(String(requestLines(f).at(-1)?.[2]), new RegExp(`ended with an error: Limited: ${code}`));
    });
  }

  it('a text that quotes an error event ends nothing and cools nothing', async () => {
    limitAfterBegun(`event: content_block_delta\ndata: ${JSON.stringify({type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: '\nevent: error\ndata: {"type":"error","error":{"type":"rate_limit_error"}}\n\n'}})}\n\n` + anthropicEnd);
    const {text} = await streamed(f, '/v1/messages', {model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
    assert.match(text, /message_stop/);
    assert.equal(failovers(f).length, 0);
  });
});

/** An Anthropic stream's end after its text. */
const anthropicEnd =
  `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n` +
  `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}\n\n` +
  `event: message_stop\ndata: {"type":"message_stop"}\n\n`;

describe('a stream begun and then limited, written whole with its length (the proxy has it all before it answers): the account cools too', async () => {
  const {f, tried, limitAfterBegun} = await pool('claude');

  it('the client gets it whole; the account cools, and the next request goes to the other', async () => {
    limitAfterBegun(firstEventError.claude!('rate_limit_error'), {whole: true});
    const {text} = await streamed(f, '/v1/messages', {model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
    assert.match(text, /Half an answer[\s\S]*Limited: rate_limit_error/);
    assert.deepEqual(failovers(f).map((e) => e.from), ['a@example.com']);
    await streamed(f, '/v1/messages', {model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
    assert.deepEqual(tried, ['a', 'b']);
  });
});

for (const shape of usageLimits) describe(`Codex CLI → a Codex pool, passed through: a usage limit (${shape.name}) after the stream began cools the account for its reset`, async () => {
  const {f, tried, limitAfterBegun} = await pool('codex');

  it('Codex CLI gets the stream as Codex sent it; the account waits the 2 h named, and the next request goes to the other', async () => {
    limitAfterBegun(shape.event);
    const sent = Date.now();
    const {status, text} = await streamed(f, '/api/provider/codex/v1/responses', {model: 'gpt-5-codex', input: 'hi'});
    assert.equal(status, 200);
    assert.match(text, /Half an answer[\s\S]*The usage limit has been reached|Half an answer[\s\S]*Rate limit reached: usage_limit_reached/);
    const next = await streamed(f, '/api/provider/codex/v1/responses', {model: 'gpt-5-codex', input: 'hi'});
    assert.match(next.text, /served by the next account/);
    movedOnForTheReset(f, tried, sent);
  });
});

describe('Claude Code → a Codex pool, translated: a limit after the answer began cools the account', async () => {
  const {f, tried, limitAfterBegun} = await pool('codex');
  const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});

  it('Claude Code gets the half answer and the error event; the next request goes to the other account', async () => {
    limitAfterBegun(firstEventError.codex!('rate_limit_exceeded'));
    const {text} = await streamed(f, '/v1/messages', {model: 'gpt-5-codex', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
    assert.match(text, /Half an answer[\s\S]*event: error/);
    assert.deepEqual(failovers(f).map((e) => [e.from, e.reason]), [['a@example.com', 'rate limited']]);
    const message = await client.messages.create({model: 'gpt-5-codex', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'served by the next account');
    assert.deepEqual(tried, ['a', 'b']);
  });
});

describe("a limit after the stream began that echoes the account's token: masked in the client's stream and the log", async () => {
  const token = `sk-ant-oat01-${'T'.repeat(60)}AA`;
  const {f, limitAfterBegun} = await pool('claude', {accessToken: token});

  it('the token appears nowhere whole', async () => {
    limitAfterBegun(firstEventError.claude!('rate_limit_error', {message: `Limited for ${token}`}), {who: () => true});
    const {text} = await streamed(f, '/v1/messages', {model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
    assert.match(text, /Limited for /);
    const logged = JSON.stringify([f.events, f.proxy.status()]);
    assert.match(logged, /ended with an error: Limited for /);
    for (const seen of [text, logged]) assert.doesNotMatch(seen, /T{20}/);
  });
});
