// A whole answer repeats what a stream's runs spelled (core/joined-text-mask.ts maskAcrossKinds): a
// JSON answer, a Responses stream's `response.completed` (whose `output` the OpenAI SDK gives as the
// final response), a translated answer to a client that asked for no stream. A token whose start
// ends a text or a tool call's input and whose rest begins the next tool call's input was masked in
// the stream but went out whole in these: text and tool inputs were masked as groups of their own
// kind only. Every cut offset, in every answer shape (Anthropic, Chat, Responses, Gemini), then
// through a real proxy from a hostile upstream on 127.0.0.1.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {maskJoinedJson} from '../../source/core/joined-text-mask.js';
import {Redactor} from '../../source/core/redact.js';
import {API_KEY, oneAccountFixture, type ProxyFixture} from './fixture.js';
import {askRaw, claude, codexAccount, qwen, recoverable, responsesEvent, serve, tokenOf} from './rv-harness.js';

const token = tokenOf(claude);
const redactor = new Redactor([token]);

/** Every 5 characters of `text` but those a random hex id may hold. */
const windows = (text: string) => Array.from({length: Math.max(0, text.length - 4)}, (_, i) => text.slice(i, i + 5)).filter((window) => !/^[0-9a-f]+$/.test(window));
const leakedOf = (sent: string, rest: string) => {
  const texts = recoverable(sent);
  return windows(rest).find((window) => texts.some((text) => text.includes(window)));
};

/** An answer whose token is cut at `cut`: `lead` (a text, or a first tool call's input ending in a closed string) holds its start, a tool call's input its rest. */
type Shape = (start: string, rest: string, lead: 'text' | 'tool') => object;
const SHAPES: Record<string, Shape> = {
  anthropic: (start, rest, lead) => ({
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    content: [lead === 'text' ? {type: 'text', text: `see ${start}`} : {type: 'tool_use', id: 'toolu_0', name: 'run', input: {p: start}}, {type: 'tool_use', id: 'toolu_1', name: 'run', input: {q: `${rest} tail`}}],
    stop_reason: 'tool_use',
  }),
  chat: (start, rest, lead) => ({
    id: 'c1',
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: lead === 'text' ? `see ${start}` : null,
          tool_calls: [...(lead === 'tool' ? [{id: 'call_0', type: 'function', function: {name: 'run', arguments: JSON.stringify({p: start})}}] : []), {id: 'call_1', type: 'function', function: {name: 'run', arguments: JSON.stringify({q: `${rest} tail`})}}],
        },
        finish_reason: 'tool_calls',
      },
    ],
  }),
  responses: (start, rest, lead) => ({
    id: 'resp_1',
    object: 'response',
    status: 'completed',
    output: [
      lead === 'text' ? {id: 'msg_1', type: 'message', role: 'assistant', content: [{type: 'output_text', text: `see ${start}`, annotations: []}]} : {id: 'fc_0', type: 'function_call', call_id: 'call_0', name: 'run', arguments: JSON.stringify({p: start})},
      {id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'run', arguments: JSON.stringify({q: `${rest} tail`})},
    ],
  }),
  gemini: (start, rest, lead) => ({
    response: {candidates: [{content: {role: 'model', parts: [lead === 'text' ? {text: `see ${start}`} : {functionCall: {name: 'run', args: {p: start}}}, {functionCall: {name: 'run', args: {q: `${rest} tail`}}}]}, finishReason: 'STOP'}]},
  }),
};

describe('a whole answer: a token cut between a text or tool input and the next tool input', () => {
  for (const [name, shape] of Object.entries(SHAPES)) {
    for (const lead of ['text', 'tool'] as const) {
      it(`${name}, the start ending a ${lead === 'text' ? 'text' : 'tool input\'s closed string'}: every cut offset`, () => {
        for (let cut = 1; cut < token.length - 5; cut++) {
          const answer = JSON.stringify(shape(token.slice(0, cut), token.slice(cut), lead));
          const sent = maskJoinedJson(answer, redactor) ?? answer;
          const where = `cut ${cut}`;
          assert.equal(leakedOf(sent, token.slice(cut)), undefined, `${where}: ${sent}`);
          assert.ok(!sent.includes(token.slice(0, 12)), `${where}: ${sent}`);
          assert.ok(sent.includes(' tail'), `${where}: the rest of the input arrives: ${sent}`);
          JSON.parse(sent);
        }
      });
    }
  }

  it('control: an answer whose text and inputs spell nothing is left as it is', () => {
    for (const shape of Object.values(SHAPES)) {
      const answer = JSON.stringify(shape('the file', 'notes.txt', 'text'));
      assert.equal(maskJoinedJson(answer, redactor), undefined, answer);
    }
  });
});

