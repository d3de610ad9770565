// Review attack: try to get an account credential through the proxy in full.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import OpenAI from 'openai';
import {API_KEY, oauthToken, oneAccountFixture, type ProxyFixture} from './fixture.js';
import {leaks} from './rv-harness.js';

const claude = {provider: 'claude', token: oauthToken('claude', 'c@example.com', {access_token: 'sk-ant-oat01-Ab3_xY9-Qr7ZkLmNoPq12345'})};
const qwen = {provider: 'qwen', apiPath: '/v1', token: oauthToken('qwen', 'q@example.com', {access_token: 'qwAccess_TOKEN-9f8e7d6c5b4a3210'})};
const tokenOf = (c: {token: Record<string, unknown>}) => String(c.token.access_token);

const u = (text: string, levels = 1) => [...text].map((ch) => '\\'.repeat(levels) + 'u' + ch.charCodeAt(0).toString(16).padStart(4, '0')).join('');
const sse = (event: string, data: unknown, nl = '\n') => `event: ${event}${nl}data: ${typeof data === 'string' ? data : JSON.stringify(data)}${nl}${nl}`;

function anthropicEvents(pieces: string[], nl = '\n', raw = false): string[] {
  return [
    sse('message_start', {type: 'message_start', message: {id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: {input_tokens: 1, output_tokens: 1}}}, nl),
    sse('content_block_start', {type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}}, nl),
    ...pieces.map((p) => sse('content_block_delta', raw ? `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${p}"}}` : {type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: p}}, nl)),
    sse('content_block_stop', {type: 'content_block_stop', index: 0}, nl),
    sse('message_delta', {type: 'message_delta', delta: {stop_reason: 'end_turn', stop_sequence: null}, usage: {output_tokens: 2}}, nl),
    sse('message_stop', {type: 'message_stop'}, nl),
  ];
}

type Mode = 'whole' | 'trickle' | 'bytes';
function serve(f: ProxyFixture, parts: (string | Buffer)[], mode: Mode, head: Record<string, string | number> = {'content-type': 'text/event-stream'}, status = 200) {
  f.upstream.handler = async (_req, res) => {
    const all = Buffer.concat(parts.map((p) => Buffer.from(p)));
    if (mode === 'whole') {
      res.writeHead(status, {...head, 'content-length': all.length});
      res.end(all);
      return;
    }
    res.writeHead(status, head);
    if (mode === 'bytes') {
      for (let i = 0; i < all.length; i += 7) {
        res.write(all.subarray(i, i + 7));
        await sleep(1);
      }
    } else
      for (const p of parts) {
        res.write(p);
        await sleep(5);
      }
    res.end();
  };
}

async function askRaw(f: ProxyFixture, body: Record<string, unknown>, route = '/v1/messages'): Promise<{status: number; text: string; length: string | null; bytes: number}> {
  const response = await fetch(`${f.url}${route}`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify(body),
  });
  const buf = Buffer.from(await response.arrayBuffer());
  return {status: response.status, text: buf.toString('utf8'), length: response.headers.get('content-length'), bytes: buf.length};
}

const msgReq = (stream: boolean) => ({model: 'claude-sonnet-4-5', max_tokens: 8, stream, messages: [{role: 'user', content: 'hi'}]});

