// The SSE parser every reader stands on: bytes split anywhere must give the same events.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {formatSse, parseSseText, SseParser, type SseEvent} from '../../../source/proxy/translate/sse.js';

const STREAM = 'event: a\r\ndata: {"x":"ä€😀"}\r\n\r\n: keep-alive comment\n\ndata: line1\ndata: line2\n\nevent: b\rdata:no-space\r\rdata: [DONE]\n\n';
const EXPECTED: SseEvent[] = [{event: 'a', data: '{"x":"ä€😀"}'}, {data: 'line1\nline2'}, {event: 'b', data: 'no-space'}, {data: '[DONE]'}];

describe('SseParser', () => {
  it('reads every line ending (CRLF, LF, CR), comments, multi-line data and a missing space', () => {
    assert.deepEqual(parseSseText(STREAM), EXPECTED);
  });

  it('drops a name whose event had no data, and joins three data lines', () => {
    assert.deepEqual(parseSseText('event: lost\n\ndata: y\n\ndata: 1\ndata:2\ndata: 3\n\n'), [{data: 'y'}, {data: '1\n2\n3'}]);
  });

  it('gives the same events for text cut at every position', () => {
    for (let cut = 1; cut < STREAM.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(STREAM.slice(0, cut)), ...parser.push(STREAM.slice(cut)), ...parser.end()];
      assert.deepEqual(events, EXPECTED, `cut at ${cut}`);
    }
  });

  it('reads a stream with LF line ends only (most upstreams) the same, cut at every position', () => {
    const lf = 'event: a\ndata: {"x":"ä€😀"}\n\n: keep-alive\ndata\ndata:\ndata:  two spaces\nid: 7\nretry: 10\n\ndata: line1\ndata: line2\n\nevent: b\ndata:no-space\n\ndata: [DONE]\n\n';
    const expected: SseEvent[] = [{event: 'a', data: '{"x":"ä€😀"}'}, {data: '\n\n two spaces'}, {data: 'line1\nline2'}, {event: 'b', data: 'no-space'}, {data: '[DONE]'}];
    assert.deepEqual(parseSseText(lf), expected);
    for (let cut = 1; cut < lf.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(lf.slice(0, cut)), ...parser.push(lf.slice(cut)), ...parser.end()];
      assert.deepEqual(events, expected, `cut at ${cut}`);
    }
  });

  it('gives the same events for bytes cut inside UTF-8 sequences, one byte at a time', () => {
    const bytes = new TextEncoder().encode(STREAM);
    const parser = new SseParser();
    const events: SseEvent[] = [];
    for (const byte of bytes) events.push(...parser.push(Uint8Array.of(byte)));
    events.push(...parser.end());
    assert.deepEqual(events, EXPECTED);
  });

  it('returns a last event the upstream closed without its blank line', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('data: {"a":1}'), []);
    assert.deepEqual(parser.end(), [{data: '{"a":1}'}]);
  });

  it('formats events as one data line with the event name when given', () => {
    assert.equal(formatSse('message_stop', {type: 'message_stop'}), 'event: message_stop\ndata: {"type":"message_stop"}\n\n');
    assert.equal(formatSse(undefined, '[DONE]'), 'data: [DONE]\n\n');
  });
});
