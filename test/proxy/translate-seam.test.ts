// The translation seam of the proxy's request path, proven with a tiny test-only translator
// (OpenAI Chat Completions client → Anthropic upstream): the real translators plug in the same way.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import OpenAI from 'openai';
import {findProvider} from '../../source/providers/table.js';
import {upstreamTargetFor} from '../../source/proxy/upstream.js';
import type {PairTranslator} from '../../source/proxy/translate/types.js';
import {answerByProtocol, sendJson} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

/** Just enough of Chat Completions ↔ Messages for text: what a real translator does, in miniature. */
const chatToMessages: PairTranslator = {
  client: 'openai-chat',
  upstream: 'anthropic',
  request(body, ctx) {
    return {
      body: {model: ctx.upstreamModel, max_tokens: 64, messages: body.messages, stream: ctx.clientStream},
      upstreamStream: ctx.clientStream,
      method: ctx.clientStream ? 'stream' : 'generate',
    };
  },
  stream(ctx) {
    let buffer = '';
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({id: 'chatcmpl-t', object: 'chat.completion.chunk', created: 0, model: ctx.clientModel, choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
    return {
      push(text) {
        buffer += text;
        let out = '';
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1];
          buffer = buffer.slice(end + 2);
          const event = data ? (JSON.parse(data) as {type: string; delta?: {type: string; text?: string}}) : undefined;
          if (event?.type === 'content_block_delta' && event.delta?.type === 'text_delta') out += chunk({content: event.delta.text}, null);
        }
        return out;
      },
      end: () => `${chunk({}, 'stop')}data: [DONE]\n\n`,
      fail: (message) => `data: ${JSON.stringify({error: {message}})}\n\n`,
    };
  },
  response(text, ctx) {
    const message = JSON.parse(text) as {content: {text: string}[]};
    return {
      id: 'chatcmpl-t',
      object: 'chat.completion',
      created: 0,
      model: ctx.clientModel,
      choices: [{index: 0, message: {role: 'assistant', content: message.content.map((c) => c.text).join('')}, finish_reason: 'stop'}],
      usage: {prompt_tokens: 3, completion_tokens: 2, total_tokens: 5},
    };
  },
  error(status, body) {
    const message = (JSON.parse(body) as {error?: {message?: string}}).error?.message ?? 'unknown';
    return {status, body: {error: {message: `translated: ${message}`, type: 'invalid_request_error'}}};
  },
};

const translators = (client: string, upstream: string) => (client === 'openai-chat' && upstream === 'anthropic' ? chatToMessages : undefined);
const openai = (url: string) => new OpenAI({apiKey: API_KEY, baseURL: `${url}/v1`, maxRetries: 0});

