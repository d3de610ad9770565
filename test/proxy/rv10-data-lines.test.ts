// rv10 attack review (masking): an SSE event whose data spans several `data:` lines. The SSE spec
// (WHATWG HTML § 9.2.6) joins an event's data lines with `\n`, and every client does (the OpenAI and
// Anthropic SDKs, eventsource-parser): JSON broken between a key and its value, `"content":` on one
// line and `"qwAcc…"` on the next, is the JSON the client parses. sse-run-mask.ts found a run's
// field in one line's bytes only (`"content"\s*:\s*"`), so such an event's delta was no run's: a
// credential cut between it and the delta before or after went out whole in what the client joins.
// Through a real proxy on a hostile fake upstream. Fails on main at cc40c31.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {DataLines} from '../../source/proxy/sse-data-lines.js';
import {oneAccountFixture, type ProxyFixture} from './fixture.js';
import {askRaw, claude, inPieces, maskedSse, msgReq, qwen, serve, sse, tokenOf, type Mode} from './rv-harness.js';

/** The events' data as a client parses them: each event's `data` lines joined with `\n` (a bare `data` line is an empty one). */
function clientEvents(text: string): unknown[] {
  const events: unknown[] = [];
  for (const block of text.split(/\r\n\r\n|\n\n|\r\r/)) {
    const data = block
      .split(/\r\n|\r|\n/)
      .filter((line) => line === 'data' || line.startsWith('data:'))
      .map((line) => (line.startsWith('data: ') ? line.slice(6) : line.slice(5)));
    if (data.length === 0) continue;
    const joined = data.join('\n');
    if (joined.trim().startsWith('{')) events.push(JSON.parse(joined));
  }
  return events;
}

const chatText = (events: unknown[]) => events.map((e) => (e as {choices?: {delta?: {content?: string}}[]}).choices?.[0]?.delta?.content ?? '').join('');
const anthropicText = (events: unknown[]) =>
  events
    .map((e) => e as {type?: string; delta?: {text?: string}; content_block?: {text?: string}})
    .map((e) => (e.type === 'content_block_delta' ? (e.delta?.text ?? '') : e.type === 'content_block_start' ? (e.content_block?.text ?? '') : ''))
    .join('');

describe('rv10: a delta whose JSON is broken across data lines is still a run (pass-through Chat, qwen)', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const token = tokenOf(qwen);
  const chunk = (content: string, finish: string | null = null) => `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta: {content}, finish_reason: finish}]})}\n\n`;
  /** The same chunk with its content's value on a data line of its own (`nl` between lines, `blank`: a bare `data` line between). */
  const broken = (content: string, nl = '\n', blank = false) =>
    `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"qwen3-coder-plus","choices":[{"index":0,"delta":{"content":${nl}${blank ? `data${nl}` : ''}data: ${JSON.stringify(content)}}, "finish_reason":null}]}${nl}${nl}`;
  const cases: Array<[string, (cut: number) => string[]]> = [
    ['the rest in a broken delta', (cut) => [chunk('key '), chunk(token.slice(0, cut)), broken(`${token.slice(cut)} end`)]],
    ['the start in a broken delta', (cut) => [chunk('key '), broken(token.slice(0, cut)), chunk(`${token.slice(cut)} end`)]],
    ['CRLF lines, a bare data line between', (cut) => [chunk('key '), broken(token.slice(0, cut), '\r\n', true), chunk(`${token.slice(cut)} end`)]],
  ];
  for (const [label, events] of cases) {
    for (const cut of [6, 11, 20]) {
      for (const mode of ['whole', 'trickle', 'bytes'] as Mode[]) {
        it(`${label}, the token cut after ${cut} characters (${mode}): the joined content holds no token`, async () => {
          serve(f, [...events(cut), chunk('', 'stop'), 'data: [DONE]\n\n'], mode);
          const r = await askRaw(f, {model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
          assert.equal(r.status, 200);
          const joined = chatText(clientEvents(r.text));
          assert.ok(joined.startsWith('key '), `the client still reads the stream: ${joined}`);
          assert.ok(!joined.includes(token), `the joined content spells the token: ${joined}`);
        });
      }
    }
  }
});

describe('rv10: a text_delta whose JSON is broken across data lines is still a run (pass-through Anthropic)', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  const token = tokenOf(claude);
  const delta = (text: string) => sse('content_block_delta', {type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text}});
  const broken = (text: string) => `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\ndata: ${JSON.stringify(text)}}}\n\n`;
  for (const cut of [6, 11, 20]) {
    it(`the token cut after ${cut} characters, the start in a broken delta: the joined text holds no token`, async () => {
      const events = [
        sse('message_start', {type: 'message_start', message: {id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: {input_tokens: 1, output_tokens: 1}}}),
        sse('content_block_start', {type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}}),
        delta('key '),
        broken(token.slice(0, cut)),
        delta(`${token.slice(cut)} end`),
        sse('content_block_stop', {type: 'content_block_stop', index: 0}),
        sse('message_stop', {type: 'message_stop'}),
      ];
      serve(f, events, 'trickle');
      const r = await askRaw(f, msgReq(true));
      assert.equal(r.status, 200);
      const joined = anthropicText(clientEvents(r.text));
      assert.ok(joined.startsWith('key '), `the client still reads the stream: ${joined}`);
      assert.ok(!joined.includes(token), `the joined text spells the token: ${joined}`);
    });
  }
});