describe('rv-mask: pass-through Anthropic (claude)', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  const token = tokenOf(claude);
  const forms: Record<string, (t: string) => string[]> = {
    plain: (t) => [`key ${t} end`],
    split8: (t) => {
      const s = `key ${t} end`;
      const c = s.indexOf(t) + 8;
      return [s.slice(0, c), s.slice(c)];
    },
    perChar: (t) => [...`k ${t} e`],
  };
  for (const mode of ['whole', 'trickle', 'bytes'] as Mode[])
    for (const nl of ['\n', '\r\n', '\r'])
      for (const [name, form] of Object.entries(forms))
        it(`SSE ${name} ${mode} nl=${JSON.stringify(nl)}`, async () => {
          serve(f, anthropicEvents(form(token), nl), mode);
          const r = await askRaw(f, msgReq(true));
          assert.ok(!leaks(r.text, token), r.text);
        });
  const escForms: Record<string, (t: string) => string[]> = {
    uAll: (t) => [`key ${u(t)} end`],
    uAllSplit: (t) => {
      const e = u(t);
      return [`key ${e.slice(0, 33)}`, `${e.slice(33)} end`];
    },
    uLevel2: (t) => [`key ${u(t, 2)} end`],
    uDigitsOnly: (t) => [`key ${t.replace(/[0-9_-]/g, (c) => u(c))} end`],
    pct: (t) => [`key ${[...t].map((c) => '%' + c.charCodeAt(0).toString(16)).join('')} end`],
    b64: (t) => [`key ${Buffer.from(t).toString('base64')} end`],
    b64wrapped: (t) => [`key ${Buffer.from('Bearer ' + t + ' more').toString('base64').replace(/(.{8})/g, '$1\\n')} end`],
    b64split: (t) => {
      const b = Buffer.from(t).toString('base64');
      return [`k ${b.slice(0, 10)}`, `${b.slice(10)} e`];
    },
    nonAsciiLong: (t) => ['é'.repeat(600) + ` ${t} ` + '日本'.repeat(300)],
    nonAsciiLongSplit: (t) => ['é'.repeat(600) + ` ${t.slice(0, 9)}`, `${t.slice(9)} ` + '日本'.repeat(300)],
    nonAsciiLongU: (t) => ['é'.repeat(700) + ` ${u(t)} ` + '日本'.repeat(300)],
  };
  for (const mode of ['whole', 'trickle'] as Mode[])
    for (const [name, form] of Object.entries(escForms))
      it(`SSE raw-escaped ${name} ${mode}`, async () => {
        serve(f, anthropicEvents(form(token), '\n', true), mode);
        const r = await askRaw(f, msgReq(true));
        assert.ok(!leaks(r.text, token), r.text.slice(0, 3000));
      });
  for (const mode of ['whole', 'trickle', 'bytes'] as Mode[])
    for (const [name, form] of Object.entries(escForms))
      it(`JSON ${name} ${mode}`, async () => {
        const body = `{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"${form(token).join('')}"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}`;
        serve(f, [body], mode, {'content-type': 'application/json'});
        const r = await askRaw(f, msgReq(false));
        assert.ok(!leaks(r.text, token), r.text.slice(0, 3000));
        if (r.length !== null) assert.equal(Number(r.length), r.bytes);
      });
  for (const status of [400, 401, 429, 500, 503])
    for (const mode of ['whole', 'trickle'] as Mode[])
      it(`error ${status} ${mode} echoes token and refresh token and api key`, async () => {
        const body = JSON.stringify({type: 'error', error: {type: 'x', message: `bad ${token} rt ${String(claude.token.refresh_token)} k ${API_KEY} u ${u(token)}`}});
        serve(f, [body], mode, {'content-type': 'application/json', 'retry-after': '0'}, status);
        const r = await askRaw(f, msgReq(false));
        for (const s of [token, String(claude.token.refresh_token), API_KEY]) assert.ok(!leaks(r.text, s), `${r.status} ${r.text}`);
      });
});

