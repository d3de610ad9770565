// Claude Code (Anthropic Messages) in front of an OpenAI Chat Completions upstream.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {translatorFor} from '../../../source/proxy/translate/index.js';
import {TranslateError, type TranslateContext} from '../../../source/proxy/translate/types.js';
import {anthropicSdkFinalMessage, runStream, sseEvents} from '../../helpers/translate-stream.js';

const pair = translatorFor('anthropic', 'openai-chat')!;
const context = (over: Partial<TranslateContext> = {}): TranslateContext => ({clientModel: 'claude-sonnet-4-6', upstreamModel: 'qwen3-coder-plus', clientStream: true, ...over});

const LONG_MCP_NAME = 'mcp__a-very-long-server-name-for-testing__and_a_tool_whose_name_goes_on_and.on';

const chunk = (delta: object, extra: object = {}) => `data: ${JSON.stringify({id: 'chatcmpl-1', model: 'qwen3-coder-plus', choices: [{index: 0, delta, finish_reason: null}], ...extra})}\r\n\r\n`;

/** Reasoning, text, two parallel calls (one in fragments, one without arguments), `stop` as finish reason, usage after it. */
const UPSTREAM =
  chunk({role: 'assistant', reasoning_content: 'Let me '}) +
  chunk({reasoning_content: 'look.'}) +
  chunk({content: 'Reading both.'}) +
  chunk({tool_calls: [{index: 0, id: 'call_1', type: 'function', function: {name: 'Read', arguments: ''}}]}) +
  chunk({tool_calls: [{index: 0, function: {arguments: '{"file_path":'}}]}) +
  chunk({tool_calls: [{index: 0, function: {arguments: '"/tmp/ä.txt"}'}}]}) +
  chunk({tool_calls: [{index: 1, id: 'call_2', type: 'function', function: {name: 'mcp__a-very-long-server-name-for-testing__and_a_tool_wh_97c768c3', arguments: ''}}]}) +
  `data: ${JSON.stringify({id: 'chatcmpl-1', choices: [{index: 0, delta: {}, finish_reason: 'stop'}]})}\n\n` +
  `data: ${JSON.stringify({id: 'chatcmpl-1', choices: [], usage: {prompt_tokens: 1200, completion_tokens: 57, prompt_tokens_details: {cached_tokens: 1000}}})}\n\n` +
  'data: [DONE]\n\n';

