// A token cut between a text block and the tool input after it (sse-run-mask.ts: the text run's tail
// carried to the tool's arguments run; core/text-run-mask.ts continueAfter with JsonText): the
// client shows the text, then the tool input's keys and values, so a credential whose start ends
// the text and whose rest starts one of the input's strings is leaked whole across the two. The
// rest is masked where it goes on (`…(redacted)`), in every pass-through protocol: Anthropic
// (text_delta, then input_json_delta), OpenAI Chat (content, then tool_calls arguments), Responses
// (output_text, then function_call_arguments, and its `.done` events). Through a real proxy from a
// hostile upstream on 127.0.0.1.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {oneAccountFixture, type ProxyFixture} from './fixture.js';
import {askRaw, claude, codexAccount, joinAnthropic, leaks, msgReq, qwen, responsesEvent, serve, sse, sseData, tokenOf, type Mode} from './rv-harness.js';


/** A Chat chunk of choice 0. */
const chat = (delta: Record<string, unknown>, finish: string | null = null) => `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
/** The `i`th chunk of choice 0's tool call (the first names it). */
const tool = (i: number, args: string) => chat({tool_calls: [{index: 0, ...(i === 0 ? {id: 'call_1', type: 'function'} : {}), function: {...(i === 0 ? {name: 'run'} : {}), arguments: args}}]});
/** Choice 0's content ending in a token's start, then its tool call's arguments `input` in three chunks, then the finish. */
const contentThenTool = (text: string, input: string) => [chat({role: 'assistant', content: text}), tool(0, ''), tool(1, input.slice(0, 4)), tool(2, input.slice(4, 15)), tool(3, input.slice(15)), chat({}, 'tool_calls'), 'data: [DONE]\n\n'];

/** Tool inputs holding a token's rest (from `cut` on): at a value's start, a later value's, a key's. */
const inputs = (rest: string) => [JSON.stringify({cmd: `${rest} --now`}), JSON.stringify({a: 'x', n: 1, b: `${rest} --now`}), JSON.stringify({[rest]: 1, c: ' --now'})];

describe('Anthropic: a token cut between a text block and a tool_use input', () => {
  const token = tokenOf(claude);
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());

  for (const cut of [4, 8, 11]) {
    for (const [i, input] of inputs(token.slice(cut)).entries()) {
      const mode: Mode = i === 1 ? 'whole' : 'trickle';
      it(`text ends with ${cut} characters of the token, tool input ${i} holds the rest (${mode})`, async () => {
        const events = [
          sse('message_start', {type: 'message_start', message: {id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: {input_tokens: 1, output_tokens: 1}}}),
          sse('content_block_start', {type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}}),
          sse('content_block_delta', {type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: `Running ${token.slice(0, cut)}`}}),
          sse('content_block_stop', {type: 'content_block_stop', index: 0}),
          sse('content_block_start', {type: 'content_block_start', index: 1, content_block: {type: 'tool_use', id: 'toolu_1', name: 'bash', input: {}}}),
          sse('content_block_delta', {type: 'content_block_delta', index: 1, delta: {type: 'input_json_delta', partial_json: input.slice(0, 5)}}),
          sse('content_block_delta', {type: 'content_block_delta', index: 1, delta: {type: 'input_json_delta', partial_json: input.slice(5)}}),
          sse('content_block_stop', {type: 'content_block_stop', index: 1}),
          sse('message_delta', {type: 'message_delta', delta: {stop_reason: 'tool_use', stop_sequence: null}, usage: {output_tokens: 2}}),
          sse('message_stop', {type: 'message_stop'}),
        ];
        serve(f, events, mode);
        const r = await askRaw(f, msgReq(true));
        assert.equal(r.status, 200, r.text);
        const joined = joinAnthropic(r.text);
        const input1 = joined.join('\n');
        assert.ok(!input1.includes(token.slice(cut)), `the tool input holds the token's rest: ${input1}`);
        assert.ok(joined.some((text) => text.endsWith(' --now')), input1);
        assert.ok(!leaks(r.text, token), r.text);
        assert.match(input1, /…\(redacted\)/);
      });
    }
  }
});

