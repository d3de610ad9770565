// Google AI Studio on Gemini 3, which refuses (400 INVALID_ARGUMENT) a follow-up whose function call
// lacks the thought signature it gave (ai.google.dev "Thought signatures"). Translated clients
// (Claude Code's Messages, Codex CLI's Responses) were sent to Gemini's OpenAI-compatible Chat
// endpoint, where the signature rides in `extra_content` that the Chat translation dropped: the
// turn after the first tool call failed. They now go to the native Gemini API (key in
// x-goog-api-key), whose parts carry the signature back; Chat clients still pass through to the
// OpenAI-compatible endpoint with their own `extra_content`.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {AccountStore} from '../../source/store/accounts.js';
import {startFakeInference, type FakeInference} from '../helpers/fake-inference/server.js';
import {GEMINI_CALL_SIGNATURE} from '../helpers/fake-inference/turns.js';
import type {RecordedRequest} from '../helpers/fake-upstreams.js';
import {API_KEY, proxyFixture} from './fixture.js';

const KEY = 'AIzaSyS22GeminiThreeKey0123456789abcde';
const MODEL = 'gemini-3-flash-preview';
const READ_SCHEMA = {type: 'object' as const, properties: {file_path: {type: 'string', description: 'absolute path'}}, required: ['file_path']};
const READ_TOOL = {name: 'Read', description: 'Reads a file', input_schema: READ_SCHEMA};

type Json = Record<string, unknown>;
const nativeCalls = (upstream: FakeInference, from: number) => upstream.requests.slice(from).filter((r) => r.path.startsWith('/v1beta/models/'));
/** The functionCall parts a native request sends back, with their signatures. */
const sentCalls = (req: RecordedRequest) =>
  (req.body!.contents as {parts: Json[]}[]).flatMap((c) => c.parts).filter((p) => p.functionCall !== undefined);

/** The key went in x-goog-api-key only: no Bearer (an API key is not an OAuth token), never in the URL. */
function assertKeyHeader(requests: RecordedRequest[]) {
  assert.ok(requests.length > 0);
  for (const r of requests) {
    assert.equal(r.headers['x-goog-api-key'], KEY, r.url);
    assert.equal(r.headers.authorization, undefined, r.url);
    assert.ok(!r.url.includes(KEY), r.url);
  }
}