describe('rv10: a Responses final event broken across data lines is masked as the client joins it', () => {
  // FINAL_RESPONSE (`"type":"response.completed"`) was looked for in one line's bytes: with the type's
  // value on the next data line the final event's output items were not masked as joined.
  const token = tokenOf(qwen);
  const redactor = new Redactor([token]);
  it('a token cut between two message items of response.completed: output_text holds no token', () => {
    const message = (id: string, text: string) => ({id, type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text, annotations: []}]});
    const response = {id: 'resp_1', object: 'response', status: 'completed', output: [message('m1', `key ${token.slice(0, 9)}`), {id: 'r1', type: 'reasoning', summary: []}, message('m2', `${token.slice(9)} end`)]};
    const data = JSON.stringify({sequence_number: 1, response}).slice(1);
    const final = `event: response.completed\ndata: {"type":\ndata: "response.completed",${data}\n\n`;
    const out = maskedSse(redactor, final, 65536);
    const [event] = clientEvents(out) as Array<{response: typeof response}>;
    const outputText = event!.response.output.flatMap((item) => ('content' in item ? item.content.map((part) => part.text) : [])).join('');
    assert.ok(outputText.startsWith('key '), `the client still reads the answer: ${outputText}`);
    assert.ok(!outputText.includes(token), `output_text spells the token: ${outputText}`);
  });
});

describe('rv10: an SSE event over 1 MB whose JSON is broken across data lines (pass-through Chat, qwen)', () => {
  // sse-run-mask.ts giveUp fed the long event's bytes to its JsonRunMasker as they came: each further
  // line's `data: ` read as document text, the first run field (the delta a held run goes on with)
  // not found, and its tail not handed on.
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const token = tokenOf(qwen);
  const long = 'lorem ipsum '.repeat(Math.ceil((1.1 * 1024 * 1024) / 12));
  const chunk = (content: string, finish: string | null = null) => `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta: {content}, finish_reason: finish}]})}\n\n`;
  const broken = (content: string, nl = '\n') => `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"qwen3-coder-plus","choices":[{"index":0,"delta":${nl}data:{"content":${nl}data: ${JSON.stringify(content)}},${nl}: a comment${nl}data: "finish_reason":null}]}${nl}${nl}`;
  for (const nl of ['\n', '\r\n']) {
    for (const cut of [6, 11]) {
      for (const [label, events] of [
        ['the rest starts the long delta', [chunk('key '), chunk(token.slice(0, cut)), broken(`${token.slice(cut)} ${long}`, nl), chunk(' end', 'stop')]],
        ['the start ends the long delta', [chunk('key '), broken(`${long} ${token.slice(0, cut)}`, nl), chunk(`${token.slice(cut)} end`, 'stop')]],
      ] as const) {
        it(`${label}, cut after ${cut} characters (${JSON.stringify(nl)}): the joined content holds no token, the stream still reads`, async () => {
          serve(f, inPieces([...events, 'data: [DONE]\n\n'].join('')), 'trickle');
          const r = await askRaw(f, {model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
          assert.equal(r.status, 200);
          const joined = chatText(clientEvents(r.text));
          assert.ok(joined.startsWith('key ') && joined.endsWith(' end') && joined.includes('lorem ipsum lorem'), `the client still reads the stream: ${joined.slice(0, 40)}…${joined.slice(-40)}`);
          assert.ok(!joined.includes(token), `the joined content spells the token: ${joined.slice(0, 40)}…${joined.slice(-40)}`);
        });
      }
    }
  }
});

describe('rv10: DataLines, an event\'s data lines as one, at every chunk size', () => {
  const identity = {push: (chunk: Buffer) => chunk, end: () => Buffer.alloc(0)};
  const events = [
    '{"a":\ndata: "b",\ndata:"c":1}\n\n',
    '{"a":\r\ndata: "b",\r\n: comment\r\nid: 7\r\ndata\r\ndata:  "c":1}\r\n\r\n',
    '{"a":\rdata: "b"}\r\r',
    '{"a":"x"}\n\n',
    '{"a":[1,\ndatax: 9\ndata: 2]}\n\n',
  ];
  for (const event of events) {
    it(`${JSON.stringify(event)}: one data line whose JSON is the client's`, () => {
      const bytes = Buffer.from(event, 'latin1');
      for (let size = 1; size <= bytes.length; size++) {
        const lines = new DataLines(identity);
        const out: Buffer[] = [];
        for (let at = 0; at < bytes.length; at += size) out.push(lines.push(bytes.subarray(at, at + size)));
        out.push(lines.end());
        const text = `data: ${Buffer.concat(out).toString('latin1')}`;
        const parsed = clientEvents(text);
        assert.equal(parsed.length, 1, `chunks of ${size}: ${JSON.stringify(text)}`);
        assert.deepEqual(parsed[0], clientEvents(`data: ${event}`)[0], `chunks of ${size}: ${JSON.stringify(text)}`);
        assert.equal(text.split(/\r\n|\r|\n/).filter((line) => line !== '').length, 1, `chunks of ${size}: one line: ${JSON.stringify(text)}`);
        assert.match(text, /(\r\n\r\n|\n\n|\r\r)$/, `chunks of ${size}: the event still ends: ${JSON.stringify(text)}`);
      }
    });
  }
});
