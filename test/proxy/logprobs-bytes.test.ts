// Log probabilities list the tokens of a text with their UTF-8 `bytes`: a client that decodes them
// (the OpenAI SDK joins `logprobs.content` across chunks; a viewer decodes each entry's bytes) reads
// the text as the upstream made it, whatever the proxy masked in the text fields. A credential they
// spell, in one event, across events, in an alternative (`top_logprobs`) or in a whole answer, never
// reaches the client: those log probabilities are emptied.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {oneAccountFixture, oauthToken, type ProxyFixture} from './fixture.js';
import {askRaw, qwen, serve, sse, tokenOf, type Mode} from './rv-harness.js';

const token = tokenOf(qwen);

/** Every logprob entry list in a JSON value (Chat `logprobs.content`/`.refusal`, Responses `logprobs`), in document order. */
function logprobLists(value: unknown, out: unknown[][] = []): unknown[][] {
  if (Array.isArray(value)) value.forEach((item) => logprobLists(item, out));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'logprobs' && Array.isArray(item)) out.push(item);
      else if (key === 'logprobs' && item && typeof item === 'object') for (const list of Object.values(item)) if (Array.isArray(list)) out.push(list);
      logprobLists(item, out);
    }
  }
  return out;
}

/**
 * What a client may read from the log probabilities of an answer (SSE or JSON): the entries' tokens
 * joined, their bytes joined and decoded, and each alternative's token and bytes.
 */
function readable(raw: string): string[] {
  const docs = raw.trim().startsWith('{') ? [JSON.parse(raw)] : raw.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)));
  const entries = docs.flatMap((doc) => logprobLists(doc)).flat() as Array<{token?: string; bytes?: number[]; top_logprobs?: Array<{token?: string; bytes?: number[]}>}>;
  const out = [entries.map((e) => e.token ?? '').join(''), Buffer.from(entries.flatMap((e) => e.bytes ?? [])).toString('utf8')];
  for (const e of entries) for (const top of e.top_logprobs ?? []) out.push(top.token ?? '', Buffer.from(top.bytes ?? []).toString('utf8'));
  return out;
}

const entry = (text: string, top: Array<{token: string; bytes: number[]}> = []) => ({token: text, logprob: -0.1, bytes: [...Buffer.from(text)], top_logprobs: top});
/** An entry whose token string is harmless but whose bytes spell `text` (a hostile or broken upstream). */
const bytesOnly = (text: string) => ({token: 'x', logprob: -0.1, bytes: [...Buffer.from(text)], top_logprobs: []});
const chatChunk = (delta: Record<string, unknown>, logprobs: unknown, finish: string | null = null) =>
  `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta, logprobs, finish_reason: finish}]})}\n\n`;
const chatRequest = (stream: boolean) => ({model: 'qwen3-coder-plus', stream, logprobs: true, top_logprobs: 2, messages: [{role: 'user', content: 'hi'}]});

describe('Chat Completions pass-through (qwen): log probabilities that spell an account token', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const pieces = [token.slice(0, 5), token.slice(5, 13), token.slice(13)];
  const leaked = (r: {text: string}) => readable(r.text).find((text) => text.includes(token));

  for (const mode of ['whole', 'trickle', 'bytes'] as Mode[]) {
    it(`one event: its text holds the token whole, its logprobs spell it in pieces (${mode})`, async () => {
      serve(f, [chatChunk({role: 'assistant', content: `key ${token}`}, {content: [entry('key '), ...pieces.map((p) => entry(p))], refusal: null}), chatChunk({}, null, 'stop'), 'data: [DONE]\n\n'], mode);
      const r = await askRaw(f, chatRequest(true), '/v1/chat/completions');
      assert.equal(r.status, 200, r.text);
      assert.equal(leaked(r), undefined, `the client decodes the token from the logprobs: ${r.text}`);
    });

    it(`one event: harmless text, the entries' bytes spell the token (${mode})`, async () => {
      serve(f, [chatChunk({role: 'assistant', content: 'ok'}, {content: pieces.map(bytesOnly)}), chatChunk({}, null, 'stop'), 'data: [DONE]\n\n'], mode);
      const r = await askRaw(f, chatRequest(true), '/v1/chat/completions');
      assert.equal(leaked(r), undefined, `the client decodes the token from the bytes: ${r.text}`);
      assert.match(r.text, /"content":"ok"/, 'the text itself is untouched');
    });

    it(`one alternative's bytes hold the token whole (${mode})`, async () => {
      serve(f, [chatChunk({role: 'assistant', content: 'ok'}, {content: [entry('ok', [{token: 'x', bytes: [...Buffer.from(token)]}])]}), chatChunk({}, null, 'stop'), 'data: [DONE]\n\n'], mode);
      const r = await askRaw(f, chatRequest(true), '/v1/chat/completions');
      assert.equal(leaked(r), undefined, `the client decodes the token from top_logprobs: ${r.text}`);
    });

    it(`the bytes spell it across three events, the text does not (${mode})`, async () => {
      serve(f, [...pieces.map((p, i) => chatChunk(i === 0 ? {role: 'assistant', content: 'a'} : {content: 'b'}, {content: [bytesOnly(p)]})), chatChunk({}, null, 'stop'), 'data: [DONE]\n\n'], mode);
      const r = await askRaw(f, chatRequest(true), '/v1/chat/completions');
      assert.equal(leaked(r), undefined, `the SDK's joined logprobs decode to the token: ${r.text}`);
    });
  }

  it('logprobs that spell nothing are passed as they came', async () => {
    const body = chatChunk({role: 'assistant', content: 'hello'}, {content: [entry('hel'), entry('lo')]});
    serve(f, [body, chatChunk({}, null, 'stop'), 'data: [DONE]\n\n'], 'whole');
    const r = await askRaw(f, chatRequest(true), '/v1/chat/completions');
    assert.ok(r.text.startsWith(body), r.text);
  });

  for (const [name, logprobs] of [
    ['pieces of the entries', {content: [entry('key '), ...pieces.map((p) => entry(p))], refusal: null}],
    ['bytes only', {content: pieces.map(bytesOnly), refusal: null}],
    ['an alternative', {content: [entry('ok', [{token: 'y', bytes: [...Buffer.from(token)]}])], refusal: null}],
  ] as const) {
    it(`a whole JSON answer: ${name}`, async () => {
      const answer = {id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, message: {role: 'assistant', content: 'ok'}, logprobs, finish_reason: 'stop'}], usage: {prompt_tokens: 1, completion_tokens: 1, total_tokens: 2}};
      serve(f, [JSON.stringify(answer)], 'whole', {'content-type': 'application/json'});
      const r = await askRaw(f, chatRequest(false), '/v1/chat/completions');
      assert.equal(r.status, 200, r.text);
      assert.equal(leaked(r), undefined, `the client decodes the token from the answer's logprobs: ${r.text}`);
      assert.equal(JSON.parse(r.text).choices[0].message.content, 'ok');
    });
  }
});

