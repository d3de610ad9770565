// OpenAI Chat Completions clients on Anthropic, codex (Responses) and Gemini upstreams: canned upstream
// streams split at odd byte boundaries → the exact client stream, and the `openai` SDK's
// `chat.completions.stream()` assembling the answer over HTTP.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {TranslateContext} from '../../../source/proxy/translate/types.js';
import {anthropicBlock, anthropicEvent, pairFor, sse, withChunks} from '../../helpers/openai-sdk.js';
import {runStream, sseEvents} from '../../helpers/translate-stream.js';

const pair = (upstream: 'anthropic' | 'openai-responses' | 'gemini-internal') => pairFor('openai-chat', upstream);

const context = (upstreamModel: string, clientStream = true): TranslateContext => ({clientModel: 'my-model', upstreamModel, clientStream, project: 'proj-1'});

/** A client request with two tools; the second name is too long and dotted for any upstream. */
const LONG_NAME = `mcp.filesystem.${'read_multiple_files_with_a_very_long_name_'.repeat(2)}`;
const chatRequest = (stream = true) => ({
  model: 'my-model',
  stream,
  stream_options: {include_usage: true},
  messages: [{role: 'user', content: 'Weather in Paris, and list files'}],
  tools: [
    {type: 'function', function: {name: 'get_weather', parameters: {type: 'object', properties: {city: {type: 'string'}}, required: ['city']}}},
    {type: 'function', function: {name: LONG_NAME, parameters: {type: 'object', properties: {}}}},
  ],
});

/** What every client chunk carries besides `choices` (created is checked to be a number, then dropped). */
function chunks(text: string): unknown[] {
  return sseEvents(text).map(({event, data}) => {
    assert.equal(event, undefined, 'Chat streams have no event names');
    if (data === '[DONE]' || Object.hasOwn(data as object, 'error')) return data;
    const {created, ...rest} = data as Record<string, unknown>;
    assert.equal(typeof created, 'number');
    return rest;
  });
}

const head = (id: string) => ({id, object: 'chat.completion.chunk', model: 'my-model'});
const delta = (id: string, d: Record<string, unknown>) => ({...head(id), choices: [{index: 0, delta: d, finish_reason: null}]});

