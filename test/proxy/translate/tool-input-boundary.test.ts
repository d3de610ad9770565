// A token cut where one tool call's input ends and the next one's begins, in a translated stream
// (mask-runs.ts TurnEventMasker, core/text-run-mask.ts): the client shows one input's keys and
// values after the other, so a credential whose start ends the first input's last string and
// whose rest starts the second's is whole across the two. Two ways its rest escaped masking:
// - the first input's string was closed (`{"p":"sk-ant-o"}`): its run ended on `"}`, no tail was
//   carried, and the second input's `at01-…` went out as it came;
// - a text (or thinking) run ended on the start, and the first tool input did not go on with it
//   (`{}`, `{"p":"hello"}`): the carry was spent on it, and the second input's rest went out.
// Every translator direction, every cut offset, the upstream's bytes split at odd places, with
// and without the stream's final events (the rest in the final flush).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Redactor} from '../../../source/core/redact.js';
import type {TurnEvent} from '../../../source/proxy/translate/events.js';
import {translatorFor} from '../../../source/proxy/translate/index.js';
import {TurnEventMasker} from '../../../source/proxy/translate/mask-runs.js';
import type {ApiProtocol, TranslateContext} from '../../../source/proxy/translate/types.js';
import {recoverable} from '../rv-harness.js';
import {runStream} from '../../helpers/translate-stream.js';

const TOKEN = 'sk-ant-oat01-Ab3_xY9-Qr7ZkLmNoPq12345';
const redactor = new Redactor([TOKEN]);
const context = (): TranslateContext => ({clientModel: 'claude-sonnet-4-6', upstreamModel: 'up-model', clientStream: true, redactor, project: 'p-1'});

/** Every 5 characters of `text` but those a random hex id (a message's, a tool call's) may hold. */
const windows = (text: string) => Array.from({length: Math.max(0, text.length - 4)}, (_, i) => text.slice(i, i + 5)).filter((window) => !/^[0-9a-f]+$/.test(window));

/** What one turn holds: text or thinking before the tool calls (maybe none), then each call's JSON arguments as the upstream streams them. */
interface Turn {
  before?: {kind: 'text' | 'thinking'; text: string};
  calls: string[][];
  /** The upstream's final events (finish, stop, completed) are sent; else the stream just ends. */
  finished: boolean;
}

