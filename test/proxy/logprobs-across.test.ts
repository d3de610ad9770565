// Log probabilities across a stream's events (core/logprobs-mask.ts, sse-run-mask.ts, json-run-mask.ts),
// through a real proxy from a hostile upstream on 127.0.0.1:
// - the alternatives of one rank (`top_logprobs`) spelling a credential across events are dropped,
//   as within one event;
// - when a list completes a credential begun in held lists, only the entries that spell it are
//   dropped: an innocent entry at the start of the hold (in the event that begins the credential,
//   or an event that opened the hold) reaches the client.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {oneAccountFixture, type ProxyFixture} from './fixture.js';
import {askRaw, codexAccount, leaks, maskedSse, qwen, responsesEvent, serve, sseData, tokenOf, type Mode} from './rv-harness.js';

type Entry = {token: string; logprob: number; bytes: number[]; top_logprobs: Entry[]};
const entry = (text: string, top: string[] = []): Entry => ({token: text, logprob: -0.1, bytes: [...Buffer.from(text)], top_logprobs: top.map((t) => entry(t))});


describe('log probabilities across a Chat stream\'s events', () => {
  const token = tokenOf(qwen);
  const pieces = [token.slice(0, 6), token.slice(6, 14), token.slice(14, 22), token.slice(22)];
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const chunk = (entries: Entry[], content = 'x', finish: string | null = null) =>
    `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta: entries.length === 0 && finish ? {} : {content}, logprobs: entries.length === 0 ? null : {content: entries, refusal: null}, finish_reason: finish}]})}\n\n`;
  const request = {model: 'qwen3-coder-plus', stream: true, logprobs: true, top_logprobs: 2, messages: [{role: 'user', content: 'hi'}]};
  /** Per event, the client's entries (chosen tokens, and rank-0 alternatives), joined across the stream. */
  const joined = (text: string) => {
    const entries = sseData(text).flatMap((e) => (typeof e === 'string' ? [] : (e.choices?.[0]?.logprobs?.content ?? []))) as Entry[];
    return {chosen: entries.map((e) => e.token), top0: entries.map((e) => e.top_logprobs[0]?.token ?? '').join(''), top1: entries.map((e) => e.top_logprobs[1]?.token ?? '').join('')};
  };

  for (const mode of ['whole', 'trickle', 'bytes'] as Mode[]) {
    it(`rank-0 top_logprobs spelling the token across events are dropped, the other entries arrive (${mode})`, async () => {
      const events = [chunk([entry('Hello', ['Hi', 'Yo'])]), ...pieces.map((p, i) => chunk([entry(`c${i}`, [p, `o${i}`])])), chunk([entry(' bye', [' ciao', ' so'])]), chunk([], 'x', 'stop'), 'data: [DONE]\n\n'];
      serve(f, events, mode);
      const r = await askRaw(f, request, '/v1/chat/completions');
      assert.equal(r.status, 200, r.text);
      const got = joined(r.text);
      assert.ok(!got.top0.includes(token), `the rank-0 alternatives spell the token: ${got.top0}`);
      assert.ok(!leaks(r.text, token), r.text);
      assert.deepEqual(got.chosen, ['Hello', ' bye'], r.text);
      assert.equal(sseData(r.text).at(-1), '[DONE]');
    });

    it(`an innocent entry in the event that starts the credential is kept (${mode})`, async () => {
      const events = [chunk([entry('Hello')]), chunk([entry(' world'), entry(pieces[0]!)]), ...pieces.slice(1).map((p) => chunk([entry(p)])), chunk([entry(' bye')]), chunk([], 'x', 'stop'), 'data: [DONE]\n\n'];
      serve(f, events, mode);
      const r = await askRaw(f, request, '/v1/chat/completions');
      const got = joined(r.text);
      assert.ok(!got.chosen.join('').includes(token.slice(0, 12)), got.chosen.join(''));
      assert.deepEqual(got.chosen, ['Hello', ' world', ' bye'], r.text);
    });

    it(`an innocent event that opened the hold keeps its entry (${mode})`, async () => {
      // " world" may begin the token (Redactor.holdTextFrom): the hold opens on it.
      const events = [chunk([entry('Hello')]), chunk([entry(' world')]), ...pieces.map((p) => chunk([entry(p)])), chunk([entry(' bye')]), chunk([], 'x', 'stop'), 'data: [DONE]\n\n'];
      serve(f, events, mode);
      const r = await askRaw(f, request, '/v1/chat/completions');
      const got = joined(r.text);
      assert.ok(!got.chosen.join('').includes(token.slice(0, 12)), got.chosen.join(''));
      assert.deepEqual(got.chosen, ['Hello', ' world', ' bye'], r.text);
      assert.equal(sseData(r.text).length, events.length);
    });
  }

  for (const mode of ['whole', 'trickle'] as Mode[]) {
    it(`the choice ends on a cut start of the token (12+ characters): only the entries that spell it are dropped (${mode})`, async () => {
      const events = [chunk([entry('Hello')]), chunk([entry(' world'), entry(' the'), entry(token.slice(0, 14))]), chunk([], 'x', 'length'), 'data: [DONE]\n\n'];
      serve(f, events, mode);
      const r = await askRaw(f, request, '/v1/chat/completions');
      assert.deepEqual(joined(r.text).chosen, ['Hello', ' world', ' the'], r.text);
      assert.equal(sseData(r.text).length, events.length);
    });
  }

  it('control: alternatives that spell nothing: byte-identical', async () => {
    const events = [chunk([entry('Hello', ['Hi', 'Yo'])]), chunk([entry(' world', [' qw', ' x'])]), chunk([entry(' bye', [' ciao', ' so'])]), chunk([], 'x', 'stop'), 'data: [DONE]\n\n'];
    serve(f, events, 'trickle');
    const r = await askRaw(f, request, '/v1/chat/completions');
    assert.equal(r.text, events.join(''));
  });
});

