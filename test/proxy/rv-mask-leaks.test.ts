// Review of credential masking (rv-mask): credentials that reach a client in full through a real
// proxy on fake upstreams. Each test fails on main at 8d51ddf; the report names the path and the fix.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import OpenAI from 'openai';
import {API_KEY, oauthToken, oneAccountFixture, type ProxyFixture} from './fixture.js';
import {anthropicEvents, askRaw, chatChunk, claude, joinAnthropic, leaks, msgReq, qwen, serve, sse, tokenOf, u, type Mode} from './rv-harness.js';

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

describe('rv-mask: block change in a non-streaming answer (pass-through claude)', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  const token = tokenOf(claude);
  const s = `key ${token} end`;
  const c = s.indexOf(token) + 8;
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
  // 'thinking' in the middle is masked (probed, passes).
  for (const middle of ['tool'] as ('thinking' | 'tool')[])
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
  // 'reasoning' in the middle, and a pass-through Chat client, are masked (probed, pass): only the leaking cases here.
  for (const middle of ['tool'] as string[])
    for (const client of ['anthropic'] as string[])
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
    it(`output_text deltas the SDK joins (${mode})`, async () => {
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
  // 'tool' (valid arguments in the middle) is masked (probed, passes).
  for (const middle of ['tool-head'] as string[])
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

describe("rv-mask: the proxy's own api-key echoed by an upstream reaches the client", () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  for (const mode of ['whole', 'trickle'] as Mode[])
    it(`a 400 body quoting the prompt that held the key (${mode})`, async () => {
      serve(f, [JSON.stringify({type: 'error', error: {type: 'invalid_request_error', message: `prompt was: my key is ${API_KEY}`}})], mode, {'content-type': 'application/json'}, 400);
      const r = await askRaw(f, msgReq(false));
      assert.ok(!leaks(r.text, API_KEY), `${r.status} ${r.text}`);
    });
});
