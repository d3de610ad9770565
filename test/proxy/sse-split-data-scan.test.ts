// issue 14 (CPU per streamed answer): sse-run-mask.ts finds events whose data spans several `data:`
// lines (hasSplitData) with forward searches only, and ends a stream that holds nothing without
// building empty buffers (SseRunMasker.end, deliver.ts rest). Each shortcut skips work only where
// it cannot matter: a split event found anywhere in a batch (first in it, or after events of one
// data line) is still joined and its delta masked with the run; events of one data line each pass
// byte for byte; a stream that ends while it holds an unfinished event or a run's tail still
// delivers it.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {SseRunMasker} from '../../source/proxy/sse-run-mask.js';

const token = 'sk-ant-oat01-Zq8vN3xR7tLm2pW9yK4cH6jB1dF5gS0aE3uQ7iO2nM8-scan';
const redactor = new Redactor([token]);

const delta = (text: string) => `event: content_block_delta\ndata: ${JSON.stringify({type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text}})}\n\n`;
/** The same delta with its text on a data line of its own (the client joins the two with `\n`). */
const splitDelta = (text: string) => `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\ndata: ${JSON.stringify(text)}}}\n\n`;
/** As splitDelta, with no `event:` line: the event's first data line is the first line of a read. */
const splitDataFirst = (text: string) => `data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\ndata: ${JSON.stringify(text)}}}\n\n`;
const stop = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';

/** The reads through the maskers deliver.ts pipes an SSE answer through (byte masker, then runs), as the client gets them. */
function masked(reads: string[]): string {
  const bytes = redactor.stream();
  const runs = new SseRunMasker(redactor);
  const out = reads.map((read) => runs.push(bytes.push(Buffer.from(read, 'utf8'))));
  out.push(runs.push(bytes.end()), runs.end());
  return Buffer.concat(out).toString('utf8');
}

/** The text a client joins from the deltas (each event's data lines joined with `\n`, as the SSE spec says). */
function joinedText(body: string): string {
  let text = '';
  for (const block of body.split('\n\n')) {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
    if (data.length === 0) continue;
    const event = JSON.parse(data.join('\n')) as {type?: string; delta?: {text?: string}};
    if (event.type === 'content_block_delta') text += event.delta?.text ?? '';
  }
  return text;
}

describe('SSE masking: split data lines found by forward scans (issue 14)', () => {
  const cut = 22;
  const cases: Array<[string, string[]]> = [
    ['a split event after events of one data line, all in one read', [delta('the key is ') + delta('a') + delta(token.slice(0, cut)) + splitDelta(`${token.slice(cut)} end`) + stop]],
    ['a split event starting the next read (its first data line at the read start)', [delta('the key is ') + delta(token.slice(0, cut)), splitDataFirst(`${token.slice(cut)} end`) + stop]],
    ['the token start in a split event, then events of one data line', [delta('the key is ') + splitDelta(token.slice(0, cut)) + delta('') + delta(`${token.slice(cut)} end`) + stop]],
    ['the token start in a split event at the read start', [delta('the key is '), splitDataFirst(token.slice(0, cut)) + delta(`${token.slice(cut)} end`) + stop]],
  ];
  for (const [label, reads] of cases) {
    it(`${label}: the joined text holds no token, and the client still reads it`, () => {
      const body = masked(reads);
      const joined = joinedText(body);
      assert.ok(joined.startsWith('the key is '), joined);
      assert.ok(joined.endsWith(' end'), joined);
      assert.ok(!joined.includes(token), `the joined text spells the token: ${joined}`);
      assert.ok(!body.includes(token.slice(cut)), 'the token rest goes out as sent');
    });
  }

  it('events of one data line each (with event, id and comment lines) pass byte for byte, in one read or many', () => {
    const body = [': keep-alive\n\n', 'id: 7\n' + delta('hello '), delta('world'), 'event: ping\ndata: {"type":"ping"}\n\n', delta('data: lines and\\n\\n blank lines in text'), 'retry: 5\n\n', stop].join('');
    assert.equal(masked([body]), body);
    const bytes = Buffer.from(body, 'utf8');
    const reads: string[] = [];
    for (let at = 0; at < bytes.length; at += 37) reads.push(bytes.subarray(at, at + 37).toString('latin1'));
    // latin1 round trip of ASCII: the same bytes, cut anywhere (between events, inside one).
    assert.equal(masked(reads), body);
  });
});

describe('SSE masking: a stream that ends holding something still delivers it (issue 14)', () => {
  it('an unfinished last event goes out as it came', () => {
    const body = delta('hello ') + 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"cut off';
    assert.equal(masked([body]), body);
  });

  it('a run that ends in the token start when the stream ends: its event goes out, the start masked', () => {
    const out = masked([delta('the key is ') + delta(token.slice(0, 30))]);
    assert.equal(out.split('\n\n').filter((block) => block !== '').length, 2, out);
    assert.ok(joinedText(out).startsWith('the key is '), out);
    assert.ok(!out.includes(token.slice(0, 30)), `the token start goes out as sent: ${out}`);
  });

  it('nothing held: the end adds no bytes, and the body passes as it came', () => {
    const runs = new SseRunMasker(redactor);
    const body = Buffer.from(delta('hello ') + stop);
    assert.equal(runs.push(body).toString('latin1'), body.toString('latin1'));
    assert.equal(runs.push(Buffer.alloc(0)).length, 0);
    assert.equal(runs.end().length, 0);
  });
});
