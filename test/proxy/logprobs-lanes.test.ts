// The SSE masker holds an event while the log probabilities a client joined at some place may begin
// a credential (sse-run-mask.ts sent). With several Chat choices or Gemini candidates, only that
// choice's events wait (its lane): the others go on, byte-identical; a finish releases the lane's
// held start (emptied when it is a cut credential's); held events stay bounded. And it masks as
// before: a credential spelled across a choice's events never reaches the client, whatever the
// chunking, whatever position the choice has in each chunk's `choices`.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {maskJoinedJson} from '../../source/core/joined-text-mask.js';
import {Redactor} from '../../source/core/redact.js';
import {SseRunMasker} from '../../source/proxy/sse-run-mask.js';

const secret = 'qwAccess_TOKEN-9f8e7d6c5b4a3210';
const redactor = new Redactor([secret]);
const pieces = [secret.slice(0, 6), secret.slice(6, 14), secret.slice(14, 22), secret.slice(22)];

type Entry = {token: string; logprob: number; bytes: number[]; top_logprobs: unknown[]};
const entry = (text: string, top: unknown[] = []): Entry => ({token: text, logprob: -0.1, bytes: [...Buffer.from(text)], top_logprobs: top});

/** A Chat chunk with these choices: [index, logprobs tokens (null: a finish), delta text]. */
const chat = (...choices: Array<[number, string[] | null, string?]>) =>
  `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', choices: choices.map(([index, tokens, text]) => ({index, delta: tokens === null ? {} : {content: text ?? 'x'}, logprobs: tokens === null ? null : {content: tokens.map((t) => entry(t)), refusal: null}, finish_reason: tokens === null ? 'stop' : null}))})}\n\n`;
/** A Gemini chunk with these candidates: [index (undefined: none given), tokens (null: a finish)]. */
const gemini = (...candidates: Array<[number | undefined, string[] | null]>) =>
  `data: ${JSON.stringify({candidates: candidates.map(([index, tokens]) => ({...(index === undefined ? {} : {index}), content: {role: 'model', parts: [{text: 'x'}]}, ...(tokens === null ? {finishReason: 'STOP'} : {logprobsResult: {chosenCandidates: tokens.map((t) => ({token: t, logProbability: -0.1})), topCandidates: []}})}))})}\n\n`;

/** Each event pushed in turn (as the byte masker passes it): what came out after each, and at the end. */
function stream(events: string[], size = Infinity): {after: string[]; all: string} {
  const runs = new SseRunMasker(redactor);
  const bytes = redactor.stream();
  const after: string[] = [];
  let all = '';
  for (const event of events) {
    const raw = Buffer.from(event);
    for (let at = 0; at < raw.length; at += Math.min(size, raw.length)) all += runs.push(bytes.push(raw.subarray(at, at + size))).toString('utf8');
    after.push(all);
  }
  all += runs.push(bytes.end()).toString('utf8') + runs.end().toString('utf8');
  return {after, all};
}

const dataOf = (text: string) =>
  text
    .split('\n\n')
    .filter((event) => event.startsWith('data: {'))
    .map((event) => JSON.parse(event.slice(6)) as Record<string, any>);
/** The tokens a client joins per choice (Chat) or candidate (Gemini, by index or position). */
function joined(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const event of dataOf(text)) {
    for (const [i, choice] of (event.choices ?? event.candidates ?? []).entries()) {
      const index = choice.index ?? i;
      const list = choice.logprobs?.content ?? choice.logprobsResult?.chosenCandidates ?? [];
      out.set(index, (out.get(index) ?? '') + list.map((e: {token: string}) => e.token).join(''));
    }
  }
  return out;
}

