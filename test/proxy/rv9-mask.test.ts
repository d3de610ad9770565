// rv9 attack review (masking, the changes since a33e1d5): credentials a client recovers in full
// through a real proxy on a fake upstream. Each test here fails on main at 4e74721; the report
// names the path in the code.
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

describe('rv9: log probabilities in a pass-through JSON answer over WHOLE_JSON_HOLD_MAX (4 MB)', () => {
  // deliver.ts: a JSON answer up to 4 MB is masked whole (wholeJsonMasked → maskJoinedTexts, whose
  // LogprobsMasker empties a list that spells a credential); a longer one streams through a
  // JsonRunMasker, which masks joined strings only: logprobs tokens pass, one short string each.
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const token = tokenOf(qwen);
  const answer = (padBytes: number) => {
    // One entry per 4-character token of the credential, then filler tokens (top_logprobs make a long answer's logprobs megabytes).
    const spelled = token.match(/.{1,4}/g)!.map((t) => ({token: t, logprob: -0.01, bytes: [...Buffer.from(t)], top_logprobs: []}));
    const filler = {token: ' lorem', logprob: -0.5, bytes: [...Buffer.from(' lorem')], top_logprobs: []};
    const count = Math.ceil(padBytes / JSON.stringify(filler).length);
    return JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'qwen3-coder-plus',
      choices: [{index: 0, message: {role: 'assistant', content: `here: ${'x'.repeat(4)}`}, logprobs: {content: [...spelled, ...Array(count).fill(filler)]}, finish_reason: 'stop'}],
      usage: {prompt_tokens: 1, completion_tokens: 1, total_tokens: 2},
    });
  };
  const spelledBy = (text: string) =>
    ((JSON.parse(text) as {choices: {logprobs: {content: {token: string}[]}}[]}).choices[0]!.logprobs.content ?? [])
      .map((entry) => entry.token)
      .join('');
  for (const [label, pad] of [
    ['control: a 1 MB answer (masked whole)', 1024 * 1024],
    ['a 4.5 MB answer (streamed through JsonRunMasker)', 4.5 * 1024 * 1024],
  ] as const) {
    it(`${label}: the client's joined logprobs tokens do not spell the token`, async () => {
      serve(f, pieces(answer(pad)), 'trickle', {'content-type': 'application/json'});
      const r = await askRaw(f, {model: 'qwen3-coder-plus', logprobs: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
      assert.equal(r.status, 200);
      assert.ok(!spelledBy(r.text).includes(token), `the joined logprobs tokens spell ${token}`);
    });
  }
});

describe('rv9: an SSE event over MAX_EVENT_BYTES (1 MB) that goes on with a held run', () => {
  // sse-run-mask.ts giveUp: the held events are flushed (their run ended: a cut start under
  // CUT_ECHO_MIN characters goes out as it is) and the long event's data goes through a fresh
  // JsonRunMasker, which has no carry from the SSE runs: the client joins the held event's tail
  // with the long event's text.
  describe('pass-through Chat (qwen): a delta.content run', () => {
    let f: ProxyFixture;
    before(async () => (f = await oneAccountFixture(qwen)));
    after(() => f.close());
    const token = tokenOf(qwen);
    const chunk = (content: string, finish: string | null = null) =>
      `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta: {content}, finish_reason: finish}]})}\n\n`;
    for (const cut of [4, 8, 11]) {
      it(`the token cut after ${cut} characters, the rest starting a 1.1 MB delta`, async () => {
        const events = [chunk('key '), chunk(token.slice(0, cut)), chunk(`${token.slice(cut)} ${'lorem ipsum '.repeat(Math.ceil((1.1 * 1024 * 1024) / 12))}`), chunk('', 'stop'), 'data: [DONE]\n\n'];
        serve(f, pieces(events.join('')), 'trickle');
        const r = await askRaw(f, {model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
        assert.equal(r.status, 200);
        let joined = '';
        for (const line of r.text.split('\n')) if (line.startsWith('data: {')) joined += (JSON.parse(line.slice(6)) as {choices: {delta: {content?: string}}[]}).choices[0]?.delta.content ?? '';
        assert.ok(!joined.includes(token), `the joined content spells the token: ${joined.slice(0, 80)}`);
      });
    }
  });
  describe('pass-through Anthropic (claude): a text_delta run', () => {
    let f: ProxyFixture;
    before(async () => (f = await oneAccountFixture(claude)));
    after(() => f.close());
    const token = tokenOf(claude);
    const delta = (text: string) => sse('content_block_delta', {type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text}});
    it('the token cut after 8 characters, the rest starting a 1.1 MB delta', async () => {
      const events = [
        sse('message_start', {type: 'message_start', message: {id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: {input_tokens: 1, output_tokens: 1}}}),
        sse('content_block_start', {type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}}),
        delta('key '),
        delta(token.slice(0, 8)),
        delta(`${token.slice(8)} ${'lorem ipsum '.repeat(Math.ceil((1.1 * 1024 * 1024) / 12))}`),
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
      assert.ok(!joined.includes(token), `the joined text spells the token: ${joined.slice(0, 80)}`);
    });
  });
});
