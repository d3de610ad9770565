// Events held while their log probabilities may begin a credential (sse-run-mask.ts logprobsSettled;
// json-run-mask.ts and the whole-answer masking for JSON) must all reach the client, in order and
// as they came, unless they spell a credential: ordinary words (" world" for this account's token)
// end in what may begin one, so a stream with logprobs holds events often. What a client receives
// through a real proxy from a real upstream on 127.0.0.1: every event, the final ones ([DONE],
// response.completed) last; every logprobs entry but those that spell the token; with n > 1 choices,
// one choice's held start does not hold the others' events.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {API_KEY, oauthToken, oneAccountFixture, type ProxyFixture} from './fixture.js';
import {askRaw, qwen, serve, sse, streamUntilSeen, tokenOf, type Mode} from './rv-harness.js';

const token = tokenOf(qwen);

type Entry = {token: string; logprob: number; bytes: number[]; top_logprobs: unknown[]};
const entry = (text: string): Entry => ({token: text, logprob: -0.1, bytes: [...Buffer.from(text)], top_logprobs: []});

/**
 * A Chat chunk of choice `index`: its text with one logprobs entry per token; `null` tokens: an
 * empty delta (a finish). `content`: the delta's text instead of the tokens joined (a text that
 * spells nothing, so that only the log probability masking is at work).
 */
const chunk = (index: number, tokens: string[] | null, finish: string | null = null, content = tokens?.join('')) =>
  `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index, delta: tokens === null ? {} : {content}, logprobs: tokens === null ? null : {content: tokens.map(entry), refusal: null}, finish_reason: finish}]})}\n\n`;
const usage = `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [], usage: {prompt_tokens: 1, completion_tokens: 9, total_tokens: 10}})}\n\n`;
const DONE = 'data: [DONE]\n\n';
const chatRequest = (stream: boolean, n = 1) => ({model: 'qwen3-coder-plus', stream, n, logprobs: true, messages: [{role: 'user', content: 'hi'}]});

/** The data of each event the client received, parsed ([DONE] as the string). */
const eventsOf = (text: string) =>
  text
    .split('\n\n')
    .filter((event) => event.trim() !== '')
    .map((event) => event.split('\n').find((line) => line.startsWith('data: '))!.slice(6))
    .map((data) => (data === '[DONE]' ? data : (JSON.parse(data) as Record<string, any>)));

/** The logprobs tokens a client joins per Chat choice (as the OpenAI SDK appends each chunk's list). */
function chatTokens(text: string): Map<number, string[]> {
  const joined = new Map<number, string[]>();
  for (const event of eventsOf(text)) {
    if (typeof event === 'string') continue;
    for (const choice of event.choices ?? []) joined.set(choice.index, [...(joined.get(choice.index) ?? []), ...(choice.logprobs?.content ?? []).map((e: Entry) => e.token)]);
  }
  return joined;
}

