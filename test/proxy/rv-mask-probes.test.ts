// Review of credential masking (rv-mask): forms the proxy masks today, through a real proxy on fake
// upstreams (pass-through and translated, whole answers and trickled ones, CRLF SSE, long non-ASCII
// text, \\u escapes at two levels, base64, error bodies). All pass: kept as regression guards.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {gzipSync} from 'node:zlib';
import OpenAI from 'openai';
import {API_KEY, oauthToken, oneAccountFixture, type ProxyFixture} from './fixture.js';
import {anthropicEvents, askRaw, chatChunk, claude, joinAnthropic, leaks, msgReq, qwen, serve, sse, tokenOf, u, type Mode} from './rv-harness.js';

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
      it(`error ${status} ${mode} echoes the access and refresh tokens`, async () => {
        const body = JSON.stringify({type: 'error', error: {type: 'x', message: `bad ${token} rt ${String(claude.token.refresh_token)} u ${u(token)}`}});
        serve(f, [body], mode, {'content-type': 'application/json', 'retry-after': '0'}, status);
        const r = await askRaw(f, msgReq(false));
        for (const s of [token, String(claude.token.refresh_token)]) assert.ok(!leaks(r.text, s), `${r.status} ${r.text}`);
      });
});

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

describe('rv-mask: translated Claude Code → gemini: strings that are no run', () => {
  const gemini = {provider: 'gemini', token: oauthToken('gemini', 'g@example.com', {project_id: 'proj-gemini-1', access_token: 'ya29.gemAccess_TOKEN-0011223344556677'})};
  const token = tokenOf(gemini);
  const event = (parts: unknown[], finish?: string) =>
    `data: ${JSON.stringify({response: {candidates: [{content: {role: 'model', parts}, ...(finish ? {finishReason: finish} : {})}], usageMetadata: {promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8}, responseId: 'r1'}})}\n\n`;
  const cases: Record<string, string[]> = {
    thoughtSignature: [event([{text: 'hm', thought: true, thoughtSignature: token}]), event([{text: 'ok'}])],
    thoughtSignatureB64: [event([{text: 'hm', thought: true, thoughtSignature: Buffer.from(token).toString('base64')}]), event([{text: 'ok'}])],
    functionCall: [event([{functionCall: {name: token, id: token, args: {a: token, b: u(token)}}}])],
    textNonAscii: [event([{text: 'ü'.repeat(700) + `k ${token.slice(0, 10)}`}]), event([{text: `${token.slice(10)} ` + '中'.repeat(500)}])],
  };
  for (const [name, events] of Object.entries(cases))
    for (const mode of ['whole', 'trickle'] as Mode[])
      it(`${name} ${mode}`, async () => {
        const f = await oneAccountFixture(gemini);
        try {
          serve(f, [...events, event([], 'STOP')], mode);
          const r = await askRaw(f, {model: 'gemini-2.5-pro', max_tokens: 64, stream: true, messages: [{role: 'user', content: 'hi'}]}, '/api/provider/gemini/v1/messages');
          assert.equal(r.status, 200, r.text);
          const joined = joinAnthropic(r.text);
          assert.ok(!leaks(r.text, token) && !joined.some((t) => t.includes(token)), r.text.slice(0, 2000));
        } finally {
          await f.close();
        }
      });
});

describe('rv-mask: a token cut between the head of one event and the next', () => {
  const token = tokenOf(claude);
  const s = `key ${token} end`;
  const c = s.indexOf(token) + 8;
  for (const mode of ['whole', 'trickle', 'bytes'] as Mode[])
    it(`content_block_start text → delta (${mode})`, async () => {
      const f = await oneAccountFixture(claude);
      try {
        const all = anthropicEvents([s.slice(c)]);
        all[1] = sse('content_block_start', {type: 'content_block_start', index: 0, content_block: {type: 'text', text: s.slice(0, c)}});
        serve(f, all, mode);
        const r = await askRaw(f, msgReq(true));
        assert.ok(!joinAnthropic(r.text).some((t) => t.includes(token)), r.text);
      } finally {
        await f.close();
      }
    });
  const codex = {provider: 'codex', apiPath: '/backend-api/codex', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1', access_token: 'cdxAccess-TOKEN_77aa88bb99cc00dd'})};
  const ctoken = tokenOf(codex);
  const ev = (type: string, data: Record<string, unknown>) => sse(type, {type, ...data});
  for (const mode of ['whole', 'trickle'] as Mode[])
    it(`Responses output_item.added arguments → delta (${mode})`, async () => {
      const f = await oneAccountFixture(codex);
      try {
        const args = JSON.stringify({cmd: `cat ${ctoken}`});
        const at = args.indexOf(ctoken) + 7;
        serve(f, [ev('response.created', {response: {id: 'resp_1', object: 'response', status: 'in_progress', output: []}}), ev('response.output_item.added', {output_index: 0, item: {id: 'fc_1', type: 'function_call', status: 'in_progress', call_id: 'call_1', name: 'Bash', arguments: args.slice(0, at)}}), ev('response.function_call_arguments.delta', {item_id: 'fc_1', output_index: 0, delta: args.slice(at)}), ev('response.completed', {response: {id: 'resp_1', object: 'response', status: 'completed', output: []}})], mode);
        const r = await askRaw(f, {model: 'gpt-5.2-codex', stream: true, input: 'hi'}, '/v1/responses');
        const events = r.text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)));
        const joined = (events.find((e) => e.type === 'response.output_item.added')?.item.arguments ?? '') + events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta).join('');
        assert.ok(!joined.includes(ctoken), joined);
      } finally {
        await f.close();
      }
    });
});

describe('rv-mask: a token cut at text → tool_use → text in a stream (control for the whole-JSON leak)', () => {
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
});

describe('rv-mask: every character percent-encoded (letters and digits too)', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  const token = tokenOf(claude);
  // No URL encoder writes %73 for 's' (echo-forms.ts VERBATIM says so, on purpose); a client that
  // percent-decodes the text would still read the token. Disputed, so a todo, not a failure.
  it('a whole JSON answer', {todo: 'letters and digits percent-encoded are not looked for (by design)'}, async () => {
    const text = [...token].map((c) => '%' + c.charCodeAt(0).toString(16)).join('');
    serve(f, [JSON.stringify({id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{type: 'text', text: `key ${text} end`}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}})], 'whole', {'content-type': 'application/json'});
    const r = await askRaw(f, msgReq(false));
    assert.ok(!leaks(r.text, token), r.text);
  });
});

describe('rv-mask: gzip answers complete before they are piped', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  const token = tokenOf(claude);
  for (const type of ['application/json', 'text/event-stream'])
    it(`${type}, with a Content-Length, masked and its length right`, async () => {
      const body = type === 'application/json'
        ? JSON.stringify({id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{type: 'text', text: `k ${u(token)} ${token}`}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}})
        : anthropicEvents([`k ${token.slice(0, 9)}`, `${token.slice(9)} e`], '\r\n').join('');
      serve(f, [gzipSync(body)], 'whole', {'content-type': type, 'content-encoding': 'gzip'});
      const r = await askRaw(f, msgReq(type !== 'application/json'));
      assert.equal(r.status, 200, r.text);
      assert.ok(!leaks(r.text, token) && !joinAnthropic(r.text).some((t) => t.includes(token)), r.text);
      if (r.length !== null) assert.equal(Number(r.length), r.bytes);
    });
});