describe('rv-mask: pass-through Chat (qwen) fields the SDK joins', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const token = tokenOf(qwen);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta, finish_reason: finish, ...extra}]})}\n\n`;
  const cut = (s: string) => [s.slice(0, s.indexOf(token) + 8), s.slice(s.indexOf(token) + 8)];
  for (const mode of ['whole', 'trickle'] as Mode[]) {
    it(`audio.transcript cut across two chunks (${mode})`, async () => {
      const [a, b] = cut(`key ${token} end`);
      serve(f, [chunk({role: 'assistant', audio: {id: 'au_1', transcript: a}}), chunk({audio: {transcript: b}}), chunk({}, 'stop'), 'data: [DONE]\n\n'], mode);
      const r = await askRaw(f, {model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
      const transcript = r.text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)).choices[0].delta.audio?.transcript ?? '').join('');
      assert.ok(!transcript.includes(token), `the client's joined audio.transcript: ${transcript}`);
    });
    it(`logprobs tokens spell the token (${mode})`, async () => {
      const pieces = [token.slice(0, 6), token.slice(6, 14), token.slice(14)];
      serve(f, [...pieces.map((p) => chunk({content: p}, null, {logprobs: {content: [{token: p, logprob: -0.1, bytes: [...Buffer.from(p)], top_logprobs: []}]}})), chunk({}, 'stop'), 'data: [DONE]\n\n'], mode);
      const r = await askRaw(f, {model: 'qwen3-coder-plus', stream: true, logprobs: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
      const events = r.text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)).choices[0]);
      const content = events.map((c) => c.delta.content ?? '').join('');
      const fromLogprobs = events.flatMap((c) => c.logprobs?.content ?? []).map((t: {token: string}) => t.token).join('');
      const fromBytes = Buffer.from(events.flatMap((c) => c.logprobs?.content ?? []).flatMap((t: {bytes: number[]}) => t.bytes)).toString('utf8');
      assert.ok(!content.includes(token), content);
      assert.ok(!fromLogprobs.includes(token), `the client's joined logprobs tokens: ${fromLogprobs}`);
      assert.ok(!fromBytes.includes(token), `the client's joined logprobs bytes: ${fromBytes}`);
    });
  }
});

const chatChunk = (delta: Record<string, unknown>, finish: string | null = null, nl = '\n') =>
  `data: ${JSON.stringify({id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta, finish_reason: finish}]})}${nl}${nl}`;

describe('rv-mask: translated Claude Code → qwen (Chat upstream)', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const token = tokenOf(qwen);
  const route = '/api/provider/qwen/v1/messages';
  const req = (stream: boolean) => ({model: 'qwen3-coder-plus', max_tokens: 64, stream, messages: [{role: 'user', content: 'hi'}]});
  const s = `key ${token} end`;
  const c = s.indexOf(token) + 8;
  const cases: Record<string, (nl: string) => string[]> = {
    toolIdName: (nl) => [chatChunk({tool_calls: [{index: 0, id: token, type: 'function', function: {name: token, arguments: ''}}]}, null, nl), chatChunk({tool_calls: [{index: 0, function: {arguments: '{}'}}]}, null, nl)],
    reasoningSplit: (nl) => [chatChunk({reasoning_content: s.slice(0, c)}, null, nl), chatChunk({reasoning_content: s.slice(c)}, null, nl)],
    textToolText: (nl) => [chatChunk({content: s.slice(0, c)}, null, nl), chatChunk({tool_calls: [{index: 0, id: 'call_1', type: 'function', function: {name: 'Read', arguments: '{"a":1}'}}]}, null, nl), chatChunk({content: s.slice(c)}, null, nl)],
    argsEscapedL2Split: (nl) => {
      const args = JSON.stringify({cmd: `cat ${u(token)}`});
      const at = args.indexOf('\\u') + 20;
      return [chatChunk({tool_calls: [{index: 0, id: 'call_1', type: 'function', function: {name: 'Bash', arguments: args.slice(0, at)}}]}, null, nl), chatChunk({tool_calls: [{index: 0, function: {arguments: args.slice(at)}}]}, null, nl)];
    },
    textNonAsciiLong: (nl) => [chatChunk({content: 'é'.repeat(800) + s.slice(0, c)}, null, nl), chatChunk({content: s.slice(c) + '日本'.repeat(600)}, null, nl)],
    errorEvent: (nl) => [chatChunk({content: 'so far'}, null, nl), `data: ${JSON.stringify({error: {message: `invalid key ${u(token)} rt ${String(qwen.token.refresh_token)}`, type: 'invalid_request_error'}})}${nl}${nl}`],
  };
  for (const mode of ['whole', 'trickle', 'bytes'] as Mode[])
    for (const nl of ['\n', '\r\n'])
      for (const [name, make] of Object.entries(cases))
        it(`${name} ${mode} nl=${JSON.stringify(nl)}`, async () => {
          serve(f, [...make(nl), chatChunk({}, 'stop', nl), `data: [DONE]${nl}${nl}`], mode);
          const r = await askRaw(f, req(true), route);
          const anth = joinAnthropic(r.text);
          for (const secret of [token, String(qwen.token.refresh_token)]) {
            assert.ok(!leaks(r.text, secret), r.text.slice(0, 3000));
            assert.ok(!anth.some((t) => t.includes(secret)), JSON.stringify(anth));
          }
        });
  it('non-streaming client on a whole JSON answer: text, tool name, id, arguments', async () => {
    const body = JSON.stringify({id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, finish_reason: 'tool_calls', message: {role: 'assistant', content: `k ${u(token)}`, reasoning_content: token, tool_calls: [{id: token, type: 'function', function: {name: token, arguments: JSON.stringify({a: u(token, 1), b: token})}}]}}], usage: {prompt_tokens: 1, completion_tokens: 1, total_tokens: 2}});
    serve(f, [body], 'whole', {'content-type': 'application/json'});
    const r = await askRaw(f, req(false), route);
    assert.ok(!leaks(r.text, token), r.text);
  });
});

