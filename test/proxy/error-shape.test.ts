// Errors the proxy words itself (an unreachable upstream, an encoding it cannot check, a provider's
// own error code) reach the client in the shape of the client's protocol: OpenAI's
// `{error: {message, type, param, code}}` on /v1/chat/completions and /v1/responses, Anthropic's
// `{type: "error", error: {type, message}}` on /v1/messages, on the root routes and the
// /api/provider/<p>/ routes alike, whether the provider is served as is or through a translator.
import assert from 'node:assert/strict';
import {createServer, type AddressInfo, type Socket} from 'node:net';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {REFUSED_PORT, sendJson} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

const openai = (f: ProxyFixture, base: string) => new OpenAI({apiKey: API_KEY, baseURL: `${f.url}${base}`, maxRetries: 0});
const anthropic = (f: ProxyFixture, base = '') => new Anthropic({apiKey: API_KEY, baseURL: `${f.url}${base}`, maxRetries: 0});

/** What an OpenAI SDK client sees of a failed Chat Completions request. */
async function chatFailure(f: ProxyFixture, base: string, model: string): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await openai(f, base)
    .chat.completions.create({model, messages: [{role: 'user', content: 'hi'}]})
    .then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof OpenAI.APIError, `an API error, got ${String(error)}`);
  return error;
}

/** What an Anthropic SDK client sees of a failed Messages request. */
async function messagesFailure(f: ProxyFixture, model: string, base = ''): Promise<InstanceType<typeof Anthropic.APIError>> {
  const error = await anthropic(f, base)
    .messages.create({model, max_tokens: 8, messages: [{role: 'user', content: 'hi'}]})
    .then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof Anthropic.APIError, `an API error, got ${String(error)}`);
  return error;
}

