// A token cut where one tool call's input ends and the next one's begins (sse-run-mask.ts with
// core/text-run-mask.ts; translated streams: translate/tool-input-boundary.test.ts): the client
// shows one input's keys and values after the other. The rest of the token went out as it came
// when the first input's string was closed (`{"p":"sk-ant-o"}`: its run ended on `"}`, no tail
// was carried) or when a text run ended on the start and the first tool input did not go on with
// it (`{}`: the carry was spent on it). In every pass-through protocol, every cut offset, then
// through a real proxy from a hostile upstream on 127.0.0.1 (pass-through, and Chat → Claude Code).
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {Redactor} from '../../source/core/redact.js';
import {API_KEY, oneAccountFixture, type ProxyFixture} from './fixture.js';
import {askRaw, claude, maskedSse, msgReq, qwen, recoverable, serve, sse, tokenOf, type Mode} from './rv-harness.js';

const token = tokenOf(claude);
const redactor = new Redactor([token]);

/** Every 5 characters of `text` but those a random hex id may hold. */
const windows = (text: string) => Array.from({length: Math.max(0, text.length - 4)}, (_, i) => text.slice(i, i + 5)).filter((window) => !/^[0-9a-f]+$/.test(window));
/** The first 5 characters of `rest` some text the client reads holds (undefined: none). */
const leakedOf = (sent: string, rest: string) => {
  const texts = recoverable(sent);
  return windows(rest).find((window) => texts.some((text) => text.includes(window)));
};

/** How a pass-through protocol streams text and tool calls (each call's arguments in pieces), and ends. */
interface Protocol {
  text(text: string, index: number): string;
  tool(index: number, pieces: string[], closed: boolean): string;
  end: string;
}

const chatChunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
const event = (type: string, data: object) => sse(type, {type, ...data});

const PROTOCOLS: Record<string, Protocol> = {
  chat: {
    text: (text) => chatChunk({content: text}),
    tool: (i, pieces) => [chatChunk({tool_calls: [{index: i, id: `call_${i}`, type: 'function', function: {name: 'run', arguments: ''}}]}), ...pieces.map((piece) => chatChunk({tool_calls: [{index: i, function: {arguments: piece}}]}))].join(''),
    end: chatChunk({}, 'tool_calls') + 'data: [DONE]\n\n',
  },
  anthropic: {
    text: (text, index) => event('content_block_start', {index, content_block: {type: 'text', text: ''}}) + event('content_block_delta', {index, delta: {type: 'text_delta', text}}) + event('content_block_stop', {index}),
    tool: (index, pieces, closed) =>
      event('content_block_start', {index, content_block: {type: 'tool_use', id: `toolu_${index}`, name: 'run', input: {}}}) +
      pieces.map((partial_json) => event('content_block_delta', {index, delta: {type: 'input_json_delta', partial_json}})).join('') +
      (closed ? event('content_block_stop', {index}) : ''),
    end: event('message_delta', {delta: {stop_reason: 'tool_use', stop_sequence: null}, usage: {output_tokens: 2}}) + event('message_stop', {}),
  },
  responses: {
    text: (text, i) =>
      event('response.output_item.added', {output_index: i, item: {id: 'msg_1', type: 'message', role: 'assistant', content: []}}) +
      event('response.output_text.delta', {output_index: i, content_index: 0, item_id: 'msg_1', delta: text}) +
      event('response.output_item.done', {output_index: i, item: {id: 'msg_1', type: 'message', role: 'assistant', content: [{type: 'output_text', text}]}}),
    tool: (i, pieces, closed) => {
      const item = {id: `fc_${i}`, type: 'function_call', call_id: `call_${i}`, name: 'run'};
      return (
        event('response.output_item.added', {output_index: i, item: {...item, arguments: ''}}) +
        pieces.map((delta) => event('response.function_call_arguments.delta', {output_index: i, item_id: item.id, delta})).join('') +
        (closed ? event('response.function_call_arguments.done', {output_index: i, item_id: item.id, arguments: pieces.join('')}) + event('response.output_item.done', {output_index: i, item: {...item, arguments: pieces.join('')}}) : '')
      );
    },
    end: event('response.completed', {response: {id: 'resp_1', status: 'completed', output: []}}),
  },
};

