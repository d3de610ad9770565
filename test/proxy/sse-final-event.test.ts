// The final event of a pass-through stream (sse-final-event.ts), found wherever the reads cut the
// stream: the watch says the answer is over once the event's closing blank line came, never before,
// and never at text that only quotes a final event. A final event that says the answer failed
// (Anthropic `error`, Responses `response.failed`) is read as the protocol's reader reads it, however
// the reads cut it.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {ApiProtocol} from '../../source/providers/types.js';
import {FAILED_EVENT_MAX, FAILURE_LOOK_BYTES, finalEventWatch} from '../../source/proxy/sse-final-event.js';
import {anthropicStreamEvents, chatStreamEvents, responsesStreamEvents} from '../helpers/fake-upstreams.js';

/** Text a model may write about these protocols (JSON escapes its line breaks). */
const QUOTED = ['event: message_stop\n\n', 'data: [DONE]\n\n', 'data: {"type":"response.completed"}\n\n', 'data: {"type":"message_stop"}\r\r', '[DONE]response.failed'];

/** The byte count after which the watch first said the answer is over, the stream pushed in reads cut at `cuts`. */
function overAt(protocol: ApiProtocol, stream: string, cuts: number[]): number | undefined {
  return watched(protocol, stream, cuts).over;
}

/** overAt's, and the failure the watch read by then. */
function watched(protocol: ApiProtocol, stream: string, cuts: number[]) {
  const watch = finalEventWatch(protocol)!;
  return {over: pushed(watch, stream, cuts), failure: watch.failure};
}

function pushed(watch: NonNullable<ReturnType<typeof finalEventWatch>>, stream: string, cuts: number[]): number | undefined {
  const bytes = Buffer.from(stream);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    // A copy per read: the watch must not keep a view of a buffer the caller reuses.
    const read = Buffer.from(bytes.subarray(from, cut));
    const over = watch.push(read);
    read.fill(0);
    if (over) return cut;
    from = cut;
  }
  return undefined;
}

const STREAMS: [ApiProtocol, string][] = [
  ['anthropic', anthropicStreamEvents('m', ['a', ...QUOTED, 'z']).join('')],
  ['openai-chat', chatStreamEvents('m', ['a', ...QUOTED, 'z']).join('')],
  ['openai-responses', responsesStreamEvents('m', ['a', ...QUOTED, 'z']).join('')],
];

describe('finalEventWatch', () => {
  for (const [protocol, lf] of STREAMS) {
    for (const [eol, stream] of [
      ['LF', lf],
      ['CRLF', lf.replace(/\n/g, '\r\n')],
      ['CR', lf.replace(/\n/g, '\r')],
    ] as const) {
      it(`${protocol} (${eol}): over at the stream's last byte, cut into two and three reads anywhere`, () => {
        const length = Buffer.byteLength(stream);
        assert.equal(overAt(protocol, stream, []), length);
        for (let cut = 1; cut < length; cut++) assert.equal(overAt(protocol, stream, [cut]), length, `cut at ${cut}`);
        // Three reads around the final event (the last 200 bytes hold it, and the text before).
        for (let a = Math.max(1, length - 200); a < length; a++) for (let b = a + 1; b < length; b += 7) assert.equal(overAt(protocol, stream, [a, b]), length, `cuts at ${a}, ${b}`);
      });
    }
    it(`${protocol}: a stream without its final event is never over`, () => {
      const cut = STREAMS.find(([p]) => p === protocol)![1];
      const without = cut.slice(0, cut.lastIndexOf(protocol === 'openai-chat' ? 'data: [DONE]' : protocol === 'anthropic' ? 'event: message_stop' : 'event: response.completed'));
      for (let at = 1; at < without.length; at += 3) assert.equal(overAt(protocol, without, [at]), undefined, `cut at ${at}`);
    });
  }

  it('the final event written in the forms the SDKs read: no space after the colon, spaces in the data object', () => {
    assert.equal(overAt('openai-chat', 'data:[DONE]\n\n', []), 13);
    assert.equal(overAt('anthropic', 'event:message_stop\ndata:{}\n\n', []), 28);
    assert.equal(overAt('openai-responses', 'data: { "type" : "response.failed", "response": {}}\n\n', []), 53);
  });

  it('a marker not at its line start, or not the data object\'s first key, is no final event', () => {
    assert.equal(overAt('openai-chat', 'data: {"x":"[DONE]"}\n\n', []), undefined);
    assert.equal(overAt('anthropic', 'event: ping\ndata: {"note":"message_stop"}\n\n: message_stop\n\n', []), undefined);
    assert.equal(overAt('openai-responses', `data: {"type":"response.output_text.delta","delta":"${'x'.repeat(40)}"}\ndata: response.completed\n\n`, []), undefined);
  });

  it('a name that goes on is another event: `message_stop_x`, `response.completed2` end nothing', () => {
    assert.equal(overAt('anthropic', 'event: message_stop_x\ndata: {}\n\n', []), undefined);
    assert.equal(overAt('openai-responses', 'data: {"type":"response.completed2"}\n\n', []), undefined);
    assert.equal(overAt('anthropic', 'data: {"type":"errors"}\n\n', []), undefined);
  });

  it('protocols without a final event the proxy knows get no watch', () => {
    assert.equal(finalEventWatch('gemini-native'), undefined);
    assert.equal(finalEventWatch(undefined), undefined);
  });
});