const sse = (data: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

/** The turn as each upstream protocol streams it. */
const UPSTREAMS: Record<ApiProtocol, (turn: Turn) => string> = {
  'openai-chat': ({before, calls, finished}) => {
    const chunk = (delta: object, finish: string | null = null) => sse({id: 'chatcmpl-1', model: 'up-model', choices: [{index: 0, delta, finish_reason: finish}]});
    const out = before ? [chunk(before.kind === 'text' ? {content: before.text} : {reasoning_content: before.text})] : [];
    calls.forEach((pieces, i) => {
      out.push(chunk({tool_calls: [{index: i, id: `call_${i}`, type: 'function', function: {name: `tool${i}`, arguments: ''}}]}));
      for (const piece of pieces) out.push(chunk({tool_calls: [{index: i, function: {arguments: piece}}]}));
    });
    if (finished) out.push(chunk({}, 'tool_calls'));
    return [...out, 'data: [DONE]\n\n'].join('');
  },
  'openai-responses': ({before, calls, finished}) => {
    const event = (type: string, data: object) => sse({type, ...data}, type);
    const out = [event('response.created', {response: {id: 'resp_1', model: 'up-model'}})];
    let index = 0;
    if (before?.kind === 'text') {
      out.push(event('response.output_item.added', {output_index: 0, item: {id: 'msg_1', type: 'message', role: 'assistant', content: []}}));
      out.push(event('response.output_text.delta', {output_index: 0, content_index: 0, item_id: 'msg_1', delta: before.text}));
      out.push(event('response.output_item.done', {output_index: 0, item: {id: 'msg_1', type: 'message', role: 'assistant', content: [{type: 'output_text', text: before.text}]}}));
      index++;
    } else if (before) {
      out.push(event('response.output_item.added', {output_index: 0, item: {id: 'rs_1', type: 'reasoning', summary: []}}));
      out.push(event('response.reasoning_summary_text.delta', {output_index: 0, summary_index: 0, item_id: 'rs_1', delta: before.text}));
      out.push(event('response.output_item.done', {output_index: 0, item: {id: 'rs_1', type: 'reasoning', summary: [{type: 'summary_text', text: before.text}]}}));
      index++;
    }
    for (const [i, pieces] of calls.entries()) {
      const item = {id: `fc_${i}`, type: 'function_call', call_id: `call_${i}`, name: `tool${i}`};
      out.push(event('response.output_item.added', {output_index: index + i, item: {...item, arguments: ''}}));
      for (const piece of pieces) out.push(event('response.function_call_arguments.delta', {output_index: index + i, item_id: item.id, delta: piece}));
      if (finished || i < calls.length - 1) out.push(event('response.output_item.done', {output_index: index + i, item: {...item, arguments: pieces.join('')}}));
    }
    if (finished) out.push(event('response.completed', {response: {id: 'resp_1', status: 'completed', usage: {input_tokens: 1, output_tokens: 1}}}));
    return out.join('');
  },
  anthropic: ({before, calls, finished}) => {
    const event = (type: string, data: object) => sse({type, ...data}, type);
    const out = [event('message_start', {message: {id: 'msg_1', type: 'message', role: 'assistant', model: 'up-model', content: [], usage: {input_tokens: 1, output_tokens: 1}}})];
    let index = 0;
    if (before) {
      const thinking = before.kind === 'thinking';
      out.push(event('content_block_start', {index, content_block: thinking ? {type: 'thinking', thinking: ''} : {type: 'text', text: ''}}));
      out.push(event('content_block_delta', {index, delta: thinking ? {type: 'thinking_delta', thinking: before.text} : {type: 'text_delta', text: before.text}}));
      if (thinking) out.push(event('content_block_delta', {index, delta: {type: 'signature_delta', signature: 'sig'}}));
      out.push(event('content_block_stop', {index}));
      index++;
    }
    for (const [i, pieces] of calls.entries()) {
      out.push(event('content_block_start', {index: index + i, content_block: {type: 'tool_use', id: `toolu_${i}`, name: `tool${i}`, input: {}}}));
      for (const piece of pieces) out.push(event('content_block_delta', {index: index + i, delta: {type: 'input_json_delta', partial_json: piece}}));
      if (finished || i < calls.length - 1) out.push(event('content_block_stop', {index: index + i}));
    }
    if (finished) out.push(event('message_delta', {delta: {stop_reason: 'tool_use'}, usage: {output_tokens: 3}}), event('message_stop', {}));
    return out.join('');
  },
  // Gemini sends each call's arguments whole, as an object.
  'gemini-internal': (turn) => geminiTurn(turn, (body) => ({response: body})),
  'gemini-native': (turn) => geminiTurn(turn, (body) => body),
};

function geminiTurn({before, calls, finished}: Turn, wrap: (body: object) => object): string {
  const chunk = (parts: object[], finish?: string) => `data: ${JSON.stringify(wrap({candidates: [{content: {role: 'model', parts}, ...(finish ? {finishReason: finish} : {})}], responseId: 'r-1'}))}\r\n\r\n`;
  const out = before ? [chunk([{text: before.text, ...(before.kind === 'thinking' ? {thought: true} : {})}])] : [];
  calls.forEach((pieces, i) => out.push(chunk([{functionCall: {name: `tool${i}`, args: JSON.parse(pieces.join('')) as object}}], finished && i === calls.length - 1 ? 'STOP' : undefined)));
  return out.join('');
}

const PAIRS: Array<[ApiProtocol, ApiProtocol]> = [
  ['anthropic', 'openai-chat'],
  ['anthropic', 'openai-responses'],
  ['anthropic', 'gemini-internal'],
  ['anthropic', 'gemini-native'],
  ['openai-chat', 'anthropic'],
  ['openai-chat', 'openai-responses'],
  ['openai-chat', 'gemini-internal'],
  ['openai-responses', 'anthropic'],
  ['openai-responses', 'openai-chat'],
  ['openai-responses', 'gemini-native'],
];

/** The turns of a token cut at `cut`: its start ending one input's last string, or a text or thinking run, its rest starting a later input's string. */
function turns(cut: number): Array<{name: string; turn: Omit<Turn, 'finished'>; rest: string; shows: string[]}> {
  const start = TOKEN.slice(0, cut);
  const rest = TOKEN.slice(cut);
  const second = ['{"q":"', rest.slice(0, 3), `${rest.slice(3)} tail"}`];
  return [
    {name: 'the first input\'s last string ends in the start, closed', turn: {calls: [[`{"p":"${start}"}`], second]}, rest, shows: [' tail']},
    {name: 'text ends in the start, the first input is {}', turn: {before: {kind: 'text', text: `see ${start}`}, calls: [['{}'], second]}, rest, shows: ['see ', ' tail']},
    {name: 'text ends in the start, the first input has values of its own', turn: {before: {kind: 'text', text: `see ${start}`}, calls: [['{"p":', '"hello"}'], second]}, rest, shows: ['see ', 'hello', ' tail']},
    {name: 'thinking ends in the start, the first input is {}', turn: {before: {kind: 'thinking', text: `see ${start}`}, calls: [['{}'], second]}, rest, shows: ['see ', ' tail']},
  ];
}

describe('a token cut between two tool inputs, every translator direction', () => {
  for (const [client, upstream] of PAIRS) {
    for (const finished of [true, false]) {
      it(`${client} client ← ${upstream} upstream${finished ? '' : ', the stream ends without its final events'}: no cut offset leaks the token's rest`, () => {
        for (let cut = 1; cut < TOKEN.length - 5; cut++) {
          for (const {name, turn, rest, shows} of turns(cut)) {
            const body = UPSTREAMS[upstream]({...turn, finished});
            for (const sizes of [[1 << 20], [1, 3, 7, 2, 13, 5]]) {
              const translator = translatorFor(client, upstream)!.stream(context());
              const written = runStream(translator, body, sizes).join('');
              // What the proxy sends (deliver.ts): a translator that did not mask its output goes through the byte masker.
              const sent = translator.masked ? written : redactor.redact(written);
              const where = `${name}, cut ${cut}, pieces ${sizes.join(',')}`;
              const texts = recoverable(sent);
              const leaked = windows(rest).find((window) => texts.some((text) => text.includes(window)));
              assert.equal(leaked, undefined, `${where}: the client reads "${leaked}" of the token's rest:\n${sent}`);
              assert.ok(!texts.some((text) => text.includes(TOKEN.slice(0, 12))), `${where}: the client reads the token's first 12 characters`);
              for (const shown of shows) assert.ok(texts.some((text) => text.includes(shown)), `${where}: "${shown}" reaches the client:\n${sent}`);
            }
          }
        }
      });
    }
  }
});

describe('TurnEventMasker: a tail passed on through tool inputs that do not go on with it', () => {
  const start = (key: string): TurnEvent => ({type: 'tool-call-start', key, id: `call_${key}`, name: key});
  const args = (key: string, json: string): TurnEvent => ({type: 'tool-call-args', key, json});
  const stop = (key: string): TurnEvent => ({type: 'tool-call-end', key});
  /** Each run's text as the client joins it, in order. */
  const runs = (events: TurnEvent[]) => {
    const joined = new Map<string, string>();
    for (const event of events) {
      const key = event.type === 'tool-call-args' ? `tool:${event.key}` : event.type;
      if (event.type === 'text' || event.type === 'thinking' || event.type === 'tool-call-args') joined.set(key, (joined.get(key) ?? '') + (event.type === 'tool-call-args' ? event.json : event.text));
    }
    return joined;
  };
  const masked = (events: TurnEvent[], size: number) => {
    const masker = new TurnEventMasker(redactor);
    const out: TurnEvent[] = [];
    for (let i = 0; i < events.length; i += size) out.push(...masker.push(events.slice(i, i + size)));
    return [...out, ...masker.end()];
  };

  it('a start in an unclosed string, an input of {} after it, the rest in the third input: masked there (every cut, every batch)', () => {
    for (let cut = 1; cut < TOKEN.length - 4; cut++) {
      const events: TurnEvent[] = [{type: 'start'}, start('a'), args('a', `{"p":"${TOKEN.slice(0, cut)}`), stop('a'), start('b'), args('b', '{}'), stop('b'), start('c'), args('c', `{"q":"${TOKEN.slice(cut)} tail"}`), stop('c'), {type: 'stop', reason: 'tool_use'}];
      for (let size = 1; size <= events.length; size++) {
        const third = runs(masked(events, size)).get('tool:c')!;
        assert.equal(third, cut < 12 ? '{"q":"…(redacted) tail"}' : '{"q":" tail"}', `cut ${cut}, ${size} at a time`);
      }
    }
  });

  it('a tail is passed on only within Redactor.maxEchoLength characters of the inputs after it', () => {
    const cut = 8;
    const long = `{"p":"${'x'.repeat(redactor.maxEchoLength)}"}`;
    const events: TurnEvent[] = [{type: 'start'}, {type: 'text', text: `see ${TOKEN.slice(0, cut)}`}, start('a'), args('a', long), stop('a'), start('b'), args('b', `{"q":"${TOKEN.slice(cut)}"}`), stop('b'), {type: 'stop', reason: 'tool_use'}];
    // The second input is too far from the text for the client to read them as one: left as it is.
    assert.equal(runs(masked(events, events.length)).get('tool:b'), `{"q":"${TOKEN.slice(cut)}"}`);
  });

  it('control: inputs that spell nothing come out as they went in, the same objects', () => {
    const events: TurnEvent[] = [{type: 'start'}, {type: 'text', text: 'see the file'}, start('a'), args('a', '{"path":"/tmp/x"}'), stop('a'), start('b'), args('b', '{"q":"ls -la"}'), stop('b'), {type: 'stop', reason: 'tool_use'}];
    const out = masked(events, events.length);
    assert.equal(out.length, events.length);
    out.forEach((event, i) => assert.equal(event, events[i]));
  });
});
