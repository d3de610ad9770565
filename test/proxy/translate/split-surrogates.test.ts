// An upstream that splits an astral character (an emoji, a CJK extension ideograph) between two
// deltas sends each half as a lone UTF-16 surrogate (`"a\ud83d"`, then `"\ude00b"`). Passed on
// delta by delta, every client event carried a lone surrogate, which strict JSON readers refuse
// (Rust's serde_json, and so Codex CLI, stops the stream). Translated, the client gets whole
// characters in every event, in text, thinking and a tool call's arguments; a half that nothing
// completes goes out as U+FFFD.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {ApiProtocol} from '../../../source/providers/types.js';
import {translatorFor} from '../../../source/proxy/translate/index.js';
import {OpenAIChatReader} from '../../../source/proxy/translate/readers/openai-chat.js';
import type {TranslateContext} from '../../../source/proxy/translate/types.js';
import {runStream} from '../../helpers/translate-stream.js';

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const [HIGH, LOW] = ['😀'[0]!, '😀'[1]!];

/** Every string in the client's SSE events (data lines parsed), in order. */
function clientStrings(text: string): string[] {
  const strings: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') strings.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  for (const line of text.split('\n')) if (line.startsWith('data: ') && line !== 'data: [DONE]') walk(JSON.parse(line.slice(6)));
  return strings;
}

