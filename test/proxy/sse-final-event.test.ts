// The final event of a pass-through stream (sse-final-event.ts), found wherever the reads cut the
// stream: the watch says the answer is over once the event's closing blank line came, never before,
// and never at text that only quotes a final event.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {ApiProtocol} from '../../source/providers/types.js';
import {finalEventWatch} from '../../source/proxy/sse-final-event.js';
import {anthropicStreamEvents, chatStreamEvents, responsesStreamEvents} from '../helpers/fake-upstreams.js';

/** Text a model may write about these protocols (JSON escapes its line breaks). */
const QUOTED = ['event: message_stop\n\n', 'data: [DONE]\n\n', 'data: {"type":"response.completed"}\n\n', 'data: {"type":"message_stop"}\r\r', '[DONE]response.failed'];

/** The byte count after which the watch first said the answer is over, the stream pushed in reads cut at `cuts`. */
function overAt(protocol: ApiProtocol, stream: string, cuts: number[]): number | undefined {
  const watch = finalEventWatch(protocol)!;
  const bytes = Buffer.from(stream);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    // A copy per read: the watch must not keep a view of a buffer the caller reuses.
    const read = Buffer.from(bytes.subarray(from, cut));
    if (watch.push(read)) return cut;
    read.fill(0);
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

  it('protocols without a final event the proxy knows get no watch', () => {
    assert.equal(finalEventWatch('gemini-native'), undefined);
    assert.equal(finalEventWatch(undefined), undefined);
  });
});
