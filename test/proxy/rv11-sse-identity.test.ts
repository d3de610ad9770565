// rv11 attack review: a stream with nothing to mask goes through the proxy byte for byte, whatever
// SSE fields it carries (id:, event:, retry:, comments), and a logprobs stream arrives whole.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {oneAccountFixture, type ProxyFixture} from './fixture.js';
import {anthropicEvents, askRaw, chatChunk, claude, msgReq, qwen, serve, type Mode} from './rv-harness.js';

const MODES: Mode[] = ['whole', 'trickle', 'bytes'];

describe('rv11: Anthropic stream, nothing to mask', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  for (const nl of ['\n', '\r\n']) {
    // The comment before the last event: the stream ends with its final event (message_stop), and
    // what an upstream sends after it is not waited for (sse-final-event.ts).
    const events = anthropicEvents(['Hello', ' world, ', 'token-free text'], nl).map((e, i) => `id: ${i}${nl}${e}`);
    const body = [': keep-alive comment' + nl + 'retry: 3000' + nl + nl, ...events.slice(0, -1), `: ping${nl}${nl}`, events.at(-1)!];
    for (const mode of MODES)
      it(`${JSON.stringify(nl)} (${mode}): byte-identical`, async () => {
        serve(f, body, mode);
        const r = await askRaw(f, msgReq(true));
        assert.equal(r.status, 200);
        assert.equal(r.text, body.join(''));
      });
  }
});

describe('rv11: OpenAI Chat stream, nothing to mask', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const req = (extra: Record<string, unknown> = {}) => ({model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}], ...extra});
  const body = [': hi\n\n', 'id: 1\nretry: 10\n' + chatChunk({role: 'assistant', content: ''}), chatChunk({content: 'Hello'}), chatChunk({content: ' there'}), chatChunk({}, 'stop'), 'data: [DONE]\n\n'];
  for (const mode of MODES)
    it(`(${mode}): byte-identical`, async () => {
      serve(f, body, mode);
      const r = await askRaw(f, req(), '/v1/chat/completions');
      assert.equal(r.text, body.join(''));
    });
  // n=2 with logprobs, no credential anywhere: every choice's text and [DONE] last.
  const lp = (token: string) => ({content: [{token, logprob: -0.1, bytes: [...Buffer.from(token)], top_logprobs: [{token, logprob: -0.1, bytes: [...Buffer.from(token)]}]}]});
  const choiceChunk = (index: number, content: string, finish: string | null = null) =>
    `data: ${JSON.stringify({id: 'c', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index, delta: {content}, logprobs: lp(content), finish_reason: finish}]})}\n\n`;
  const words = ['alpha', ' beta', ' gamma', ' delta', ' eps'];
  const lpBody = [...words.flatMap((w) => [choiceChunk(0, w), choiceChunk(1, w.toUpperCase())]), choiceChunk(0, '', 'stop'), choiceChunk(1, '', 'stop'), 'data: [DONE]\n\n'];
  for (const mode of MODES)
    it(`n=2 with logprobs (${mode}): every choice whole, [DONE] last`, async () => {
      serve(f, lpBody, mode);
      const r = await askRaw(f, req({n: 2, logprobs: true, top_logprobs: 1}), '/v1/chat/completions');
      const events = r.text.split('\n\n').filter((e) => e.trim() !== '');
      assert.equal(events.at(-1), 'data: [DONE]');
      const text: Record<number, string> = {0: '', 1: ''};
      const lpText: Record<number, string> = {0: '', 1: ''};
      for (const e of events.slice(0, -1)) {
        const c = JSON.parse(e.slice(6)).choices[0];
        text[c.index] += c.delta.content;
        lpText[c.index] += c.logprobs.content.map((x: {token: string}) => x.token).join('');
      }
      assert.equal(text[0], words.join(''));
      assert.equal(text[1], words.join('').toUpperCase());
      assert.equal(lpText[0], words.join(''));
      assert.equal(lpText[1], words.join('').toUpperCase());
      assert.equal(r.text, lpBody.join(''), 'nothing masked: byte-identical');
    });
});

