// rv10 attack review (masking): an SSE event over MAX_EVENT_BYTES (1 MB) passes as it streams
// (sse-run-mask.ts giveUp, its data through a JsonRunMasker). What its run field's text let out at
// its end was not handed back to the stream's runs: a token whose start (under CUT_ECHO_MIN
// characters) ends the long delta and whose rest starts the next delta went out whole in what the
// client joins. Through a real proxy on a hostile fake upstream. Fails on main at cc40c31.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {oneAccountFixture, type ProxyFixture} from './fixture.js';
import {askRaw, claude, msgReq, qwen, serve, sse, tokenOf} from './rv-harness.js';

/** 64 KB pieces, as a real upstream's reads arrive. */
const pieces = (body: string) => {
  const parts: string[] = [];
  for (let i = 0; i < body.length; i += 65536) parts.push(body.slice(i, i + 65536));
  return parts;
};
const long = 'lorem ipsum '.repeat(Math.ceil((1.1 * 1024 * 1024) / 12));

describe('rv10: a 1.1 MB delta that ends in a token\'s start, the next delta its rest (pass-through Chat, qwen)', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const token = tokenOf(qwen);
  const chunk = (content: string, finish: string | null = null) =>
    `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta: {content}, finish_reason: finish}]})}\n\n`;
  for (const cut of [4, 8, 11, 15]) {
    it(`the token cut after ${cut} characters: the joined content holds no token`, async () => {
      const events = [chunk('key '), chunk(`${long}${token.slice(0, cut)}`), chunk(`${token.slice(cut)} end`), chunk('', 'stop'), 'data: [DONE]\n\n'];
      serve(f, pieces(events.join('')), 'trickle');
      const r = await askRaw(f, {model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
      assert.equal(r.status, 200);
      let joined = '';
      for (const line of r.text.split('\n')) if (line.startsWith('data: {')) joined += (JSON.parse(line.slice(6)) as {choices: {delta: {content?: string}}[]}).choices[0]?.delta.content ?? '';
      assert.ok(joined.endsWith(' end'), `the client still reads the stream: ${joined.slice(-80)}`);
      assert.ok(!joined.includes(token), `the joined content spells the token: ${joined.slice(-80)}`);
      // The rest of a masked start is no more shown than the start (TextRunMasker.continueAfter).
      assert.ok(!joined.includes(token.slice(cut, cut + 12)), `the token's rest shows: ${joined.slice(-80)}`);
    });
  }
  it('control: nothing cut, the long delta and the next go out as they came', async () => {
    const events = [chunk('key '), chunk(`${long}qw`), chunk('erty end'), chunk('', 'stop'), 'data: [DONE]\n\n'];
    serve(f, pieces(events.join('')), 'trickle');
    const r = await askRaw(f, {model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
    assert.equal(r.text, events.join(''));
  });
});

describe('rv10: a 1.1 MB text_delta that ends in a token\'s start, the next delta its rest (pass-through Anthropic)', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  const token = tokenOf(claude);
  const delta = (text: string) => sse('content_block_delta', {type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text}});
  for (const cut of [6, 11]) {
    it(`the token cut after ${cut} characters: the joined text holds no token`, async () => {
      const events = [
        sse('message_start', {type: 'message_start', message: {id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: {input_tokens: 1, output_tokens: 1}}}),
        sse('content_block_start', {type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}}),
        delta('key '),
        delta(`${long}${token.slice(0, cut)}`),
        delta(`${token.slice(cut)} end`),
        sse('content_block_stop', {type: 'content_block_stop', index: 0}),
        sse('message_stop', {type: 'message_stop'}),
      ];
      serve(f, pieces(events.join('')), 'trickle');
      const r = await askRaw(f, msgReq(true));
      assert.equal(r.status, 200);
      let joined = '';
      for (const line of r.text.split('\n')) {
        if (!line.startsWith('data: {')) continue;
        const e = JSON.parse(line.slice(6)) as {type: string; delta?: {text?: string}};
        if (e.type === 'content_block_delta') joined += e.delta?.text ?? '';
      }
      assert.ok(joined.endsWith(' end'), `the client still reads the stream: ${joined.slice(-80)}`);
      assert.ok(!joined.includes(token), `the joined text spells the token: ${joined.slice(-80)}`);
    });
  }
});