/** Streams of a token cut at `cut` (its start ending a closed string, or a text; its rest in a later input), with or without the end. */
function streams(p: Protocol, cut: number, ended: boolean): Array<{name: string; body: string}> {
  const start = token.slice(0, cut);
  const second = (index: number) => p.tool(index, ['{"q":"', token.slice(cut, cut + 3), `${token.slice(cut + 3)} tail"}`], ended);
  const end = ended ? p.end : '';
  return [
    {name: 'the first input ends in the start, its string closed', body: p.tool(0, [`{"p":"${start}"}`], true) + second(1) + end},
    {name: 'a text ends in the start, the first input is {}', body: p.text(`see ${start}`, 0) + p.tool(1, ['{}'], true) + second(2) + end},
    {name: 'the first input ends in the start, unclosed, the second is {}', body: p.tool(0, [`{"p":"${start}`], true) + p.tool(1, ['{}'], true) + second(2) + end},
  ];
}

describe('pass-through: a token cut between two tool inputs', () => {
  for (const [name, protocol] of Object.entries(PROTOCOLS)) {
    for (const ended of [true, false]) {
      it(`${name}${ended ? '' : ', the stream ending after the second input'}: no cut offset leaks the token's rest`, () => {
        for (let cut = 1; cut < token.length - 5; cut++) {
          for (const {name: where, body} of streams(protocol, cut, ended)) {
            for (const size of [1 << 20, 7, 64]) {
              const sent = maskedSse(redactor, body, size);
              const leaked = leakedOf(sent, token.slice(cut));
              assert.equal(leaked, undefined, `${where}, cut ${cut}, ${size}-byte reads: the client reads "${leaked}" of the token's rest:\n${sent}`);
              assert.ok(sent.includes(' tail'), `${where}, cut ${cut}: the rest of the input arrives`);
            }
          }
        }
      });
    }
  }

  it('control: tool inputs that spell nothing pass byte-identical', () => {
    for (const [name, p] of Object.entries(PROTOCOLS)) {
      const body = p.text('Let me look at this', 0) + p.tool(1, ['{"path":"', 'notes.txt"}'], true) + p.tool(2, ['{"cmd":"ls"}'], true) + p.end;
      for (const size of [1 << 20, 7]) assert.equal(maskedSse(redactor, body, size), body, name);
    }
  });
});

describe('through a real proxy from a hostile upstream', () => {
  describe('Anthropic pass-through', () => {
    let f: ProxyFixture;
    before(async () => (f = await oneAccountFixture(claude)));
    after(() => f.close());

    for (const cut of [3, 11, 12, 25]) {
      for (const mode of ['whole', 'trickle'] as Mode[]) {
        it(`the first input's closed string ends in the token's start, the second holds its rest (cut ${cut}, ${mode})`, async () => {
          const p = PROTOCOLS.anthropic!;
          const body = [
            event('message_start', {message: {id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: {input_tokens: 1, output_tokens: 1}}}),
            ...streams(p, cut, true).map((s) => s.body),
          ];
          for (const stream of body.slice(1)) {
            serve(f, [body[0]!, stream], mode);
            const r = await askRaw(f, msgReq(true));
            assert.equal(r.status, 200, r.text);
            assert.equal(leakedOf(r.text, token.slice(cut)), undefined, r.text);
          }
        });
      }
    }
  });

  describe('Chat upstream → Claude Code (translated)', () => {
    const qwenToken = tokenOf(qwen);
    let f: ProxyFixture;
    before(async () => (f = await oneAccountFixture(qwen)));
    after(() => f.close());

    for (const cut of [2, 11, 12, 20]) {
      it(`two tool calls, the token cut between them; text, {} and a tool call (cut ${cut}): the SDK's tool inputs hold none of its rest`, async () => {
        const p = PROTOCOLS.chat!;
        const start = qwenToken.slice(0, cut);
        const rest = qwenToken.slice(cut);
        const second = (i: number) => p.tool(i, ['{"q":"', rest.slice(0, 3), `${rest.slice(3)} tail"}`], true);
        const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
        for (const body of [p.tool(0, [`{"p":"${start}"}`], true) + second(1) + p.end, p.text(`see ${start}`, 0) + p.tool(0, ['{}'], true) + second(1) + p.end]) {
          serve(f, [body], 'trickle');
          const message = await client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
          const inputs = message.content.filter((block) => block.type === 'tool_use').map((block) => (block as {input: {q?: string}}).input);
          assert.equal(inputs.length, 2, JSON.stringify(message.content));
          const q = inputs[1]!.q!;
          assert.equal(q, cut < 12 ? '…(redacted) tail' : ' tail', JSON.stringify(message.content));
          assert.ok(!JSON.stringify(message.content).includes(rest.slice(0, 5)), JSON.stringify(message.content));
        }
      });
    }
  });
});
