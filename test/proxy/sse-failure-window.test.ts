// The failure events that end nothing are looked for near the end of each read only
// (sse-final-event.ts FAILURE_LOOK_BYTES): one before a long final event in its read, and one
// longer than the window, are still read whole, in one read as in several.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {FAILURE_LOOK_BYTES, finalEventWatch} from '../../source/proxy/sse-final-event.js';
import {anthropicStreamEvents, chatStreamEvents, responsesStreamEvents} from '../helpers/fake-upstreams.js';

const usageLimit = {type: 'usage_limit_reached', code: 'usage_limit_reached', message: 'The usage limit has been reached', resets_in_seconds: 7200};
const responsesBegun = responsesStreamEvents('m', ['Half an answer', 'data: {"type":"response.failed"}\n\n']).slice(0, -1).join('');

function push(protocol: 'anthropic' | 'openai-chat' | 'openai-responses', reads: string[]) {
  const watch = finalEventWatch(protocol)!;
  let over = false;
  for (const r of reads) if (!over) over = watch.push(Buffer.from(r));
  return {over, failure: watch.failure};
}

describe('finalEventWatch: failure events near the window', () => {
  it('codex\'s usage-limit `error` event, then a real-sized `response.failed` (it echoes instructions, tools and output: > 2 KB) in one read: the limit is read', () => {
    const error = `event: error\ndata: ${JSON.stringify({type: 'error', error: usageLimit})}\n\n`;
    // The Responses API's response object echoes instructions, tools and output; Codex's instructions alone are many KB.
    const response = {id: 'resp_1', object: 'response', status: 'failed', error: null, instructions: 'You are Codex. '.repeat(200), tools: [], output: []};
    const failed = `event: response.failed\ndata: ${JSON.stringify({type: 'response.failed', sequence_number: 9, response})}\n\n`;
    assert.ok(Buffer.byteLength(failed) > FAILURE_LOOK_BYTES);
    // Same stream, error and response.failed in separate reads: the limit is read (control).
    assert.equal(push('openai-responses', [responsesBegun, error, failed]).failure?.code, 'usage_limit_reached');
    // Both in one read (the upstream wrote them back to back): expected the same.
    const seen = push('openai-responses', [responsesBegun, error + failed]);
    assert.equal(seen.over, true);
    assert.equal(seen.failure?.code, 'usage_limit_reached', `read: ${JSON.stringify(seen.failure)}`);
  });

  it('an Anthropic error event of ~2.5 KB whole in one read is read', () => {
    const begun = anthropicStreamEvents('m', ['Half an answer', 'event: error\n\n']).slice(0, -1).join('');
    const error = `event: error\ndata: ${JSON.stringify({type: 'error', error: {type: 'rate_limit_error', message: `Rate limited. ${'details '.repeat(320)}`}})}\n\n`;
    assert.ok(Buffer.byteLength(error) > FAILURE_LOOK_BYTES);
    assert.equal(push('anthropic', [begun, error]).failure?.code, 'rate_limit_error');
  });

  it('a Chat error chunk of over 2 KB (a long provider message) whole in one read, then [DONE]: read', () => {
    const begun = chatStreamEvents('m', ['Half an answer', 'data: {"error":{}}\n\n']).slice(0, -2).join('');
    const err = {message: `Rate limit reached. ${'see docs '.repeat(260)}`, type: 'requests', code: 'rate_limit_exceeded'};
    const chunk = `data: ${JSON.stringify({error: err})}\n\n`;
    assert.ok(Buffer.byteLength(chunk) > FAILURE_LOOK_BYTES);
    assert.equal(push('openai-chat', [begun, chunk + 'data: [DONE]\n\n']).failure?.code, 'rate_limit_exceeded');
  });
});
