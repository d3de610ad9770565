// A pass-through body over 4 MB is streamed to the upstream with only its model changed (body.ts),
// so reasoning this proxy tagged for another upstream went through unparsed, and the upstream
// answered 400. When the bytes read before streaming hold a tag, the body is read whole and the tag
// taken out, as for a small body (prepare.ts streamedHeadHoldsTag, translate/foreign-thinking.ts).
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {startFakeInference} from '../helpers/fake-inference/server.js';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';
import {UPSTREAMS} from './upstream-cases.js';

/** Over STREAM_ABOVE_BYTES (4 MB) on its own. */
const LARGE = 'x'.repeat(5 * 1024 * 1024);

describe('Claude Code back on Claude with a 5 MB conversation that holds another provider\'s thinking', async () => {
  const upstream = await startFakeInference({script: () => ({text: 'back on Claude'})});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'c@example.com')}], upstream});
  after(() => f.close());

  it('is served: the foreign thinking is taken out', async () => {
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    const message = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [
        {role: 'user', content: 'first'},
        {role: 'assistant', content: [{type: 'thinking', thinking: 'kimi thought', signature: 'ccs1:openai-chat:'}, {type: 'text', text: 'kimi answer'}]},
        {role: 'user', content: LARGE},
      ],
    });
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'back on Claude');
    assert.deepEqual(upstream.refusals, []);
    const sent = upstream.requests.at(-1)!.body as {messages: {content: unknown}[]};
    assert.deepEqual(sent.messages[1]!.content, [{type: 'text', text: 'kimi answer'}]);
  });
});

describe('a 5 MB Chat conversation from Cloud Code sent to AI Studio (passed through)', async () => {
  const upstream = await startFakeInference({geminiApiKey: UPSTREAMS.aistudio!.geminiApiKey, script: () => ({text: 'served'})});
  const f = await proxyFixture({provider: 'aistudio', upstream, tokens: [{file: 'aistudio-a.json', token: UPSTREAMS.aistudio!.token}]});
  after(() => f.close());

  it('is served: the call\'s signature from Cloud Code is replaced by the value Google allows', async () => {
    const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/aistudio/v1`, maxRetries: 0});
    const call = {id: 'call_1', type: 'function' as const, function: {name: 'Read', arguments: '{}'}, extra_content: {google: {thought_signature: 'ccs1:gemini-internal:gemini-call-sig'}}};
    const answer = await openai.chat.completions.create({
      model: 'gemini-3-flash-preview',
      tools: [{type: 'function', function: {name: 'Read', parameters: {type: 'object'}}}],
      messages: [
        {role: 'user', content: 'read it'},
        {role: 'assistant', content: null, tool_calls: [call]} as OpenAI.Chat.ChatCompletionMessageParam,
        {role: 'tool', tool_call_id: 'call_1', content: LARGE},
      ],
    });
    assert.equal(answer.choices[0]!.message.content, 'served');
    assert.deepEqual(upstream.refusals, []);
  });
});

/**
 * A conversation whose earlier turn Kimi's Anthropic endpoint answered, its thinking signed Kimi's own
 * way and passed through to the client as Kimi made it (no tag says whose it is), then `content`.
 */
const afterKimi = (content: string): Anthropic.MessageParam[] => [
  {role: 'user', content: 'first'},
  {role: 'assistant', content: [{type: 'thinking', thinking: 'kimi thought', signature: 'sig-kimi-1'}, {type: 'text', text: 'kimi answer'}]},
  {role: 'user', content},
];

describe('a 5 MB conversation whose earlier thinking Kimi signed, sent on to Claude (reasoning only the refusal shows)', async () => {
  const upstream = await startFakeInference({script: () => ({text: 'back on Claude'})});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'c@example.com')}], upstream});
  after(() => f.close());
  const post = (content: string) =>
    fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: afterKimi(content),
      }),
    });
  const holdsThinking = (request: {body?: unknown}) => JSON.stringify(request.body).includes('"type":"thinking"');

  it('the first try, streamed upstream as it came, gets Claude\'s refusal, and the log says why it was not sent again', async () => {
    const response = await post(LARGE);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /signature/);
    assert.equal(upstream.requests.length, 1);
    assert.match(f.proxy.status().lastError?.message ?? '', /over 4 MB, was streamed upstream as it came and cannot be sent again without that reasoning; Claude's next large requests are read whole/);
  });

  it('the client\'s next try is read whole: sent again without Kimi\'s thinking, and served', async () => {
    const response = await post(LARGE);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /back on Claude/);
    assert.deepEqual(upstream.requests.slice(1).map(holdsThinking), [true, false], 'refused with the thinking, served without');
  });

  it('a body too large to read whole (over 32 MB) is still streamed, not refused with a 413', async () => {
    const {MAX_PARSED_BODY_BYTES} = await import('../../source/proxy/body.js');
    const before = upstream.requests.length;
    const response = await post('y'.repeat(MAX_PARSED_BODY_BYTES + 1024));
    assert.equal(response.status, 400, 'Claude\'s refusal, as before the mark');
    assert.equal(upstream.requests.length - before, 1);
  });
});

describe('a refusal of reasoning met on a small request: the same conversation, grown past 4 MB, is read whole', async () => {
  const upstream = await startFakeInference({script: () => ({text: 'back on Claude'})});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'c@example.com')}], upstream});
  after(() => f.close());

  it('its first large turn is sent again without the thinking and served', async () => {
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    const ask = (content: string) =>
      client.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: afterKimi(content),
      });
    const textOf = (message: Anthropic.Message) => (message.content[0]?.type === 'text' ? message.content[0].text : '');
    assert.equal(textOf(await ask('small')), 'back on Claude');
    assert.equal(upstream.requests.length, 2, 'refused, then sent again');
    assert.equal(textOf(await ask(LARGE)), 'back on Claude');
    assert.equal(upstream.requests.length, 4, 'the large one too: refused, then sent again');
  });
});

describe('streamedHeadHoldsTag', () => {
  it('reads a body whole only for a string that starts with a tag, cut across reads or not, and never one too large to read whole', async () => {
    const {streamedHeadHoldsTag} = await import('../../source/proxy/prepare.js');
    const {MAX_PARSED_BODY_BYTES} = await import('../../source/proxy/body.js');
    const chunks = (...texts: string[]) => texts.map((text) => Buffer.from(text));
    const small = 5 * 1024 * 1024;
    assert.equal(streamedHeadHoldsTag('messages', chunks('{"signature":"ccs1:openai-chat:abc"}'), small), true);
    assert.equal(streamedHeadHoldsTag('messages', chunks('{"signature":"cc', 's1:openai-chat:abc"}'), small), true, 'cut across two reads');
    assert.equal(streamedHeadHoldsTag('messages', chunks('{"signature":"', 'ccs1:x"}'), small), true, 'cut at the quote');
    // A person's words about the prefix are not a tag.
    assert.equal(streamedHeadHoldsTag('messages', chunks('{"content":"what does ccs1: mean in my logs?"}'), small), false);
    // Too large to read whole: streamed as before (the upstream's answer rather than a 413).
    assert.equal(streamedHeadHoldsTag('messages', chunks('{"signature":"ccs1:openai-chat:abc"}'), MAX_PARSED_BODY_BYTES + 1), false);
    // Chat and Responses bodies too.
    assert.equal(streamedHeadHoldsTag('chat-completions', chunks('{"thought_signature":"ccs1:gemini-internal:x"}'), small), true);
    assert.equal(streamedHeadHoldsTag('responses', chunks('{"encrypted_content":"ccs1:anthropic:x"}'), small), true);
  });
});