/** What the Anthropic SDK joins from a stream: each block's text, thinking, partial_json (and its parse), plus all text blocks together. */
function joinAnthropic(raw: string): string[] {
  const blocks: Record<number, {text: string; json: string; name?: string; id?: string; sig?: string}> = {};
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (!line.startsWith('data: {')) continue;
    const e = JSON.parse(line.slice(6));
    if (e.type === 'content_block_start') blocks[e.index] = {text: e.content_block.text ?? e.content_block.thinking ?? '', json: '', name: e.content_block.name, id: e.content_block.id};
    if (e.type === 'content_block_delta') {
      const b = blocks[e.index]!;
      if (e.delta.type === 'input_json_delta') b.json += e.delta.partial_json;
      else if (e.delta.type === 'signature_delta') b.sig = e.delta.signature;
      else b.text += e.delta.text ?? e.delta.thinking ?? '';
    }
    if (e.type === 'error') blocks[999] = {text: e.error.message, json: ''};
  }
  const out: string[] = [];
  for (const b of Object.values(blocks)) {
    out.push(b.text, b.json, b.name ?? '', b.id ?? '', b.sig ?? '');
    try {
      out.push(JSON.stringify(JSON.parse(b.json || '{}'), (_k, v) => v).replace(/\\\\/g, '\\'));
      const walk = (v: unknown): void => {
        if (typeof v === 'string') out.push(v);
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(JSON.parse(b.json || '{}'));
    } catch {}
  }
  out.push(Object.values(blocks).map((b) => b.text).join(''));
  return out;
}

describe('rv-mask: block change in a non-streaming answer (pass-through claude)', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  const token = tokenOf(claude);
  const s = `key ${token} end`;
  const c = s.indexOf(token) + 8;
  it('streamed: text → tool_use → text cut is masked (control)', async () => {
    const events = anthropicEvents([s.slice(0, c)]);
    const tool = [sse('content_block_start', {type: 'content_block_start', index: 1, content_block: {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {}}}), sse('content_block_delta', {type: 'content_block_delta', index: 1, delta: {type: 'input_json_delta', partial_json: '{}'}}), sse('content_block_stop', {type: 'content_block_stop', index: 1}), sse('content_block_start', {type: 'content_block_start', index: 2, content_block: {type: 'text', text: ''}}), sse('content_block_delta', {type: 'content_block_delta', index: 2, delta: {type: 'text_delta', text: s.slice(c)}}), sse('content_block_stop', {type: 'content_block_stop', index: 2})];
    serve(f, [...events.slice(0, 4), ...tool, ...events.slice(4)], 'whole');
    const r = await askRaw(f, msgReq(true));
    assert.ok(!joinAnthropic(r.text).some((t) => t.includes(token)), r.text);
  });
  it('whole JSON: text → tool_use → text cut', async () => {
    const body = JSON.stringify({id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{type: 'text', text: s.slice(0, c)}, {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {}}, {type: 'text', text: s.slice(c)}], stop_reason: 'tool_use', usage: {input_tokens: 1, output_tokens: 1}});
    serve(f, [body], 'whole', {'content-type': 'application/json'});
    const r = await askRaw(f, msgReq(false));
    const texts = (JSON.parse(r.text).content as {type: string; text?: string}[]).filter((b) => b.type === 'text').map((b) => b.text).join('');
    assert.ok(!texts.includes(token), `text blocks joined: ${texts}`);
  });
});