/** The raw answer to a POST, for its exact body shape. */
async function post(f: ProxyFixture, path: string, body: Record<string, unknown>): Promise<{status: number; json: Record<string, unknown>; text: string}> {
  const response = await fetch(`${f.url}${path}`, {
    method: 'POST',
    headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {status: response.status, json: JSON.parse(text) as Record<string, unknown>, text};
}

/** An OpenAI error body: `{error: {message, type, param, code}}` and nothing of Anthropic's shape. */
function assertOpenAiShape(json: Record<string, unknown>, message: RegExp): void {
  assert.deepEqual(Object.keys(json), ['error'], JSON.stringify(json));
  const error = json.error as Record<string, unknown>;
  assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type'], JSON.stringify(json));
  assert.match(String(error.message), message);
  assert.equal(typeof error.type, 'string');
}

/** An Anthropic error body: `{type: "error", error: {type, message}}`. */
function assertAnthropicShape(json: Record<string, unknown>, message: RegExp): void {
  assert.equal(json.type, 'error', JSON.stringify(json));
  const error = json.error as Record<string, unknown>;
  assert.match(String(error.message), message);
  assert.equal(typeof error.type, 'string');
}

const CHAT = {model: 'gemini-2.5-flash', messages: [{role: 'user', content: 'hi'}]};
const AISTUDIO_KEY = 'AIzaSyTestKey0123456789';
const REFUSED = /^cannot reach 127\.0\.0\.1:\d+: connection refused$/;

describe('an unreachable upstream on a pass-through provider (aistudio speaks Chat Completions)', async () => {
  const dead = REFUSED_PORT;
  const f = await proxyFixture({
    provider: 'aistudio',
    tokens: [{file: 'aistudio-key.json', token: {type: 'aistudio', api_key: AISTUDIO_KEY}}],
    endpoints: {aistudio: {api: `http://127.0.0.1:${dead}`}},
  });
  after(() => f.close());

  for (const base of ['/api/provider/aistudio/v1', '/v1']) {
    it(`${base}/chat/completions: 502 in OpenAI's shape, the cause in error.message`, async () => {
      const error = await chatFailure(f, base, 'gemini-2.5-flash');
      assert.equal(error.status, 502);
      assert.match(String((error.error as {message?: string}).message), REFUSED);
      const raw = await post(f, `${base}/chat/completions`, CHAT);
      assert.equal(raw.status, 502);
      assertOpenAiShape(raw.json, REFUSED);
    });
  }

  it('/v1/responses (translated to Chat): 502 in OpenAI\'s shape', async () => {
    const raw = await post(f, '/api/provider/aistudio/v1/responses', {model: 'gemini-2.5-flash', input: 'hi'});
    assert.equal(raw.status, 502);
    assertOpenAiShape(raw.json, REFUSED);
  });

  it("/v1/messages (translated to Chat): 502 in Anthropic's shape", async () => {
    const error = await messagesFailure(f, 'gemini-2.5-flash', '/api/provider/aistudio');
    assert.equal(error.status, 502);
    assertAnthropicShape(error.error as Record<string, unknown>, REFUSED);
  });
});

describe('an unreachable upstream on a translated provider (claude speaks Messages)', async () => {
  const dead = REFUSED_PORT;
  const f = await proxyFixture({
    provider: 'claude',
    tokens: [{file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com')}],
    endpoints: {claude: {api: `http://127.0.0.1:${dead}`}},
  });
  after(() => f.close());

  for (const base of ['/api/provider/claude/v1', '/v1']) {
    it(`${base}/chat/completions: 502 in OpenAI's shape`, async () => {
      const error = await chatFailure(f, base, 'claude-sonnet-4-5-20250929');
      assert.equal(error.status, 502);
      assert.match(String((error.error as {message?: string}).message), REFUSED);
      const raw = await post(f, `${base}/chat/completions`, {...CHAT, model: 'claude-sonnet-4-5-20250929'});
      assertOpenAiShape(raw.json, REFUSED);
    });
  }

  it("/v1/messages (pass-through): 502 in Anthropic's shape", async () => {
    const error = await messagesFailure(f, 'claude-sonnet-4-5-20250929');
    assert.equal(error.status, 502);
    assertAnthropicShape(error.error as Record<string, unknown>, REFUSED);
  });
});

describe('an upstream answer in an encoding the proxy cannot check', async () => {
  const f = await proxyFixture({provider: 'aistudio', tokens: [{file: 'aistudio-key.json', token: {type: 'aistudio', api_key: AISTUDIO_KEY}}]});
  after(() => f.close());
  f.upstream.handler = (_req, res) => {
    res.writeHead(200, {'content-type': 'application/json', 'content-encoding': 'zstd'});
    res.end(`{"echo":"${AISTUDIO_KEY}"}`);
  };
  const refused = /content encoding the proxy cannot check \(zstd\)/;

  it("chat completions (pass-through): 502 in OpenAI's shape, the body never forwarded", async () => {
    const error = await chatFailure(f, '/api/provider/aistudio/v1', 'gemini-2.5-flash');
    assert.equal(error.status, 502);
    assert.match(String((error.error as {message?: string}).message), refused);
    const raw = await post(f, '/v1/chat/completions', CHAT);
    assertOpenAiShape(raw.json, refused);
    assert.ok(!raw.text.includes(AISTUDIO_KEY), raw.text);
  });

  it("messages (translated): 502 in Anthropic's shape", async () => {
    const error = await messagesFailure(f, 'gemini-2.5-flash');
    assert.equal(error.status, 502);
    assertAnthropicShape(error.error as Record<string, unknown>, refused);
  });
});

describe("a provider's own error code, worded by the proxy (iFlow 514 inside a 200)", async () => {
  const key = 'iflow-key-0123456789abcdef';
  const f = await proxyFixture({provider: 'iflow', apiPath: '/v1', tokens: accountTokens('iflow', ['a@example.com'], () => ({api_key: key}))});
  after(() => f.close());
  // iFlow echoes the key it was sent: the proxy's wording of the error must still mask it.
  f.upstream.handler = (req, res) => sendJson(res, 200, {status: '514', msg: `model broke for ${String(req.headers.authorization)}`});
  const named = /^iFlow error 514: model error \(model broke for Bearer .*redacted.*\)$/;

  it("chat completions (pass-through): 502 in OpenAI's shape, the key masked", async () => {
    const error = await chatFailure(f, '/v1', 'qwen3-coder-plus');
    assert.equal(error.status, 502);
    assert.match(String((error.error as {message?: string}).message), named);
    const raw = await post(f, '/api/provider/iflow/v1/chat/completions', {...CHAT, model: 'qwen3-coder-plus'});
    assert.equal(raw.status, 502);
    assertOpenAiShape(raw.json, named);
    assert.ok(!raw.text.includes(key), raw.text);
  });

  it("messages (translated): the named status in Anthropic's shape, the key masked", async () => {
    const raw = await post(f, '/v1/messages', {model: 'qwen3-coder-plus', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(raw.status, 502);
    assertAnthropicShape(raw.json, named);
    assert.ok(!raw.text.includes(key), raw.text);
  });
});

// ATTACK (s39): 101 (nothing asked for an upgrade), 600 and 999 were passed on as they came, logged as
// successes; the 101 left its client waiting for a body.
for (const [code, reason] of [
  ['099', 'Odd'],
  ['101', 'Switching Protocols'],
  ['600', 'Unknown'],
  ['999', 'Unknown'],
] as const) {
  describe(`an upstream status no response can carry (${code}), on a pass-through Chat route`, async () => {
    const sockets = new Set<Socket>();
    const upstream = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.once('data', () => socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const f = await proxyFixture({
      provider: 'aistudio',
      tokens: [{file: 'aistudio-key.json', token: {type: 'aistudio', api_key: AISTUDIO_KEY}}],
      endpoints: {aistudio: {api: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`}},
    });
    after(async () => {
      await f.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => upstream.close(resolve));
    });

    it("502 in OpenAI's shape naming the status, at once", {timeout: 10_000}, async () => {
      const error = await chatFailure(f, '/api/provider/aistudio/v1', 'gemini-2.5-flash');
      assert.equal(error.status, 502);
      assert.match(String((error.error as {message?: string}).message), new RegExp(`invalid status code \\(${Number(code)}\\)`));
    });
  });
}

describe("the proxy's own refusals on OpenAI routes", async () => {
  const f = await proxyFixture({provider: 'aistudio', tokens: [{file: 'aistudio-key.json', token: {type: 'aistudio', api_key: AISTUDIO_KEY}}]});
  after(() => f.close());

  it("an unknown provider on /api/provider/<p>/v1/chat/completions: 404 in OpenAI's shape", async () => {
    const raw = await post(f, '/api/provider/nosuch/v1/chat/completions', CHAT);
    assert.equal(raw.status, 404);
    assertOpenAiShape(raw.json, /unknown provider "nosuch"/);
  });

  it("a request without a model on /v1/responses: 400 in OpenAI's shape", async () => {
    const raw = await post(f, '/v1/responses', {input: 'hi'});
    assert.equal(raw.status, 400);
    assertOpenAiShape(raw.json, /model/);
  });

  it("a wrong method on /v1/models without anthropic-version: 405 in OpenAI's shape (as its list is)", async () => {
    const response = await fetch(`${f.url}/v1/models`, {method: 'DELETE', headers: {authorization: `Bearer ${API_KEY}`}});
    assert.equal(response.status, 405);
    assertOpenAiShape((await response.json()) as Record<string, unknown>, /use GET/);
  });
});