describe('Responses pass-through (codex): output_text logprobs that spell an account token', () => {
  const codex = {provider: 'codex', apiPath: '/backend-api/codex', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1', access_token: 'cdxAccess-TOKEN_logprob_0123456789'})};
  const secret = tokenOf(codex);
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(codex)));
  after(() => f.close());
  const ev = (type: string, data: Record<string, unknown>) => sse(type, {type, ...data});
  const lp = (text: string) => ({token: 'x', logprob: -0.1, bytes: [...Buffer.from(text)], top_logprobs: []});

  for (const mode of ['whole', 'trickle'] as Mode[])
    it(`delta events and the final response (${mode})`, async () => {
      const halves = [secret.slice(0, 10), secret.slice(10)];
      const done = {id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text: 'ab', annotations: [], logprobs: halves.map(lp)}]};
      serve(
        f,
        [
          ev('response.created', {response: {id: 'resp_1', object: 'response', status: 'in_progress', output: []}}),
          ev('response.output_item.added', {output_index: 0, item: {id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: []}}),
          ev('response.output_text.delta', {item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'a', logprobs: [lp(halves[0]!)]}),
          ev('response.output_text.delta', {item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'b', logprobs: [lp(halves[1]!)]}),
          ev('response.output_text.done', {item_id: 'msg_1', output_index: 0, content_index: 0, text: 'ab', logprobs: [lp(secret)]}),
          ev('response.output_item.done', {output_index: 0, item: done}),
          ev('response.completed', {response: {id: 'resp_1', object: 'response', status: 'completed', output: [done]}}),
        ],
        mode,
      );
      const r = await askRaw(f, {model: 'gpt-5.2-codex', stream: true, input: 'hi', include: ['message.output_text.logprobs']}, '/v1/responses');
      assert.equal(r.status, 200, r.text);
      const events = r.text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)));
      const deltas = Buffer.from(events.filter((e) => e.type === 'response.output_text.delta').flatMap((e) => e.logprobs).flatMap((e: {bytes: number[]}) => e.bytes)).toString('utf8');
      assert.ok(!deltas.includes(secret), `the deltas' logprobs decode to the token: ${deltas}`);
      for (const e of events) {
        const text = readable(JSON.stringify(e)).find((t) => t.includes(secret));
        assert.equal(text, undefined, `${e.type}'s logprobs decode to the token: ${JSON.stringify(e)}`);
      }
    });
});

describe('translated (qwen upstream, Claude Code client): the logprobs never reach the client', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  it('a stream whose logprobs bytes spell the token', async () => {
    serve(f, [chatChunk({role: 'assistant', content: 'ok'}, {content: [bytesOnly(token)]}), chatChunk({}, null, 'stop'), 'data: [DONE]\n\n'], 'trickle');
    const r = await askRaw(f, {model: 'qwen3-coder-plus', max_tokens: 8, stream: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/messages');
    assert.equal(r.status, 200, r.text);
    assert.ok(!r.text.includes('logprobs') && !r.text.includes(token), r.text);
  });
});
