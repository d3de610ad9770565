// The proxy against real clients (@anthropic-ai/sdk, openai) in front of recording fake upstreams.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {request as httpRequest, type IncomingHttpHeaders} from 'node:http';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {anthropicStreamEvents, answerByProtocol, chatCompletion, sendJson, writeSse} from '../helpers/fake-upstreams.js';
import {iflowSignatureProblems} from '../helpers/fake-inference/iflow.js';
import {API_KEY, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

const anthropic = (f: ProxyFixture, apiKey = API_KEY) => new Anthropic({apiKey, baseURL: f.url, maxRetries: 0});
const openai = (f: ProxyFixture, base = '/v1', apiKey = API_KEY) => new OpenAI({apiKey, baseURL: `${f.url}${base}`, maxRetries: 0});

function rawRequest(url: string, options: {method?: string; headers?: Record<string, string>; body?: string}): Promise<{status: number; headers: Record<string, unknown>; text: string}> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {method: options.method ?? 'GET', headers: options.headers}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, text}));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('claude pass-through with the Anthropic SDK', async () => {
  const f = await proxyFixture({
    provider: 'claude',
    tokens: [{file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com')}],
    configYaml: [
      'oauth-model-alias:',
      '  claude:',
      '    - name: "claude-sonnet-4-5-20250929"',
      '      alias: "sonnet"',
      'oauth-excluded-models:',
      '  claude:',
      '    - "claude-3-*"',
      '',
    ].join('\n'),
  });
  after(() => f.close());

  it('sends a message with the account token and Claude Code headers, rewriting the alias', async () => {
    const message = await anthropic(f).messages.create(
      {model: 'sonnet', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]},
      {headers: {'anthropic-beta': 'interleaved-thinking-2025-05-14'}},
    );
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'Hello from upstream');
    const sent = f.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v1/messages?beta=true');
    assert.equal(sent.body?.model, 'claude-sonnet-4-5-20250929');
    assert.equal(sent.headers.authorization, 'Bearer at-a@example.com-0123456789abcdef');
    assert.equal(sent.headers['x-api-key'], undefined, 'the proxy key never goes upstream');
    assert.equal(sent.headers['anthropic-version'], '2023-06-01');
    const betas = String(sent.headers['anthropic-beta']).split(',');
    for (const beta of ['oauth-2025-04-20', 'claude-code-20250219', 'interleaved-thinking-2025-05-14']) assert.ok(betas.includes(beta), beta);
    assert.match(String(sent.headers['user-agent']), /^claude-cli\/\d+\.\d+\.\d+ \(external, cli\)$/);
    assert.equal(sent.headers['x-app'], 'cli');
  });

  it('streams a message', async () => {
    const stream = await anthropic(f).messages.create({model: 'claude-opus-4-6', max_tokens: 16, stream: true, messages: [{role: 'user', content: 'hi'}]});
    let text = '';
    for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    assert.equal(text, 'Hello from upstream');
    assert.equal(f.upstream.requests.at(-1)!.body?.stream, true);
  });

  it('refuses an excluded model with 404 naming the pattern, without calling upstream', async () => {
    const before = f.upstream.requests.length;
    await assert.rejects(
      anthropic(f).messages.create({model: 'claude-3-7-sonnet-20250219', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]}),
      (error: unknown) => error instanceof Anthropic.NotFoundError && /excluded .*claude-3-\*/.test(error.message),
    );
    assert.equal(f.upstream.requests.length, before);
  });

  it('lists the resolved models', async () => {
    const ids: string[] = [];
    for await (const model of anthropic(f).models.list()) ids.push(model.id);
    assert.ok(ids.includes('sonnet'));
    assert.ok(!ids.includes('claude-sonnet-4-5-20250929'), 'an alias replaces the id (no fork)');
    assert.ok(!ids.some((id) => id.startsWith('claude-3-')), 'excluded models are not listed');
    assert.ok(ids.includes('claude-opus-4-6'));
  });

  it('refuses a wrong or missing key with 401', async () => {
    await assert.rejects(
      anthropic(f, 'wrong-key').messages.create({model: 'claude-opus-4-6', max_tokens: 1, messages: [{role: 'user', content: 'x'}]}),
      (error: unknown) => error instanceof Anthropic.AuthenticationError,
    );
    const missing = await rawRequest(`${f.url}/v1/models`, {});
    assert.equal(missing.status, 401);
    assert.match(missing.text, /missing API key/);
    const viaHeader = await rawRequest(`${f.url}/v1/models`, {headers: {'x-api-key': API_KEY}});
    assert.equal(viaHeader.status, 200);
  });

  it('refuses a foreign Host with 403 even with the right key (DNS rebinding)', async () => {
    const foreign = await rawRequest(`${f.url}/v1/models`, {headers: {host: 'attacker.example:8317', 'x-api-key': API_KEY}});
    assert.equal(foreign.status, 403);
    assert.match(foreign.text, /loopback/);
    const localhost = await rawRequest(`${f.url}/v1/models`, {headers: {host: 'localhost:8317', 'x-api-key': API_KEY}});
    assert.equal(localhost.status, 200);
  });

  it('refuses a foreign Host right after a loopback one was let in (the accepted Host is remembered, nothing else)', async () => {
    const loopback = await rawRequest(`${f.url}/v1/models`, {headers: {host: '127.0.0.1:8317', 'x-api-key': API_KEY}});
    assert.equal(loopback.status, 200);
    for (const host of ['127.0.0.1.attacker.example:8317', 'attacker.example', '[::2]:8317']) {
      const foreign = await rawRequest(`${f.url}/v1/models`, {headers: {host, 'x-api-key': API_KEY}});
      assert.equal(foreign.status, 403, host);
    }
    const again = await rawRequest(`${f.url}/v1/models`, {headers: {host: '127.0.0.1:8317', 'x-api-key': API_KEY}});
    assert.equal(again.status, 200);
  });

  it('takes the key from x-api-key, else from Authorization: Bearer', async () => {
    const bearer = await rawRequest(`${f.url}/v1/models`, {headers: {authorization: `Bearer ${API_KEY}`}});
    assert.equal(bearer.status, 200);
    const wrongBearer = await rawRequest(`${f.url}/v1/models`, {headers: {authorization: 'Bearer wrong-key-0123456789'}});
    assert.equal(wrongBearer.status, 401);
    // x-api-key decides when both are sent.
    const both = await rawRequest(`${f.url}/v1/models`, {headers: {'x-api-key': 'wrong-key-0123456789', authorization: `Bearer ${API_KEY}`}});
    assert.equal(both.status, 401);
  });

  it('serves the same under /api/provider/claude', async () => {
    const client = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/claude`, maxRetries: 0});
    const message = await client.messages.create({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(message.model, 'claude-opus-4-6');
  });

  it('serves a Chat Completions client on Claude through the translator (a Messages request upstream)', async () => {
    const completion = await openai(f).chat.completions.create({model: 'sonnet', messages: [{role: 'system', content: 'be brief'}, {role: 'user', content: 'hi'}]});
    assert.equal(completion.choices[0]?.message.content, 'Hello from upstream');
    assert.equal(completion.model, 'sonnet', 'the model the client asked for');
    const sent = f.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v1/messages?beta=true');
    assert.equal(sent.body?.model, 'claude-sonnet-4-5-20250929', 'the alias resolved before translation');
    assert.deepEqual(sent.body?.messages, [{role: 'user', content: [{type: 'text', text: 'hi'}]}]);
    assert.match(JSON.stringify(sent.body?.system), /be brief/);
    assert.equal(sent.headers.authorization, 'Bearer at-a@example.com-0123456789abcdef');
    assert.equal(sent.headers['anthropic-version'], '2023-06-01');
    assert.equal(sent.headers['x-stainless-lang'], undefined, "the OpenAI client's own headers stay behind");
  });

  it('tells a client that speaks the wrong protocol where to go when no translator serves the pair', async () => {
    // Chat Completions → Anthropic has a translator now; without one the client is sent to /v1/messages.
    const untranslated = await proxyFixture({
      provider: 'claude',
      tokens: [{file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com')}],
      translators: () => undefined,
    });
    try {
      const response = await rawRequest(`${untranslated.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {'x-api-key': API_KEY, 'content-type': 'application/json'},
        body: JSON.stringify({model: 'claude-opus-4-6', messages: []}),
      });
      assert.equal(response.status, 400);
      assert.match(response.text, /\/v1\/messages/);
      assert.equal(untranslated.upstream.requests.length, 0);
    } finally {
      await untranslated.close();
    }
  });
});