describe('anthropic → openai-chat: stream', () => {
  it('writes the exact Anthropic event stream from a fragmented upstream stream', () => {
    const ctx = context();
    pair.request({model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{role: 'user', content: 'hi'}], tools: [{name: LONG_MCP_NAME, input_schema: {type: 'object'}}]}, ctx);
    const events = sseEvents(runStream(pair.stream(ctx), UPSTREAM).join(''));
    const start = events[0]!.data as {message: {id: string}};
    assert.match(start.message.id, /^msg_[0-9a-f]{32}$/);
    assert.deepEqual(events, [
      {event: 'message_start', data: {type: 'message_start', message: {id: start.message.id, type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, stop_sequence: null, usage: {input_tokens: 0, output_tokens: 0}}}},
      {event: 'content_block_start', data: {type: 'content_block_start', index: 0, content_block: {type: 'thinking', thinking: '', signature: ''}}},
      {event: 'content_block_delta', data: {type: 'content_block_delta', index: 0, delta: {type: 'thinking_delta', thinking: 'Let me '}}},
      {event: 'content_block_delta', data: {type: 'content_block_delta', index: 0, delta: {type: 'thinking_delta', thinking: 'look.'}}},
      {event: 'content_block_delta', data: {type: 'content_block_delta', index: 0, delta: {type: 'signature_delta', signature: 'ccs1:openai-chat:'}}},
      {event: 'content_block_stop', data: {type: 'content_block_stop', index: 0}},
      {event: 'content_block_start', data: {type: 'content_block_start', index: 1, content_block: {type: 'text', text: ''}}},
      {event: 'content_block_delta', data: {type: 'content_block_delta', index: 1, delta: {type: 'text_delta', text: 'Reading both.'}}},
      {event: 'content_block_stop', data: {type: 'content_block_stop', index: 1}},
      {event: 'content_block_start', data: {type: 'content_block_start', index: 2, content_block: {type: 'tool_use', id: 'call_1', name: 'Read', input: {}}}},
      {event: 'content_block_delta', data: {type: 'content_block_delta', index: 2, delta: {type: 'input_json_delta', partial_json: '{"file_path":'}}},
      {event: 'content_block_delta', data: {type: 'content_block_delta', index: 2, delta: {type: 'input_json_delta', partial_json: '"/tmp/ä.txt"}'}}},
      {event: 'content_block_stop', data: {type: 'content_block_stop', index: 2}},
      {event: 'content_block_start', data: {type: 'content_block_start', index: 3, content_block: {type: 'tool_use', id: 'call_2', name: LONG_MCP_NAME, input: {}}}},
      {event: 'content_block_stop', data: {type: 'content_block_stop', index: 3}},
      {event: 'message_delta', data: {type: 'message_delta', delta: {stop_reason: 'tool_use', stop_sequence: null}, usage: {input_tokens: 200, output_tokens: 57, cache_read_input_tokens: 1000}}},
      {event: 'message_stop', data: {type: 'message_stop'}},
    ]);
  });

  it('writes every event as exactly `event: <type>`, JSON.stringify of its object, a blank line (escapes, lone surrogates as U+FFFD, U+2028)', () => {
    const ctx = context();
    pair.request({model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{role: 'user', content: 'hi'}]}, ctx);
    const odd = 'q"uote\\back\u0001ctl\n\t\u2028ls ä€😀 \ud800lone </script>';
    const wellFormed = odd.replace('\ud800', '\ufffd');
    const upstream =
      chunk({reasoning_content: odd}) +
      chunk({content: odd}) +
      chunk({content: ''}) +
      chunk({tool_calls: [{index: 0, id: 'call_1', type: 'function', function: {name: 'Read', arguments: JSON.stringify({p: odd})}}]}) +
      `data: ${JSON.stringify({id: 'chatcmpl-1', choices: [{index: 0, delta: {}, finish_reason: 'tool_calls'}]})}\n\n` +
      'data: [DONE]\n\n';
    const text = runStream(pair.stream(ctx), upstream).join('');
    const blocks = text.split(/(?<=\n\n)/);
    assert.equal(blocks.length, 13);
    const deltas: (Record<string, string> | undefined)[] = [];
    for (const block of blocks) {
      const [, type, data] = /^event: (.*)\ndata: (.*)\n\n$/s.exec(block)!;
      const value = JSON.parse(data!) as {type: string; delta?: Record<string, string>};
      assert.equal(block, `event: ${value.type}\ndata: ${JSON.stringify(value)}\n\n`);
      assert.equal(type, value.type);
      deltas.push(value.delta);
    }
    assert.deepEqual(
      deltas.filter((delta) => delta?.type?.endsWith('_delta')),
      // A lone surrogate in text goes out as U+FFFD (strict JSON readers refuse `\ud800` alone); in
      // the arguments it is JSON's own escape text, which the client's parse of them reads.
      [{type: 'thinking_delta', thinking: wellFormed}, {type: 'signature_delta', signature: 'ccs1:openai-chat:'}, {type: 'text_delta', text: wellFormed}, {type: 'input_json_delta', partial_json: JSON.stringify({p: odd})}],
    );
  });

  it('is assembled by the Anthropic SDK into the final message: tool input parsed, tool_use, usage', async () => {
    const ctx = context();
    pair.request({model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{role: 'user', content: 'hi'}], tools: [{name: LONG_MCP_NAME, input_schema: {type: 'object'}}]}, ctx);
    const message = await anthropicSdkFinalMessage(runStream(pair.stream(ctx), UPSTREAM, [2, 9, 4]));
    assert.equal(message.model, 'claude-sonnet-4-6');
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(
      message.content.map((block) => (block.type === 'tool_use' ? {name: block.name, input: block.input} : block.type)),
      ['thinking', 'text', {name: 'Read', input: {file_path: '/tmp/ä.txt'}}, {name: LONG_MCP_NAME, input: {}}],
    );
    assert.equal(message.usage.input_tokens, 200);
    assert.equal(message.usage.cache_read_input_tokens, 1000);
    assert.equal(message.usage.output_tokens, 57);
  });

  it('ends with end_turn and an estimated output count when the upstream never reports usage', async () => {
    const upstream = chunk({content: 'Hello there, friend.'}) + `data: ${JSON.stringify({choices: [{index: 0, delta: {}, finish_reason: 'stop'}]})}\n\ndata: [DONE]\n\n`;
    const message = await anthropicSdkFinalMessage(runStream(pair.stream(context()), upstream));
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual(message.content.map((block) => (block.type === 'text' ? block.text : block.type)), ['Hello there, friend.']);
    assert.equal(message.usage.output_tokens, 5);
  });

  it('ends the client stream with an error event when the upstream drops mid-stream', async () => {
    const translator = pair.stream(context());
    const written = [translator.push(chunk({content: 'Half a'})), translator.fail('upstream connection reset')];
    assert.deepEqual(sseEvents(written.join('')).at(-1), {event: 'error', data: {type: 'error', error: {type: 'api_error', message: 'upstream connection reset'}}});
    await assert.rejects(anthropicSdkFinalMessage(written), /upstream connection reset/);
  });

  it('ends with an error event when the upstream closes without finishing the turn', () => {
    const events = sseEvents(runStream(pair.stream(context()), chunk({content: 'cut'})).join(''));
    assert.equal(events.at(-1)!.event, 'error');
    assert.match(String((events.at(-1)!.data as {error: {message: string}}).error.message), /ended before the turn finished/);
  });

  it('passes an in-stream upstream error on as an Anthropic error event of the right type', () => {
    const upstream = chunk({content: 'x'}) + `data: ${JSON.stringify({error: {message: 'Rate limit reached', type: 'rate_limit_exceeded'}})}\n\n`;
    const events = sseEvents(runStream(pair.stream(context()), upstream).join(''));
    assert.deepEqual(events.at(-1), {event: 'error', data: {type: 'error', error: {type: 'rate_limit_error', message: 'Rate limit reached'}}});
  });
});

