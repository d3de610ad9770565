// rv8 attack review (masking): credentials a client recovers in full through a real proxy on a
// fake upstream. Each test here fails on main at a33e1d5; the report names the path.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import OpenAI from 'openai';
import {API_KEY, oauthToken, oneAccountFixture, type ProxyFixture} from './fixture.js';
import {askRaw, claude, msgReq, serve, sse, tokenOf} from './rv-harness.js';

describe('rv8: a whole JSON answer over WHOLE_JSON_HOLD_MAX (4 MB), token cut across its text blocks', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  const token = tokenOf(claude);
  const s = `key ${token} end`;
  const c = s.indexOf(token) + 8;
  it('pass-through claude, text → tool_use → text, 4.5 MB of text before the cut', async () => {
    const pad = 'lorem ipsum '.repeat(Math.ceil((4.5 * 1024 * 1024) / 12));
    const body = JSON.stringify({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{type: 'text', text: pad + s.slice(0, c)}, {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {}}, {type: 'text', text: s.slice(c)}],
      stop_reason: 'tool_use',
      usage: {input_tokens: 1, output_tokens: 1},
    });
    // Sent in 64 KB pieces (a real upstream's reads), so the body is not complete when its head comes.
    const parts: string[] = [];
    for (let i = 0; i < body.length; i += 65536) parts.push(body.slice(i, i + 65536));
    serve(f, parts, 'trickle', {'content-type': 'application/json'});
    const r = await askRaw(f, msgReq(false));
    assert.equal(r.status, 200);
    const texts = (JSON.parse(r.text).content as {type: string; text?: string}[])
      .filter((b) => b.type === 'text')
      .map((b) => b.text)
      .join('');
    assert.ok(!texts.includes(token), `the SDK's joined text blocks hold the token: …${texts.slice(-80)}`);
  });
});

describe('rv8: Responses output with a reasoning item between the message items (codex pass-through)', () => {
  // core/joined-text-mask.ts groups strings by path (`output.#.content.#.text`), so a reasoning
  // item's `content[].text` (reasoning_text) is joined into the run between the two message texts,
  // breaking the echo the SDK's output_text (message output_text parts only) spells.
  const codex = {provider: 'codex', apiPath: '/backend-api/codex', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1', access_token: 'cdxAccess-TOKEN_77aa88bb99cc00dd'})};
  const token = tokenOf(codex);
  const s = `key ${token} end`;
  const c = s.indexOf(token) + 8;
  const message = (id: string, text: string) => ({id, type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text, annotations: []}]});
  const reasoning = {id: 'rs_1', type: 'reasoning', summary: [], content: [{type: 'reasoning_text', text: 'let me think'}]};
  const response = (status: string) => ({
    id: 'resp_1',
    object: 'response',
    created_at: 1,
    status,
    model: 'gpt-5.2-codex',
    output: [message('msg_1', s.slice(0, c)), reasoning, message('msg_2', s.slice(c))],
    usage: {input_tokens: 1, output_tokens: 1, total_tokens: 2, input_tokens_details: {cached_tokens: 0}, output_tokens_details: {reasoning_tokens: 0}},
  });
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(codex)));
  after(() => f.close());
  it('a whole JSON answer: the SDK output_text', async () => {
    serve(f, [JSON.stringify(response('completed'))], 'whole', {'content-type': 'application/json'});
    const sdk = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const final = await sdk.responses.create({model: 'gpt-5.2-codex', input: 'hi'});
    assert.ok(!final.output_text.includes(token), `the OpenAI SDK's output_text: ${final.output_text}`);
  });
  it('a stream whose response.completed carries the output: the SDK finalResponse().output_text', async () => {
    const ev = (type: string, data: Record<string, unknown>) => sse(type, {type, ...data});
    serve(f, [ev('response.created', {response: {...response('in_progress'), output: []}}), ev('response.completed', {response: response('completed')})], 'whole');
    const sdk = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const stream = sdk.responses.stream({model: 'gpt-5.2-codex', input: 'hi'});
    for await (const _e of stream);
    const final = await stream.finalResponse();
    assert.ok(!final.output_text.includes(token), `the OpenAI SDK's finalResponse().output_text: ${final.output_text}`);
  });
});

describe('rv8: a response.completed whose type is spelled with a \\u escape (codex pass-through)', () => {
  // sse-run-mask.ts FINAL_RESPONSE looks for `"type":"response.completed"` in the raw bytes; JSON
  // lets any letter of it be a `\u` escape, which the SDK decodes before it dispatches the event.
  const codex = {provider: 'codex', apiPath: '/backend-api/codex', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1', access_token: 'cdxAccess-TOKEN_77aa88bb99cc00dd'})};
  const token = tokenOf(codex);
  const s = `key ${token} end`;
  const c = s.indexOf(token) + 8;
  const message = (id: string, text: string) => ({id, type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text, annotations: []}]});
  const response = (status: string, output: unknown[]) => ({id: 'resp_1', object: 'response', created_at: 1, status, model: 'gpt-5.2-codex', output, usage: {input_tokens: 1, output_tokens: 1, total_tokens: 2, input_tokens_details: {cached_tokens: 0}, output_tokens_details: {reasoning_tokens: 0}}});
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(codex)));
  after(() => f.close());
  for (const spelled of ['response.completed', 'response.\\u0063ompleted'])
    it(`type ${spelled}: the SDK finalResponse().output_text`, async () => {
      const completed = JSON.stringify({type: 'response.completed', response: response('completed', [message('msg_1', s.slice(0, c)), message('msg_2', s.slice(c))])}).replace('"type":"response.completed"', `"type":"${spelled}"`);
      serve(f, [sse('response.created', {type: 'response.created', response: response('in_progress', [])}), `event: response.completed\ndata: ${completed}\n\n`], 'whole');
      const sdk = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
      const stream = sdk.responses.stream({model: 'gpt-5.2-codex', input: 'hi'});
      for await (const _e of stream);
      const final = await stream.finalResponse();
      assert.ok(final.output_text.includes('end'), `the SDK read the final response: ${final.output_text}`);
      assert.ok(!final.output_text.includes(token), `the OpenAI SDK's finalResponse().output_text: ${final.output_text}`);
    });
});
