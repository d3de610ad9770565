// When a non-stream client's answer is complete (deliver.ts readAll stops there and drops the
// upstream request): each upstream protocol's terminal event, and nothing before it.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {translatorFor} from '../../../source/proxy/translate/index.js';
import type {ApiProtocol} from '../../../source/proxy/translate/types.js';

const sse = (data: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

/** Feeds `before` (answered must stay false after each), then `terminal` (answered after it). */
function check(client: ApiProtocol, upstream: ApiProtocol, before: string[], terminal: string): void {
  const pair = translatorFor(client, upstream);
  assert.ok(pair?.answerWatch, `${client} on ${upstream} has an answer watch`);
  const watch = pair.answerWatch();
  for (const chunk of before) {
    watch.push(chunk);
    assert.equal(watch.answered, false, `answered after ${JSON.stringify(chunk)}`);
  }
  // Split inside the event: answered only once its blank line came.
  const cut = terminal.length - 1;
  watch.push(terminal.slice(0, cut));
  assert.equal(watch.answered, false, 'answered before the terminal event was complete');
  watch.push(terminal.slice(cut));
  assert.equal(watch.answered, true);
}

describe('the terminal event of each upstream, for a non-stream client', () => {
  it('Anthropic: message_stop, not the message_delta with stop_reason before it', () => {
    const before = [
      sse({type: 'message_start', message: {id: 'msg_1', model: 'claude-x', usage: {input_tokens: 3}}}, 'message_start'),
      sse({type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}}, 'content_block_start'),
      sse({type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: 'hi'}}, 'content_block_delta'),
      sse({type: 'content_block_stop', index: 0}, 'content_block_stop'),
      sse({type: 'message_delta', delta: {stop_reason: 'end_turn'}, usage: {output_tokens: 1}}, 'message_delta'),
    ];
    check('openai-chat', 'anthropic', before, sse({type: 'message_stop'}, 'message_stop'));
    check('openai-responses', 'anthropic', before, sse({type: 'message_stop'}, 'message_stop'));
  });

  it('Anthropic: an error event ends it too', () => {
    check('openai-chat', 'anthropic', [sse({type: 'message_start', message: {id: 'msg_1', model: 'claude-x'}}, 'message_start')], sse({type: 'error', error: {type: 'overloaded_error', message: 'busy'}}, 'error'));
  });

  it('Chat Completions: [DONE], not the finish_reason chunk (usage follows it)', () => {
    const chunk = (delta: unknown, finish: string | null = null) => sse({id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{index: 0, delta, finish_reason: finish}]});
    const before = [chunk({role: 'assistant', content: 'hi'}), chunk({}, 'stop'), sse({id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [], usage: {prompt_tokens: 3, completion_tokens: 1}})];
    check('anthropic', 'openai-chat', before, sse('[DONE]'));
    check('openai-responses', 'openai-chat', before, sse('[DONE]'));
  });

  it('Responses: response.completed (and failed, incomplete)', () => {
    const base = {id: 'resp_1', object: 'response', model: 'm', status: 'in_progress', output: []};
    const before = [sse({type: 'response.created', response: base}, 'response.created'), sse({type: 'response.output_text.delta', output_index: 0, delta: 'hi'}, 'response.output_text.delta')];
    for (const [type, status] of [['response.completed', 'completed'], ['response.incomplete', 'incomplete'], ['response.failed', 'failed']] as const) {
      check('anthropic', 'openai-responses', before, sse({type, response: {...base, status}}, type));
      check('openai-chat', 'openai-responses', before, sse({type, response: {...base, status}}, type));
    }
  });

  it('Gemini (Cloud Code and native): the chunk with a finishReason and the usage, or the usage after a finishReason', () => {
    const part = (text: string, finish?: string) => ({responseId: 'r1', modelVersion: 'gemini-x', candidates: [{content: {role: 'model', parts: [{text}]}, ...(finish ? {finishReason: finish} : {})}]});
    const usageMetadata = {promptTokenCount: 3, candidatesTokenCount: 2};
    for (const client of ['anthropic', 'openai-chat', 'openai-responses'] as const) {
      check(client, 'gemini-internal', [sse({response: {...part('hi'), usageMetadata}})], sse({response: {...part('!', 'STOP'), usageMetadata}}));
      // A finishReason without the usage is not the end: the usage (Gemini 3 sends it alone) or more text may follow.
      check(client, 'gemini-native', [sse(part('hi')), sse(part('!', 'MAX_TOKENS'))], sse({responseId: 'r1', usageMetadata}));
    }
  });

  it('a JSON body (an upstream that did not stream) is never answered early: read to its end', () => {
    const watch = translatorFor('anthropic', 'openai-chat')!.answerWatch!();
    watch.push(JSON.stringify({id: 'c1', object: 'chat.completion', choices: [{index: 0, message: {role: 'assistant', content: 'data: [DONE]\n\n'}, finish_reason: 'stop'}]}));
    assert.equal(watch.answered, false);
  });
});