/** An Anthropic stream begun (message_start, a text delta) that ends in an `error` event; a Responses one that ends in `response.failed`. */
const anthropicBegun = anthropicStreamEvents('m', ['Half an answer', 'event: error\n\n']).slice(0, -1).join('');
const responsesBegun = responsesStreamEvents('m', ['Half an answer', 'data: {"type":"response.failed"}\n\n']).slice(0, -1).join('');
const limitError = {type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit'};
const usageLimit = {code: 'usage_limit_reached', message: 'The usage limit has been reached', resets_in_seconds: 7200};
const FAILED: Array<[string, ApiProtocol, string, {message: string; code?: string; detail?: Record<string, unknown>}]> = [
  ['Anthropic `event: error`', 'anthropic', `${anthropicBegun}event: error\ndata: ${JSON.stringify({type: 'error', error: limitError})}\n\n`, {message: limitError.message, code: 'rate_limit_error', detail: limitError}],
  ['Anthropic error as data alone, spaced', 'anthropic', `${anthropicBegun}data: { "type" : "error", "error": ${JSON.stringify(limitError)}}\n\n`, {message: limitError.message, code: 'rate_limit_error', detail: limitError}],
  [
    'Responses `response.failed` (Codex usage limit)',
    'openai-responses',
    `${responsesBegun}event: response.failed\ndata: ${JSON.stringify({type: 'response.failed', sequence_number: 3, response: {id: 'r', status: 'failed', error: usageLimit}})}\n\n`,
    {message: usageLimit.message, code: 'usage_limit_reached', detail: usageLimit},
  ],
];

describe('finalEventWatch: an event that says the answer failed', () => {
  for (const [name, protocol, lf] of FAILED) {
    const want = FAILED.find(([n]) => n === name)![3];
    // Responses' `response.failed` is its final event; Anthropic's `error` is the last one of a stream its upstream then closes.
    const final = protocol === 'openai-responses';
    for (const [eol, stream] of [
      ['LF', lf],
      ['CRLF', lf.replace(/\n/g, '\r\n')],
      ['CR', lf.replace(/\n/g, '\r')],
    ] as const) {
      it(`${name} (${eol}): read whole, cut into two and three reads anywhere`, () => {
        const length = Buffer.byteLength(stream);
        const over = final ? length : undefined;
        assert.deepEqual(watched(protocol, stream, []), {over, failure: want});
        for (let cut = 1; cut < length; cut++) assert.deepEqual(watched(protocol, stream, [cut]), {over, failure: want}, `cut at ${cut}`);
        for (let a = Math.max(1, length - 250); a < length; a++) for (let b = a + 1; b < length; b += 11) assert.deepEqual(watched(protocol, stream, [a, b]), {over, failure: want}, `cuts at ${a}, ${b}`);
      });
    }
  }

  it(`an error event whose start is over ${FAILURE_LOOK_BYTES / 1024} KB from the end of its read is not looked for (a read is not searched whole for it); within, it is`, () => {
    const error = `event: error\ndata: ${JSON.stringify({type: 'error', error: limitError})}\n\n`;
    // An upstream that holds the stream open after its error event and sends more in the same read.
    const after = (bytes: number) => `: ${'x'.repeat(bytes)}\n\n`;
    assert.equal(watched('anthropic', `${anthropicBegun}${error}${after(FAILURE_LOOK_BYTES)}`, []).failure, undefined);
    assert.equal(watched('anthropic', `${anthropicBegun}${error}${after(FAILURE_LOOK_BYTES - error.length - 10)}`, []).failure?.code, 'rate_limit_error');
    // Read on its own, or cut anywhere in it, it is seen wherever the read before ended.
    assert.equal(watched('anthropic', `${anthropicBegun}${'x'.repeat(10_000)}\n\n${error}`, [anthropicBegun.length + 10_002]).failure?.code, 'rate_limit_error');
  });

  it('a Responses `error` event (Codex\'s usage limit, the stream closed after it) ends nothing, and is read, its blank line come or not', () => {
    const error = `event: error\ndata: ${JSON.stringify({type: 'error', error: {type: 'usage_limit_reached', ...usageLimit}})}\n\n`;
    const stream = responsesBegun + error;
    const want = {message: usageLimit.message, code: 'usage_limit_reached', detail: {type: 'usage_limit_reached', ...usageLimit}};
    for (let cut = 1; cut < stream.length; cut += 5) assert.deepEqual(watched('openai-responses', stream, [cut]), {over: undefined, failure: want}, `cut at ${cut}`);
    assert.deepEqual(watched('openai-responses', stream.slice(0, -1), []), {over: undefined, failure: want}, 'closed without its blank line');
    // A `response.failed` after it: the first error is what failed, as the translating reader keeps it.
    for (const error of [null, {code: 'server_error', message: 'It failed'}]) {
      const failed = `event: response.failed\ndata: ${JSON.stringify({type: 'response.failed', response: {status: 'failed', error}})}\n\n`;
      assert.deepEqual(watched('openai-responses', stream + failed, []), {over: Buffer.byteLength(stream + failed), failure: want});
    }
  });

  it('an OpenAI Chat error chunk (`data: {"error": …}`) ends nothing and is read, cut anywhere, with `[DONE]` after it or not', () => {
    const begun = chatStreamEvents('m', ['Half an answer', 'data: {"error":{"code":"rate_limit_exceeded"}}\n\n']).slice(0, -2).join('');
    const error = {message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded'};
    const stream = `${begun}data: ${JSON.stringify({error})}\n\n`;
    const want = {message: error.message, code: 'rate_limit_exceeded', detail: error};
    for (let cut = 1; cut < stream.length; cut += 3) assert.deepEqual(watched('openai-chat', stream, [cut]), {over: undefined, failure: want}, `cut at ${cut}`);
    assert.deepEqual(watched('openai-chat', `${stream}data: [DONE]\n\n`, []), {over: Buffer.byteLength(stream) + 14, failure: want});
    assert.deepEqual(watched('openai-chat', `${begun}data: { "error" : ${JSON.stringify(error)}}\n`, []).failure, want, 'spaced, closed without its blank line');
    // Not its first key, or `errors`: no error chunk the proxy reads.
    assert.equal(watched('openai-chat', `${begun}data: ${JSON.stringify({id: 'c', error})}\n\n`, []).failure, undefined);
    assert.equal(watched('openai-chat', `${begun}data: ${JSON.stringify({errors: [error]})}\n\n`, []).failure, undefined);
  });

  it('a stream that ended well, or only quotes an error event in its text, read no failure', () => {
    for (const [protocol, stream] of STREAMS) assert.equal(watched(protocol, stream, []).failure, undefined, protocol);
    assert.equal(watched('anthropic', anthropicStreamEvents('m', ['event: error\ndata: {"type":"error","error":{"type":"rate_limit_error"}}\n\n']).join(''), []).failure, undefined);
  });

  it(`an error event over ${FAILED_EVENT_MAX / 1024} KB is not read (the proxy keeps no more of it); a final one still ends the answer`, () => {
    const long = `${anthropicBegun}event: error\ndata: ${JSON.stringify({type: 'error', error: {...limitError, message: 'x'.repeat(FAILED_EVENT_MAX)}})}\n\n`;
    assert.deepEqual(watched('anthropic', long, [anthropicBegun.length + 10, anthropicBegun.length + 30_000]), {over: undefined, failure: undefined});
    const failed = `${responsesBegun}event: response.failed\ndata: ${JSON.stringify({type: 'response.failed', response: {status: 'failed', error: {...usageLimit, message: 'x'.repeat(FAILED_EVENT_MAX)}}})}\n\n`;
    assert.deepEqual(watched('openai-responses', failed, [responsesBegun.length + 10, responsesBegun.length + 30_000]), {over: Buffer.byteLength(failed), failure: undefined});
  });

  it('an error event whose data is no JSON object is not read; one without a message is described by its object', () => {
    assert.equal(watched('anthropic', 'event: error\ndata: not json\n\n', []).failure, undefined);
    assert.deepEqual(watched('anthropic', 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error"}}\n\n', []).failure, {message: '{"type":"overloaded_error"}', code: 'overloaded_error', detail: {type: 'overloaded_error'}});
  });
});