describe('OpenAI Chat: a token cut between content and a tool call\'s arguments', () => {
  const token = tokenOf(qwen);
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const request = {model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}]};

  for (const cut of [5, 9]) {
    for (const [i, input] of inputs(token.slice(cut)).entries()) {
      it(`content ends with ${cut} characters of the token, arguments ${i} hold the rest`, async () => {
        const events = contentThenTool(`Running ${token.slice(0, cut)}`, input);
        serve(f, events, 'trickle');
        const r = await askRaw(f, request, '/v1/chat/completions');
        assert.equal(r.status, 200, r.text);
        const got = sseData(r.text).filter((e) => typeof e !== 'string') as Array<Record<string, any>>;
        const args = got.map((e) => e.choices[0].delta.tool_calls?.[0]?.function?.arguments ?? '').join('');
        const content = got.map((e) => e.choices[0].delta.content ?? '').join('');
        assert.ok(!args.includes(token.slice(cut)), `the arguments hold the token's rest: ${args}`);
        assert.match(args, /…\(redacted\)/);
        assert.ok(args.endsWith(input.slice(-8)), args);
        assert.equal(content, `Running ${token.slice(0, cut)}`);
        assert.ok(!leaks(r.text, token));
      });
    }
  }

  it('control: content ending in what may begin the token, arguments that do not go on with it: byte-identical', async () => {
    const events = [chat({role: 'assistant', content: 'Running qwAcc'}), tool(0, ''), tool(1, '{"cmd":'), tool(2, '"ls -la","qw":"Acc"}'), chat({}, 'tool_calls'), 'data: [DONE]\n\n'];
    serve(f, events, 'trickle');
    const r = await askRaw(f, request, '/v1/chat/completions');
    assert.equal(r.text, events.join(''));
  });
});

describe('Responses: a token cut between output_text and a function call\'s arguments', () => {
  const secret = 'cdxAccess-TOKEN_texttool_0123456789';
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(codexAccount(secret))));
  after(() => f.close());
  const ev = responsesEvent;

  for (const cut of [6, 10]) {
    for (const [i, input] of inputs(secret.slice(cut)).entries()) {
      it(`output_text ends with ${cut} characters of the token, arguments ${i} hold the rest (deltas and .done events)`, async () => {
        const call = (args: string) => ({id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'run', arguments: args});
        const events = [
          ev('response.output_item.added', {output_index: 0, item: {id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: []}}),
          ev('response.content_part.added', {output_index: 0, content_index: 0, part: {type: 'output_text', text: '', annotations: []}}),
          ev('response.output_text.delta', {output_index: 0, content_index: 0, delta: `Running ${secret.slice(0, cut)}`}),
          ev('response.output_text.done', {output_index: 0, content_index: 0, text: `Running ${secret.slice(0, cut)}`}),
          ev('response.output_item.done', {output_index: 0, item: {id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text: `Running ${secret.slice(0, cut)}`, annotations: []}]}}),
          ev('response.output_item.added', {output_index: 1, item: call('')}),
          ev('response.function_call_arguments.delta', {output_index: 1, item_id: 'fc_1', delta: input.slice(0, 6)}),
          ev('response.function_call_arguments.delta', {output_index: 1, item_id: 'fc_1', delta: input.slice(6)}),
          ev('response.function_call_arguments.done', {output_index: 1, item_id: 'fc_1', arguments: input}),
          ev('response.output_item.done', {output_index: 1, item: call(input)}),
        ];
        serve(f, events, 'trickle');
        const r = await askRaw(f, {model: 'gpt-5.2-codex', stream: true, input: 'hi'}, '/v1/responses');
        assert.equal(r.status, 200, r.text);
        const got = sseData(r.text).filter((e) => typeof e !== 'string') as Array<Record<string, any>>;
        const deltas = got.map((e) => (e.type === 'response.function_call_arguments.delta' ? e.delta : '')).join('');
        const done = got.find((e) => e.type === 'response.function_call_arguments.done')!.arguments as string;
        const item = got.filter((e) => e.type === 'response.output_item.done').at(-1)!.item.arguments as string;
        for (const [kind, args] of Object.entries({deltas, done, item})) {
          assert.ok(!args.includes(secret.slice(cut)), `${kind} hold the token's rest: ${args}`);
          assert.ok(args.endsWith(input.slice(-8)), `${kind}: ${args}`);
        }
        assert.ok(!leaks(r.text, secret));
      });
    }
  }
});

describe('translated (an Anthropic client on an OpenAI Chat upstream): a token cut between content and a tool call\'s arguments', () => {
  const token = tokenOf(qwen);
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());

  for (const cut of [5, 9]) {
    for (const [i, input] of inputs(token.slice(cut)).entries()) {
      it(`content ends with ${cut} characters of the token, arguments ${i} hold the rest: the tool_use input the client joins does not`, async () => {
        const events = contentThenTool(`Running ${token.slice(0, cut)}`, input);
        serve(f, events, 'trickle');
        const r = await askRaw(f, {...msgReq(true), model: 'qwen3-coder-plus'});
        assert.equal(r.status, 200, r.text);
        const joined = joinAnthropic(r.text).join('\n');
        assert.ok(!joined.includes(token.slice(cut)), `the client joins the token's rest: ${joined}`);
        assert.ok(!leaks(r.text, token));
      });
    }
  }
});
