// Claude Code (Anthropic Messages) in front of the codex backend (OpenAI Responses).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {translatorFor} from '../../../source/proxy/translate/index.js';
import type {TranslateContext} from '../../../source/proxy/translate/types.js';
import {anthropicSdkFinalMessage, runStream, sseEvents} from '../../helpers/translate-stream.js';

const pair = translatorFor('anthropic', 'openai-responses')!;
const context = (over: Partial<TranslateContext> = {}): TranslateContext => ({clientModel: 'claude-opus-4-6', upstreamModel: 'gpt-5.5', clientStream: true, ...over});

const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({type, ...data})}\n\n`;

/** Codex's stream: reasoning with a summary, text, two calls (one fragmented, one without arguments), completed with usage. */
const UPSTREAM =
  event('response.created', {response: {id: 'resp_1', model: 'gpt-5.5', status: 'in_progress'}}) +
  event('response.output_item.added', {output_index: 0, item: {id: 'rs_1', type: 'reasoning', summary: []}}) +
  event('response.reasoning_summary_part.added', {output_index: 0, item_id: 'rs_1', summary_index: 0}) +
  event('response.reasoning_summary_text.delta', {output_index: 0, item_id: 'rs_1', delta: '**Plan** read'}) +
  event('response.reasoning_summary_part.added', {output_index: 0, item_id: 'rs_1', summary_index: 1}) +
  event('response.reasoning_summary_text.delta', {output_index: 0, item_id: 'rs_1', delta: 'then run'}) +
  event('response.output_item.done', {output_index: 0, item: {id: 'rs_1', type: 'reasoning', summary: [{type: 'summary_text', text: '**Plan** read'}], encrypted_content: 'gAAAAB-enc=='}}) +
  event('response.output_item.added', {output_index: 1, item: {id: 'msg_1', type: 'message', role: 'assistant', content: []}}) +
  event('response.output_text.delta', {output_index: 1, item_id: 'msg_1', content_index: 0, delta: 'On it.'}) +
  event('response.output_item.done', {output_index: 1, item: {id: 'msg_1', type: 'message', role: 'assistant', content: [{type: 'output_text', text: 'On it.'}]}}) +
  event('response.output_item.added', {output_index: 2, item: {id: 'fc_1', type: 'function_call', call_id: 'call_A', name: 'Bash', arguments: ''}}) +
  event('response.function_call_arguments.delta', {output_index: 2, item_id: 'fc_1', delta: '{"command":'}) +
  event('response.function_call_arguments.delta', {output_index: 2, item_id: 'fc_1', delta: '"ls -l"}'}) +
  event('response.output_item.done', {output_index: 2, item: {id: 'fc_1', type: 'function_call', call_id: 'call_A', name: 'Bash', arguments: '{"command":"ls -l"}'}}) +
  event('response.output_item.added', {output_index: 3, item: {id: 'fc_2', type: 'function_call', call_id: 'call_B', name: 'TodoRead', arguments: ''}}) +
  event('response.output_item.done', {output_index: 3, item: {id: 'fc_2', type: 'function_call', call_id: 'call_B', name: 'TodoRead', arguments: ''}}) +
  event('response.completed', {response: {id: 'resp_1', status: 'completed', usage: {input_tokens: 5000, input_tokens_details: {cached_tokens: 4096}, output_tokens: 321, output_tokens_details: {reasoning_tokens: 200}}}});

describe('anthropic → openai-responses: stream', () => {
  it('writes the exact Anthropic event stream, encrypted reasoning as the tagged signature', () => {
    const events = sseEvents(runStream(pair.stream(context()), UPSTREAM, [5, 1, 11]).join(''));
    const id = (events[0]!.data as {message: {id: string}}).message.id;
    const delta = (index: number, d: object) => ({event: 'content_block_delta', data: {type: 'content_block_delta', index, delta: d}});
    const start = (index: number, block: object) => ({event: 'content_block_start', data: {type: 'content_block_start', index, content_block: block}});
    const stop = (index: number) => ({event: 'content_block_stop', data: {type: 'content_block_stop', index}});
    assert.deepEqual(events, [
      {event: 'message_start', data: {type: 'message_start', message: {id, type: 'message', role: 'assistant', model: 'claude-opus-4-6', content: [], stop_reason: null, stop_sequence: null, usage: {input_tokens: 0, output_tokens: 0}}}},
      start(0, {type: 'thinking', thinking: '', signature: ''}),
      delta(0, {type: 'thinking_delta', thinking: '**Plan** read'}),
      delta(0, {type: 'thinking_delta', thinking: '\n\n'}),
      delta(0, {type: 'thinking_delta', thinking: 'then run'}),
      delta(0, {type: 'signature_delta', signature: 'ccs1:openai-responses:gAAAAB-enc=='}),
      stop(0),
      start(1, {type: 'text', text: ''}),
      delta(1, {type: 'text_delta', text: 'On it.'}),
      stop(1),
      start(2, {type: 'tool_use', id: 'call_A', name: 'Bash', input: {}}),
      delta(2, {type: 'input_json_delta', partial_json: '{"command":'}),
      delta(2, {type: 'input_json_delta', partial_json: '"ls -l"}'}),
      stop(2),
      start(3, {type: 'tool_use', id: 'call_B', name: 'TodoRead', input: {}}),
      stop(3),
      {event: 'message_delta', data: {type: 'message_delta', delta: {stop_reason: 'tool_use', stop_sequence: null}, usage: {input_tokens: 904, output_tokens: 321, cache_read_input_tokens: 4096}}},
      {event: 'message_stop', data: {type: 'message_stop'}},
    ]);
  });

  it('is assembled by the Anthropic SDK: thinking with signature, parsed tool inputs, tool_use, usage', async () => {
    const message = await anthropicSdkFinalMessage(runStream(pair.stream(context()), UPSTREAM, [64, 3]));
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.content[0], {type: 'thinking', thinking: '**Plan** read\n\nthen run', signature: 'ccs1:openai-responses:gAAAAB-enc=='});
    assert.deepEqual(
      message.content.slice(2).map((block) => (block.type === 'tool_use' ? [block.id, block.name, block.input] : block.type)),
      [
        ['call_A', 'Bash', {command: 'ls -l'}],
        ['call_B', 'TodoRead', {}],
      ],
    );
    assert.deepEqual([message.usage.input_tokens, message.usage.cache_read_input_tokens, message.usage.output_tokens], [904, 4096, 321]);
  });

  it('hands reasoning without a summary to the client as a redacted_thinking block', () => {
    const upstream =
      event('response.output_item.added', {output_index: 0, item: {id: 'rs_1', type: 'reasoning'}}) +
      event('response.output_item.done', {output_index: 0, item: {id: 'rs_1', type: 'reasoning', summary: [], encrypted_content: 'ENC'}}) +
      event('response.output_text.delta', {output_index: 1, delta: 'Hi'}) +
      event('response.completed', {response: {status: 'completed'}});
    const events = sseEvents(runStream(pair.stream(context()), upstream).join(''));
    assert.deepEqual(events[1], {event: 'content_block_start', data: {type: 'content_block_start', index: 0, content_block: {type: 'redacted_thinking', data: 'ccs1:openai-responses:ENC'}}});
    assert.deepEqual(events.at(-2)!.data, {type: 'message_delta', delta: {stop_reason: 'end_turn', stop_sequence: null}, usage: {input_tokens: 0, output_tokens: 1}});
  });

  it('reports max_tokens for an incomplete response', () => {
    const upstream = event('response.output_text.delta', {output_index: 0, delta: 'long'}) + event('response.incomplete', {response: {status: 'incomplete', incomplete_details: {reason: 'max_output_tokens'}}});
    const events = sseEvents(runStream(pair.stream(context()), upstream).join(''));
    assert.equal((events.at(-2)!.data as {delta: {stop_reason: string}}).delta.stop_reason, 'max_tokens');
  });

  it('ends with an Anthropic error event on response.failed, and the SDK rejects', async () => {
    const upstream = event('response.output_text.delta', {output_index: 0, delta: 'x'}) + event('response.failed', {response: {status: 'failed', error: {code: 'server_error', message: 'The model crashed'}}});
    const written = runStream(pair.stream(context()), upstream);
    assert.deepEqual(sseEvents(written.join('')).at(-1), {event: 'error', data: {type: 'error', error: {type: 'api_error', message: 'The model crashed'}}});
    await assert.rejects(anthropicSdkFinalMessage(written), /The model crashed/);
  });
});

describe('anthropic → openai-responses: non-streaming client', () => {
  it('asks the upstream to stream anyway and answers with one message built from the whole SSE text', () => {
    const ctx = context({clientStream: false});
    const plan = pair.request({model: 'claude-opus-4-6', max_tokens: 10, messages: [{role: 'user', content: 'hi'}]}, ctx);
    assert.equal(plan.upstreamStream, true);
    assert.equal(plan.body.stream, true);
    const message = pair.response(UPSTREAM, ctx);
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.content, [
      {type: 'thinking', thinking: '**Plan** read\n\nthen run', signature: 'ccs1:openai-responses:gAAAAB-enc=='},
      {type: 'text', text: 'On it.'},
      {type: 'tool_use', id: 'call_A', name: 'Bash', input: {command: 'ls -l'}},
      {type: 'tool_use', id: 'call_B', name: 'TodoRead', input: {}},
    ]);
  });
});

describe('anthropic → openai-responses: request', () => {
  it('builds the exact codex body: instructions, items in order, own reasoning back, foreign thinking dropped, stream + store false', () => {
    const plan = pair.request(
      {
        model: 'claude-opus-4-6',
        max_tokens: 32000,
        temperature: 1,
        system: [{type: 'text', text: 'You are Claude Code.'}],
        thinking: {type: 'enabled', budget_tokens: 31999},
        tools: [{name: 'Bash', description: 'Run', input_schema: {type: 'object', properties: {command: {type: 'string'}}, required: ['command']}}],
        tool_choice: {type: 'tool', name: 'Bash'},
        messages: [
          {role: 'user', content: [{type: 'text', text: 'List'}, {type: 'image', source: {type: 'base64', media_type: 'image/png', data: 'AAA'}}]},
          {
            role: 'assistant',
            content: [
              {type: 'thinking', thinking: 'Claude thought', signature: 'EqQBCkYIBxgCKkD'},
              {type: 'thinking', thinking: '**Plan**', signature: 'ccs1:openai-responses:ENC1'},
              {type: 'redacted_thinking', data: 'ccs1:openai-responses:ENC2'},
              {type: 'text', text: 'Listing.'},
              {type: 'tool_use', id: 'call_A', name: 'Bash', input: {command: 'ls'}},
            ],
          },
          {role: 'user', content: [{type: 'tool_result', tool_use_id: 'call_A', content: [{type: 'text', text: 'a.txt'}, {type: 'image', source: {type: 'base64', media_type: 'image/png', data: 'BBB'}}]}]},
        ],
      },
      context(),
    );
    assert.deepEqual(plan, {
      upstreamStream: true,
      method: 'stream',
      body: {
        model: 'gpt-5.5',
        instructions: 'You are Claude Code.',
        input: [
          {type: 'message', role: 'user', content: [{type: 'input_text', text: 'List'}, {type: 'input_image', image_url: 'data:image/png;base64,AAA'}]},
          {type: 'reasoning', summary: [{type: 'summary_text', text: '**Plan**'}], encrypted_content: 'ENC1'},
          {type: 'reasoning', summary: [], encrypted_content: 'ENC2'},
          {type: 'message', role: 'assistant', content: [{type: 'output_text', text: 'Listing.'}]},
          {type: 'function_call', call_id: 'call_A', name: 'Bash', arguments: '{"command":"ls"}'},
          {type: 'function_call_output', call_id: 'call_A', output: 'a.txt'},
          {type: 'message', role: 'user', content: [{type: 'input_image', image_url: 'data:image/png;base64,BBB'}]},
        ],
        tools: [{type: 'function', name: 'Bash', description: 'Run', parameters: {type: 'object', properties: {command: {type: 'string'}}, required: ['command']}, strict: false}],
        tool_choice: {type: 'function', name: 'Bash'},
        parallel_tool_calls: true,
        reasoning: {effort: 'xhigh', summary: 'auto'},
        include: ['reasoning.encrypted_content'],
        store: false,
        stream: true,
      },
    });
  });

  it('keys the prompt cache by Claude Code\'s session (its user id, hashed)', () => {
    const turn = (text: string) => pair.request({model: 'm', max_tokens: 1, metadata: {user_id: 'user_abc_account_x_session_1'}, messages: [{role: 'user', content: text}]}, context()).body.prompt_cache_key;
    assert.match(String(turn('a')), /^[0-9a-f]{32}$/);
    assert.equal(turn('a'), turn('b'));
    assert.ok(!String(turn('a')).includes('session'));
  });

  it('always sends instructions, even without a system prompt', () => {
    const plan = pair.request({model: 'm', max_tokens: 1, messages: [{role: 'user', content: 'hi'}]}, context());
    assert.equal(typeof plan.body.instructions, 'string');
    assert.notEqual(plan.body.instructions, '');
    assert.equal(plan.body.reasoning, undefined);
  });

  it('maps codex usage_limit_reached (429) to an Anthropic rate_limit_error with the same status', () => {
    assert.deepEqual(pair.error(429, '{"error":{"type":"usage_limit_reached","message":"The usage limit has been reached","resets_in_seconds":3600}}'), {
      status: 429,
      body: {type: 'error', error: {type: 'rate_limit_error', message: 'The usage limit has been reached'}},
    });
    assert.deepEqual(pair.error(400, '{"detail":"Unsupported parameter: max_output_tokens"}'), {
      status: 400,
      body: {type: 'error', error: {type: 'invalid_request_error', message: 'Unsupported parameter: max_output_tokens'}},
    });
  });
});