describe('anthropic → openai-chat: non-stream', () => {
  it('turns a chat.completion into an Anthropic message', () => {
    const ctx = context({clientStream: false});
    const body = JSON.stringify({
      id: 'chatcmpl-9',
      model: 'qwen3-coder-plus',
      choices: [{index: 0, message: {role: 'assistant', content: 'Done.', reasoning_content: 'thought', tool_calls: [{id: 'call_9', type: 'function', function: {name: 'Bash', arguments: '{"command":"ls"}'}}]}, finish_reason: 'tool_calls'}],
      usage: {prompt_tokens: 10, completion_tokens: 4},
    });
    const message = pair.response(body, ctx);
    assert.equal(message.model, 'claude-sonnet-4-6');
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.content, [
      {type: 'thinking', thinking: 'thought', signature: 'ccs1:openai-chat:'},
      {type: 'text', text: 'Done.'},
      {type: 'tool_use', id: 'call_9', name: 'Bash', input: {command: 'ls'}},
    ]);
    assert.deepEqual(message.usage, {input_tokens: 10, output_tokens: 4});
  });
});

describe('anthropic → openai-chat: non-stream failures', () => {
  it('throws a 502 TranslateError naming the upstream error instead of answering an empty message', () => {
    const ctx = context({clientStream: false});
    assert.throws(() => pair.response('{"error":{"message":"model overloaded"}}', ctx), (error: unknown) => error instanceof TranslateError && error.status === 502 && /model overloaded/.test(error.message));
    assert.throws(() => pair.response('upstream proxy error', ctx), (error: unknown) => error instanceof TranslateError && /not JSON/.test(error.message));
  });
});

