// A Chat client on Gemini (Cloud Code or the native API): the thought signature Gemini puts on a
// function call reaches the client on that call, where Google's own OpenAI-compatible API puts it
// (`extra_content.google.thought_signature`, tagged with the upstream), and goes back on the call in
// the next request. Gemini 3 checks it; without it the proxy can only send the value Google allows
// for history it did not make, which loses the model's reasoning across the tool call.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {TranslateContext} from '../../../source/proxy/translate/types.js';
import {pairFor, sse} from '../../helpers/openai-sdk.js';
import {runStream, sseEvents} from '../../helpers/translate-stream.js';

const context = (clientStream: boolean): TranslateContext => ({clientModel: 'my-model', upstreamModel: 'gemini-3-pro-preview', clientStream, project: 'proj-1'});
const request = (stream: boolean) => ({
  model: 'my-model',
  stream,
  messages: [{role: 'user', content: 'Read a.txt and b.txt'}],
  tools: [{type: 'function', function: {name: 'Read', parameters: {type: 'object', properties: {path: {type: 'string'}}}}}],
});

/** Gemini's answer: a signed text part, then two calls, the first signed (as Gemini 3 signs parallel calls). */
const parts = [
  {text: 'Reading both.', thoughtSignature: 'c2lnLXRleHQ='},
  {functionCall: {name: 'Read', args: {path: 'a.txt'}}, thoughtSignature: 'c2lnLWNhbGw='},
  {functionCall: {name: 'Read', args: {path: 'b.txt'}}},
];
const answer = (envelope: boolean) => {
  const response = {responseId: 'r1', candidates: [{content: {role: 'model', parts}, finishReason: 'STOP'}], usageMetadata: {promptTokenCount: 9, candidatesTokenCount: 4}};
  return envelope ? {response} : response;
};

type Call = {id: string; function: {name: string; arguments: string}; extra_content?: {google: {thought_signature: string}}};

describe('Chat client ← Gemini: the signature of a call is on that call', () => {
  for (const upstream of ['gemini-internal', 'gemini-native'] as const) {
    const translator = pairFor('openai-chat', upstream);
    const envelope = upstream === 'gemini-internal';

    it(`${upstream}, streaming: the first call carries it, the second and the text do not`, () => {
      const written = runStream(translator.stream(context(true)), sse(undefined, answer(envelope)), [5, 11]).join('');
      const calls = sseEvents(written)
        .flatMap(({data}) => (typeof data === 'object' && data !== null && 'choices' in data ? (data as {choices: {delta: {tool_calls?: Call[]; content?: string}}[]}).choices : []))
        .flatMap((choice) => choice.delta.tool_calls ?? [])
        .filter((call) => call.id !== undefined);
      assert.deepEqual(
        calls.map((call) => call.extra_content?.google.thought_signature ?? null),
        [`ccs1:${upstream}:c2lnLWNhbGw=`, null],
      );
      assert.doesNotMatch(written, /c2lnLXRleHQ=/, 'a text part has no place for its signature');
    });

    it(`${upstream}, not streaming: the same in the chat.completion`, () => {
      const body = translator.response(JSON.stringify(answer(envelope)), context(false)) as {choices: {message: {tool_calls: Call[]}}[]};
      const calls = body.choices[0]!.message.tool_calls;
      assert.deepEqual(
        calls.map((call) => call.extra_content?.google.thought_signature ?? null),
        [`ccs1:${upstream}:c2lnLWNhbGw=`, null],
      );
      assert.deepEqual(calls.map((call) => JSON.parse(call.function.arguments)), [{path: 'a.txt'}, {path: 'b.txt'}]);
    });

    it(`${upstream}: the next request puts it back on its call; a foreign or missing one is not sent`, () => {
      const assistant = (signature: string | undefined) => ({
        role: 'assistant',
        content: null,
        tool_calls: [
          {id: 'call_a', type: 'function', function: {name: 'Read', arguments: '{"path":"a.txt"}'}, ...(signature ? {extra_content: {google: {thought_signature: signature}}} : {})},
          {id: 'call_b', type: 'function', function: {name: 'Read', arguments: '{"path":"b.txt"}'}},
        ],
      });
      const signaturesSent = (signature: string | undefined) => {
        const messages = [...request(false).messages, assistant(signature), {role: 'tool', tool_call_id: 'call_a', content: 'A'}, {role: 'tool', tool_call_id: 'call_b', content: 'B'}];
        const plan = translator.request({...request(false), messages}, context(false));
        const body = (envelope ? plan.body.request : plan.body) as {contents: {role: string; parts: {functionCall?: unknown; thoughtSignature?: string}[]}[]};
        return body.contents.flatMap((turn) => turn.parts.filter((part) => part.functionCall !== undefined).map((part) => part.thoughtSignature ?? null));
      };
      assert.deepEqual(signaturesSent(`ccs1:${upstream}:c2lnLWNhbGw=`), ['c2lnLWNhbGw=', null]);
      // Made by another upstream, by no proxy (a raw one), or none at all: Google's value for history it did not make.
      const other = upstream === 'gemini-internal' ? 'gemini-native' : 'gemini-internal';
      for (const foreign of [`ccs1:${other}:c2lnLWNhbGw=`, 'ccs1:anthropic:c2ln', 'c2lnLWNhbGw=', undefined]) {
        assert.deepEqual(signaturesSent(foreign), ['skip_thought_signature_validator', null], String(foreign));
      }
    });
  }
});

describe('Chat client on other upstreams: no extra_content', () => {
  it('an Anthropic signature never lands on a call', () => {
    const translator = pairFor('openai-chat', 'anthropic');
    const events = [
      sse('message_start', {type: 'message_start', message: {id: 'msg_1', model: 'claude', usage: {input_tokens: 3, output_tokens: 0}}}),
      sse('content_block_start', {type: 'content_block_start', index: 0, content_block: {type: 'thinking', thinking: ''}}),
      sse('content_block_delta', {type: 'content_block_delta', index: 0, delta: {type: 'thinking_delta', thinking: 'hmm'}}),
      sse('content_block_delta', {type: 'content_block_delta', index: 0, delta: {type: 'signature_delta', signature: 'QW50aHJvcGlj'}}),
      sse('content_block_stop', {type: 'content_block_stop', index: 0}),
      sse('content_block_start', {type: 'content_block_start', index: 1, content_block: {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {}}}),
      sse('content_block_delta', {type: 'content_block_delta', index: 1, delta: {type: 'input_json_delta', partial_json: '{"path":"a"}'}}),
      sse('content_block_stop', {type: 'content_block_stop', index: 1}),
      sse('message_delta', {type: 'message_delta', delta: {stop_reason: 'tool_use'}, usage: {output_tokens: 5}}),
      sse('message_stop', {type: 'message_stop'}),
    ].join('');
    const written = runStream(translator.stream({...context(true), upstreamModel: 'claude-sonnet-4-5'}), events).join('');
    assert.match(written, /"tool_calls"/);
    assert.doesNotMatch(written, /extra_content|QW50aHJvcGlj/);
  });
});