describe('openai-chat client ← Anthropic upstream', () => {
  const translator = pair('anthropic');
  const ctx = context('claude-sonnet-4-5');
  const plan = translator.request(chatRequest(), ctx);
  const shortName = (plan.body.tools as {name: string}[])[1]!.name;

  const upstream = [
    anthropicEvent('message_start', {message: {id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, usage: {input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 1}}}),
    anthropicBlock(0, {type: 'thinking', thinking: '', signature: ''}, {type: 'thinking_delta', thinking: 'Two tools.'}, {type: 'signature_delta', signature: 'c2lnbmF0dXJl'}),
    anthropicEvent('ping'),
    anthropicBlock(1, {type: 'text', text: ''}, {type: 'text_delta', text: 'Checking — ünïcode ✓'}),
    anthropicBlock(2, {type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: {}}, {type: 'input_json_delta', partial_json: '{"city": "Par'}, {type: 'input_json_delta', partial_json: 'is"}'}),
    anthropicBlock(3, {type: 'tool_use', id: 'toolu_02', name: shortName, input: {}}, {type: 'input_json_delta', partial_json: ''}),
    anthropicEvent('message_delta', {delta: {stop_reason: 'tool_use', stop_sequence: null}, usage: {output_tokens: 42}}),
    anthropicEvent('message_stop'),
  ].join('');

  const expected = [
    delta('chatcmpl-msg_01', {role: 'assistant', content: ''}),
    delta('chatcmpl-msg_01', {reasoning_content: 'Two tools.'}),
    delta('chatcmpl-msg_01', {content: 'Checking — ünïcode ✓'}),
    delta('chatcmpl-msg_01', {tool_calls: [{index: 0, id: 'toolu_01', type: 'function', function: {name: 'get_weather', arguments: ''}}]}),
    delta('chatcmpl-msg_01', {tool_calls: [{index: 0, function: {arguments: '{"city": "Par'}}]}),
    delta('chatcmpl-msg_01', {tool_calls: [{index: 0, function: {arguments: 'is"}'}}]}),
    delta('chatcmpl-msg_01', {tool_calls: [{index: 1, id: 'toolu_02', type: 'function', function: {name: LONG_NAME, arguments: ''}}]}),
    delta('chatcmpl-msg_01', {tool_calls: [{index: 1, function: {arguments: '{}'}}]}),
    {...head('chatcmpl-msg_01'), choices: [{index: 0, delta: {}, finish_reason: 'tool_calls'}]},
    {...head('chatcmpl-msg_01'), choices: [], usage: {prompt_tokens: 115, completion_tokens: 42, total_tokens: 157, prompt_tokens_details: {cached_tokens: 100}}},
    '[DONE]',
  ];

  it('the upstream name was shortened to what Anthropic accepts', () => {
    assert.match(shortName, /^[a-zA-Z0-9_-]{1,64}$/);
    assert.notEqual(shortName, LONG_NAME);
  });

  it('writes the exact Chat stream, however the upstream bytes are split', () => {
    for (const sizes of [[1], [3, 7, 2, 13, 5], [upstream.length]]) {
      const written = runStream(translator.stream(ctx), upstream, sizes).join('');
      assert.deepEqual(chunks(written), expected, `split ${sizes.join(',')}`);
    }
    // CRLF line ends are the same stream.
    assert.deepEqual(chunks(runStream(translator.stream(ctx), upstream.replace(/\n/g, '\r\n'), [2, 5]).join('')), expected);
  });

  it('the openai SDK assembles tool calls with parsed arguments, finish reason and usage', async () => {
    const written = runStream(translator.stream(ctx), upstream, [5, 11]);
    const completion = await withChunks(written, (client) =>
      client.chat.completions.stream({model: 'my-model', messages: [{role: 'user', content: 'hi'}], stream_options: {include_usage: true}}).finalChatCompletion(),
    );
    const choice = completion.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, 'Checking — ünïcode ✓');
    const calls = choice.message.tool_calls!.map((call) => (call.type === 'function' ? [call.id, call.function.name, JSON.parse(call.function.arguments)] : []));
    assert.deepEqual(calls, [
      ['toolu_01', 'get_weather', {city: 'Paris'}],
      ['toolu_02', LONG_NAME, {}],
    ]);
    assert.equal(completion.usage?.prompt_tokens, 115);
    assert.equal(completion.usage?.completion_tokens, 42);
    assert.equal(completion.usage?.prompt_tokens_details?.cached_tokens, 100);
  });

  it('without include_usage there is no usage chunk', () => {
    const quiet = context('claude-sonnet-4-5');
    translator.request({...chatRequest(), stream_options: undefined}, quiet);
    const written = chunks(runStream(translator.stream(quiet), upstream).join(''));
    assert.deepEqual(written.slice(-2), [{...head('chatcmpl-msg_01'), choices: [{index: 0, delta: {}, finish_reason: 'tool_calls'}]}, '[DONE]']);
  });

  it('an Anthropic error event mid-stream ends the stream with an error the SDK throws', async () => {
    const broken = [
      anthropicEvent('message_start', {message: {id: 'msg_02', model: 'claude-sonnet-4-5', usage: {input_tokens: 3, output_tokens: 0}}}),
      anthropicEvent('content_block_start', {index: 0, content_block: {type: 'text', text: ''}}),
      anthropicEvent('content_block_delta', {index: 0, delta: {type: 'text_delta', text: 'Hel'}}),
      anthropicEvent('error', {error: {type: 'overloaded_error', message: 'Overloaded'}}),
    ].join('');
    const written = runStream(translator.stream(ctx), broken, [4]);
    const events = chunks(written.join(''));
    assert.deepEqual(events.at(-1), {error: {message: 'Overloaded', type: 'api_error', param: null, code: 'overloaded_error'}});
    assert.ok(!events.includes('[DONE]'));
    await assert.rejects(
      withChunks(written, (client) => client.chat.completions.stream({model: 'm', messages: [{role: 'user', content: 'hi'}]}).finalChatCompletion()),
      /Overloaded/,
    );
  });

  it('a stream cut before message_delta (dropped connection) ends with an error, not a false stop', () => {
    const cut = upstream.slice(0, upstream.indexOf('event: message_delta'));
    const events = chunks(runStream(translator.stream(ctx), cut).join(''));
    assert.match(String((events.at(-1) as {error: {message: string}}).error.message), /ended before the turn finished/);
    assert.ok(!events.some((event) => JSON.stringify(event).includes('finish_reason":"tool_calls')));
  });

  it('fail() after the first bytes writes one error chunk', () => {
    const stream = translator.stream(ctx);
    stream.push(upstream.slice(0, 400));
    assert.deepEqual(chunks(stream.fail('upstream stream broke: ECONNRESET')), [{error: {message: 'upstream stream broke: ECONNRESET', type: 'api_error', param: null, code: null}}]);
    assert.equal(stream.fail('again'), '');
  });

  it('a non-streamed Anthropic message becomes a chat.completion', () => {
    const plain = context('claude-sonnet-4-5', false);
    translator.request(chatRequest(false), plain);
    const body = translator.response(
      JSON.stringify({
        id: 'msg_03',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [
          {type: 'thinking', thinking: 'hmm', signature: 'sig'},
          {type: 'text', text: 'Sure.'},
          {type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: {city: 'Oslo'}},
        ],
        stop_reason: 'end_turn',
        usage: {input_tokens: 7, cache_read_input_tokens: 3, output_tokens: 9},
      }),
      plain,
    );
    const {created, ...rest} = body;
    assert.equal(typeof created, 'number');
    assert.deepEqual(rest, {
      id: 'chatcmpl-msg_03',
      object: 'chat.completion',
      model: 'my-model',
      choices: [
        {
          index: 0,
          message: {role: 'assistant', content: 'Sure.', reasoning_content: 'hmm', tool_calls: [{id: 'toolu_9', type: 'function', function: {name: 'get_weather', arguments: '{"city":"Oslo"}'}}]},
          // A turn that called a tool ends as tool_calls even though the upstream said end_turn.
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: {prompt_tokens: 10, completion_tokens: 9, total_tokens: 19, prompt_tokens_details: {cached_tokens: 3}},
    });
  });

  it('an upstream error before the first byte keeps its status with an OpenAI error body', () => {
    const error = translator.error(429, JSON.stringify({type: 'error', error: {type: 'rate_limit_error', message: 'Number of request tokens has exceeded your rate limit'}}));
    assert.deepEqual(error, {status: 429, body: {error: {message: 'Number of request tokens has exceeded your rate limit', type: 'rate_limit_error', param: null, code: 'rate_limit_error'}}});
    assert.equal(translator.error(529, 'Overloaded').status, 529);
  });
});

describe('openai-chat client ← codex (Responses) upstream', () => {
  const translator = pair('openai-responses');
  const ctx = context('gpt-5-codex');
  translator.request(chatRequest(), ctx);
  const ev = (data: Record<string, unknown>) => sse(String(data.type), data);
  const upstream = [
    ev({type: 'response.created', sequence_number: 0, response: {id: 'resp_abc', model: 'gpt-5-codex', status: 'in_progress', output: []}}),
    ev({type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: {id: 'rs_1', type: 'reasoning', summary: []}}),
    ev({type: 'response.reasoning_summary_part.added', sequence_number: 2, item_id: 'rs_1', output_index: 0, summary_index: 0, part: {type: 'summary_text', text: ''}}),
    ev({type: 'response.reasoning_summary_text.delta', sequence_number: 3, item_id: 'rs_1', output_index: 0, summary_index: 0, delta: 'Need weather.'}),
    ev({type: 'response.output_item.done', sequence_number: 4, output_index: 0, item: {id: 'rs_1', type: 'reasoning', summary: [{type: 'summary_text', text: 'Need weather.'}], encrypted_content: 'gAAAAB-opaque'}}),
    ev({type: 'response.output_item.added', sequence_number: 5, output_index: 1, item: {id: 'fc_1', type: 'function_call', call_id: 'call_A', name: 'get_weather', arguments: ''}}),
    ev({type: 'response.function_call_arguments.delta', sequence_number: 6, item_id: 'fc_1', output_index: 1, delta: '{"city":'}),
    ev({type: 'response.function_call_arguments.delta', sequence_number: 7, item_id: 'fc_1', output_index: 1, delta: '"Paris"}'}),
    ev({type: 'response.output_item.done', sequence_number: 8, output_index: 1, item: {id: 'fc_1', type: 'function_call', call_id: 'call_A', name: 'get_weather', arguments: '{"city":"Paris"}'}}),
    ev({
      type: 'response.completed',
      sequence_number: 9,
      response: {id: 'resp_abc', model: 'gpt-5-codex', status: 'completed', output: [], usage: {input_tokens: 50, input_tokens_details: {cached_tokens: 20}, output_tokens: 30, output_tokens_details: {reasoning_tokens: 12}, total_tokens: 80}},
    }),
  ].join('');

  it('writes reasoning, the call in fragments, tool_calls and usage with cached and reasoning tokens', () => {
    const written = chunks(runStream(translator.stream(ctx), upstream, [7, 1, 19]).join(''));
    const id = 'chatcmpl-resp_abc';
    assert.deepEqual(written, [
      delta(id, {role: 'assistant', content: ''}),
      delta(id, {reasoning_content: 'Need weather.'}),
      delta(id, {tool_calls: [{index: 0, id: 'call_A', type: 'function', function: {name: 'get_weather', arguments: ''}}]}),
      delta(id, {tool_calls: [{index: 0, function: {arguments: '{"city":'}}]}),
      delta(id, {tool_calls: [{index: 0, function: {arguments: '"Paris"}'}}]}),
      {...head(id), choices: [{index: 0, delta: {}, finish_reason: 'tool_calls'}]},
      {...head(id), choices: [], usage: {prompt_tokens: 50, completion_tokens: 30, total_tokens: 80, prompt_tokens_details: {cached_tokens: 20}, completion_tokens_details: {reasoning_tokens: 12}}},
      '[DONE]',
    ]);
  });

  it('a non-streaming client gets a chat.completion from the collected codex stream', () => {
    const plain = context('gpt-5-codex', false);
    const plan = translator.request(chatRequest(false), plain);
    assert.equal(plan.upstreamStream, true, 'codex is always streamed upstream');
    const body = translator.response(upstream, plain) as {choices: {message: {tool_calls: unknown[]}; finish_reason: string}[]};
    assert.equal(body.choices[0]!.finish_reason, 'tool_calls');
    assert.deepEqual(body.choices[0]!.message.tool_calls, [{id: 'call_A', type: 'function', function: {name: 'get_weather', arguments: '{"city":"Paris"}'}}]);
  });

  it('response.failed mid-stream ends the stream with an error', () => {
    const failed = upstream.slice(0, upstream.indexOf('event: response.output_item.added')) + ev({type: 'response.failed', sequence_number: 1, response: {id: 'resp_abc', status: 'failed', error: {code: 'server_error', message: 'The model failed'}}});
    const written = chunks(runStream(translator.stream(ctx), failed).join(''));
    assert.deepEqual(written.at(-1), {error: {message: 'The model failed', type: 'api_error', param: null, code: 'server_error'}});
  });

  it('a codex usage-limit 429 stays a 429 with the upstream code', () => {
    const error = translator.error(429, JSON.stringify({error: {type: 'usage_limit_reached', message: 'The usage limit has been reached', resets_in_seconds: 100}}));
    assert.equal(error.status, 429);
    assert.deepEqual(error.body, {error: {message: 'The usage limit has been reached', type: 'rate_limit_error', param: null, code: 'usage_limit_reached'}});
  });
});

describe('openai-chat client ← Gemini (Cloud Code) upstream', () => {
  const translator = pair('gemini-internal');
  const ctx = context('gemini-2.5-pro');
  const plan = translator.request(chatRequest(), ctx);
  const shortName = ((plan.body.request as {tools: {functionDeclarations: {name: string}[]}[]}).tools[0]!.functionDeclarations[1]!).name;
  const data = (response: Record<string, unknown>) => sse(undefined, {response});
  const upstream = [
    data({responseId: 'g1', modelVersion: 'gemini-2.5-pro', candidates: [{content: {role: 'model', parts: [{text: 'Let me see.', thought: true}]}}]}),
    data({candidates: [{content: {role: 'model', parts: [{text: 'On it.'}]}}]}),
    data({
      candidates: [{content: {role: 'model', parts: [{functionCall: {name: 'get_weather', args: {city: 'Paris'}}}, {functionCall: {name: shortName, args: {}}}]}, finishReason: 'STOP'}],
      usageMetadata: {promptTokenCount: 40, cachedContentTokenCount: 8, candidatesTokenCount: 10, thoughtsTokenCount: 5},
    }),
  ].join('');

  it('the SDK assembles both calls (names restored) and finish_reason tool_calls although Gemini said STOP', async () => {
    const written = runStream(translator.stream(ctx), upstream, [3, 17]);
    const completion = await withChunks(written, (client) =>
      client.chat.completions.stream({model: 'my-model', messages: [{role: 'user', content: 'hi'}], stream_options: {include_usage: true}}).finalChatCompletion(),
    );
    const choice = completion.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, 'On it.');
    assert.equal((choice.message as unknown as {reasoning_content: string}).reasoning_content, 'Let me see.');
    const calls = choice.message.tool_calls!.map((call) => (call.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : []));
    assert.deepEqual(calls, [
      ['get_weather', {city: 'Paris'}],
      [LONG_NAME, {}],
    ]);
    for (const call of choice.message.tool_calls!) assert.match(call.id, /^\S+$/);
    assert.deepEqual(completion.usage, {prompt_tokens: 40, completion_tokens: 15, total_tokens: 55, prompt_tokens_details: {cached_tokens: 8}, completion_tokens_details: {reasoning_tokens: 5}});
  });

  it('a non-streaming client gets a chat.completion from generateContent', () => {
    const plain = context('gemini-2.5-flash', false);
    const plan = translator.request(chatRequest(false), plain);
    assert.deepEqual([plan.method, plan.upstreamStream], ['generate', false]);
    const body = translator.response(
      JSON.stringify({response: {responseId: 'g2', candidates: [{content: {role: 'model', parts: [{text: 'Sunny.'}]}, finishReason: 'MAX_TOKENS'}], usageMetadata: {promptTokenCount: 5, candidatesTokenCount: 2}}}),
      plain,
    );
    const {created, ...rest} = body;
    assert.equal(typeof created, 'number');
    assert.deepEqual(rest, {
      id: 'chatcmpl-g2',
      object: 'chat.completion',
      model: 'my-model',
      choices: [{index: 0, message: {role: 'assistant', content: 'Sunny.'}, finish_reason: 'length', logprobs: null}],
      usage: {prompt_tokens: 5, completion_tokens: 2, total_tokens: 7},
    });
  });

  it('n > 1 is refused by name (one answer per upstream request)', () => {
    assert.throws(() => translator.request({...chatRequest(), n: 3}, context('gemini-2.5-pro')), /^Error: n: gemini-internal answers with one choice per request/);
  });

  it('a Google RESOURCE_EXHAUSTED before the first byte is a 429 OpenAI error', () => {
    const error = translator.error(429, JSON.stringify([{error: {code: 429, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED'}}]));
    assert.deepEqual(error, {status: 429, body: {error: {message: 'Resource has been exhausted', type: 'rate_limit_error', param: null, code: 'RESOURCE_EXHAUSTED'}}});
  });
});
