// A whole answer whose account token is cut across the blocks or items a client joins: masked in the
// joined text (core/joined-text-mask.ts), through a real proxy on a fake upstream; an answer without
// one goes out byte for byte.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import OpenAI from 'openai';
import {WHOLE_JSON_HOLD_MAX} from '../../source/proxy/deliver.js';
import {API_KEY, oauthToken, oneAccountFixture, type ProxyFixture} from './fixture.js';
import {askRaw, claude, msgReq, serve, sse, tokenOf, type Mode} from './rv-harness.js';

const token = tokenOf(claude);
const message = (content: unknown[]) => JSON.stringify({id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content, stop_reason: 'end_turn', stop_sequence: null, usage: {input_tokens: 1, output_tokens: 1}});
/** `key <token> end` cut at each offset into the token. */
const cutAt = (...cuts: number[]) => {
  const s = `key ${token} end`;
  const at = [0, ...cuts.map((c) => 4 + c), s.length];
  return at.slice(1).map((end, i) => s.slice(at[i], end));
};
const textsOf = (raw: string) =>
  (JSON.parse(raw).content as {type: string; text?: string}[])
    .filter((b) => b.type === 'text')
    .map((b) => b.text)
    .join('');

describe('whole Anthropic answers (pass-through claude): text blocks a client joins', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  for (const mode of ['whole', 'trickle'] as Mode[]) {
    it(`two adjacent text blocks (${mode})`, async () => {
      const [a, b] = cutAt(3);
      const body = message([{type: 'text', text: a}, {type: 'text', text: b}]);
      // trickle: the body in two writes, cut inside the second block's text.
      serve(f, mode === 'whole' ? [body] : [body.slice(0, body.length - 20), body.slice(body.length - 20)], mode, {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)});
      const r = await askRaw(f, msgReq(false));
      assert.equal(r.status, 200);
      assert.ok(!textsOf(r.text).includes(token), textsOf(r.text));
      assert.equal(r.length, String(r.bytes), 'the length sent is that of the masked body');
    });
  }
  it('chunked (no length), in three writes: held to its end and masked whole', async () => {
    const [a, b] = cutAt(10);
    const body = message([{type: 'text', text: a}, {type: 'text', text: b}]);
    const third = Math.floor(body.length / 3);
    serve(f, [body.slice(0, third), body.slice(third, 2 * third), body.slice(2 * third)], 'trickle', {'content-type': 'application/json'});
    const r = await askRaw(f, msgReq(false));
    assert.ok(!textsOf(r.text).includes(token), textsOf(r.text));
  });
  it('an upstream that breaks off a held JSON body: the client gets an error, no piece of the body', async () => {
    const [a, b] = cutAt(8);
    const body = message([{type: 'text', text: a}, {type: 'text', text: b}]);
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.write(body.slice(0, body.indexOf(a) + a.length));
      await sleep(20);
      res.socket?.destroy();
    };
    const response = await fetch(`${f.url}/v1/messages`, {method: 'POST', headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body: JSON.stringify(msgReq(false))});
    const text = await response.text().catch((error: Error) => `rejected: ${error.message}`);
    assert.ok(!text.includes(token.slice(0, 8)), text);
    assert.ok(response.status !== 200 || text.startsWith('rejected'), `${response.status} ${text}`);
  });
  it('a JSON answer longer than the most held (WHOLE_JSON_HOLD_MAX) arrives whole, byte for byte', async () => {
    const filler = 'x'.repeat(WHOLE_JSON_HOLD_MAX + 512 * 1024);
    const body = message([{type: 'text', text: filler}, {type: 'text', text: 'done'}]);
    const parts = Array.from({length: 12}, (_, i) => body.slice(Math.floor((i * body.length) / 12), Math.floor(((i + 1) * body.length) / 12)));
    serve(f, parts, 'trickle', {'content-type': 'application/json', 'content-length': body.length});
    const r = await askRaw(f, msgReq(false));
    assert.equal(r.status, 200);
    assert.ok(r.text === body, `${r.bytes} bytes of ${body.length}`);
  });
  it('three pieces around a tool_use and a thinking block; the other blocks untouched', async () => {
    const [a, b, c] = cutAt(6, 7);
    const tool = {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {path: '/tmp/x'}};
    const thinking = {type: 'thinking', thinking: 'hm', signature: 'sig'};
    serve(f, [message([thinking, {type: 'text', text: a}, tool, {type: 'text', text: b}, {type: 'text', text: c}])], 'whole', {'content-type': 'application/json'});
    const r = await askRaw(f, msgReq(false));
    const got = JSON.parse(r.text) as {content: Record<string, unknown>[]};
    assert.ok(!textsOf(r.text).includes(token), textsOf(r.text));
    assert.match(textsOf(r.text), /^key sk-a…\(redacted\) end$/);
    assert.deepEqual(got.content[0], thinking);
    assert.deepEqual(got.content[2], tool);
  });
  it('no token cut across: the body byte for byte (its spacing and key order kept)', async () => {
    const body = `{"id":"msg_1", "type":"message","content":[{"type":"text","text":"sk-ant-"},{"type":"text" , "text":"is a prefix"}],"usage":{"input_tokens":1}}`;
    serve(f, [body], 'whole', {'content-type': 'application/json'});
    const r = await askRaw(f, msgReq(false));
    assert.equal(r.text, body);
  });
});