describe('aistudio on Gemini 3: Claude Code and Codex CLI tool loops go through the native Gemini API with their thought signatures', async () => {
  const upstream = await startFakeInference({geminiApiKey: KEY});
  const f = await proxyFixture({provider: 'aistudio', upstream, tokens: [{file: 'aistudio-key.json', token: {type: 'aistudio', api_key: KEY}}]});
  after(() => f.close());
  const anthropic = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
  const params = {model: MODEL, max_tokens: 128, tools: [READ_TOOL]};
  const followUp = (first: Anthropic.Message): Anthropic.MessageParam[] => {
    const call = first.content.find((block) => block.type === 'tool_use');
    assert.ok(call && call.type === 'tool_use' && call.name === 'Read', JSON.stringify(first.content));
    return [
      {role: 'user', content: 'read /etc/hostname'},
      {role: 'assistant', content: first.content},
      {role: 'user', content: [{type: 'tool_result', tool_use_id: call.id, content: 'box-42'}]},
    ];
  };
  const texts = (message: Anthropic.Message) => message.content.flatMap((b) => (b.type === 'text' ? [b.text] : []));

  it('Claude Code, streamed: the tool call, then the answer to its result; the signature went back on the call', async () => {
    const from = upstream.requests.length;
    const first = await anthropic.messages.stream({...params, messages: [{role: 'user', content: 'read /etc/hostname'}]}).finalMessage();
    assert.equal(first.stop_reason, 'tool_use');
    const second = await anthropic.messages.stream({...params, messages: followUp(first)}).finalMessage();
    assert.deepEqual(upstream.refusals, []);
    assert.equal(second.stop_reason, 'end_turn');
    assert.deepEqual(texts(second), ['Tool said: {"result":"box-42"}']);
    const sent = nativeCalls(upstream, from);
    assert.deepEqual(sent.map((r) => r.url), Array(2).fill(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`));
    assert.equal(upstream.requests.length - from, 2, 'nothing else was sent');
    assertKeyHeader(sent);
    assert.deepEqual(sentCalls(sent[1]!).map((p) => p.thoughtSignature), [GEMINI_CALL_SIGNATURE]);
  });

  it('Claude Code, not streamed: the same round trip through generateContent; count_tokens through countTokens', async () => {
    const from = upstream.requests.length;
    const first = await anthropic.messages.create({...params, messages: [{role: 'user', content: 'read /etc/hostname'}]});
    assert.equal(first.stop_reason, 'tool_use');
    const second = await anthropic.messages.create({...params, messages: followUp(first)});
    assert.deepEqual(upstream.refusals, []);
    assert.deepEqual(texts(second), ['Tool said: {"result":"box-42"}']);
    const count = await anthropic.messages.countTokens({model: MODEL, messages: [{role: 'user', content: 'hi'}]});
    assert.ok(count.input_tokens > 0);
    const sent = nativeCalls(upstream, from);
    assert.deepEqual(sent.map((r) => r.url), [`/v1beta/models/${MODEL}:generateContent`, `/v1beta/models/${MODEL}:generateContent`, `/v1beta/models/${MODEL}:countTokens`]);
    assertKeyHeader(sent);
    assert.deepEqual(sentCalls(sent[1]!).map((p) => p.thoughtSignature), [GEMINI_CALL_SIGNATURE]);
  });

  it('Codex CLI (Responses, streamed): the tool call, then the answer to its output', async () => {
    const from = upstream.requests.length;
    const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const tools = [{type: 'function' as const, name: 'Read', description: 'Reads a file', parameters: READ_SCHEMA, strict: false}];
    const request = {model: MODEL, instructions: 'You are Codex.', tools, store: false, include: ['reasoning.encrypted_content' as const]};
    const first = await openai.responses.stream({...request, input: 'read /etc/hostname'}).finalResponse();
    const call = first.output.find((item) => item.type === 'function_call');
    assert.ok(call && call.type === 'function_call' && call.name === 'Read', JSON.stringify(first.output));
    const input = [{role: 'user' as const, content: 'read /etc/hostname'}, ...first.output, {type: 'function_call_output' as const, call_id: call.call_id, output: 'box-42'}] as OpenAI.Responses.ResponseInput;
    const second = await openai.responses.stream({...request, input}).finalResponse();
    assert.deepEqual(upstream.refusals, []);
    assert.equal(second.output_text, 'Tool said: {"result":"box-42"}');
    const sent = nativeCalls(upstream, from);
    assert.deepEqual(sent.map((r) => r.url), Array(2).fill(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`));
    assertKeyHeader(sent);
    assert.deepEqual(sentCalls(sent[1]!).map((p) => p.thoughtSignature), [GEMINI_CALL_SIGNATURE]);
  });

  it("a signature Gemini did not make is refused once, then the turn goes again with Google's skip value; the key is in no answer or log", async () => {
    const first = await anthropic.messages.create({...params, messages: [{role: 'user', content: 'read /etc/hostname'}]});
    // A client that rewrote the signature the proxy handed it (the proxy's tag kept, its payload not Gemini's).
    const forged = first.content.map((block) => (block.type === 'thinking' ? {...block, signature: block.signature.replace(GEMINI_CALL_SIGNATURE, 'forged-sig')} : block));
    assert.ok(forged.some((block) => block.type === 'thinking'), JSON.stringify(first.content));
    const refusals = upstream.refusals.length;
    const from = upstream.requests.length;
    const second = await anthropic.messages.create({...params, messages: followUp({...first, content: forged})});
    assert.deepEqual(texts(second), ['Tool said: {"result":"box-42"}']);
    assert.equal(upstream.refusals.length, refusals + 1);
    assert.match(upstream.refusals.at(-1)!.message, /Corrupted thought signature/);
    const sent = nativeCalls(upstream, from);
    assert.equal(sent.length, 2, 'refused, then sent again');
    assert.deepEqual(sentCalls(sent[1]!).map((p) => p.thoughtSignature), ['skip_thought_signature_validator']);
    assert.ok(!JSON.stringify(second).includes(KEY));
    assert.ok(!JSON.stringify(f.events).includes(KEY), 'the key is in no proxy event');
    assert.ok(!JSON.stringify(f.events).includes(KEY.slice(0, 20)));
  });

  it('an OpenAI Chat client still passes through to the OpenAI-compatible endpoint, its extra_content as it sent it', async () => {
    const from = upstream.requests.length;
    const chat = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const signed = {id: 'call_1', type: 'function', function: {name: 'Read', arguments: '{"file_path":"/etc/hostname"}'}, extra_content: {google: {thought_signature: GEMINI_CALL_SIGNATURE}}};
    const answer = await chat.chat.completions.create({
      model: MODEL,
      tools: [{type: 'function', function: {name: 'Read', description: 'Reads a file', parameters: READ_SCHEMA}}],
      messages: [{role: 'user', content: 'read /etc/hostname'}, {role: 'assistant', content: null, tool_calls: [signed as OpenAI.Chat.ChatCompletionMessageToolCall]}, {role: 'tool', tool_call_id: 'call_1', content: 'box-42'}],
    });
    assert.equal(answer.choices[0]?.message.content, 'Tool said: box-42');
    const sent = upstream.requests.slice(from);
    assert.deepEqual(sent.map((r) => r.path), ['/v1beta/openai/chat/completions']);
    assert.equal(sent[0]!.headers.authorization, `Bearer ${KEY}`);
    assert.equal(sent[0]!.headers['x-goog-api-key'], undefined);
    assert.deepEqual((sent[0]!.body!.messages as Json[])[1], {role: 'assistant', content: null, tool_calls: [signed]});
  });
});