describe('log probabilities held per choice (lanes)', () => {
  it('Gemini, two candidates without an index: candidate 0 holds a start and finishes, candidate 1 goes on at once', () => {
    const events = [gemini([undefined, ['Hi']], [undefined, ['Yo']]), gemini([undefined, [' qwAcc']], [undefined, [' more']]), gemini([undefined, null], [undefined, [' more']]), ...[0, 1, 2].map((k) => gemini([undefined, []], [undefined, [` more${k}`]]))];
    const {after, all} = stream(events);
    assert.equal(all, events.join(''));
    // Candidate 0 finished in the third event: everything up to each later event is out once it is pushed.
    for (let i = 2; i < events.length; i++) assert.equal(after[i], events.slice(0, i + 1).join(''), `after event ${i}`);
  });

  it('Gemini, candidates with an index: candidate 1 streams while candidate 0 holds a start not finished', () => {
    const events = [gemini([0, [' qwAcc']]), ...[0, 1, 2].map((k) => gemini([1, [` more${k}`]])), gemini([0, ['ess']]), gemini([0, [' done']]), gemini([0, null], [1, null])];
    const {after, all} = stream(events);
    assert.equal(after[3], events.slice(1, 4).join(''), 'candidate 1 went past candidate 0\'s held start');
    // Each candidate's events in their order, byte-identical; the last event (both candidates) last.
    assert.equal(all, [...events.slice(1, 4), events[0], ...events.slice(4)].join(''));
  });

  for (const size of [Infinity, 40, 7])
    it(`a credential spelled across choice 1's events (chunks of ${size} bytes) never reaches the client; choice 0's entries all do`, () => {
      const events = [chat([0, ['Hello']]), chat([1, [pieces[0]!]]), chat([0, [' world']]), chat([1, [pieces[1]!]]), chat([0, [' the']]), chat([1, [pieces[2]!]]), chat([1, [pieces[3]!]]), chat([0, [' cat']]), chat([1, [' bye']]), chat([0, null], [1, null]), 'data: [DONE]\n\n'];
      const {all} = stream(events, size);
      const got = joined(all);
      assert.ok(!got.get(1)!.includes(secret.slice(0, 12)), `choice 1 joins ${got.get(1)}`);
      assert.equal(got.get(1), ' bye');
      assert.equal(got.get(0), 'Hello world the cat');
      assert.ok(all.endsWith('data: [DONE]\n\n'));
    });

  it('a choice at another position in each chunk\'s `choices` is joined by its index', () => {
    const events = [chat([0, ['a']], [1, [pieces[0]!]]), chat([1, [pieces[1]!]]), chat([0, ['b']], [1, [pieces[2]!]]), chat([1, [pieces[3]!]]), chat([0, null], [1, null])];
    const got = joined(stream(events).all);
    assert.ok(!got.get(1)!.includes(secret.slice(0, 12)), `choice 1 joins ${got.get(1)}`);
    assert.equal(got.get(0), 'ab');
  });

  it('an event with both `choices` and `candidates` (a hostile upstream) waits for either\'s held start', () => {
    const both = (choice: string[] | null, candidate: string) => {
      const chatPart = JSON.parse(chat([0, choice]).slice(6));
      const geminiPart = JSON.parse(gemini([0, [candidate]]).slice(6));
      return `data: ${JSON.stringify({...chatPart, ...geminiPart})}\n\n`;
    };
    const events = [both(['a'], pieces[0]!), both(['b'], pieces[1]!), both(['c'], pieces[2]!), both(null, pieces[3]!)];
    const candidate = dataOf(stream(events).all)
      .flatMap((event) => event.candidates[0].logprobsResult?.chosenCandidates ?? [])
      .map((e: {token: string}) => e.token)
      .join('');
    assert.ok(!candidate.includes(secret.slice(0, 12)), `candidate 0 joins ${candidate}`);
  });

  it('a choice that finishes on a cut start of the credential loses those entries only', () => {
    const events = [chat([0, ['Hi']]), chat([1, ['Yo']]), chat([0, [' ', secret.slice(0, 8), secret.slice(8, 16)]]), chat([1, [' world']]), chat([0, null]), chat([1, [' the']]), chat([1, null])];
    const got = joined(stream(events).all);
    // The ' ' before the cut start is no part of it: it arrives (LogprobsMasker.dropOpen).
    assert.equal(got.get(0), 'Hi ');
    assert.equal(got.get(1), 'Yo world the');
  });

  it('a held start is bounded: past 1 MB of its choice\'s events they go, its held entries dropped', () => {
    const filler = (k: number) => `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', choices: [{index: 0, delta: {tool_calls: [{index: 0, function: {arguments: `"${'z'.repeat(2000)}${k}"`}}]}, logprobs: null, finish_reason: null}]})}\n\n`;
    const events = [chat([0, ['Hi']]), chat([0, [' qwAcc']]), ...Array.from({length: 700}, (_, k) => filler(k)), chat([0, ['ess']]), chat([0, null])];
    const runs = new SseRunMasker(redactor);
    let pushed = 0;
    let sent = 0;
    let most = 0;
    let out = '';
    for (const event of events) {
      pushed += Buffer.byteLength(event);
      const part = runs.push(Buffer.from(event)).toString('utf8');
      sent += Buffer.byteLength(part);
      out += part;
      most = Math.max(most, pushed - sent);
    }
    out += runs.end().toString('utf8');
    assert.ok(most <= 1024 * 1024 + 4096, `${most} bytes held`);
    assert.equal(dataOf(out).length, events.length, 'every event arrives');
    assert.ok(!joined(out).get(0)!.includes('qwAccess'), joined(out).get(0));
  });
});

describe('a whole answer\'s log probabilities: only the entries that spell a credential are dropped', () => {
  const answer = (content: Entry[]) => JSON.stringify({id: 'c1', object: 'chat.completion', choices: [{index: 0, message: {role: 'assistant', content: 'ok'}, logprobs: {content, refusal: null}, finish_reason: 'stop'}]});
  const tokensOf = (json: string | undefined) => (JSON.parse(json!).choices[0].logprobs.content as Entry[]).map((e) => e.token);

  it('two credentials among other entries', () => {
    const tokens = ['a', ' b', ' ', ...pieces, ' c', ' ', ...pieces, ' d'];
    assert.deepEqual(tokensOf(maskJoinedJson(answer(tokens.map((t) => entry(t))), redactor)), ['a', ' b', ' ', ' c', ' ', ' d']);
  });

  it('a credential in one entry\'s alternatives drops that entry', () => {
    const content = [entry('a'), entry(' b', [entry(secret)]), entry(' c')];
    assert.deepEqual(tokensOf(maskJoinedJson(answer(content), redactor)), ['a', ' c']);
  });

  it('a credential spelled by the bytes only', () => {
    const content = [entry('a'), ...pieces.map((p) => ({...entry('x'), bytes: [...Buffer.from(p)]})), entry(' c')];
    assert.deepEqual(tokensOf(maskJoinedJson(answer(content), redactor)), ['a', ' c']);
  });

  it('nothing spelled: the answer is unchanged', () => {
    assert.equal(maskJoinedJson(answer(['a', ' b'].map((t) => entry(t))), redactor), undefined);
  });
});
