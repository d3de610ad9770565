// The proxy's request path around the translators: what happens when the upstream or the client
// misbehaves on a translated request, the pass-through guard against foreign thinking signatures, the
// quota headers of a translated answer, and the faithful upstreams' own refusals (so the pair tests
// can trust them).
import assert from 'node:assert/strict';
import {once} from 'node:events';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {readQuotaCache} from '../../source/services/quota/cache.js';
import {startFakeInference} from '../helpers/fake-inference/server.js';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;

describe('a translated stream (Claude Code → Chat upstream) when things go wrong', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());
  const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
  const params = {model: 'qwen3-coder-plus', max_tokens: 64, messages: [{role: 'user' as const, content: 'hi'}]};

  it('multi-byte characters split across upstream chunks arrive whole', async () => {
    f.upstream.handler = async (_req, res) => {
      const bytes = Buffer.from(chunk({role: 'assistant', content: 'héllo 世界 🙂'}) + chunk({}, 'stop') + 'data: [DONE]\n\n');
      res.writeHead(200, {'content-type': 'text/event-stream'});
      // Cut inside "世" (3 bytes) and inside the emoji (4 bytes).
      const cuts = [bytes.indexOf(Buffer.from('世')) + 1, bytes.indexOf(Buffer.from('🙂')) + 2, bytes.length];
      let from = 0;
      for (const cut of cuts) {
        res.write(bytes.subarray(from, cut));
        from = cut;
        await sleep(15);
      }
      res.end();
    };
    const message = await client.messages.stream(params).finalMessage();
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'héllo 世界 🙂');
  });

  it('an upstream that drops mid-stream ends the client stream with an error event', async () => {
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(chunk({role: 'assistant', content: 'partial '}));
      await sleep(30);
      res.socket?.destroy();
    };
    const seen: string[] = [];
    const stream = client.messages.stream(params).on('text', (text) => seen.push(text));
    await assert.rejects(stream.finalMessage(), (error: unknown) => error instanceof Anthropic.APIError && /upstream stream broke|ended before|aborted|terminated/i.test(error.message));
    assert.deepEqual(seen, ['partial ']);
    assert.ok(f.events.some((e) => e.type === 'error' && /upstream stream broke/.test(e.message)), JSON.stringify(f.events.filter((e) => e.type === 'error')));
  });

  it('a client that goes away aborts the upstream request', async () => {
    let upstreamClosed!: Promise<unknown>;
    f.upstream.handler = async (_req, res) => {
      upstreamClosed = once(res, 'close');
      res.writeHead(200, {'content-type': 'text/event-stream'});
      // Ends in no credential's first character: a delta whose tail may begin one (`first`: the proxy
      // key `test-…`) waits for the next delta (sse-run-mask.ts), which this upstream never sends.
      res.write(chunk({role: 'assistant', content: 'first.'}));
      // Holds the stream open (a long answer) until the proxy hangs up.
    };
    const abort = new AbortController();
    const stream = await client.messages.create({...params, stream: true}, {signal: abort.signal});
    for await (const event of stream) {
      if (event.type === 'content_block_delta') break;
    }
    abort.abort();
    const closed = await Promise.race([upstreamClosed.then(() => true), sleep(3000).then(() => false)]);
    assert.ok(closed, 'the upstream connection closed within 3 s of the client leaving');
  });
});