describe('log probabilities across a Responses stream\'s events', () => {
  const secret = 'cdxAccess-TOKEN_lpacross_0123456789';
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(codexAccount(secret))));
  after(() => f.close());
  const ev = responsesEvent;
  const request = {model: 'gpt-5.2-codex', stream: true, input: 'hi', include: ['message.output_text.logprobs']};

  it('Responses top_logprobs spelling the token across deltas are dropped', async () => {
    const pieces = secret.match(/.{1,7}/g)!;
    const words = ['Hello', ...pieces.map((_p, i) => `w${i}`), ' bye'];
    const tops = [['Hi'], ...pieces.map((p) => [p]), [' ciao']];
    const events = [
      ev('response.output_item.added', {sequence_number: 1, output_index: 0, item: {id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: []}}),
      ...words.map((word, i) => ev('response.output_text.delta', {sequence_number: 2 + i, item_id: 'msg_1', output_index: 0, content_index: 0, delta: word, logprobs: [entry(word, tops[i])]})),
      ev('response.completed', {sequence_number: 99, response: {id: 'resp_1', object: 'response', status: 'completed', output: []}}),
    ];
    serve(f, events, 'trickle');
    const r = await askRaw(f, request, '/v1/responses');
    assert.equal(r.status, 200, r.text);
    const entries = sseData(r.text).flatMap((e) => (typeof e === 'string' ? [] : ((e.logprobs ?? []) as Entry[])));
    const top0 = entries.map((e) => e.top_logprobs[0]?.token ?? '').join('');
    assert.ok(!top0.includes(secret), `the alternatives spell the token: ${top0}`);
    assert.ok(!leaks(r.text, secret));
    assert.deepEqual(
      entries.map((e) => e.token),
      ['Hello', ' bye'],
    );
  });
});