describe('rv11: events with several data lines keep what the client joins', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  /** Each event's data lines joined with \n, as the SSE spec has clients do, plus its other fields. */
  const parsed = (text: string) =>
    text
      .split(/\r\n\r\n|\n\n/)
      .filter((b) => b.trim() !== '')
      .map((block) => {
        const lines = block.split(/\r\n|\n/);
        const data = lines.filter((l) => l.startsWith('data')).map((l) => l.replace(/^data: ?/, ''));
        return {fields: lines.filter((l) => !l.startsWith('data')), data: data.join('\n')};
      });
  const bodies: Array<[string, string[]]> = [
    ['plain text over two data lines', ['event: note\ndata: first line\ndata: second line\n\n', chatChunk({content: 'x'}), 'data: [DONE]\n\n']],
    ['JSON with a string value over two lines', ['data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":\ndata: "split"},"finish_reason":null}]}\n\n', 'data: [DONE]\n\n']],
    ['id and event fields around a multi-line event', ['id: 7\nevent: message\ndata: {"a":\ndata: 1}\nretry: 5\n\n', 'data: [DONE]\n\n']],
  ];
  for (const [label, body] of bodies)
    for (const mode of MODES)
      it(`${label} (${mode})`, async () => {
        serve(f, body, mode);
        const r = await askRaw(f, {model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
        const got = parsed(r.text);
        const want = parsed(body.join(''));
        assert.equal(got.length, want.length, r.text);
        for (let i = 0; i < want.length; i++) {
          assert.deepEqual(got[i]!.fields, want[i]!.fields, r.text);
          const w = want[i]!.data;
          let same = got[i]!.data === w;
          if (!same)
            try {
              same = JSON.stringify(JSON.parse(got[i]!.data)) === JSON.stringify(JSON.parse(w));
            } catch {}
          assert.ok(same, `event ${i}: ${JSON.stringify(got[i]!.data)} != ${JSON.stringify(w)}`);
        }
      });
});

describe('rv11: logprobs that start like the credential but are not it lose nothing (n=2)', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const lp = (token: string) => ({content: [{token, logprob: -0.1, bytes: [...Buffer.from(token)], top_logprobs: [{token, logprob: -0.1, bytes: [...Buffer.from(token)]}]}]});
  const choiceChunk = (index: number, content: string, finish: string | null = null) =>
    `data: ${JSON.stringify({id: 'c', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index, delta: {content}, logprobs: lp(content), finish_reason: finish}]})}\n\n`;
  // qwen's token is qwAccess_TOKEN-9f8e7d6c5b4a3210: choice 0 spells its start, then goes elsewhere.
  const zero = ['say ', 'qwAc', 'cess', '_TOK', 'EN-nope', ' done'];
  const one = ['one', ' two', ' three', ' four', ' five', ' six'];
  const body = [...zero.flatMap((w, i) => [choiceChunk(0, w), choiceChunk(1, one[i]!)]), choiceChunk(0, '', 'stop'), choiceChunk(1, '', 'stop'), 'data: [DONE]\n\n'];
  for (const mode of MODES)
    it(`(${mode}): every choice's text and lists whole, [DONE] last`, async () => {
      serve(f, body, mode);
      const r = await askRaw(f, {model: 'qwen3-coder-plus', stream: true, n: 2, logprobs: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
      const events = r.text.split('\n\n').filter((e) => e.trim() !== '');
      assert.equal(events.at(-1), 'data: [DONE]', r.text);
      const text: Record<number, string> = {0: '', 1: ''};
      const lpText: Record<number, string> = {0: '', 1: ''};
      for (const e of events.slice(0, -1)) {
        const c = JSON.parse(e.slice(6)).choices[0];
        text[c.index] += c.delta.content;
        lpText[c.index] += (c.logprobs?.content ?? []).map((x: {token: string}) => x.token).join('');
      }
      assert.equal(text[0], zero.join(''));
      assert.equal(text[1], one.join(''));
      assert.equal(lpText[0], zero.join(''), 'no list of a text that is no credential is emptied');
      assert.equal(lpText[1], one.join(''));
      assert.equal(events.length, body.length, 'no event lost or added');
    });
});