describe('a translated stream (Claude Code → Chat upstream) never carries the account token', async () => {
  const account = oauthToken('qwen', 'q@example.com');
  const token = String(account.access_token);
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: account}]});
  after(() => f.close());
  /** The raw SSE text the client receives while the upstream writes `pieces` (Buffers or text), 10 ms apart. */
  const receive = async (pieces: (string | Buffer)[]) => {
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      for (const piece of pieces) {
        res.write(piece);
        await sleep(10);
      }
      res.end();
    };
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'qwen3-coder-plus', max_tokens: 64, stream: true, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(response.status, 200);
    return response.text();
  };
  const many = (n: number) => Array.from({length: n}, (_, i) => chunk({content: `delta ${i} `})).join('');
  const END = chunk({}, 'stop') + 'data: [DONE]\n\n';
  const masked = (text: string, count: number) => {
    assert.ok(!text.includes(token.slice(-16)), `the client saw the token:\n${text}`);
    assert.equal(text.split('at-q…(redacted)').length - 1, count, text);
    assert.match(text, /event: message_stop/);
  };

  it('in a delta like the ones before it, cut between two upstream writes inside the token', async () => {
    const event = Buffer.from(chunk({content: `the token is ${token} ok`}));
    const cut = event.indexOf(token) + 7;
    masked(await receive([many(20) + event.subarray(0, cut).toString('latin1'), Buffer.concat([event.subarray(cut), Buffer.from(many(3) + END)])]), 1);
  });

  it('in the middle of one upstream write of many deltas, and in the last delta of another', async () => {
    masked(await receive([many(20) + chunk({content: token}) + many(20), many(5) + chunk({content: `ends with ${token}`}), many(5) + END]), 2);
  });

  it('escaped in the upstream JSON (\\u0040 for @), in a delta and in a reasoning delta', async () => {
    const escaped = (delta: Record<string, string>) => chunk(delta).replace(/@/g, '\\u0040');
    masked(await receive([many(10) + escaped({content: `a ${token}`}) + escaped({content: `b ${token}`}), escaped({reasoning_content: token}) + END]), 3);
  });

  it('in an error event after the deltas', async () => {
    const text = await receive([many(10), `data: ${JSON.stringify({error: {message: `token ${token} revoked`}})}\n\n`]);
    assert.ok(!text.includes(token.slice(-16)), text);
    assert.match(text, /event: error\ndata: .*token at-q…\(redacted\) revoked/);
  });
});

describe('quota headers of a translated answer reach the quota cache', async () => {
  const upstream = await startFakeInference();
  const inner = upstream.handler;
  upstream.handler = (req, res, incoming) => {
    res.setHeader('x-codex-primary-used-percent', '37');
    res.setHeader('x-codex-primary-window-minutes', '300');
    res.setHeader('x-codex-primary-reset-after-seconds', '600');
    return inner(req, res, incoming);
  };
  const f = await proxyFixture({provider: 'codex', apiPath: '/backend-api/codex', tokens: [{file: 'codex-a.json', token: oauthToken('codex', 'x@example.com')}], upstream});
  after(() => f.close());

  it('Claude Code on codex: the 5-hour window is recorded for the account', async () => {
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    const message = await client.messages.create({model: 'gpt-5.2-codex', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(message.content[0]?.type, 'text');
    let entry: {windows: {kind: string; usedPct: number | null}[]} | undefined;
    for (let i = 0; i < 50 && !entry; i++) {
      entry = Object.values((await readQuotaCache(f.ccs.paths)).accounts.codex ?? {})[0];
      if (!entry) await sleep(20);
    }
    assert.deepEqual(entry?.windows.map((w) => [w.kind, w.usedPct]), [['5h', 37]]);
  });
});

describe('Claude Code back on Claude after another provider (pass-through)', async () => {
  const upstream = await startFakeInference({script: () => ({text: 'back on Claude'})});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'c@example.com')}], upstream});
  after(() => f.close());

  it('drops thinking blocks this proxy signed for another upstream, keeps Claude-made ones, so Anthropic does not 400', async () => {
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    const message = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      thinking: {type: 'enabled', budget_tokens: 1024},
      messages: [
        {role: 'user', content: 'first question'},
        {role: 'assistant', content: [{type: 'thinking', thinking: 'gemini thought', signature: 'ccs1:gemini-internal:abc'}, {type: 'text', text: 'gemini answer'}]},
        {role: 'user', content: 'second question'},
        {role: 'assistant', content: [{type: 'redacted_thinking', data: 'ccs1:openai-responses:enc'}]},
        {role: 'user', content: 'third question'},
        {role: 'assistant', content: [{type: 'thinking', thinking: 'claude thought', signature: 'sig-anthropic-7'}, {type: 'text', text: 'claude answer'}]},
        {role: 'user', content: 'now?'},
      ],
    });
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'back on Claude');
    assert.deepEqual(upstream.refusals, []);
    const sent = upstream.requests.at(-1)!.body as {messages: {role: string; content: unknown}[]};
    assert.equal(sent.messages.length, 6, 'the assistant message left empty is gone');
    assert.deepEqual(sent.messages[1]!.content, [{type: 'text', text: 'gemini answer'}]);
    assert.match(JSON.stringify(sent.messages[4]!.content), /sig-anthropic-7/);
  });
});