describe('rv-mask: a carry replaced by the run between (text → other run ending in a token head → text)', () => {
  const tokenC = tokenOf(claude);
  const block = (index: number, start: Record<string, unknown>, type: string, field: string, pieces: string[]) => [
    sse('content_block_start', {type: 'content_block_start', index, content_block: start}),
    ...pieces.map((p) => sse('content_block_delta', {type: 'content_block_delta', index, delta: {type, [field]: p}})),
    sse('content_block_stop', {type: 'content_block_stop', index}),
  ];
  const anthropicRuns = (token: string, middle: 'thinking' | 'tool') => {
    const s = `key ${token} end`;
    const c = s.indexOf(token) + 8;
    const all = anthropicEvents([]);
    const mid = middle === 'thinking' ? block(1, {type: 'thinking', thinking: '', signature: ''}, 'thinking_delta', 'thinking', [`so ${token.slice(0, 5)}`]) : block(1, {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {}}, 'input_json_delta', 'partial_json', [`{"a":"${token.slice(0, 5)}`]);
    return [all[0]!, ...block(0, {type: 'text', text: ''}, 'text_delta', 'text', [s.slice(0, c)]), ...mid, ...block(2, {type: 'text', text: ''}, 'text_delta', 'text', [s.slice(c)]), ...all.slice(-2)];
  };
  for (const middle of ['thinking', 'tool'] as const)
    for (const mode of ['whole', 'trickle'] as Mode[])
      it(`pass-through claude, middle ${middle}, ${mode}`, async () => {
        const f = await oneAccountFixture(claude);
        try {
          serve(f, anthropicRuns(tokenC, middle), mode);
          const r = await askRaw(f, msgReq(true));
          const joined = joinAnthropic(r.text);
          assert.ok(!joined.some((t) => t.includes(tokenC)), `text blocks joined: ${joined.at(-1)}`);
        } finally {
          await f.close();
        }
      });
  const tokenQ = tokenOf(qwen);
  for (const middle of ['reasoning', 'tool'] as const)
    for (const client of ['anthropic', 'chat'] as const)
      for (const mode of ['whole', 'trickle'] as Mode[])
        it(`qwen ${client === 'anthropic' ? 'translated to Claude Code' : 'pass-through Chat'}, middle ${middle}, ${mode}`, async () => {
          const f = await oneAccountFixture(qwen);
          try {
            const s = `key ${tokenQ} end`;
            const c = s.indexOf(tokenQ) + 8;
            const mid = middle === 'reasoning' ? chatChunk({reasoning_content: `so ${tokenQ.slice(0, 5)}`}) : chatChunk({tool_calls: [{index: 0, id: 'call_1', type: 'function', function: {name: 'Read', arguments: `{"a":"${tokenQ.slice(0, 5)}`}}]});
            serve(f, [chatChunk({content: s.slice(0, c)}), mid, chatChunk({content: s.slice(c)}), chatChunk({}, 'stop'), 'data: [DONE]\n\n'], mode);
            if (client === 'anthropic') {
              const r = await askRaw(f, {model: 'qwen3-coder-plus', max_tokens: 64, stream: true, messages: [{role: 'user', content: 'hi'}]}, '/api/provider/qwen/v1/messages');
              const joined = joinAnthropic(r.text);
              assert.ok(!joined.some((t) => t.includes(tokenQ)), `text blocks joined: ${joined.at(-1)}`);
            } else {
              const r = await askRaw(f, {model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
              const content = r.text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)).choices[0].delta.content ?? '').join('');
              assert.ok(!content.includes(tokenQ), `the client's joined content: ${content}`);
            }
          } finally {
            await f.close();
          }
        });
});