describe("aistudio: a token file's base_url moves both the native and the OpenAI-compatible calls", async () => {
  const upstream = await startFakeInference({geminiApiKey: KEY});
  // No tui.json endpoint for aistudio: the token file names the host.
  const f = await proxyFixture({provider: 'aistudio', upstream, endpoints: {}, tokens: [{file: 'aistudio-key.json', token: {type: 'aistudio', api_key: KEY, base_url: `${upstream.url}/`}}]});
  after(() => f.close());

  it('Claude Code goes native, a Chat client to /v1beta/openai, both at the token\'s host', async () => {
    const message = await new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0}).messages.create({model: MODEL, max_tokens: 16, messages: [{role: 'user', content: 'hi'}]});
    assert.deepEqual(message.content, [{type: 'text', text: 'Hello from gemini'}]);
    const chat = await new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0}).chat.completions.create({model: MODEL, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(chat.choices[0]?.message.content, 'Hello from openai-chat');
    assert.deepEqual(upstream.requests.map((r) => r.url), [`/v1beta/models/${MODEL}:generateContent`, '/v1beta/openai/chat/completions']);
    assert.deepEqual(upstream.refusals, []);
  });
});

describe('aistudio: a key the native Gemini API refuses (400 API_KEY_INVALID)', async () => {
  const upstream = await startFakeInference({geminiApiKey: KEY});
  const wrong = 'AIzaSyWrongKeyWrongKey0123456789abcdef';
  const f = await proxyFixture({provider: 'aistudio', upstream, tokens: [{file: 'aistudio-wrong.json', token: {type: 'aistudio', api_key: wrong}}]});
  after(() => f.close());

  it("marks the account key-rejected, as it did on the Chat endpoint's refusal; the key is in no answer, event or health detail", async () => {
    const error = await new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0}).messages.create({model: MODEL, max_tokens: 16, messages: [{role: 'user', content: 'hi'}]}).then(
      () => assert.fail('served with a wrong key'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof Anthropic.APIError, String(error));
    assert.ok(error.status !== undefined && error.status >= 400, String(error.status));
    assert.deepEqual(upstream.refusals.map((r) => r.message), ['API key not valid. Please pass a valid API key.']);
    assert.equal(upstream.requests[0]!.headers['x-goog-api-key'], wrong);
    const store = new AccountStore(f.ccs.paths);
    for (let i = 0; i < 40 && (await store.load()).accounts[0]?.health !== 'key-rejected'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const [account] = (await store.load()).accounts;
    assert.equal(account?.health, 'key-rejected');
    for (const text of [JSON.stringify(error.error), error.message, JSON.stringify(f.events), JSON.stringify(account)]) assert.ok(!text.includes(wrong), text);
  });
});