describe('the faithful upstreams refuse what the real services refuse', async () => {
  const upstream = await startFakeInference({project: 'p-1'});
  after(() => upstream.close());
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${upstream.url}${path}`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)});
    return {status: response.status, text: await response.text()};
  };

  it('Chat: a tool message without a preceding call, and a call left unanswered', async () => {
    const orphan = await post('/v1/chat/completions', {model: 'm', messages: [{role: 'user', content: 'x'}, {role: 'tool', tool_call_id: 'c1', content: 'r'}]});
    assert.equal(orphan.status, 400);
    assert.match(orphan.text, /must be a response to a preceeding message with 'tool_calls'/);
    const unanswered = await post('/v1/chat/completions', {
      model: 'm',
      messages: [{role: 'user', content: 'x'}, {role: 'assistant', content: null, tool_calls: [{id: 'c1', type: 'function', function: {name: 'f', arguments: '{}'}}]}, {role: 'user', content: 'y'}],
    });
    assert.equal(unanswered.status, 400);
    assert.match(unanswered.text, /did not have response messages: c1/);
  });

  it('codex: a non-streamed request, missing instructions, store: true', async () => {
    const base = {model: 'gpt-5.2-codex', input: 'hi', instructions: 'x', store: false, stream: true};
    assert.match((await post('/backend-api/codex/responses', {...base, stream: false})).text, /Stream must be set to true/);
    assert.match((await post('/backend-api/codex/responses', {...base, instructions: undefined})).text, /Instructions are required/);
    assert.match((await post('/backend-api/codex/responses', {...base, store: true})).text, /Store must be set to false/);
    assert.equal((await post('/backend-api/codex/responses', base)).status, 200);
  });

  it('Cloud Code: a foreign project and schema keywords Gemini refuses', async () => {
    const request = {contents: [{role: 'user', parts: [{text: 'hi'}]}]};
    assert.equal((await post('/v1internal:generateContent', {model: 'gemini-2.5-pro', project: 'p-2', request})).status, 403);
    const refused = await post('/v1internal:generateContent', {
      model: 'gemini-2.5-pro',
      project: 'p-1',
      request: {...request, tools: [{functionDeclarations: [{name: 'f', parameters: {type: 'object', properties: {a: {type: 'string'}}, additionalProperties: false}}]}]},
    });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /Unknown name \\"additionalProperties\\"/);
    assert.equal((await post('/v1internal:generateContent', {model: 'gemini-2.5-pro', project: 'p-1', request})).status, 200);
  });

  it("Anthropic: an orphan tool_result and a signature it did not make", async () => {
    const orphan = await post('/v1/messages', {model: 'c', max_tokens: 8, messages: [{role: 'user', content: [{type: 'tool_result', tool_use_id: 't1', content: 'r'}]}]});
    assert.match(orphan.text, /unexpected `tool_use_id`/);
    const foreign = await post('/v1/messages', {
      model: 'c',
      max_tokens: 8,
      messages: [{role: 'user', content: 'a'}, {role: 'assistant', content: [{type: 'thinking', thinking: 't', signature: 'ccs1:gemini-internal:x'}]}, {role: 'user', content: 'b'}],
    });
    assert.equal(foreign.status, 400);
    assert.match(foreign.text, /Invalid `signature`/);
  });
});

describe('iFlow on a translated request: the same model normalisation, glm parameters and signature as pass-through', async () => {
  const apiKey = 'iflow-key-0123456789abcdef';
  const upstream = await startFakeInference({iflowKey: apiKey, script: () => ({text: 'signed and sealed'})});
  const f = await proxyFixture({provider: 'iflow', apiPath: '/v1', tokens: [{file: 'iflow-a.json', token: oauthToken('iflow', 'i@example.com', {api_key: apiKey})}], upstream});
  after(() => f.close());

  it('Claude Code → iFlow sends what a Chat client passed through would', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${f.url}${path}`, {method: 'POST', headers: {'x-api-key': API_KEY, 'content-type': 'application/json'}, body: JSON.stringify(body)});
    const passed = await post('/v1/chat/completions', {model: 'glm-4.7', temperature: 0.2, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(passed.status, 200, await passed.clone().text());
    const passedBody = upstream.requests.at(-1)!.body!;
    const translated = await post('/v1/messages', {model: 'glm-4.7', max_tokens: 64, temperature: 0.2, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(translated.status, 200, await translated.clone().text());
    const message = (await translated.json()) as {content: {text: string}[]; model: string};
    assert.equal(message.content[0]?.text, 'signed and sealed');
    assert.equal(message.model, 'glm-4.7', 'the client sees the model it asked for');
    const translatedBody = upstream.requests.at(-1)!.body!;
    for (const key of ['model', 'temperature', 'top_p'] as const) assert.equal(translatedBody[key], passedBody[key], key);
    assert.deepEqual(upstream.refusals, [], 'both signatures accepted');
  });
});

/**
 * A pool of two qwen accounts behind a fake Chat upstream that answers "served", and an Anthropic
 * client that asks it with a streamed Messages request (Claude Code → qwen, translated).
 */
async function qwenPool() {
  const upstream = await startFakeInference({script: () => ({text: 'served'})});
  const f = await proxyFixture({
    provider: 'qwen',
    apiPath: '/v1',
    tokens: [
      {file: 'qwen-a.json', token: oauthToken('qwen', 'a@example.com')},
      {file: 'qwen-b.json', token: oauthToken('qwen', 'b@example.com')},
    ],
    upstream,
  });
  after(() => f.close());
  const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
  const ask = () => client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
  return {upstream, f, inner: upstream.handler, ask};
}

describe('failover and refresh before the first byte, on a translated path (Claude Code → qwen)', async () => {
  const {upstream, f, inner, ask} = await qwenPool();

  it('a quota error moves the request to the next account before anything is streamed', async () => {
    const tried: string[] = [];
    upstream.handler = (req, res, incoming) => {
      tried.push(String(req.headers.authorization));
      if (tried.length === 1) {
        res.writeHead(429, {'content-type': 'application/json'});
        return void res.end(JSON.stringify({error: {message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota'}}));
      }
      return inner(req, res, incoming);
    };
    const message = await ask();
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'served');
    assert.equal(tried.length, 2);
    assert.notEqual(tried[0], tried[1]);
    assert.ok(f.events.some((e) => e.type === 'failover'));
  });

  it('a refused token is refreshed once and the request retried', async () => {
    const before = f.tokenServer.refreshes;
    let refusedOnce = false;
    upstream.handler = (req, res, incoming) => {
      if (!refusedOnce) {
        refusedOnce = true;
        res.writeHead(401, {'content-type': 'application/json'});
        return void res.end(JSON.stringify({error: {message: 'invalid access token', type: 'invalid_request_error', code: 'invalid_api_key'}}));
      }
      return inner(req, res, incoming);
    };
    const message = await ask();
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'served');
    assert.equal(f.tokenServer.refreshes - before, 1);
  });

  it("the client's own error comes back as an Anthropic error with the upstream's status and message", async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(400, {'content-type': 'application/json'});
      res.end(JSON.stringify({error: {message: 'Range of input length should be [1, 98304]', type: 'invalid_request_error'}}));
    };
    await assert.rejects(ask(), (error: unknown) => error instanceof Anthropic.BadRequestError && /Range of input length/.test(error.message));
    upstream.handler = inner;
  });
});

describe('an overload on a translated path (Claude Code → qwen): failover without parking, or the upstream\'s answer', async () => {
  // Its own pool: the quota failover above leaves an account cooling.
  const {upstream, f, inner, ask} = await qwenPool();

  it('an overload (529, 503) moves the request to the next account without parking the first', async () => {
    for (const status of [529, 503]) {
      const tried: string[] = [];
      upstream.handler = (req, res, incoming) => {
        tried.push(String(req.headers.authorization));
        if (tried.length === 1) {
          res.writeHead(status, {'content-type': 'application/json', 'retry-after': '6'});
          return void res.end(JSON.stringify({error: {message: 'The server is overloaded', type: 'server_error'}}));
        }
        return inner(req, res, incoming);
      };
      const message = await ask();
      assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'served', `${status}`);
      assert.equal(tried.length, 2, `${status}`);
      assert.notEqual(tried[0], tried[1]);
      assert.deepEqual(f.proxy.status().cooling, [], `${status}: the overloaded account is not cooling`);
    }
    upstream.handler = inner;
  });

  it("every account overloaded: the upstream's status and Retry-After come back as an Anthropic overloaded_error", async () => {
    for (const status of [529, 503]) {
      const tried: string[] = [];
      upstream.handler = (req, res) => {
        tried.push(String(req.headers.authorization));
        res.writeHead(status, {'content-type': 'application/json', 'retry-after': '8'});
        res.end(JSON.stringify({error: {message: 'The server is overloaded', type: 'server_error'}}));
      };
      await assert.rejects(ask(), (error: unknown) => {
        assert.ok(error instanceof Anthropic.APIError, String(error));
        assert.equal(error.status, status);
        assert.equal(error.headers?.get('retry-after'), '8');
        assert.equal((error.error as {error?: {type?: string}})?.error?.type, 'overloaded_error');
        assert.match(error.message, /overloaded/);
        return true;
      });
      assert.equal(tried.length, 2, `${status}: each account tried once`);
      assert.equal(new Set(tried).size, 2);
      assert.deepEqual(f.proxy.status().cooling, [], `${status}: nothing parked`);
    }
    upstream.handler = inner;
  });
});

