// Reader edge cases the pair golden tests do not reach: what upstreams do at the margins.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {OpenAIChatReader} from '../../../source/proxy/translate/readers/openai-chat.js';
import {GeminiReader} from '../../../source/proxy/translate/readers/gemini.js';
import {OpenAIResponsesReader} from '../../../source/proxy/translate/readers/openai-responses.js';
import {AnthropicReader} from '../../../source/proxy/translate/readers/anthropic.js';
import {estimateAnthropicInputTokens} from '../../../source/proxy/translate/estimate-tokens.js';
import {isTaggedSignature, tagSignature, untagSignature} from '../../../source/proxy/translate/signatures.js';

/** Every event a fresh reader emits for these chunks, pushed one after another, and for the end of the stream. */
function readChunks(reader: OpenAIChatReader | OpenAIResponsesReader | AnthropicReader | GeminiReader, ...chunks: string[]) {
  return [...chunks.flatMap((chunk) => reader.push(chunk)), ...reader.end()];
}

const chat = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;

describe('OpenAIChatReader', () => {
  it('takes [DONE] without any finish_reason as the end of the turn', () => {
    const events = readChunks(new OpenAIChatReader(), chat({content: 'hi'}) + 'data: [DONE]\n\n');
    assert.deepEqual(events, [{type: 'start'}, {type: 'text', text: 'hi'}, {type: 'stop', reason: 'end_turn'}]);
  });

  it('maps length to max_tokens and keeps it even after a tool call', () => {
    const events = readChunks(new OpenAIChatReader(), chat({tool_calls: [{index: 0, id: 'c', function: {name: 'f', arguments: '{"a'}}]}) + chat({}, 'length'));
    assert.deepEqual(events.at(-1), {type: 'stop', reason: 'max_tokens'});
  });

  it('keeps the arguments of interleaved calls: each call is emitted whole, in order', () => {
    const events = readChunks(
      new OpenAIChatReader(),
      chat({tool_calls: [{index: 0, id: 'a', function: {name: 'f', arguments: '{'}}]}) +
        chat({tool_calls: [{index: 1, id: 'b', function: {name: 'g', arguments: '{}'}}]}) +
        chat({tool_calls: [{index: 0, function: {arguments: '}'}}]}) +
        chat({}, 'tool_calls'),
    );
    assert.deepEqual(events, [
      {type: 'start'},
      {type: 'tool-call-start', key: '0', id: 'a', name: 'f'},
      {type: 'tool-call-args', key: '0', json: '{'},
      {type: 'tool-call-args', key: '0', json: '}'},
      {type: 'tool-call-end', key: '0'},
      {type: 'tool-call-start', key: '1', id: 'b', name: 'g'},
      {type: 'tool-call-args', key: '1', json: '{}'},
      {type: 'tool-call-end', key: '1'},
      {type: 'stop', reason: 'tool_use'},
    ]);
  });

  it('tells parallel calls apart by id when the server sends no index', () => {
    const events = readChunks(
      new OpenAIChatReader(),
      chat({tool_calls: [{id: 'a', function: {name: 'f', arguments: '{"x"'}}]}) +
        chat({tool_calls: [{function: {arguments: ':1}'}}]}) +
        chat({tool_calls: [{id: 'b', function: {name: 'g', arguments: '{}'}}]}) +
        chat({}, 'tool_calls'),
    );
    assert.deepEqual(events, [
      {type: 'start'},
      {type: 'tool-call-start', key: '0', id: 'a', name: 'f'},
      {type: 'tool-call-args', key: '0', json: '{"x"'},
      {type: 'tool-call-args', key: '0', json: ':1}'},
      {type: 'tool-call-end', key: '0'},
      {type: 'tool-call-start', key: '1', id: 'b', name: 'g'},
      {type: 'tool-call-args', key: '1', json: '{}'},
      {type: 'tool-call-end', key: '1'},
      {type: 'stop', reason: 'tool_use'},
    ]);
  });

  it('tells apart parallel calls that a server numbers all 0, a parameterless one included', () => {
    const events = readChunks(
      new OpenAIChatReader(),
      chat({tool_calls: [{index: 0, id: 'a', function: {name: 'now', arguments: ''}}]}) +
        chat({tool_calls: [{index: 0, id: 'b', function: {name: 'now', arguments: ''}}]}) +
        chat({tool_calls: [{index: 0, id: 'c', function: {name: 'f', arguments: '{"x":1}'}}]}) +
        chat({}, 'tool_calls'),
    );
    assert.deepEqual(
      events.filter((event) => event.type === 'tool-call-start').map((event) => event.type === 'tool-call-start' && [event.id, event.name]),
      [['a', 'now'], ['b', 'now'], ['c', 'f']],
    );
    assert.deepEqual(
      events.filter((event) => event.type === 'tool-call-args').map((event) => event.type === 'tool-call-args' && event.json),
      ['{"x":1}'],
    );
  });

  it('keeps one call whose fragments each carry a new id but no name (its arguments not whole yet)', () => {
    const events = readChunks(
      new OpenAIChatReader(),
      chat({tool_calls: [{index: 0, id: 'a', function: {name: 'f', arguments: '{"x"'}}]}) + chat({tool_calls: [{index: 0, id: 'a2', function: {arguments: ':1}'}}]}) + chat({}, 'tool_calls'),
    );
    assert.deepEqual(events.filter((event) => event.type === 'tool-call-start').length, 1);
  });

  it('reads a non-stream body whose arguments are a JSON object instead of a string', () => {
    const body = JSON.stringify({choices: [{index: 0, message: {content: null, tool_calls: [{id: 'c1', function: {name: 'f', arguments: {a: 1}}}]}, finish_reason: 'tool_calls'}]});
    assert.deepEqual(OpenAIChatReader.readBody(body), [
      {type: 'start'},
      {type: 'tool-call-start', key: '0', id: 'c1', name: 'f'},
      {type: 'tool-call-args', key: '0', json: '{"a":1}'},
      {type: 'tool-call-end', key: '0'},
      {type: 'stop', reason: 'tool_use'},
    ]);
  });

  it('drops the whole arguments sent again after they were streamed, and stray closing brackets; other text after them goes on', () => {
    /** Each call's arguments as the client joins them, for these fragments of call 0 (a call to f). */
    const joined = (...fragments: string[]) => {
      const events = readChunks(new OpenAIChatReader(), ...fragments.map((args, i) => chat({tool_calls: [{index: 0, ...(i === 0 ? {id: 'c', function: {name: 'f', arguments: args}} : {function: {arguments: args}})}]})), chat({}, 'tool_calls'));
      return events.flatMap((event) => (event.type === 'tool-call-args' ? [event.json] : [])).join('');
    };
    // Streamed, then the whole again in one chunk (a "consolidated" final chunk), or split anywhere.
    assert.equal(joined('{"path":', '"a.txt"}', '{"path":"a.txt"}'), '{"path":"a.txt"}');
    assert.equal(joined('{"path":', '"a.txt"}', '{"pa', 'th":"a.t', 'xt"}'), '{"path":"a.txt"}');
    assert.equal(joined('{"path":"a.txt"}{"path":"a.txt"}'), '{"path":"a.txt"}', 'twice in one fragment');
    assert.equal(joined('{"path":"a.txt"}', '\n', ' {"path":"a.txt"}'), '{"path":"a.txt"}', 'with white space between');
    // Braces and quotes inside strings do not close the object.
    const tricky = '{"s":"} \\" {]","n":[{"a":"}"}]}';
    assert.equal(joined(tricky.slice(0, 9), tricky.slice(9), tricky), tricky);
    assert.deepEqual(JSON.parse(tricky), {s: '} " {]', n: [{a: '}'}]});
    // The same value spaced otherwise (a consolidated chunk re-serialised), then a stray closer too.
    assert.equal(joined('{"a": 1, "b": [2]}', '{"a":1,"b":[2]}'), '{"a": 1, "b": [2]}');
    assert.equal(joined('{"a":1}', '{"a":1}}'), '{"a":1}');
    assert.equal(joined('{"a":1}', '{"a":1}', '{"a":1}'), '{"a":1}', 'twice again');
    // A stray closer some models add.
    assert.equal(joined('{"a":{"b":1}}', '}'), '{"a":{"b":1}}');
    // A repeat cut short by the end of the turn is dropped too.
    assert.equal(joined('{"a":1}', '{"a"'), '{"a":1}');
    // Anything else is not ours to drop: the client says the arguments are broken.
    assert.equal(joined('{"a":1}', 'x'), '{"a":1}x');
    assert.equal(joined('{"a":1}', '{"a":2}'), '{"a":1}{"a":2}');
    assert.equal(joined('{"a":1}', '{"a', '":2}'), '{"a":1}{"a":2}', 'held while it could be a repeat, then given back whole');
    assert.equal(joined('{"a":1}', ' {"b":2'), '{"a":1}{"b":2', 'not a repeat, cut short by the end of the turn: given back (white space between is not)');
    assert.equal(joined('{"a": 1}', '{"a":'), '{"a": 1}', 'a repeat cut short, spaced otherwise: dropped');
    // Arguments that are not an object or array are not followed.
    assert.equal(joined('"x"', '"y"'), '"x""y"');
  });

  it('drops a repeated whole arguments in a non-stream body too', () => {
    const body = JSON.stringify({choices: [{index: 0, message: {content: null, tool_calls: [{id: 'c1', function: {name: 'f', arguments: '{"a":1} {"a":1}'}}]}, finish_reason: 'tool_calls'}]});
    assert.deepEqual(
      OpenAIChatReader.readBody(body).flatMap((event) => (event.type === 'tool-call-args' ? [event.json] : [])),
      ['{"a":1}'],
    );
  });

  it('quotes a JSON error body sent with status 200 to a streaming request', () => {
    const events = readChunks(new OpenAIChatReader(), '{"status":"439","msg":"token expired', '","body":null}');
    assert.deepEqual(events, [{type: 'start'}, {type: 'error', message: 'token expired'}]);
    assert.deepEqual(readChunks(new OpenAIChatReader(), '{"error":{"message":"Invalid model"}}\n'), [{type: 'start'}, {type: 'error', message: 'Invalid model'}]);
  });

  it('says so when a non-stream body is not JSON', () => {
    assert.match(JSON.stringify(OpenAIChatReader.readBody('<html>Bad gateway</html>')), /not JSON: <html>Bad gateway/);
  });
});