describe('a translated whole answer (claude upstream → Responses client): message items the SDK joins', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  it('output_text of a non-streamed answer', async () => {
    const [a, b] = cutAt(8);
    serve(f, [message([{type: 'text', text: a}, {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {}}, {type: 'text', text: b}])], 'whole', {'content-type': 'application/json'});
    const sdk = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/claude/v1`, maxRetries: 0});
    const response = await sdk.responses.create({model: 'claude-sonnet-4-5', input: 'hi'});
    assert.ok(response.output.length >= 2, JSON.stringify(response.output));
    assert.ok(!response.output_text.includes(token), response.output_text);
    assert.ok(!JSON.stringify(response).includes(token.slice(8)), JSON.stringify(response));
  });
});

describe('Responses pass-through (codex): response.completed cut three ways', () => {
  const codex = {provider: 'codex', apiPath: '/backend-api/codex', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1', access_token: 'cdxAccess-TOKEN_55aa66bb77cc88dd'})};
  const secret = String(codex.token.access_token);
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(codex)));
  after(() => f.close());
  it('the final output_text holds no token; events before it pass', async () => {
    const s = `key ${secret} end`;
    const cuts = [0, 6, 7, 20, s.length - 4].map((c, i) => (i === 0 ? 0 : 4 + c));
    const texts = cuts.slice(1).map((end, i) => s.slice(cuts[i], end)).concat(s.slice(cuts.at(-1)!));
    const item = (i: number, text: string) => ({id: `msg_${i}`, type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text, annotations: []}]});
    const resp = (status: string, output: unknown[]) => ({id: 'resp_1', object: 'response', created_at: 1, status, model: 'gpt-5.2-codex', output, usage: status === 'completed' ? {input_tokens: 1, output_tokens: 1, total_tokens: 2, input_tokens_details: {cached_tokens: 0}, output_tokens_details: {reasoning_tokens: 0}} : null});
    const ev = (type: string, data: Record<string, unknown>) => sse(type, {type, ...data});
    serve(f, [ev('response.created', {response: resp('in_progress', [])}), ev('response.completed', {response: resp('completed', texts.map((t, i) => item(i, t)))})], 'whole');
    const sdk = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const stream = sdk.responses.stream({model: 'gpt-5.2-codex', input: 'hi'});
    for await (const _ of stream);
    const final = await stream.finalResponse();
    assert.equal(final.output.length, texts.length);
    assert.ok(!final.output_text.includes(secret), final.output_text);
    assert.match(final.output_text, /^key cdxA…\(redacted\) end$/);
  });
});