describe('anthropic → openai-chat: request', () => {
  it('builds the exact Chat body: system, tool messages right after their call, images, errors, thinking, names within 64 chars', () => {
    const ctx = context();
    const plan = pair.request(
      {
        model: 'claude-sonnet-4-6',
        max_tokens: 4096,
        system: [{type: 'text', text: 'You are Claude Code.', cache_control: {type: 'ephemeral'}}, {type: 'text', text: 'Be brief.'}],
        thinking: {type: 'enabled', budget_tokens: 8000},
        metadata: {user_id: 'u1'},
        tool_choice: {type: 'auto', disable_parallel_tool_use: true},
        tools: [
          {name: 'Read', description: 'Read a file', input_schema: {type: 'object', properties: {file_path: {type: 'string'}}, required: ['file_path']}},
          {name: LONG_MCP_NAME, input_schema: {type: 'object', properties: {}}},
          {type: 'web_search_20250305', name: 'web_search', max_uses: 5},
        ],
        messages: [
          {role: 'user', content: 'Read /a and /b'},
          {
            role: 'assistant',
            content: [
              {type: 'thinking', thinking: 'mine', signature: 'ccs1:openai-chat:'},
              {type: 'thinking', thinking: 'from claude', signature: 'EqQBCkYIBxgCKkD'},
              {type: 'text', text: 'Reading.'},
              {type: 'tool_use', id: 'call_1', name: 'Read', input: {file_path: '/a'}},
              {type: 'tool_use', id: 'call_2', name: LONG_MCP_NAME, input: {}},
            ],
          },
          {
            role: 'user',
            content: [
              {type: 'tool_result', tool_use_id: 'call_2', content: [{type: 'text', text: 'a picture'}, {type: 'image', source: {type: 'base64', media_type: 'image/png', data: 'iVBOR'}}]},
              {type: 'tool_result', tool_use_id: 'call_1', content: 'no such file', is_error: true},
              {type: 'text', text: 'Now what?'},
            ],
          },
        ],
        custom_vendor_flag: true,
      },
      ctx,
    );
    const shortName = 'mcp__a-very-long-server-name-for-testing__and_a_tool_wh_97c768c3';
    assert.equal(shortName.length, 64);
    assert.deepEqual(plan, {
      upstreamStream: true,
      method: 'stream',
      body: {
        custom_vendor_flag: true,
        model: 'qwen3-coder-plus',
        messages: [
          {role: 'system', content: 'You are Claude Code.\n\nBe brief.'},
          {role: 'user', content: 'Read /a and /b'},
          {
            role: 'assistant',
            content: 'Reading.',
            // No reasoning_content: the last user message asks something new, so this tool loop is over.
            tool_calls: [
              {id: 'call_1', type: 'function', function: {name: 'Read', arguments: '{"file_path":"/a"}'}},
              {id: 'call_2', type: 'function', function: {name: shortName, arguments: '{}'}},
            ],
          },
          {role: 'tool', tool_call_id: 'call_2', content: 'a picture'},
          {role: 'tool', tool_call_id: 'call_1', content: 'Error: no such file'},
          {role: 'user', content: [{type: 'image_url', image_url: {url: 'data:image/png;base64,iVBOR'}}, {type: 'text', text: 'Now what?'}]},
        ],
        max_tokens: 4096,
        tools: [
          {type: 'function', function: {name: 'Read', description: 'Read a file', parameters: {type: 'object', properties: {file_path: {type: 'string'}}, required: ['file_path']}}},
          {type: 'function', function: {name: shortName, parameters: {type: 'object', properties: {}}}},
        ],
        tool_choice: 'auto',
        parallel_tool_calls: false,
        reasoning_effort: 'medium',
        stream: true,
        stream_options: {include_usage: true},
      },
    });
  });

  it('asks for low, medium or high reasoning only, and none when thinking is off', () => {
    const effortFor = (thinking: object) => pair.request({model: 'm', max_tokens: 64000, thinking, messages: [{role: 'user', content: 'x'}]}, context()).body.reasoning_effort;
    assert.equal(effortFor({type: 'enabled', budget_tokens: 1024}), 'low');
    assert.equal(effortFor({type: 'enabled', budget_tokens: 31999}), 'high');
    assert.equal(effortFor({type: 'disabled'}), undefined);
  });

  it('sends its own reasoning back only inside the current tool loop', () => {
    const thinking = (text: string) => ({type: 'thinking', thinking: text, signature: 'ccs1:openai-chat:'});
    const plan = pair.request(
      {
        model: 'm',
        max_tokens: 10,
        messages: [
          {role: 'user', content: 'first'},
          {role: 'assistant', content: [thinking('old turn'), {type: 'text', text: 'Done.'}]},
          {role: 'user', content: 'second'},
          {role: 'assistant', content: [thinking('this loop'), {type: 'tool_use', id: 'c1', name: 'Bash', input: {}}]},
          {role: 'user', content: [{type: 'tool_result', tool_use_id: 'c1', content: 'ok'}]},
        ],
      },
      context(),
    );
    const assistants = (plan.body.messages as {role: string; reasoning_content?: string}[]).filter((m) => m.role === 'assistant');
    assert.deepEqual(
      assistants.map((m) => m.reasoning_content),
      [undefined, 'this loop'],
    );
  });

  it('answers a call the client left unanswered, and keeps a result without its call as text', () => {
    const plan = pair.request(
      {
        model: 'm',
        max_tokens: 10,
        messages: [
          {role: 'assistant', content: [{type: 'tool_use', id: 'call_x', name: 'Bash', input: {command: 'ls'}}]},
          {role: 'user', content: [{type: 'tool_result', tool_use_id: 'call_gone', content: 'old'}]},
        ],
      },
      context({clientStream: false}),
    );
    assert.deepEqual(plan.body.messages, [
      {role: 'assistant', content: null, tool_calls: [{id: 'call_x', type: 'function', function: {name: 'Bash', arguments: '{"command":"ls"}'}}]},
      {role: 'tool', tool_call_id: 'call_x', content: 'Error: no result: the client sent none for this call'},
      {role: 'user', content: '[tool result call_gone]\nold'},
    ]);
    assert.equal(plan.body.stream, false);
    assert.equal(plan.body.stream_options, undefined);
  });

  it('maps an upstream error to the Anthropic error with the same status', () => {
    assert.deepEqual(pair.error(429, '{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}'), {
      status: 429,
      body: {type: 'error', error: {type: 'rate_limit_error', message: 'Rate limit reached for requests'}},
    });
    assert.deepEqual(pair.error(401, 'Unauthorized'), {status: 401, body: {type: 'error', error: {type: 'authentication_error', message: 'Unauthorized'}}});
  });

  it('has no upstream count: the proxy answers count_tokens with its estimate', () => {
    assert.equal(pair.countTokens, undefined);
  });

  it('throws a TranslateError naming the field for a message without a valid role', () => {
    assert.throws(() => pair.request({model: 'm', messages: [{role: 'tool', content: 'x'}]}, context()), /messages\[0\]\.role/);
  });

  it('joins system messages sent mid-conversation (Claude Code 2.1) to the system prompt', () => {
    const plan = pair.request({model: 'm', system: 'base', messages: [{role: 'user', content: 'hi'}, {role: 'system', content: [{type: 'text', text: 'env'}]}]}, context());
    assert.deepEqual(plan.body.messages, [
      {role: 'system', content: 'base\n\nenv'},
      {role: 'user', content: 'hi'},
    ]);
  });
});