describe('OpenAIResponsesReader', () => {
  it('reads a whole Response object (non-streamed upstream)', () => {
    const body = JSON.stringify({
      id: 'resp_1',
      status: 'completed',
      output: [
        {type: 'reasoning', summary: [{type: 'summary_text', text: 'a'}, {type: 'summary_text', text: 'b'}], encrypted_content: 'E'},
        {type: 'message', content: [{type: 'output_text', text: 'Hi'}]},
        {type: 'function_call', call_id: 'call_1', name: 'f', arguments: ''},
      ],
      usage: {input_tokens: 3, output_tokens: 2},
    });
    assert.deepEqual(OpenAIResponsesReader.readBody(body), [
      {type: 'start', id: 'resp_1'},
      {type: 'thinking', text: 'a\n\nb'},
      {type: 'thinking-signature', signature: 'E'},
      {type: 'text', text: 'Hi'},
      {type: 'tool-call-start', key: '2', id: 'call_1', name: 'f'},
      {type: 'tool-call-end', key: '2'},
      {type: 'usage', usage: {inputTokens: 3, outputTokens: 2}},
      {type: 'stop', reason: 'tool_use'},
    ]);
  });

  it('drops the whole arguments sent again in a delta after they were streamed', () => {
    const delta = (text: string) => `data: ${JSON.stringify({type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc_1', delta: text})}\n\n`;
    const events = readChunks(
      new OpenAIResponsesReader(),
      `data: ${JSON.stringify({type: 'response.output_item.added', output_index: 0, item: {type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'f', arguments: ''}})}\n\n`,
      delta('{"a":'),
      delta('1}'),
      delta('{"a":1}'),
      `data: ${JSON.stringify({type: 'response.completed', response: {id: 'r', status: 'completed', output: [], usage: {input_tokens: 1, output_tokens: 1}}})}\n\n`,
    );
    assert.equal(events.flatMap((event) => (event.type === 'tool-call-args' ? [event.json] : [])).join(''), '{"a":1}');
  });

  it('drops a repeat in the item\'s arguments at output_item.done (built by joining the deltas), streamed or not', () => {
    const item = (args: string) => ({type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'f', arguments: args});
    const line = (event: object) => `data: ${JSON.stringify(event)}\n\n`;
    const argsOf = (events: {type: string; json?: string}[]) => events.flatMap((event) => (event.type === 'tool-call-args' ? [event.json] : [])).join('');
    const completed = line({type: 'response.completed', response: {id: 'r', status: 'completed', output: [], usage: {input_tokens: 1, output_tokens: 1}}});
    const whole = (args: string) =>
      argsOf(readChunks(new OpenAIResponsesReader(), line({type: 'response.output_item.added', output_index: 0, item: item('')}), line({type: 'response.output_item.done', output_index: 0, item: item(args)}), completed));
    // Not a repeat, cut short: given back, as the stream would have.
    assert.equal(whole('{"a":1}{"b":2'), '{"a":1}{"b":2');
    assert.equal(whole('{"a":1}{"a"'), '{"a":1}');
    for (const doubled of ['{"a":1}{"a":1}', '{"a":1}}']) {
      const streamed = readChunks(
        new OpenAIResponsesReader(),
        line({type: 'response.output_item.added', output_index: 0, item: item('')}),
        line({type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc_1', delta: '{"a":'}),
        line({type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc_1', delta: doubled.slice(5)}),
        line({type: 'response.output_item.done', output_index: 0, item: item(doubled)}),
        completed,
      );
      assert.equal(argsOf(streamed), '{"a":1}', doubled);
      // No deltas at all: the item's arguments alone.
      const whole = readChunks(new OpenAIResponsesReader(), line({type: 'response.output_item.added', output_index: 0, item: item('')}), line({type: 'response.output_item.done', output_index: 0, item: item(doubled)}), completed);
      assert.equal(argsOf(whole), '{"a":1}', doubled);
      const body = JSON.stringify({id: 'r', status: 'completed', output: [item(doubled)], usage: {input_tokens: 1, output_tokens: 1}});
      assert.equal(argsOf(OpenAIResponsesReader.readBody(body)), '{"a":1}', doubled);
    }
  });

  it('the item\'s whole arguments at output_item.done replace what the deltas left held: nothing is given twice', () => {
    const line = (event: object) => `data: ${JSON.stringify(event)}\n\n`;
    const item = (args: string) => ({type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'f', arguments: args});
    const events = readChunks(
      new OpenAIResponsesReader(),
      line({type: 'response.output_item.added', output_index: 0, item: item('')}),
      line({type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc_1', delta: '{"a":1}'}),
      line({type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc_1', delta: '{"b":2'}),
      line({type: 'response.output_item.done', output_index: 0, item: item('{"a":1}{"b":2}')}),
      line({type: 'response.completed', response: {id: 'r', status: 'completed', output: [], usage: {input_tokens: 1, output_tokens: 1}}}),
    );
    assert.equal(events.flatMap((event) => (event.type === 'tool-call-args' ? [event.json] : [])).join(''), '{"a":1}{"b":2}');
  });

  it('long arguments repeated in small fragments come out once, whole', () => {
    const args = JSON.stringify({file_path: '/a', content: 'x{"}\\'.repeat(40_000)});
    const fragments = (text: string) => Array.from({length: Math.ceil(text.length / 16)}, (_, i) => text.slice(i * 16, i * 16 + 16));
    const line = (event: object) => `data: ${JSON.stringify(event)}\n\n`;
    const events = readChunks(
      new OpenAIResponsesReader(),
      line({type: 'response.output_item.added', output_index: 0, item: {type: 'function_call', id: 'fc_1', call_id: 'c', name: 'Write', arguments: ''}}),
      [...fragments(args), ...fragments(args)].map((delta) => line({type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc_1', delta})).join(''),
      line({type: 'response.completed', response: {id: 'r', status: 'completed', output: [], usage: {input_tokens: 1, output_tokens: 1}}}),
    );
    assert.equal(events.flatMap((event) => (event.type === 'tool-call-args' ? [event.json] : [])).join(''), args);
  });

  // A backend that streams no item events and puts the whole answer in its terminal Response: the
  // text, reasoning and call were dropped (the stream's items were all it read).
  it('a stream whose answer comes only in response.completed has it read from its output, once', () => {
    const line = (event: object) => `data: ${JSON.stringify(event)}\n\n`;
    const output = [
      {type: 'reasoning', id: 'rs_1', summary: [{type: 'summary_text', text: 'think'}], encrypted_content: 'E'},
      {type: 'message', id: 'msg_1', content: [{type: 'output_text', text: 'Only here'}]},
      {type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'f', arguments: '{"a":1}'},
    ];
    const events = readChunks(new OpenAIResponsesReader(), line({type: 'response.created', response: {id: 'r'}}), line({type: 'response.completed', response: {id: 'r', status: 'completed', output}}));
    assert.deepEqual(
      events.filter((e) => e.type !== 'start' && e.type !== 'usage'),
      [
        {type: 'thinking', text: 'think'},
        {type: 'thinking-signature', signature: 'E'},
        {type: 'text', text: 'Only here'},
        {type: 'tool-call-start', key: '2', id: 'call_1', name: 'f'},
        {type: 'tool-call-args', key: '2', json: '{"a":1}'},
        {type: 'tool-call-end', key: '2'},
        {type: 'stop', reason: 'tool_use'},
      ],
    );
    // Items streamed and done are not said again from the same output; one added and never done
    // adds from output only what its deltas did not carry.
    const again = readChunks(
      new OpenAIResponsesReader(),
      line({type: 'response.output_item.added', output_index: 0, item: {type: 'message', id: 'msg_1', content: []}}),
      line({type: 'response.output_text.delta', output_index: 0, item_id: 'msg_1', delta: 'Hi'}),
      line({type: 'response.output_item.done', output_index: 0, item: {type: 'message', id: 'msg_1', content: [{type: 'output_text', text: 'Hi'}]}}),
      line({type: 'response.output_item.added', output_index: 1, item: {type: 'message', id: 'msg_2', content: []}}),
      line({type: 'response.output_text.delta', output_index: 1, item_id: 'msg_2', delta: 'there'}),
      line({type: 'response.output_item.added', output_index: 2, item: {type: 'message', id: 'msg_3', content: []}}),
      line({type: 'response.completed', response: {status: 'completed', output: [
        {type: 'message', id: 'msg_1', content: [{type: 'output_text', text: 'Hi'}]},
        {type: 'message', id: 'msg_2', content: [{type: 'output_text', text: 'there'}]},
        {type: 'message', id: 'msg_3', content: [{type: 'output_text', text: '!'}]},
      ]}}),
    );
    assert.deepEqual(again.filter((e) => e.type === 'text').map((e) => (e as {text: string}).text), ['Hi', 'there', '!']);
    // Deltas with no item event at all (found by the CI's fake backend): the text is said once.
    const bare = readChunks(
      new OpenAIResponsesReader(),
      line({type: 'response.output_text.delta', output_index: 0, item_id: 'msg_1', delta: 'kept'}),
      line({type: 'response.completed', response: {status: 'completed', output: [{type: 'message', id: 'msg_1', content: [{type: 'output_text', text: 'kept'}]}]}}),
    );
    assert.deepEqual(bare.filter((e) => e.type === 'text').map((e) => (e as {text: string}).text), ['kept']);
    const byId = readChunks(
      new OpenAIResponsesReader(),
      line({type: 'response.output_text.delta', item_id: 'msg_1', delta: 'kept'}),
      line({type: 'response.completed', response: {status: 'completed', output: [{type: 'reasoning', id: 'rs_1', summary: []}, {type: 'message', id: 'msg_1', content: [{type: 'output_text', text: 'kept'}]}]}}),
    );
    assert.deepEqual(byId.filter((e) => e.type === 'text').map((e) => (e as {text: string}).text), ['kept'], 'found by its id at another index');
    // Positions and ids in output that do not match the stream's (an attack's cases): what the
    // stream finished is never given again.
    const texts = (events: ReturnType<typeof readChunks>) => events.filter((e) => e.type === 'text').map((e) => (e as {text: string}).text);
    const message = (text: string, id?: string) => ({type: 'message', ...(id ? {id} : {}), content: [{type: 'output_text', text}]});
    const completed = (output: object[]) => line({type: 'response.completed', response: {status: 'completed', output}});
    assert.deepEqual(texts(readChunks(new OpenAIResponsesReader(), line({type: 'response.output_item.added', output_index: 1, item: message('')}), line({type: 'response.output_text.delta', output_index: 1, delta: 'Hello'}), line({type: 'response.output_item.done', output_index: 1, item: message('Hello')}), completed([message('Hello')]))), ['Hello'], 'no ids, streamed at index 1, output at 0');
    assert.deepEqual(texts(readChunks(new OpenAIResponsesReader(), line({type: 'response.output_item.done', item: message('A')}), line({type: 'response.output_item.done', item: message('B')}), completed([message('A'), message('B')]))), ['A', 'B'], 'done events with no index or id');
    assert.deepEqual(texts(readChunks(new OpenAIResponsesReader(), line({type: 'response.output_item.added', output_index: 1, item: message('', 'msg_a')}), line({type: 'response.output_item.done', output_index: 1, item: message('Hello', 'msg_a')}), completed([message('Hello', 'msg_b')]))), ['Hello'], 'another id in output');
    const call = {type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{"a":1}'};
    const twice = readChunks(new OpenAIResponsesReader(), line({type: 'response.output_item.added', output_index: 2, item: {...call, id: 'fc', arguments: ''}}), line({type: 'response.output_item.done', output_index: 2, item: {...call, id: 'fc'}}), completed([call]));
    assert.equal(twice.filter((e) => e.type === 'tool-call-start').length, 1, JSON.stringify(twice));
    // A review (s40): what the stream never sent, beside what it did, is the answer's too; one output
    // item never finishes two open items (a call and a message without ids).
    const mixed = readChunks(
      new OpenAIResponsesReader(),
      line({type: 'response.output_item.added', output_index: 0, item: {type: 'reasoning', id: 'rs_1', summary: []}}),
      line({type: 'response.reasoning_summary_text.delta', output_index: 0, delta: 'th'}),
      line({type: 'response.output_item.done', output_index: 0, item: {type: 'reasoning', id: 'rs_1', summary: [{type: 'summary_text', text: 'th'}]}}),
      completed([{type: 'reasoning', id: 'rs_1', summary: [{type: 'summary_text', text: 'th'}]}, message('answer', 'msg_1'), {...call, id: 'fc_1'}]),
    );
    assert.deepEqual(texts(mixed), ['answer']);
    assert.deepEqual(mixed.filter((e) => e.type === 'thinking').map((e) => (e as {text: string}).text), ['th']);
    assert.equal(mixed.filter((e) => e.type === 'tool-call-start').length, 1);
    assert.equal(mixed.at(-1)!.type === 'stop' ? (mixed.at(-1) as {reason: string}).reason : mixed.at(-1)!.type, 'tool_use');
    const shared = readChunks(
      new OpenAIResponsesReader(),
      line({type: 'response.output_item.added', output_index: 0, item: {type: 'function_call', call_id: 'call_1', name: 'f', arguments: ''}}),
      line({type: 'response.output_item.added', output_index: 1, item: {type: 'message', content: []}}),
      completed([message('hi'), call]),
    );
    assert.equal(shared.filter((e) => e.type === 'tool-call-start').length, 1, JSON.stringify(shared));
    // A fuzz (s40): an event with output_index and one without are the same item when its id says so
    // (a call was said twice, or its arguments came out as other valid JSON: {"":1}).
    const fc = {id: 'fc_0', type: 'function_call', call_id: 'call_0', name: 'shell'};
    const mixedIndex = readChunks(
      new OpenAIResponsesReader(),
      line({type: 'response.output_item.added', item: {...fc, arguments: ''}}),
      line({type: 'response.function_call_arguments.delta', item_id: 'fc_0', delta: '{"'}),
      line({type: 'response.function_call_arguments.delta', item_id: 'fc_0', output_index: 0, delta: 'a'}),
      line({type: 'response.function_call_arguments.delta', item_id: 'fc_0', delta: '":1}'}),
      line({type: 'response.output_item.done', output_index: 0, item: {...fc, arguments: '{"a":1}'}}),
      completed([{...fc, arguments: '{"a":1}'}]),
    );
    assert.equal(mixedIndex.filter((e) => e.type === 'tool-call-start').length, 1, JSON.stringify(mixedIndex));
    assert.equal(mixedIndex.filter((e) => e.type === 'tool-call-args').map((e) => (e as {json: string}).json).join(''), '{"a":1}');
    // A reasoning item with only its encrypted content, sent only in output beside streamed reasoning: kept.
    const onlyEncrypted = readChunks(
      new OpenAIResponsesReader(),
      line({type: 'response.reasoning_summary_text.delta', item_id: 'rs_0', output_index: 0, delta: 'hmm'}),
      completed([{id: 'rs_0', type: 'reasoning', summary: [{type: 'summary_text', text: 'hmm'}]}, {id: 'rs_1', type: 'reasoning', summary: [], encrypted_content: 'ENC'}]),
    );
    assert.deepEqual(onlyEncrypted.filter((e) => e.type === 'redacted-thinking').map((e) => (e as {data: string}).data), ['ENC']);
    // Summary parts told by summary_index without part events; two reasoning items without added events: no blank line between items.
    const parts = readChunks(
      new OpenAIResponsesReader(),
      line({type: 'response.reasoning_summary_text.delta', item_id: 'rs_0', output_index: 0, summary_index: 0, delta: 'one'}),
      line({type: 'response.reasoning_summary_text.delta', item_id: 'rs_0', output_index: 0, summary_index: 1, delta: 'two'}),
      line({type: 'response.reasoning_summary_part.added', item_id: 'rs_1', output_index: 1, summary_index: 0}),
      line({type: 'response.reasoning_summary_text.delta', item_id: 'rs_1', output_index: 1, summary_index: 0, delta: 'three'}),
      completed([]),
    );
    assert.equal(parts.filter((e) => e.type === 'thinking').map((e) => (e as {text: string}).text).join(''), 'one\n\ntwothree');
    // A call added, its arguments cut short, never done: finished from output by its call_id.
    const open = readChunks(new OpenAIResponsesReader(), line({type: 'response.output_item.added', output_index: 0, item: {...call, id: 'fc', arguments: ''}}), line({type: 'response.function_call_arguments.delta', output_index: 0, delta: '{"a":'}), completed([{...call, id: 'other'}]));
    assert.equal(open.filter((e) => e.type === 'tool-call-args').map((e) => (e as {json: string}).json).join(''), '{"a":1}');
  });

  it('ends with an error when the stream closes before response.completed', () => {
    const events = readChunks(new OpenAIResponsesReader(), 'data: {"type":"response.output_text.delta","output_index":0,"delta":"x"}\n\n');
    assert.equal(events.at(-1)!.type, 'error');
  });
});

describe('GeminiReader', () => {
  it('reads a native (envelope-less) chunk and a JSON array of chunks', () => {
    const chunk = {candidates: [{content: {parts: [{text: 'Hi'}]}, finishReason: 'STOP'}], usageMetadata: {promptTokenCount: 2, candidatesTokenCount: 1}};
    const expected = [{type: 'start'}, {type: 'text', text: 'Hi'}, {type: 'usage', usage: {inputTokens: 2, outputTokens: 1}}, {type: 'stop', reason: 'end_turn'}];
    assert.deepEqual(GeminiReader.readBody(JSON.stringify(chunk)), expected);
    assert.deepEqual(GeminiReader.readBody(JSON.stringify([chunk])), expected);
  });

  it('reports a blocked prompt as a refusal', () => {
    const events = GeminiReader.readBody(JSON.stringify({response: {promptFeedback: {blockReason: 'SAFETY'}}}));
    assert.deepEqual(events.at(-1), {type: 'stop', reason: 'refusal'});
  });
});

describe('signature tags', () => {
  it('recognises only its own upstream', () => {
    const tagged = tagSignature('gemini-internal', 'abc/+=');
    assert.equal(untagSignature('gemini-internal', tagged), 'abc/+=');
    assert.equal(untagSignature('openai-responses', tagged), undefined);
    assert.equal(untagSignature('gemini-internal', 'EqQBCkYIBxgCKkD'), undefined);
    assert.equal(isTaggedSignature(tagged), true);
    assert.equal(isTaggedSignature('EqQBCkYIBxgCKkD'), false);
  });
});

describe('estimateAnthropicInputTokens', () => {
  it('counts 4 characters a token over system, messages, tool traffic and tool definitions, plus images', () => {
    const body = {
      system: [{type: 'text', text: 'x'.repeat(40)}],
      messages: [
        {role: 'user', content: 'y'.repeat(40)},
        {role: 'assistant', content: [{type: 'tool_use', id: 't', name: 'Read', input: {}}]},
        {role: 'user', content: [{type: 'tool_result', tool_use_id: 't', content: [{type: 'text', text: 'z'.repeat(36)}, {type: 'image', source: {type: 'base64', media_type: 'image/png', data: 'A'}}]}]},
      ],
      tools: [{name: 'Read'}],
    };
    // 40 + 40 + (4 + 2) + 36 + JSON of the tool (15) = 137 chars → 35 tokens, plus one image.
    assert.equal(estimateAnthropicInputTokens(body), 35 + 1600);
  });
});

describe('an event garbled or cut on the way, between whole ones', () => {
  // Its text, a tool call's arguments or the stop it carried is lost: the answer is not whole, so it
  // ends with an error (naming the event's type and size), never with the upstream's stop as if nothing were missing.
  const cases = {
    'Anthropic (Claude)': {
      reader: () => new AnthropicReader(),
      whole: [
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":1,"output_tokens":0}}}\n\n',
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hello"}}\n\n',
      ],
      garbled: 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_de\n\n',
      rest: ['event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n', 'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}\n\n', 'event: message_stop\ndata: {"type":"message_stop"}\n\n'],
    },
    'OpenAI Chat': {reader: () => new OpenAIChatReader(), whole: [chat({content: 'hello'})], garbled: 'data: {"choices":[{"index":0,"delta":{"content":" wor\n\n', rest: [chat({}, 'stop'), 'data: [DONE]\n\n']},
    'OpenAI Responses': {
      reader: () => new OpenAIResponsesReader(),
      whole: ['data: {"type":"response.output_text.delta","output_index":0,"delta":"hello"}\n\n'],
      garbled: 'data: {"type":"response.output_text.delta","output_index":0,"del\n\n',
      rest: ['data: {"type":"response.completed","response":{"status":"completed","output":[],"usage":{"input_tokens":1,"output_tokens":1}}}\n\n'],
    },
    Gemini: {
      reader: () => new GeminiReader(),
      whole: [`data: ${JSON.stringify({candidates: [{content: {parts: [{text: 'hello'}]}}]})}\n\n`],
      garbled: 'data: {"candidates":[{"content":{"parts":[{"text":" wor\n\n',
      rest: [`data: ${JSON.stringify({candidates: [{content: {parts: [{text: '!'}]}, finishReason: 'STOP'}]})}\n\n`],
    },
  };
  for (const [name, {reader, whole, garbled, rest}] of Object.entries(cases)) {
    it(`${name}: the turn ends with an error naming the event (never quoting it), not with a stop`, () => {
      const events = readChunks(reader(), ...whole, garbled, ...rest);
      const last = events.at(-1) as {type: string; message?: string};
      assert.equal(last.type, 'error', JSON.stringify(events));
      assert.match(last.message!, /^the upstream sent (a [a-z_.]+ event|an event) whose JSON is broken \(\d+ bytes; cut or garbled on the way\)$/);
      assert.ok(!events.some((event) => event.type === 'stop'), JSON.stringify(events));
      assert.ok(events.some((event) => event.type === 'text' && event.text === 'hello'), 'what came before is kept');
    });
    it(`${name}: keep-alives and markers whose data is no object (ping, [], [PING], [done]) are passed over`, () => {
      for (const keepAlive of ['ping', '[]', '[ ]', '[PING]', '[done]', '']) {
        const events = readChunks(reader(), ...whole, `data: ${keepAlive}\n\n`, ...rest);
        assert.notEqual(events.at(-1)!.type, 'error', `${keepAlive}: ${JSON.stringify(events)}`);
      }
    });
    it(`${name}: a garbled object after a line break in its data (a data: line of its own first) is garbled too`, () => {
      for (const lead of ['\n', '\r\n', ' \n\t']) {
        const events = readChunks(reader(), ...whole, garbled.replace('data: ', `data:${lead.replace(/\n/g, '\ndata:')}`), ...rest);
        assert.equal(events.at(-1)!.type, 'error', `${JSON.stringify(lead)}: ${JSON.stringify(events)}`);
      }
    });
    it(`${name}: the message names an event type only when it looks like one (never a value with capitals or digits)`, () => {
      const events = readChunks(reader(), ...whole, 'data: {"type":"ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd","x":\n\n', ...rest);
      assert.equal((events.at(-1) as {message: string}).message.includes('ghp_'), false, JSON.stringify(events.at(-1)));
    });
    it(`${name}: an event with a byte order mark before its JSON is read`, () => {
      const events = readChunks(reader(), ...whole.map((event) => event.replace('data: ', 'data: \ufeff')), ...rest);
      assert.notEqual(events.at(-1)!.type, 'error', JSON.stringify(events));
      assert.ok(events.some((event) => event.type === 'text' && event.text === 'hello'));
    });
  }
});

describe('Chat and Responses readers: text or reasoning inside an open call\'s arguments', () => {
  // A gateway may send words between a call's argument fragments. They go out after the call,
  // whose arguments reach the client whole (they were cut at the words: `{"a":` and the end).
  const argsAndWords = (events: {type: string; json?: string; text?: string}[]) => ({
    args: events.flatMap((e) => (e.type === 'tool-call-args' ? [e.json!] : [])).join(''),
    words: events.flatMap((e) => (e.type === 'text' || e.type === 'thinking' ? [e.text!] : [])).join(''),
    ends: events.filter((e) => e.type === 'tool-call-end').length,
    wordsAfterEnd: events.findIndex((e) => e.type === 'tool-call-end') < events.findIndex((e) => e.type === 'text' || e.type === 'thinking'),
  });

  it('Chat: text, reasoning, or both between the fragments', () => {
    for (const between of [{content: 'x'}, {reasoning_content: 'x'}, {reasoning_content: 'x', content: 'y'}]) {
      const events = readChunks(
        new OpenAIChatReader(),
        chat({tool_calls: [{index: 0, id: 'c1', type: 'function', function: {name: 'f', arguments: '{"a":'}}]}),
        chat(between),
        chat({tool_calls: [{index: 0, function: {arguments: '1}'}}]}),
        chat({}, 'tool_calls'),
      );
      const got = argsAndWords(events);
      assert.equal(got.args, '{"a":1}', JSON.stringify(events));
      assert.equal(got.words, Object.values(between).join(''), JSON.stringify(events));
      assert.equal(got.ends, 1);
      assert.ok(got.wordsAfterEnd, JSON.stringify(events));
      assert.deepEqual(events.at(-1), {type: 'stop', reason: 'tool_use'});
    }
  });

  it('Chat: words after whole arguments go out at once (the call is complete); a call never completed releases them at the end', () => {
    const whole = readChunks(new OpenAIChatReader(), chat({tool_calls: [{index: 0, id: 'c1', type: 'function', function: {name: 'f', arguments: '{"a":1}'}}]}), chat({content: 'x'}), chat({}, 'stop'));
    assert.deepEqual(argsAndWords(whole), {args: '{"a":1}', words: 'x', ends: 1, wordsAfterEnd: true});
    const cut = readChunks(new OpenAIChatReader(), chat({tool_calls: [{index: 0, id: 'c1', type: 'function', function: {name: 'f', arguments: '{"a":'}}]}), chat({content: 'x'}), chat({}, 'stop'));
    assert.equal(argsAndWords(cut).words, 'x', JSON.stringify(cut));
  });

  it('Responses: a message\'s text or a reasoning summary while a function_call item is open', () => {
    const line = (event: object) => `data: ${JSON.stringify(event)}\n\n`;
    const item = {type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'f', arguments: ''};
    for (const between of [{type: 'response.output_text.delta', output_index: 1, item_id: 'msg_1', delta: 'x'}, {type: 'response.reasoning_summary_text.delta', output_index: 1, item_id: 'rs_1', delta: 'x'}]) {
      const events = readChunks(
        new OpenAIResponsesReader(),
        line({type: 'response.output_item.added', output_index: 0, item}),
        line({type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc_1', delta: '{"a":'}),
        line(between),
        line({type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc_1', delta: '1}'}),
        line({type: 'response.output_item.done', output_index: 0, item: {...item, arguments: '{"a":1}'}}),
        line({type: 'response.completed', response: {id: 'r', status: 'completed', output: [], usage: {input_tokens: 1, output_tokens: 1}}}),
      );
      const got = argsAndWords(events);
      assert.equal(got.args, '{"a":1}', JSON.stringify(events));
      assert.equal(got.words, 'x');
      assert.equal(got.ends, 1);
      assert.ok(got.wordsAfterEnd, JSON.stringify(events));
    }
  });
});

describe('held words and long arguments: each fragment is looked at once', () => {
  // Whether an open call's arguments are whole was a JSON.parse of all of them per fragment (and per
  // held delta): quadratic, seconds of a blocked proxy for a 1 MB argument. Counted, not timed: the
  // parses of the arguments themselves over a 4,000-fragment call.
  it('a Chat call of 4,000 fragments with words held behind it: the arguments parsed a handful of times', () => {
    const parse = JSON.parse;
    let argumentParses = 0;
    JSON.parse = ((text: string, reviver?: Parameters<typeof parse>[1]) => {
      if (typeof text === 'string' && text.startsWith('{"q":')) argumentParses++;
      return parse(text, reviver);
    }) as typeof JSON.parse;
    try {
      const fragments = ['{"q":"', ...Array.from({length: 4000}, () => 'x'.repeat(50)), '"}'];
      const reader = new OpenAIChatReader();
      const events = [
        ...reader.push(chat({tool_calls: [{index: 0, id: 'c1', type: 'function', function: {name: 'f', arguments: fragments[0]}}]})),
        ...reader.push(chat({content: 'held '})),
        ...fragments.slice(1).flatMap((piece) => reader.push(chat({tool_calls: [{index: 0, function: {arguments: piece}}]}))),
        ...Array.from({length: 2000}, () => reader.push(chat({content: 'after '}))).flat(),
        ...reader.push(chat({}, 'tool_calls')),
        ...reader.end(),
      ];
      assert.ok(argumentParses < 20, `${argumentParses} parses of the arguments`);
      const args = events.flatMap((e) => (e.type === 'tool-call-args' ? [e.json] : [])).join('');
      assert.equal(args.length, 6 + 4000 * 50 + 2);
      assert.ok(events.filter((e) => e.type === 'text').map((e) => (e as {text: string}).text).join('').startsWith('held after '));
    } finally {
      JSON.parse = parse;
    }
  });

  it('Responses: a message and a reasoning item that end while a call is open go out after the call, in order', () => {
    const line = (event: object) => `data: ${JSON.stringify(event)}\n\n`;
    const call = {type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'f', arguments: ''};
    const events = readChunks(
      new OpenAIResponsesReader(),
      line({type: 'response.output_item.added', output_index: 0, item: call}),
      line({type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc_1', delta: '{"path":"/et'}),
      line({type: 'response.output_item.added', output_index: 1, item: {type: 'message', id: 'msg_1', content: []}}),
      line({type: 'response.output_text.delta', output_index: 1, item_id: 'msg_1', delta: 'streamed '}),
      line({type: 'response.output_item.done', output_index: 1, item: {type: 'message', id: 'msg_1', content: [{type: 'output_text', text: 'streamed '}]}}),
      line({type: 'response.output_item.done', output_index: 2, item: {type: 'reasoning', id: 'rs_1', summary: [{type: 'summary_text', text: 'THINK'}], encrypted_content: 'ENC'}}),
      line({type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc_1', delta: 'c/passwd"}'}),
      line({type: 'response.output_item.done', output_index: 0, item: {...call, arguments: '{"path":"/etc/passwd"}'}}),
      line({type: 'response.completed', response: {id: 'r', status: 'completed', output: [], usage: {input_tokens: 1, output_tokens: 1}}}),
    );
    const args = events.flatMap((e) => (e.type === 'tool-call-args' ? [e.json] : [])).join('');
    assert.equal(args, '{"path":"/etc/passwd"}', JSON.stringify(events));
    const after = events.slice(events.findIndex((e) => e.type === 'tool-call-end') + 1).map((e) => e.type);
    assert.deepEqual(after.filter((t) => t === 'text' || t === 'thinking' || t === 'thinking-signature'), ['text', 'thinking', 'thinking-signature'], JSON.stringify(events));
  });
});

describe('AnthropicReader: tool blocks an upstream interleaves', () => {
  // Anthropic streams one block at a time; a gateway may interleave two tool calls' deltas. Each
  // call's arguments reach the client whole (they were lost: `{}` and `{"y":`).
  const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({type, ...data})}\n\n`;
  const start = (index: number, name: string) => event('content_block_start', {index, content_block: {type: 'tool_use', id: `toolu_${name}`, name, input: {}}});
  const args = (index: number, partial_json: string) => event('content_block_delta', {index, delta: {type: 'input_json_delta', partial_json}});
  const stop = (index: number) => event('content_block_stop', {index});
  const head = event('message_start', {message: {id: 'msg_1', model: 'm', usage: {input_tokens: 1, output_tokens: 0}}});
  const tail = event('message_delta', {delta: {stop_reason: 'tool_use'}, usage: {output_tokens: 2}}) + event('message_stop', {});
  /** Each call's joined arguments, by name, from the events. */
  const calls = (events: ReturnType<AnthropicReader['push']>) => {
    const byKey = new Map<string, {name: string; json: string; ended: boolean}>();
    for (const e of events) {
      if (e.type === 'tool-call-start') byKey.set(e.key, {name: e.name, json: '', ended: false});
      if (e.type === 'tool-call-args') byKey.get(e.key)!.json += e.json;
      if (e.type === 'tool-call-end') byKey.get(e.key)!.ended = true;
    }
    return Object.fromEntries([...byKey.values()].map((c) => [c.name, {args: JSON.parse(c.json || '{}') as unknown, ended: c.ended}]));
  };

  for (const [name, order] of [
    ['stopped in reverse', [start(1, 'f'), start(2, 'g'), args(2, '{"y":'), args(1, '{"x":'), args(1, '1}'), args(2, '2}'), stop(2), stop(1)]],
    ['stopped in order', [start(1, 'f'), start(2, 'g'), args(2, '{"y":'), args(1, '{"x":'), args(1, '1}'), args(2, '2}'), stop(1), stop(2)]],
    ['three, the third before the first ends', [start(1, 'f'), args(1, '{"x":'), start(2, 'g'), start(3, 'h'), args(3, '{"z":3}'), args(2, '{"y":2}'), args(1, '1}'), stop(3), stop(1), stop(2)]],
  ] as const) {
    it(`${name}: every call whole, in the order they started, the turn a tool use`, () => {
      const events = readChunks(new AnthropicReader(), head, ...order, tail);
      const got = calls(events);
      assert.deepEqual(got.f, {args: {x: 1}, ended: true});
      assert.deepEqual(got.g, {args: {y: 2}, ended: true});
      if (name.startsWith('three')) assert.deepEqual(got.h, {args: {z: 3}, ended: true});
      assert.deepEqual(events.filter((e) => e.type === 'tool-call-start').map((e) => (e as {name: string}).name), name.startsWith('three') ? ['f', 'g', 'h'] : ['f', 'g']);
      assert.deepEqual(events.at(-1), {type: 'stop', reason: 'tool_use'});
    });
  }

  const text = (index: number, t: string) => event('content_block_start', {index, content_block: {type: 'text', text: ''}}) + event('content_block_delta', {index, delta: {type: 'text_delta', text: t}});
  const more = (index: number, t: string) => event('content_block_delta', {index, delta: {type: 'text_delta', text: t}});

  it('text interleaved with an open call (a block started, or an earlier one going on): the call whole, then the text', () => {
    for (const order of [
      [start(0, 'f'), args(0, '{"path":"/et'), text(1, 'thinking aloud'), args(0, 'c/passwd"}'), stop(1), stop(0)],
      [text(0, 'first '), start(1, 'f'), args(1, '{"path":"/et'), more(0, 'then more'), args(1, 'c/passwd"}'), stop(0), stop(1)],
    ]) {
      const events = readChunks(new AnthropicReader(), head, ...order, tail);
      assert.deepEqual(calls(events).f, {args: {path: '/etc/passwd'}, ended: true}, JSON.stringify(events));
      const texts = events.filter((e) => e.type === 'text').map((e) => (e as {text: string}).text).join('');
      assert.match(texts, /thinking aloud|first then more/);
      assert.deepEqual(events.at(-1), {type: 'stop', reason: 'tool_use'});
    }
  });

  it('text or thinking sent on the open call\'s own index: the call\'s arguments whole, then the text', () => {
    const thinking = (index: number, t: string) => event('content_block_delta', {index, delta: {type: 'thinking_delta', thinking: t}});
    for (const [stray, want] of [
      [more(0, 'stray words'), 'stray words'],
      [thinking(0, 'stray thought'), 'stray thought'],
    ] as const) {
      const events = readChunks(new AnthropicReader(), head, start(0, 'f'), args(0, '{"path":"/et'), stray, args(0, 'c/passwd"}'), stop(0), tail);
      assert.deepEqual(calls(events).f, {args: {path: '/etc/passwd'}, ended: true}, JSON.stringify(events));
      const said = events.filter((e) => e.type === 'text' || e.type === 'thinking').map((e) => (e as {text: string}).text).join('');
      assert.equal(said, want, JSON.stringify(events));
      const end = events.findIndex((e) => e.type === 'tool-call-end');
      const words = events.findIndex((e) => e.type === 'text' || e.type === 'thinking');
      assert.ok(end < words, `the words came inside the call: ${JSON.stringify(events)}`);
      assert.deepEqual(events.at(-1), {type: 'stop', reason: 'tool_use'});
    }
  });

  it('a text or thinking block started on the open call\'s own index: the call\'s arguments whole, then its words', () => {
    const begin = (index: number, type: string) => event('content_block_start', {index, content_block: type === 'text' ? {type, text: ''} : {type, thinking: ''}});
    const thought = (index: number, t: string) => event('content_block_delta', {index, delta: {type: 'thinking_delta', thinking: t}});
    for (const [opened, words, want] of [
      [begin(0, 'text'), more(0, 'T'), 'T'],
      [begin(0, 'thinking'), thought(0, 'hm'), 'hm'],
    ] as const) {
      const events = readChunks(new AnthropicReader(), head, start(0, 'f'), args(0, '{"p":"/et'), opened, words, args(0, 'c"}'), stop(0), tail);
      assert.deepEqual(calls(events).f, {args: {p: '/etc'}, ended: true}, JSON.stringify(events));
      const said = events.filter((e) => e.type === 'text' || e.type === 'thinking').map((e) => (e as {text: string}).text).join('');
      assert.equal(said, want, JSON.stringify(events));
      assert.ok(events.findIndex((e) => e.type === 'tool-call-end') < events.findIndex((e) => e.type === 'text' || e.type === 'thinking'), JSON.stringify(events));
    }
  });

  it('an error while a call is held: nothing of the turn after the error', () => {
    const events = readChunks(new AnthropicReader(), head, start(0, 'f'), start(1, 'g'), args(1, '{"y":1}'), event('error', {error: {type: 'overloaded_error', message: 'Overloaded'}}));
    assert.equal(events.at(-1)!.type, 'error', JSON.stringify(events));
    assert.ok(!events.some((e) => e.type === 'tool-call-start' && (e as {name: string}).name === 'g'), JSON.stringify(events));
  });

  it('one block at a time (as Anthropic streams): as before, each call emitted as it comes', () => {
    const events = readChunks(new AnthropicReader(), head, start(0, 'f'), args(0, '{"x":1}'), stop(0), start(1, 'g'), args(1, '{"y":2}'), stop(1), tail);
    assert.deepEqual(events.filter((e) => e.type.startsWith('tool')).map((e) => e.type), ['tool-call-start', 'tool-call-args', 'tool-call-end', 'tool-call-start', 'tool-call-args', 'tool-call-end']);
  });
});