describe('Chat pass-through: events held for their log probabilities all reach the client', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());

  for (const mode of ['whole', 'trickle', 'bytes'] as Mode[]) {
    it(`ordinary words that may begin the token (" world"): every event byte-identical, in order, [DONE] last (${mode})`, async () => {
      const events = [chunk(0, ['Hello']), chunk(0, [' world']), chunk(0, [' the', ' world']), chunk(0, null, 'stop'), usage, DONE];
      serve(f, events, mode);
      const r = await askRaw(f, chatRequest(true), '/v1/chat/completions');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.text, events.join(''));
    });

    it(`the stream ends on a held start of the token shorter than a cut echo: nothing lost (${mode})`, async () => {
      const events = [chunk(0, ['Hello']), chunk(0, [' qwAcc']), chunk(0, null, 'stop'), DONE];
      serve(f, events, mode);
      const r = await askRaw(f, chatRequest(true), '/v1/chat/completions');
      assert.equal(r.text, events.join(''));
    });
  }

  it('n = 2: a credential spelled across choice 0\'s events drops only the entries that spell it; choice 1\'s all arrive', async () => {
    const pieces = [token.slice(0, 6), token.slice(6, 14), token.slice(14)];
    const events = [chunk(0, ['Hi', ' ']), chunk(1, ['Yo']), chunk(0, [pieces[0]!], null, 'a'), chunk(1, [' world']), chunk(0, [pieces[1]!], null, 'b'), chunk(1, [' the']), chunk(0, [pieces[2]!], null, 'c'), chunk(1, [' cat']), chunk(0, [' bye']), chunk(0, null, 'stop'), chunk(1, null, 'stop'), DONE];
    serve(f, events, 'trickle');
    const r = await askRaw(f, chatRequest(true, 2), '/v1/chat/completions');
    assert.equal(r.status, 200, r.text);
    const joined = chatTokens(r.text);
    assert.deepEqual(joined.get(1), ['Yo', ' world', ' the', ' cat'], r.text);
    assert.ok(!joined.get(0)!.join('').includes(token.slice(0, 12)), `choice 0's logprobs spell the token: ${joined.get(0)!.join('')}`);
    assert.deepEqual(joined.get(0), ['Hi', ' ', ' bye'], r.text);
    assert.equal(eventsOf(r.text).length, events.length, 'every event arrives');
    assert.equal(eventsOf(r.text).at(-1), '[DONE]');
  });

  it('n = 2: choice 0 ends on a cut start of the token (12+ characters): its list is emptied, choice 1\'s entries all arrive', async () => {
    const events = [chunk(0, ['Hi']), chunk(1, ['Yo']), chunk(0, [` ${token.slice(0, 14)}`], null, ' a'), chunk(0, null, 'length'), chunk(1, [' world']), chunk(1, [' the']), chunk(1, null, 'stop'), DONE];
    serve(f, events, 'trickle');
    const r = await askRaw(f, chatRequest(true, 2), '/v1/chat/completions');
    const joined = chatTokens(r.text);
    assert.deepEqual(joined.get(1), ['Yo', ' world', ' the'], r.text);
    assert.deepEqual(joined.get(0), ['Hi'], r.text);
    assert.equal(eventsOf(r.text).length, events.length, 'every event arrives');
  });

  it('n = 2: while choice 0 holds a start at its end, choice 1 goes on streaming to the client (no stall)', async () => {
    // The upstream sends choice 0's held start and its finish, then choice 1's text, and waits (up to
    // 5 s) for the client to have read choice 1's last word before it sends the rest.
    const first = [chunk(0, ['Hi']), chunk(1, ['Yo']), chunk(0, [' qwAcc']), chunk(0, null, 'stop'), ...[0, 1, 2, 3].map((k) => chunk(1, [` more${k}`]))];
    const rest = [chunk(1, null, 'stop'), DONE];
    const {text, waited} = await streamUntilSeen(f, chatRequest(true, 2), first, rest, ' more3', 5000);
    assert.ok(waited < 4000, `the client saw choice 1's text only after the upstream went on (${waited} ms)`);
    assert.equal(text, [...first, ...rest].join(''), 'every event as it came');
  });

  it('the upstream breaks off while an event is held: the events before the break all arrive, as they came', async () => {
    const events = [chunk(0, ['Hello']), chunk(0, [' world'])];
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      for (const event of events) {
        res.write(event);
        await sleep(20);
      }
      res.socket!.destroy();
    };
    const response = await fetch(`${f.url}/v1/chat/completions`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify(chatRequest(true))});
    let text = '';
    const decoder = new TextDecoder();
    try {
      for await (const part of response.body!) text += decoder.decode(part, {stream: true});
    } catch {
      // The proxy cuts the client's stream off, as the upstream's was.
    }
    assert.equal(text, events.join(''));
  });

  it('a whole JSON answer: only the entries that spell the token are dropped', async () => {
    const pieces = [token.slice(0, 6), token.slice(6, 14), token.slice(14)];
    const tokens = ['Hello', ' world', ' ', ...pieces, ' bye', ' now'];
    const answer = {id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, message: {role: 'assistant', content: 'ok'}, logprobs: {content: tokens.map(entry), refusal: null}, finish_reason: 'stop'}]};
    serve(f, [JSON.stringify(answer)], 'whole', {'content-type': 'application/json'});
    const r = await askRaw(f, chatRequest(false), '/v1/chat/completions');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text).choices[0].logprobs.content, ['Hello', ' world', ' ', ' bye', ' now'].map(entry));
  });

  it('a JSON answer over 4 MB: every entry that spells nothing arrives, in order', async () => {
    const pieces = [token.slice(0, 6), token.slice(6, 14), token.slice(14)];
    const words = Array.from({length: 60_000}, (_, i) => [' the', ' world', ' cat', ` ${i}`][i % 4]!);
    const tokens = [...words.slice(0, 30_000), ' ', ...pieces, ...words.slice(30_000)];
    const answer = {id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, message: {role: 'assistant', content: 'ok'}, logprobs: {content: tokens.map(entry), refusal: null}, finish_reason: 'stop'}]};
    const body = JSON.stringify(answer);
    assert.ok(body.length > 4 * 1024 * 1024, `${body.length} bytes`);
    serve(f, [body], 'trickle', {'content-type': 'application/json'});
    const r = await askRaw(f, chatRequest(false), '/v1/chat/completions');
    assert.equal(r.status, 200, r.text.slice(0, 200));
    const got = (JSON.parse(r.text).choices[0].logprobs.content as Entry[]).map((e) => e.token);
    assert.ok(!got.join('').includes(token.slice(0, 12)), 'the entries spell the token');
    assert.deepEqual(got, [...words.slice(0, 30_000), ' ', ...words.slice(30_000)]);
  });
});

describe('Responses pass-through: events held for their log probabilities all reach the client', () => {
  const codex = {provider: 'codex', apiPath: '/backend-api/codex', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1', access_token: 'cdxAccess-TOKEN_logprob_0123456789'})};
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(codex)));
  after(() => f.close());
  const ev = (type: string, data: Record<string, unknown>) => sse(type, {type, ...data});

  for (const mode of ['whole', 'trickle'] as Mode[])
    it(`deltas whose words may begin the token (" the"): every event byte-identical, response.completed last (${mode})`, async () => {
      const words = ['Hello', ' the', ' cat', ' the'];
      const done = {id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text: words.join(''), annotations: [], logprobs: words.map(entry)}]};
      const events = [
        ev('response.created', {sequence_number: 0, response: {id: 'resp_1', object: 'response', status: 'in_progress', output: []}}),
        ev('response.output_item.added', {sequence_number: 1, output_index: 0, item: {id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: []}}),
        ...words.map((word, i) => ev('response.output_text.delta', {sequence_number: 2 + i, item_id: 'msg_1', output_index: 0, content_index: 0, delta: word, logprobs: [entry(word)]})),
        ev('response.output_text.done', {sequence_number: 6, item_id: 'msg_1', output_index: 0, content_index: 0, text: words.join(''), logprobs: words.map(entry)}),
        ev('response.output_item.done', {sequence_number: 7, output_index: 0, item: done}),
        ev('response.completed', {sequence_number: 8, response: {id: 'resp_1', object: 'response', status: 'completed', output: [done]}}),
      ];
      serve(f, events, mode);
      const r = await askRaw(f, {model: 'gpt-5.2-codex', stream: true, input: 'hi', include: ['message.output_text.logprobs']}, '/v1/responses');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.text, events.join(''));
    });
});