describe('through a real proxy from a hostile upstream', () => {
  describe('pass-through', () => {
    let f: ProxyFixture;
    before(async () => (f = await oneAccountFixture(claude)));
    after(() => f.close());

    for (const cut of [3, 11, 12, 25]) {
      it(`an Anthropic JSON answer: text, then a tool input holding the rest (cut ${cut})`, async () => {
        serve(f, [JSON.stringify(SHAPES.anthropic!(token.slice(0, cut), token.slice(cut), 'text'))], 'whole', {'content-type': 'application/json'});
        const r = await askRaw(f, {model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
        assert.equal(r.status, 200, r.text);
        assert.equal(leakedOf(r.text, token.slice(cut)), undefined, r.text);
        assert.equal(JSON.parse(r.text).content[1].input.q, cut < 12 ? '…(redacted) tail' : ' tail');
      });
    }
  });

  describe('a Responses stream\'s response.completed', () => {
    const codexToken = 'cdxAccess-TOKEN_whole_0123456789abc';
    let f: ProxyFixture;
    before(async () => (f = await oneAccountFixture(codexAccount(codexToken))));
    after(() => f.close());

    for (const cut of [4, 11, 20]) {
      it(`two function calls, the token cut between them: the final response holds none of its rest (cut ${cut})`, async () => {
        const start = codexToken.slice(0, cut);
        const rest = codexToken.slice(cut);
        const calls = [
          {id: 'fc_0', type: 'function_call', call_id: 'call_0', name: 'run', arguments: JSON.stringify({p: start})},
          {id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'run', arguments: JSON.stringify({q: `${rest} tail`})},
        ];
        const events = [
          responsesEvent('response.created', {response: {id: 'resp_1', status: 'in_progress', output: []}}),
          ...calls.flatMap((call, i) => [
            responsesEvent('response.output_item.added', {output_index: i, item: {...call, arguments: ''}}),
            responsesEvent('response.function_call_arguments.delta', {output_index: i, item_id: call.id, delta: call.arguments}),
            responsesEvent('response.output_item.done', {output_index: i, item: call}),
          ]),
          responsesEvent('response.completed', {response: {id: 'resp_1', object: 'response', status: 'completed', output: calls}}),
        ];
        serve(f, events, 'trickle');
        const r = await askRaw(f, {model: 'gpt-5.2-codex', stream: true, input: 'hi'}, '/v1/responses');
        assert.equal(r.status, 200, r.text);
        assert.equal(leakedOf(r.text, rest), undefined, r.text);
      });
    }
  });

  describe('translated, a client that asked for no stream (Chat upstream → Claude Code)', () => {
    const qwenToken = tokenOf(qwen);
    let f: ProxyFixture;
    before(async () => (f = await oneAccountFixture(qwen)));
    after(() => f.close());

    for (const cut of [2, 11, 12, 20]) {
      it(`text, then a tool call holding the rest (cut ${cut}): the message's input holds none of it`, async () => {
        const answer = SHAPES.chat!(qwenToken.slice(0, cut), qwenToken.slice(cut), 'text');
        serve(f, [JSON.stringify({...answer, model: 'qwen3-coder-plus', created: 1})], 'whole', {'content-type': 'application/json'});
        const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
        const message = await client.messages.create({model: 'qwen3-coder-plus', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
        const input = message.content.find((block) => block.type === 'tool_use') as {input: {q: string}} | undefined;
        assert.equal(input?.input.q, cut < 12 ? '…(redacted) tail' : ' tail', JSON.stringify(message.content));
      });
    }
  });
});