describe('rv-mask: pass-through Responses (codex): text → function call ending in a token head → text', () => {
  const codex = {provider: 'codex', apiPath: '/backend-api/codex', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1', access_token: 'cdxAccess-TOKEN_77aa88bb99cc00dd'})};
  const token = tokenOf(codex);
  const ev = (type: string, data: Record<string, unknown>) => sse(type, {type, ...data});
  for (const mode of ['whole', 'trickle'] as Mode[])
    it(`output_text the SDK joins (${mode})`, async () => {
      const f = await oneAccountFixture(codex);
      try {
        const s = `key ${token} end`;
        const c = s.indexOf(token) + 8;
        const message = (id: string, index: number, text: string) => [
          ev('response.output_item.added', {output_index: index, item: {id, type: 'message', role: 'assistant', status: 'in_progress', content: []}}),
          ev('response.content_part.added', {item_id: id, output_index: index, content_index: 0, part: {type: 'output_text', text: '', annotations: []}}),
          ev('response.output_text.delta', {item_id: id, output_index: index, content_index: 0, delta: text}),
          ev('response.output_item.done', {output_index: index, item: {id, type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text, annotations: []}]}}),
        ];
        const call = [
          ev('response.output_item.added', {output_index: 1, item: {id: 'fc_1', type: 'function_call', status: 'in_progress', call_id: 'call_1', name: 'Read', arguments: ''}}),
          ev('response.function_call_arguments.delta', {item_id: 'fc_1', output_index: 1, delta: `{"a":"${token.slice(0, 5)}`}),
        ];
        serve(f, [ev('response.created', {response: {id: 'resp_1', object: 'response', status: 'in_progress', output: []}}), ...message('msg_1', 0, s.slice(0, c)), ...call, ...message('msg_2', 2, s.slice(c)), ev('response.completed', {response: {id: 'resp_1', object: 'response', status: 'completed', output: []}})], mode);
        const sdk = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
        const final = await sdk.responses.stream({model: 'gpt-5.2-codex', input: 'hi'}).finalResponse();
        assert.ok(!final.output_text.includes(token), `the OpenAI SDK's finalResponse().output_text: ${final.output_text}`);
        const r = await askRaw(f, {model: 'gpt-5.2-codex', stream: true, input: 'hi'}, '/v1/responses');
        const outputText = r.text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6))).filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
        assert.ok(!outputText.includes(token), `the SDK's output_text: ${outputText}`);
      } finally {
        await f.close();
      }
    });
});