describe('a provider that truly cannot serve a route', async () => {
  // IBM Bob has no inference base URL in the table: its accounts name one, and this one does not.
  const f = await proxyFixture({
    provider: 'claude',
    tokens: [
      {file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com')},
      {file: 'bob-key.json', token: {type: 'bob', api_key: 'bob-key-0123456789'}},
    ],
  });
  after(() => f.close());

  it('answers 400 naming what is missing, and calls no upstream', async () => {
    const response = await rawRequest(`${f.url}/api/provider/bob/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json'},
      body: JSON.stringify({model: 'gemini-2.5-pro', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(response.status, 400, response.text);
    assert.match(response.text, /IBM Bob has no inference base URL: .*set endpoints\.bob\.api in tui\.json/);
    assert.equal(f.upstream.requests.length, 0);
  });
});

describe('streaming is not buffered', async () => {
  const f = await proxyFixture({
    provider: 'claude',
    tokens: [
      {file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com')},
      {file: 'claude-b@example.com.json', token: oauthToken('claude', 'b@example.com')},
    ],
  });
  after(() => f.close());

  it('delivers the first chunk while the upstream still holds the last one', async () => {
    let releaseLast!: () => void;
    const lastHeld = new Promise<void>((resolve) => (releaseLast = resolve));
    f.upstream.handler = (req, res) => writeSse(res, anthropicStreamEvents(String(req.body?.model), ['one', ' two', ' three']), {pauseMs: 20, beforeLast: () => lastHeld});
    const stream = await anthropic(f).messages.create({model: 'claude-opus-4-6', max_tokens: 16, stream: true, messages: [{role: 'user', content: 'hi'}]});
    const seen: string[] = [];
    const timeout = setTimeout(releaseLast, 10_000); // a buffering proxy would only deliver after this
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
        seen.push(event.delta.text);
        if (seen.length === 1) {
          assert.equal(f.upstream.requests.length > 0, true);
          clearTimeout(timeout);
          releaseLast();
        }
      }
    }
    assert.deepEqual(seen, ['one', ' two', ' three']);
  });

  it('keeps a running stream when the account is rotated, new requests use the next account', async () => {
    let releaseLast!: () => void;
    const lastHeld = new Promise<void>((resolve) => (releaseLast = resolve));
    f.upstream.handler = (req, res) =>
      req.body?.stream ? writeSse(res, anthropicStreamEvents(String(req.body?.model), ['a', 'b', 'c']), {beforeLast: () => lastHeld}) : answerByProtocol(req, res);
    const stream = await anthropic(f).messages.create({model: 'claude-opus-4-6', max_tokens: 16, stream: true, messages: [{role: 'user', content: 'hi'}]});
    const streamToken = f.upstream.requests.at(-1)!.headers.authorization;
    let text = '';
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
        text += event.delta.text;
        if (text === 'a') {
          const next = await f.proxy.rotate('claude');
          assert.ok(next, 'rotated');
          releaseLast();
        }
      }
    }
    assert.equal(text, 'abc');
    await anthropic(f).messages.create({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
    const nextToken = f.upstream.requests.at(-1)!.headers.authorization;
    assert.notEqual(nextToken, streamToken, 'the request after the rotation uses the other account');
    assert.ok(f.events.some((e) => e.type === 'rotated'));
  });

  it('aborts the upstream request when the client disconnects', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    f.upstream.handler = (req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(anthropicStreamEvents(String(req.body?.model), ['never sent'])[0]);
      res.on('close', () => upstreamClosed());
    };
    const controller = new AbortController();
    const stream = await anthropic(f).messages.create(
      {model: 'claude-opus-4-6', max_tokens: 16, stream: true, messages: [{role: 'user', content: 'hi'}]},
      {signal: controller.signal},
    );
    try {
      for await (const event of stream) if (event.type === 'message_start') controller.abort();
    } catch {
      // the SDK may end the iteration or throw on abort; either way the client is gone
    }
    await closed; // the test times out if the proxy kept the upstream request open
  });
});

describe('failover across a claude pool', async () => {
  const f = await proxyFixture({
    provider: 'claude',
    strategy: 'fill-first',
    tokens: [
      {file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com')},
      {file: 'claude-b@example.com.json', token: oauthToken('claude', 'b@example.com')},
    ],
  });
  after(() => f.close());
  const resetAt = Math.floor(Date.now() / 1000) + 3600;
  const exhausted = new Set<string>();
  f.upstream.handler = (req, res) => {
    if (exhausted.has(String(req.headers.authorization))) {
      return sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'limit reached'}}, {
        'anthropic-ratelimit-unified-status': 'rejected',
        'anthropic-ratelimit-unified-5h-status': 'rejected',
        'anthropic-ratelimit-unified-5h-reset': String(resetAt),
      });
    }
    return answerByProtocol(req, res);
  };

  it('moves a request to the next account when one is exhausted; the client sees success', async () => {
    exhausted.add('Bearer at-a@example.com-0123456789abcdef');
    const message = await anthropic(f).messages.create({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(message.type, 'message');
    const tokens = f.upstream.requests.slice(-2).map((r) => r.headers.authorization);
    assert.deepEqual(tokens, ['Bearer at-a@example.com-0123456789abcdef', 'Bearer at-b@example.com-0123456789abcdef']);
    const failover = f.events.find((e) => e.type === 'failover');
    assert.ok(failover && failover.type === 'failover' && failover.until === resetAt * 1000, 'cooling until the announced reset');
  });

  it('does not try the cooling account again', async () => {
    const before = f.upstream.requests.length;
    await anthropic(f).messages.create({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(f.upstream.requests.length, before + 1);
    assert.equal(f.upstream.requests.at(-1)!.headers.authorization, 'Bearer at-b@example.com-0123456789abcdef');
  });

  it('feeds quota headers of successful responses into the shared quota cache', async () => {
    f.upstream.handler = (req, res) =>
      exhausted.has(String(req.headers.authorization))
        ? sendJson(res, 429, {}, {'anthropic-ratelimit-unified-status': 'rejected', 'anthropic-ratelimit-unified-5h-status': 'rejected', 'anthropic-ratelimit-unified-5h-reset': String(resetAt)})
        : answerByProtocol(req, res, {headers: {'anthropic-ratelimit-unified-5h-utilization': '0.42', 'anthropic-ratelimit-unified-5h-reset': String(resetAt), 'anthropic-ratelimit-unified-5h-status': 'allowed'}});
    await anthropic(f).messages.create({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
    const file = path.join(f.ccs.paths.state, 'quota-cache.json');
    type Cache = {accounts: Record<string, Record<string, {windows: {kind: string; usedPct: number}[]}>>};
    const bWindow = () => {
      if (!existsSync(file)) return undefined;
      const cache = JSON.parse(readFileSync(file, 'utf8')) as Cache;
      return cache.accounts.claude?.['b@example.com']?.windows.find((w) => w.kind === '5h');
    };
    for (let i = 0; i < 250 && !bWindow(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(bWindow()?.usedPct, 42);
  });

  it('answers 429 with Retry-After when every account is cooling', async () => {
    exhausted.add('Bearer at-b@example.com-0123456789abcdef');
    const response = await rawRequest(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(response.status, 429);
    const retryAfter = Number(response.headers['retry-after']);
    assert.ok(retryAfter > 3500 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    assert.match(response.text, /cooling/);
  });
});

describe('a 401 upstream triggers exactly one refresh', async () => {
  const expiresSoonButNotDue = new Date(Date.now() + 30 * 24 * 3600_000).toISOString();
  const f = await proxyFixture({
    provider: 'claude',
    tokens: [{file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com', {expired: expiresSoonButNotDue})}],
  });
  after(() => f.close());

  it('refreshes once, retries with the new token, and the client sees success', async () => {
    f.upstream.handler = (req, res) =>
      String(req.headers.authorization).includes('refreshed-access') ? answerByProtocol(req, res) : sendJson(res, 401, {type: 'error', error: {type: 'authentication_error', message: 'invalid token'}});
    const message = await anthropic(f).messages.create({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(message.type, 'message');
    assert.equal(f.tokenServer.refreshes, 1);
    assert.equal(f.upstream.requests.at(-1)!.headers.authorization, 'Bearer refreshed-access-1-0123456789abcdef');
  });

  it('refreshes once when the new token is refused too, and passes the 401 on', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 401, {type: 'error', error: {type: 'authentication_error', message: 'invalid token'}});
    const before = f.tokenServer.refreshes;
    await assert.rejects(
      anthropic(f).messages.create({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
      (error: unknown) => error instanceof Anthropic.AuthenticationError,
    );
    assert.equal(f.tokenServer.refreshes - before, 1);
  });
});

describe('iFlow signing, model parameters and named errors with the OpenAI SDK', async () => {
  const apiKey = 'iflow-api-key-0123456789abcdef';
  const f = await proxyFixture({
    provider: 'iflow',
    apiPath: '/v1',
    tokens: [{file: 'iflow-a@example.com-1.json', token: oauthToken('iflow', 'a@example.com', {api_key: apiKey})}],
  });
  after(() => f.close());
  const signatureProblems: string[] = [];
  const verify = (headers: IncomingHttpHeaders) => {
    signatureProblems.push(...iflowSignatureProblems(headers, apiKey));
    return signatureProblems.length === 0;
  };
  let errorCode: string | undefined;
  f.upstream.handler = (req, res) => {
    if (!verify(req.headers)) return sendJson(res, 200, {status: '434', msg: 'signature mismatch'});
    if (errorCode) return sendJson(res, 200, {status: errorCode, msg: `upstream says ${errorCode}`});
    return answerByProtocol(req, res);
  };

  it('signs a chat completion the way the upstream checks it', async () => {
    const completion = await openai(f).chat.completions.create({model: 'qwen3-coder-plus', messages: [{role: 'user', content: 'hi'}]});
    assert.equal(completion.choices[0]?.message.content, 'Hello from upstream');
    assert.deepEqual(signatureProblems, []);
    assert.equal(f.upstream.requests.at(-1)!.path, '/v1/chat/completions');
  });

  it('streams a signed chat completion', async () => {
    const stream = await openai(f).chat.completions.create({model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}]});
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Hello from upstream');
    assert.deepEqual(signatureProblems, []);
  });

  it('keeps the session id of a client session', async () => {
    const client = openai(f);
    await client.chat.completions.create({model: 'qwen3-coder-plus', user: 'session-42', messages: [{role: 'user', content: 'a'}]});
    await client.chat.completions.create({model: 'qwen3-coder-plus', user: 'session-42', messages: [{role: 'user', content: 'b'}]});
    const [a, b] = f.upstream.requests.slice(-2);
    assert.equal(a!.headers['session-id'], b!.headers['session-id']);
  });

  it('sends glm-4.7 with temperature 1 and top_p 0.95', async () => {
    await openai(f).chat.completions.create({model: 'glm-4.7', temperature: 0.2, messages: [{role: 'user', content: 'hi'}]});
    const body = f.upstream.requests.at(-1)!.body!;
    assert.equal(body.temperature, 1);
    assert.equal(body.top_p, 0.95);
  });

  for (const [code, name] of [
    ['434', 'invalid API key'],
    ['439', 'token expired'],
    ['514', 'model error'],
    ['429', 'rate limit'],
    ['8211', 'rate limit'],
    ['449', 'rate limit'],
  ] as const) {
    it(`reports iFlow error ${code} by name`, async () => {
      errorCode = code;
      try {
        await assert.rejects(openai(f).chat.completions.create({model: 'qwen3-coder-plus', messages: [{role: 'user', content: 'hi'}]}), (error: unknown) => {
          const message = (error as Error).message;
          assert.ok(message.includes(name) && message.includes(code), message);
          assert.ok(!/unknown error/i.test(message), message);
          return true;
        });
      } finally {
        errorCode = undefined;
        // Rate limits cool the only account; a fresh pool for the next case.
        (f.proxy as unknown as {pools: Map<string, unknown>}).pools.clear();
      }
    });
  }
});

describe('codex Responses API with the OpenAI SDK', async () => {
  const f = await proxyFixture({
    provider: 'codex',
    tokens: [{file: 'codex-1234abcd-a@example.com-plus.json', token: oauthToken('codex', 'a@example.com', {account_id: 'acct-123', plan_type: 'plus'})}],
  });
  after(() => f.close());

  it('streams a response with the ChatGPT account headers', async () => {
    const stream = await openai(f).responses.create({model: 'gpt-5.5', input: 'hi', stream: true});
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    assert.equal(text, 'Hello from upstream');
    const sent = f.upstream.requests.at(-1)!;
    assert.equal(sent.path, '/responses');
    assert.equal(sent.headers['chatgpt-account-id'], 'acct-123');
    assert.equal(sent.headers.originator, 'codex_cli_rs');
    assert.equal(sent.headers.authorization, 'Bearer at-a@example.com-0123456789abcdef');
  });

  it('lists the plan\'s models in OpenAI format', async () => {
    const list = await openai(f).models.list();
    const ids = list.data.map((m) => m.id);
    assert.ok(ids.includes('gpt-5.3-codex-spark'), 'plus plan includes spark');
  });
});

describe('qwen and xai chat completions', async () => {
  const qwen = await proxyFixture({
    provider: 'qwen',
    apiPath: '/v1',
    tokens: [{file: 'qwen-a@example.com.json', token: oauthToken('qwen', 'a@example.com', {resource_url: 'portal.qwen.ai'})}],
  });
  after(() => qwen.close());

  it('sends the qwen OAuth header to the overridden API base', async () => {
    const completion = await openai(qwen).chat.completions.create({model: 'qwen3-coder-plus', messages: [{role: 'user', content: 'hi'}]});
    assert.equal(completion.object, 'chat.completion');
    const sent = qwen.upstream.requests.at(-1)!;
    assert.equal(sent.path, '/v1/chat/completions');
    assert.equal(sent.headers['x-dashscope-authtype'], 'qwen-oauth');
  });

  it('answers a non-stream chat request upstream sent as JSON', async () => {
    qwen.upstream.handler = (req, res) => sendJson(res, 200, chatCompletion(String(req.body?.model), 'json body'));
    const completion = await openai(qwen).chat.completions.create({model: 'qwen3-coder-flash', messages: [{role: 'user', content: 'hi'}]});
    assert.equal(completion.choices[0]?.message.content, 'json body');
  });
});