describe('log probabilities in a Chat JSON answer over 4 MB (streamed entry by entry)', () => {
  const token = tokenOf(qwen);
  const pieces = [token.slice(0, 6), token.slice(6, 14), token.slice(14)];
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const words = Array.from({length: 60_000}, (_, i) => [' the', ' cat', ' sat', ` ${i}`][i % 4]!);
  const answer = (entries: Entry[]) => JSON.stringify({id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, message: {role: 'assistant', content: 'ok'}, logprobs: {content: entries, refusal: null}, finish_reason: 'stop'}]});
  const request = {model: 'qwen3-coder-plus', stream: false, logprobs: true, top_logprobs: 1, messages: [{role: 'user', content: 'hi'}]};

  it('an innocent entry that opened the hold (" world") arrives; only the entries that spell the token are dropped', async () => {
    const tokens = [...words.slice(0, 30_000), ' world', ...pieces, ...words.slice(30_000)];
    const body = answer(tokens.map((t) => entry(t)));
    assert.ok(body.length > 4 * 1024 * 1024, `${body.length} bytes`);
    serve(f, [body], 'trickle', {'content-type': 'application/json'});
    const r = await askRaw(f, request, '/v1/chat/completions');
    assert.equal(r.status, 200, r.text.slice(0, 200));
    const got = (JSON.parse(r.text).choices[0].logprobs.content as Entry[]).map((e) => e.token);
    assert.deepEqual(got, [...words.slice(0, 30_000), ' world', ...words.slice(30_000)]);
  });

  it('the list ends on a cut start of the token: the entries before it arrive', async () => {
    const tokens = [...words, ' world', token.slice(0, 14)];
    serve(f, [answer(tokens.map((t) => entry(t)))], 'trickle', {'content-type': 'application/json'});
    const r = await askRaw(f, request, '/v1/chat/completions');
    assert.equal(r.status, 200, r.text.slice(0, 200));
    const got = (JSON.parse(r.text).choices[0].logprobs.content as Entry[]).map((e) => e.token);
    assert.deepEqual(got, [...words, ' world']);
  });

  it('rank-0 alternatives spelling the token across entries are dropped', async () => {
    const tokens = [...words.slice(0, 30_000).map((t) => entry(t, ['x'])), ...pieces.map((p, i) => entry(`c${i}`, [p])), ...words.slice(30_000).map((t) => entry(t, ['y']))];
    serve(f, [answer(tokens)], 'trickle', {'content-type': 'application/json'});
    const r = await askRaw(f, request, '/v1/chat/completions');
    assert.equal(r.status, 200, r.text.slice(0, 200));
    const got = JSON.parse(r.text).choices[0].logprobs.content as Entry[];
    assert.ok(!got.map((e) => e.top_logprobs[0]?.token ?? '').join('').includes(token));
    assert.deepEqual(
      got.map((e) => e.token),
      [...words.slice(0, 30_000), ...words.slice(30_000)],
    );
  });
});

describe('Gemini topCandidates spelling a credential across a stream\'s events (the pass-through SSE maskers)', () => {
  const secret = 'ya29.gemAccess_TOKEN-lpacross-0011223344';
  const redactor = new Redactor([secret]);
  const pieces = secret.match(/.{1,5}/g)!;
  const event = (chosen: string, top: string[]) =>
    `data: ${JSON.stringify({candidates: [{index: 0, content: {role: 'model', parts: [{text: chosen}]}, logprobsResult: {chosenCandidates: [{token: chosen, logProbability: -0.1}], topCandidates: [{candidates: top.map((token) => ({token, logProbability: -0.2}))}]}}]})}\n\n`;
  for (const size of [65536, 40, 7]) {
    it(`chunks of ${size}: the rank-0 candidates joined do not spell it; the chosen tokens all arrive`, () => {
      const body = [event('Hello', ['Hi', 'Yo']), ...pieces.map((p, i) => event(`w${i}`, [p, `o${i}`])), event(' bye', [' ciao', ' so'])].join('');
      const out = maskedSse(redactor, body, size);
      const candidates = out
        .split('\n\n')
        .filter((e) => e.startsWith('data: {'))
        .map((e) => JSON.parse(e.slice(6)).candidates[0]);
      const rank0 = candidates.flatMap((c) => c.logprobsResult.topCandidates.map((t: {candidates: {token: string}[]}) => t.candidates[0]?.token ?? '')).join('');
      assert.ok(!rank0.includes(secret), rank0);
      assert.deepEqual(
        candidates.map((c) => c.content.parts[0].text),
        ['Hello', ...pieces.map((_p, i) => `w${i}`), ' bye'],
      );
      assert.ok(!leaks(out, secret));
    });
  }
});