describe('rv-mask: Responses final output_text joins message items (codex pass-through)', () => {
  const codex = {provider: 'codex', apiPath: '/backend-api/codex', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1', access_token: 'cdxAccess-TOKEN_77aa88bb99cc00dd'})};
  const token = tokenOf(codex);
  const ev = (type: string, data: Record<string, unknown>) => sse(type, {type, ...data});
  for (const args of ['{"a":1}', 'none'])
    it(`text → ${args === 'none' ? 'nothing' : 'function call'} → text, response.completed with the full output`, async () => {
      const f = await oneAccountFixture(codex);
      try {
        const s = `key ${token} end`;
        const c = s.indexOf(token) + 8;
        const item = (id: string, text: string, status: string) => ({id, type: 'message', role: 'assistant', status, content: status === 'completed' ? [{type: 'output_text', text, annotations: []}] : []});
        const message = (id: string, index: number, text: string) => [
          ev('response.output_item.added', {output_index: index, item: item(id, text, 'in_progress')}),
          ev('response.content_part.added', {item_id: id, output_index: index, content_index: 0, part: {type: 'output_text', text: '', annotations: []}}),
          ev('response.output_text.delta', {item_id: id, output_index: index, content_index: 0, delta: text}),
          ev('response.output_text.done', {item_id: id, output_index: index, content_index: 0, text}),
          ev('response.output_item.done', {output_index: index, item: item(id, text, 'completed')}),
        ];
        const fc = {id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'Read', arguments: args};
        const call = args === 'none' ? [] : [ev('response.output_item.added', {output_index: 1, item: {...fc, status: 'in_progress', arguments: ''}}), ev('response.function_call_arguments.delta', {item_id: 'fc_1', output_index: 1, delta: args}), ev('response.output_item.done', {output_index: 1, item: fc})];
        const second = args === 'none' ? 1 : 2;
        const output = [item('msg_1', s.slice(0, c), 'completed'), ...(args === 'none' ? [] : [fc]), item('msg_2', s.slice(c), 'completed')];
        const resp = (status: string, out: unknown[]) => ({id: 'resp_1', object: 'response', created_at: 1, status, model: 'gpt-5.2-codex', output: out, usage: status === 'completed' ? {input_tokens: 1, output_tokens: 1, total_tokens: 2, input_tokens_details: {cached_tokens: 0}, output_tokens_details: {reasoning_tokens: 0}} : null});
        serve(f, [ev('response.created', {response: resp('in_progress', [])}), ...message('msg_1', 0, s.slice(0, c)), ...call, ...message('msg_2', second, s.slice(c)), ev('response.completed', {response: resp('completed', output)})], 'whole');
        const sdk = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
        const stream = sdk.responses.stream({model: 'gpt-5.2-codex', input: 'hi'});
        let deltas = '';
        for await (const e of stream) if (e.type === 'response.output_text.delta') deltas += e.delta;
        const final = await stream.finalResponse();
        assert.ok(!deltas.includes(token), `joined deltas: ${deltas}`);
        assert.ok(!final.output_text.includes(token), `the OpenAI SDK's finalResponse().output_text: ${final.output_text}`);
      } finally {
        await f.close();
      }
    });
});

describe('rv-mask: translated Anthropic → Responses client (claude): text → tool_use → text', () => {
  const token = tokenOf(claude);
  const block = (index: number, start: Record<string, unknown>, type: string, field: string, pieces: string[]) => [
    sse('content_block_start', {type: 'content_block_start', index, content_block: start}),
    ...pieces.map((p) => sse('content_block_delta', {type: 'content_block_delta', index, delta: {type, [field]: p}})),
    sse('content_block_stop', {type: 'content_block_stop', index}),
  ];
  for (const middle of ['tool', 'tool-head'] as const)
    it(`SDK output_text and deltas (${middle})`, async () => {
      const f = await oneAccountFixture(claude);
      try {
        const s = `key ${token} end`;
        const c = s.indexOf(token) + 8;
        const all = anthropicEvents([]);
        const args = middle === 'tool' ? '{"a":1}' : `{"a":"${token.slice(0, 5)}`;
        serve(f, [all[0]!, ...block(0, {type: 'text', text: ''}, 'text_delta', 'text', [s.slice(0, c)]), ...block(1, {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {}}, 'input_json_delta', 'partial_json', [args]), ...block(2, {type: 'text', text: ''}, 'text_delta', 'text', [s.slice(c)]), ...all.slice(-2)], 'whole');
        const sdk = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/claude/v1`, maxRetries: 0});
        const stream = sdk.responses.stream({model: 'claude-sonnet-4-5', input: 'hi'});
        let deltas = '';
        for await (const e of stream) if (e.type === 'response.output_text.delta') deltas += e.delta;
        const final = await stream.finalResponse();
        assert.ok(!deltas.includes(token), `joined deltas: ${deltas}`);
        assert.ok(!final.output_text.includes(token), `finalResponse().output_text: ${final.output_text}`);
      } finally {
        await f.close();
      }
    });
});