describe('a Chat Completions client on a Claude account, through a registered translator', async () => {
  const f = await proxyFixture({
    provider: 'claude',
    tokens: [
      {file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com')},
      {file: 'claude-b@example.com.json', token: oauthToken('claude', 'b@example.com')},
    ],
    translators,
  });
  after(() => f.close());

  it('non-streaming: the translator plans the Messages request and turns the answer into a chat completion', async () => {
    const completion = await openai(f.url).chat.completions.create({model: 'claude-opus-4-6', messages: [{role: 'user', content: 'hi'}]});
    assert.equal(completion.choices[0]?.message.content, 'Hello from upstream');
    assert.equal(completion.model, 'claude-opus-4-6');
    const sent = f.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v1/messages?beta=true', "the adapter's URL for (anthropic, generate)");
    assert.equal(sent.body?.max_tokens, 64);
    assert.equal(sent.body?.stream, false);
    assert.match(String(sent.headers.authorization), /^Bearer at-[ab]@example\.com-/);
    assert.equal(sent.headers['content-type'], 'application/json');
  });

  it('streaming: upstream SSE goes through stream().push/end to the client as chat chunks', async () => {
    const stream = await openai(f.url).chat.completions.create({model: 'claude-opus-4-6', stream: true, messages: [{role: 'user', content: 'hi'}]});
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(text, 'Hello from upstream');
    assert.equal(finish, 'stop');
    assert.equal(f.upstream.requests.at(-1)!.body?.stream, true);
  });

  it('an upstream failure before the first byte still fails over to the next account', async () => {
    const failing = new Set<string>();
    f.upstream.handler = (req, res) => {
      const bearer = String(req.headers.authorization);
      if (failing.size === 0) failing.add(bearer);
      if (failing.has(bearer)) return sendJson(res, 500, {type: 'error', error: {type: 'api_error', message: 'overloaded'}});
      return answerByProtocol(req, res);
    };
    const before = f.upstream.requests.length;
    const completion = await openai(f.url).chat.completions.create({model: 'claude-opus-4-6', messages: [{role: 'user', content: 'hi'}]});
    assert.equal(completion.choices[0]?.message.content, 'Hello from upstream');
    const tried = f.upstream.requests.slice(before).map((r) => String(r.headers.authorization));
    assert.equal(tried.length, 2);
    assert.notEqual(tried[0], tried[1], 'the second try used the other account');
    assert.ok(f.events.some((e) => e.type === 'failover'));
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
  });

  it("an upstream error that is the client's own reaches it through error(), in the client's protocol", async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 400, {type: 'error', error: {type: 'invalid_request_error', message: 'messages: at least one message is required'}});
    await assert.rejects(
      openai(f.url).chat.completions.create({model: 'claude-opus-4-6', messages: [{role: 'user', content: 'hi'}]}),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.message.includes('translated: messages: at least one message is required'),
    );
    f.upstream.handler = (req, res) => answerByProtocol(req, res);
  });
});

describe('without a translator for the pair', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com')}], translators: () => undefined});
  after(() => f.close());

  it('answers 400 saying which route the provider speaks, and calls no upstream', async () => {
    await assert.rejects(
      openai(f.url).chat.completions.create({model: 'claude-opus-4-6', messages: [{role: 'user', content: 'hi'}]}),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.message.includes('Claude does not speak this API and no translator bridges it; send its requests to /v1/messages'),
    );
    assert.equal(f.upstream.requests.length, 0);
  });
});

describe("Gemini's internal API targets (the gemini and antigravity adapters)", () => {
  for (const id of ['gemini', 'antigravity']) {
    it(`${id}: generateContent, streamGenerateContent?alt=sse and countTokens under v1internal`, () => {
      const row = findProvider(id)!;
      const token = {type: id, access_token: 'ya29.test-access-token'};
      const target = (method: 'generate' | 'stream' | 'count-tokens') => upstreamTargetFor(row, undefined, token, {protocol: 'gemini-internal', method}, {now: 0});
      assert.equal(target('generate').url, 'https://cloudcode-pa.googleapis.com/v1internal:generateContent');
      assert.equal(target('stream').url, 'https://cloudcode-pa.googleapis.com/v1internal:streamGenerateContent?alt=sse');
      assert.equal(target('count-tokens').url, 'https://cloudcode-pa.googleapis.com/v1internal:countTokens');
      assert.equal(target('generate').headers.authorization, 'Bearer ya29.test-access-token');
    });
  }
});

describe('count_tokens when the upstream cannot count', async () => {
  const unused = () => {
    throw new Error('not used by count_tokens');
  };
  /** A pair without countTokens: the proxy answers with its own estimate. */
  const messagesToChat: PairTranslator = {client: 'anthropic', upstream: 'openai-chat', request: unused, stream: unused, response: unused, error: unused};
  const f = await proxyFixture({
    provider: 'qwen',
    tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'a@example.com')}],
    translators: (client, upstream) => (client === 'anthropic' && upstream === 'openai-chat' ? messagesToChat : undefined),
  });
  after(() => f.close());

  it('answers an estimate of the input tokens without calling the upstream', async () => {
    const text = 'x'.repeat(400);
    const response = await fetch(`${f.url}/api/provider/qwen/v1/messages/count_tokens`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json'},
      body: JSON.stringify({model: 'qwen3-coder-plus', messages: [{role: 'user', content: text}]}),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as {input_tokens: number};
    assert.ok(body.input_tokens >= 100 && body.input_tokens < 150, String(body.input_tokens));
    assert.equal(f.upstream.requests.length, 0);
  });
});
