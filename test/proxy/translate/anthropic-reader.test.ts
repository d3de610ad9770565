// The Anthropic upstream reader on its own: the TurnEvents a whole message, an error body, a stop
// sequence and server-tool blocks become.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {AnthropicReader} from '../../../source/proxy/translate/readers/anthropic.js';
import {anthropicBlock, anthropicEvent} from '../../helpers/openai-sdk.js';
import {runStream} from '../../helpers/translate-stream.js';

describe('Anthropic reader', () => {
  it('reads a whole message: blocks in order, usage counting cache reads and writes, the stop sequence', () => {
    const events = AnthropicReader.readBody(
      JSON.stringify({
        id: 'msg_1',
        type: 'message',
        model: 'claude-opus-4-1',
        content: [
          {type: 'thinking', thinking: 'hm', signature: 'U2ln'},
          {type: 'redacted_thinking', data: 'UmVk'},
          {type: 'text', text: 'Done'},
        ],
        stop_reason: 'stop_sequence',
        stop_sequence: '###',
        usage: {input_tokens: 4, cache_read_input_tokens: 10, cache_creation_input_tokens: 6, output_tokens: 3},
      }),
    );
    assert.deepEqual(events, [
      {type: 'start', id: 'msg_1', model: 'claude-opus-4-1'},
      {type: 'usage', usage: {inputTokens: 20, outputTokens: 3, cachedInputTokens: 10, cacheCreationInputTokens: 6}},
      {type: 'thinking', text: 'hm'},
      {type: 'thinking-signature', signature: 'U2ln'},
      {type: 'redacted-thinking', data: 'UmVk'},
      {type: 'text', text: 'Done'},
      {type: 'stop', reason: 'stop_sequence', stopSequence: '###'},
    ]);
  });

  it('an error body and a body that is not JSON both end in one error event (after the start every turn has)', () => {
    assert.deepEqual(AnthropicReader.readBody(JSON.stringify({type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}})), [
      {type: 'start'},
      {type: 'error', message: 'Overloaded', errorType: 'overloaded_error', detail: {type: 'overloaded_error', message: 'Overloaded'}},
    ]);
    const [start, event, ...rest] = AnthropicReader.readBody('<html>502 Bad Gateway</html>');
    assert.deepEqual(start, {type: 'start'});
    assert.equal(event?.type, 'error');
    assert.match((event as {message: string}).message, /not JSON: <html>502 Bad Gateway/);
    assert.deepEqual(rest, []);
  });

  it('skips server-tool blocks and pings, reads model_context_window_exceeded as max_tokens', () => {
    const stream = [
      anthropicEvent('message_start', {message: {id: 'msg_2', model: 'claude-sonnet-4-5', usage: {input_tokens: 1, output_tokens: 0}}}),
      anthropicBlock(0, {type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {query: 'x'}}),
      anthropicEvent('ping'),
      anthropicBlock(1, {type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: []}),
      anthropicBlock(2, {type: 'text', text: ''}, {type: 'text_delta', text: 'Found it'}, {type: 'citations_delta', citation: {type: 'web_search_result_location'}}),
      anthropicEvent('message_delta', {delta: {stop_reason: 'model_context_window_exceeded'}, usage: {output_tokens: 2}}),
      anthropicEvent('message_stop'),
    ].join('');
    const reader = new AnthropicReader();
    const events = runStream({push: (chunk) => JSON.stringify(reader.push(chunk)), end: () => JSON.stringify(reader.end()), fail: () => ''}, stream, [4])
      .flatMap((text) => JSON.parse(text) as unknown[]);
    assert.deepEqual(events, [
      {type: 'start', id: 'msg_2', model: 'claude-sonnet-4-5'},
      {type: 'usage', usage: {inputTokens: 1, outputTokens: 0}},
      {type: 'text', text: 'Found it'},
      {type: 'usage', usage: {outputTokens: 2}},
      {type: 'stop', reason: 'max_tokens'},
    ]);
  });
});
