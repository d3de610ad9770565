// rv10 attack review (masking): an SSE event over MAX_EVENT_BYTES (1 MB) passes as it streams
// (sse-run-mask.ts giveUp, its data through a JsonRunMasker). What its run field's text let out at
// its end was not handed back to the stream's runs: a token whose start (under CUT_ECHO_MIN
// characters) ends the long delta and whose rest starts the next delta went out whole in what the
// client joins. Through a real proxy on a hostile fake upstream. Fails on main at cc40c31.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {oneAccountFixture, type ProxyFixture} from './fixture.js';
import {anthropicEvents, askRaw, claude, inPieces, maskedSse, msgReq, qwen, serve, tokenOf} from './rv-harness.js';

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
      serve(f, inPieces(events.join('')), 'trickle');
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
    serve(f, inPieces(events.join('')), 'trickle');
    const r = await askRaw(f, {model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
    assert.equal(r.text, events.join(''));
  });
});

describe('rv10: a 1.1 MB text_delta that ends in a token\'s start, the next delta its rest (pass-through Anthropic)', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  const token = tokenOf(claude);
  for (const cut of [6, 11]) {
    it(`the token cut after ${cut} characters: the joined text holds no token`, async () => {
      const events = anthropicEvents(['key ', `${long}${token.slice(0, cut)}`, `${token.slice(cut)} end`]);
      serve(f, inPieces(events.join('')), 'trickle');
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

describe('rv10: log probabilities that a 1.1 MB event goes on with, or begins (SseRunMasker)', () => {
  // The long event's lists streamed through a LogprobsEntryRun of their own: the entries the
  // earlier events held (a start under CUT_ECHO_MIN characters) went out as the long event began,
  // and its list's last entries went out as it closed, so the client joined the credential across.
  const token = tokenOf(qwen);
  const redactor = new Redactor([token]);
  const delivered = (body: string) => maskedSse(redactor, body, 65536);
  const entry = (t: string) => ({token: t, logprob: -0.1, bytes: [...Buffer.from(t)], top_logprobs: []});
  const chunk = (content: string, entries: ReturnType<typeof entry>[] | null, finish: string | null = null) =>
    `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', choices: [{index: 0, delta: {content}, logprobs: entries && {content: entries}, finish_reason: finish}]})}\n\n`;
  const spelled = (out: string) =>
    out
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => ((JSON.parse(line.slice(6)) as {choices: {logprobs?: {content?: {token: string}[]}}[]}).choices[0]?.logprobs?.content ?? []).map((e) => e.token).join(''))
      .join('');
  const threes = (text: string) => text.match(/.{1,3}/g)!.map(entry);
  /** Entries enough for an event over 1 MB (an entry over 256 KB is no real one: dropped). */
  const filler = Array.from({length: 16000}, () => entry('lorem '));
  const fillerText = 'lorem '.repeat(16000);
  for (const cut of [6, 11]) {
    it(`the start (${cut} characters) in small events, the rest in the long event's list: the joined tokens do not spell the token`, () => {
      const events = [...token.slice(0, cut).match(/.{1,3}/g)!.map((t) => chunk('x', [entry(t)])), chunk('y', [entry(token.slice(cut)), ...filler]), chunk('', null, 'stop'), 'data: [DONE]\n\n'];
      const joined = spelled(delivered(events.join('')));
      assert.ok(joined.endsWith(fillerText), 'the long list still reads');
      assert.ok(!joined.includes(token), `the joined tokens spell the token: ${joined.slice(0, 60)}`);
    });
    it(`the start (${cut} characters) ending the long event's list, the rest in small events: the joined tokens do not spell the token`, () => {
      const events = [chunk('y', [...filler, ...threes(token.slice(0, cut))]), ...token.slice(cut).match(/.{1,3}/g)!.map((t) => chunk('x', [entry(t)])), chunk('', null, 'stop'), 'data: [DONE]\n\n'];
      const joined = spelled(delivered(events.join('')));
      assert.ok(joined.startsWith(fillerText), 'the long list still reads');
      assert.ok(!joined.includes(token), `the joined tokens spell the token: ${joined.slice(-60)}`);
    });
  }
  it('control: a long list that ends in nothing that may begin a credential (no base64 letter either) loses no entry', () => {
    const events = [chunk('y', [...filler, entry(' end.')]), chunk('x', [entry(' more')]), chunk('', null, 'stop'), 'data: [DONE]\n\n'];
    assert.ok(spelled(delivered(events.join(''))) === `${fillerText} end. more`, 'some entry was lost');
  });
});