const chat = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({id: 'c1', model: 'm', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
const anthropic = (type: string, fields: object) => `event: ${type}\ndata: ${JSON.stringify({type, ...fields})}\n\n`;

/** Per upstream: thinking, text and a tool call's arguments, each with 😀 split between two deltas, and a lone half at the end of the text. */
const UPSTREAMS: Partial<Record<ApiProtocol, (tail: string) => string>> = {
  'openai-chat': (tail) =>
    chat({role: 'assistant', reasoning_content: `hmm ${HIGH}`}) +
    chat({reasoning_content: `${LOW} ok`}) +
    chat({content: `a${HIGH}`}) +
    chat({content: `${LOW}b${tail}`}) +
    chat({tool_calls: [{index: 0, id: 'call_1', type: 'function', function: {name: 'f', arguments: `{"x":"${HIGH}`}}]}) +
    chat({tool_calls: [{index: 0, function: {arguments: `${LOW}"}`}}]}) +
    chat({}, 'tool_calls') +
    'data: [DONE]\n\n',
  anthropic: (tail) =>
    anthropic('message_start', {message: {id: 'msg_1', model: 'm', usage: {input_tokens: 1, output_tokens: 0}}}) +
    anthropic('content_block_start', {index: 0, content_block: {type: 'thinking', thinking: ''}}) +
    anthropic('content_block_delta', {index: 0, delta: {type: 'thinking_delta', thinking: `hmm ${HIGH}`}}) +
    anthropic('content_block_delta', {index: 0, delta: {type: 'thinking_delta', thinking: `${LOW} ok`}}) +
    anthropic('content_block_delta', {index: 0, delta: {type: 'signature_delta', signature: 'sig'}}) +
    anthropic('content_block_stop', {index: 0}) +
    anthropic('content_block_start', {index: 1, content_block: {type: 'text', text: ''}}) +
    anthropic('content_block_delta', {index: 1, delta: {type: 'text_delta', text: `a${HIGH}`}}) +
    anthropic('content_block_delta', {index: 1, delta: {type: 'text_delta', text: `${LOW}b${tail}`}}) +
    anthropic('content_block_stop', {index: 1}) +
    anthropic('content_block_start', {index: 2, content_block: {type: 'tool_use', id: 'toolu_1', name: 'f', input: {}}}) +
    anthropic('content_block_delta', {index: 2, delta: {type: 'input_json_delta', partial_json: `{"x":"${HIGH}`}}) +
    anthropic('content_block_delta', {index: 2, delta: {type: 'input_json_delta', partial_json: `${LOW}"}`}}) +
    anthropic('content_block_stop', {index: 2}) +
    anthropic('message_delta', {delta: {stop_reason: 'tool_use'}, usage: {output_tokens: 3}}) +
    anthropic('message_stop', {}),
};

const context = (): TranslateContext => ({clientModel: 'client-model', upstreamModel: 'm', clientStream: true});

describe('an astral character split between two upstream deltas', () => {
  for (const [upstream, stream] of Object.entries(UPSTREAMS) as [ApiProtocol, (tail: string) => string][]) {
    for (const client of ['anthropic', 'openai-chat', 'openai-responses'] as const) {
      const pair = translatorFor(client, upstream);
      if (!pair) continue;
      it(`${upstream} → ${client}: no lone surrogate in any event; the characters whole`, () => {
        for (const sizes of [[100_000], [1, 3, 7, 2, 13, 5]]) {
          const strings = clientStrings(runStream(pair.stream(context()), stream(''), sizes).join(''));
          const lone = strings.find((s) => LONE.test(s));
          assert.equal(lone, undefined, `a lone surrogate went out: ${JSON.stringify(lone)}`);
          const joined = strings.join('\u0000');
          // The text run and the thinking run each carry the whole emoji in one event.
          assert.ok(strings.some((s) => s.includes('a') && s.includes('😀')) || joined.includes('😀b'), joined);
          // The arguments, whole, parse to the emoji (one event or several joined).
          assert.ok(joined.includes('😀') && (joined.includes('{"x":"😀"}') || joined.includes('😀"}') || joined.includes('"x":"😀"')), joined);
        }
      });
      it(`${upstream} → ${client}: a half that nothing completes goes out as U+FFFD`, () => {
        const strings = clientStrings(runStream(pair.stream(context()), stream(HIGH)).join(''));
        assert.equal(strings.find((s) => LONE.test(s)), undefined, JSON.stringify(strings));
        assert.ok(strings.some((s) => s.includes('\uFFFD')), JSON.stringify(strings));
      });
    }
  }
});

describe('lone halves the reader sees (TurnEmitter through the Chat reader)', () => {
  const read = (...deltas: object[]) => {
    const reader = new OpenAIChatReader();
    return [...deltas.flatMap((delta) => reader.push(chat(delta))), ...reader.push(chat({}, 'stop')), ...reader.end()];
  };
  const texts = (events: ReturnType<typeof read>) => events.filter((e) => e.type === 'text').map((e) => (e as {text: string}).text);

  it('a held high half the next delta does not complete: U+FFFD, then that delta as it came', () => {
    assert.deepEqual(texts(read({content: `a${HIGH}`}, {content: 'b'})), ['a', '\uFFFD', 'b']);
    assert.equal(texts(read({content: `a${HIGH}`}, {content: HIGH}, {content: `${HIGH}${LOW}`})).join(''), 'a\uFFFD\uFFFD😀');
  });

  it('a low half with no high before it, and a lone half inside a delta: U+FFFD', () => {
    assert.deepEqual(texts(read({content: `${LOW}b`})), ['\uFFFDb']);
    assert.deepEqual(texts(read({content: `x${LOW}y${HIGH}z`})), ['x\uFFFDy\uFFFDz']);
  });

  it('a half alone while a call is open closes the call as text does: every event in order, one end per call', () => {
    for (const events of [
      read({tool_calls: [{index: 0, id: 'c1', type: 'function', function: {name: 'f', arguments: '{"a":'}}]}, {content: HIGH}, {tool_calls: [{index: 0, function: {arguments: '1}'}}]}),
      read({tool_calls: [{index: 0, id: 'c1', type: 'function', function: {name: 'f', arguments: '{"a":1}'}}]}, {content: HIGH}),
    ]) {
      const kinds = events.map((e) => e.type);
      assert.equal(kinds.filter((k) => k === 'tool-call-end').length, 1, kinds.join(' '));
      const end = kinds.indexOf('tool-call-end');
      assert.ok(!kinds.slice(end + 1).includes('tool-call-args'), `arguments after the call's end: ${kinds.join(' ')}`);
      assert.deepEqual(texts(events), ['\uFFFD']);
    }
  });
});