describe('Codex CLI back on codex after another provider (pass-through)', async () => {
  const upstream = await startFakeInference({script: () => ({text: 'served'})});
  const f = await proxyFixture({provider: 'codex', apiPath: '/backend-api/codex', tokens: [{file: 'codex-a.json', token: oauthToken('codex', 'x@example.com', {account_id: 'a1'})}], upstream});
  after(() => f.close());

  it('drops reasoning items this proxy tagged for another upstream, keeps codex-made ones, so codex does not 400', async () => {
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const stream = client.responses.stream({
        model: 'gpt-5-codex',
        instructions: 'be brief',
        store: false,
        input: [
          {role: 'user', content: 'first'},
          {type: 'reasoning', id: 'rs_1', summary: [{type: 'summary_text', text: 'claude thought'}], encrypted_content: 'ccs1:anthropic:sig-1'},
          {role: 'assistant', content: 'claude answer'},
          {type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: 'enc-own-1'},
          {role: 'user', content: 'second'},
        ] as OpenAI.Responses.ResponseInput,
    });
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    assert.equal(text, 'served');
    assert.deepEqual(upstream.refusals, []);
    const sent = upstream.requests.at(-1)!.body as {input: {type?: string; encrypted_content?: string}[]};
    assert.deepEqual(sent.input.filter((item) => item.type === 'reasoning').map((item) => item.encrypted_content), ['enc-own-1']);
    assert.equal(sent.input.length, 4);
  });
});
