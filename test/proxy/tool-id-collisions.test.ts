// Tool call ids that differ only in characters Anthropic refuses in an id (`a.1`, `a:1` and `a_1`)
// stay apart through the translators, in both directions and across turns: each tool result reaches
// the upstream with the call it answers (translate/tool-names.ts safeToolId). Replaced by `_`, they
// became one id, and a result could be matched to the wrong call.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

const IDS = ['a.1', 'a_1', 'a:1'];
const TOOLS = ['Read', 'Glob', 'Grep'];
/** What each tool answers, by tool name (the assertion pairs results and calls through it). */
const RESULT: Record<string, string> = {Read: 'read-result', Glob: 'glob-result', Grep: 'grep-result'};

describe('Claude Code on a Chat upstream whose tool call ids differ only in unsafe characters', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());
  const chunk = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({id: 'c1', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
  f.upstream.handler = (req, res) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    const answered = (req.body?.messages as {role: string}[]).some((m) => m.role === 'tool');
    res.end(
      answered
        ? chunk({role: 'assistant', content: 'done'}) + chunk({}, 'stop') + 'data: [DONE]\n\n'
        : chunk({role: 'assistant', tool_calls: IDS.map((id, index) => ({index, id, type: 'function', function: {name: TOOLS[index], arguments: '{}'}}))}) + chunk({}, 'tool_calls') + 'data: [DONE]\n\n',
    );
  };

  it('gets one tool_use id per call, and the upstream gets each result with the call it answers in the next turn', async () => {
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    const tools = TOOLS.map((name) => ({name, input_schema: {type: 'object' as const}}));
    const question = {role: 'user' as const, content: 'look around'};
    const first = await client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, tools, messages: [question]}).finalMessage();
    const uses = first.content.filter((block) => block.type === 'tool_use');
    assert.deepEqual(
      uses.map((use) => use.name),
      TOOLS,
    );
    assert.equal(new Set(uses.map((use) => use.id)).size, 3, `distinct ids: ${uses.map((use) => use.id).join(', ')}`);
    for (const use of uses) assert.match(use.id, /^[a-zA-Z0-9_-]+$/);
    assert.equal(uses[1]!.id, 'a_1', 'an id Anthropic accepts is kept as it is');

    // Claude Code answers each call by the id it was given (results in another order than the calls).
    const results = [...uses].reverse().map((use) => ({type: 'tool_result' as const, tool_use_id: use.id, content: RESULT[use.name]!}));
    await client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, tools, messages: [question, {role: 'assistant', content: first.content}, {role: 'user', content: results}]}).finalMessage();
    const sent = f.upstream.requests.at(-1)!.body!.messages as {role: string; tool_calls?: {id: string; function: {name: string}}[]; tool_call_id?: string; content: string}[];
    const calls = sent.flatMap((m) => m.tool_calls ?? []);
    // The upstream reads back the ids it gave (Kimi's model reads `functions.Read:0` ids in its history).
    assert.deepEqual(calls.map((call) => call.id), IDS);
    const answers = sent.filter((m) => m.role === 'tool');
    assert.equal(answers.length, 3);
    for (const answer of answers) {
      const call = calls.filter((c) => c.id === answer.tool_call_id);
      assert.equal(call.length, 1, `one call has id ${answer.tool_call_id}`);
      assert.equal(answer.content, RESULT[call[0]!.function.name], `the result of ${call[0]!.function.name}`);
    }
  });
});

describe('Chat and Responses clients on an Anthropic upstream, with a history whose call ids differ only in unsafe characters', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'c@example.com')}]});
  after(() => f.close());
  f.upstream.handler = (req, res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({id: 'msg_1', type: 'message', role: 'assistant', model: String(req.body?.model), content: [{type: 'text', text: 'done'}], stop_reason: 'end_turn', stop_sequence: null, usage: {input_tokens: 3, output_tokens: 1}}));
  };
  /** The upstream's last request: each tool result paired with the tool_use of its id (exactly one), as name → result. */
  const pairs = () => {
    const messages = f.upstream.requests.at(-1)!.body!.messages as {content: string | {type: string; id?: string; name?: string; tool_use_id?: string; content?: unknown}[]}[];
    const blocks = messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content));
    const uses = blocks.filter((b) => b.type === 'tool_use');
    assert.equal(new Set(uses.map((use) => use.id)).size, 3, `distinct tool_use ids: ${uses.map((use) => use.id).join(', ')}`);
    for (const use of uses) assert.match(use.id!, /^[a-zA-Z0-9_-]+$/);
    const paired: Record<string, string> = {};
    for (const result of blocks.filter((b) => b.type === 'tool_result')) {
      const use = uses.filter((u) => u.id === result.tool_use_id);
      assert.equal(use.length, 1, `one tool_use has id ${result.tool_use_id}`);
      const content = result.content;
      paired[use[0]!.name!] = typeof content === 'string' ? content : (content as {text: string}[]).map((part) => part.text).join('');
    }
    return paired;
  };

  it('a Chat client: each tool message reaches the upstream with the call it answers', async () => {
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      tools: TOOLS.map((name) => ({type: 'function' as const, function: {name, parameters: {type: 'object'}}})),
      messages: [
        {role: 'user', content: 'look around'},
        {role: 'assistant', content: null, tool_calls: IDS.map((id, i) => ({id, type: 'function' as const, function: {name: TOOLS[i]!, arguments: '{}'}}))},
        ...IDS.map((id, i) => ({role: 'tool' as const, tool_call_id: id, content: RESULT[TOOLS[i]!]!})).reverse(),
      ],
    });
    assert.deepEqual(pairs(), RESULT);
  });

  it('a Responses client (Codex CLI): each function_call_output reaches the upstream with the call it answers', async () => {
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    await client.responses.create({
      model: 'claude-sonnet-4-5',
      tools: TOOLS.map((name) => ({type: 'function' as const, name, parameters: {type: 'object'}, strict: false})),
      input: [
        {role: 'user', content: 'look around'},
        ...IDS.map((id, i) => ({type: 'function_call' as const, call_id: id, name: TOOLS[i]!, arguments: '{}'})),
        ...IDS.map((id, i) => ({type: 'function_call_output' as const, call_id: id, output: RESULT[TOOLS[i]!]!})),
      ],
    });
    assert.deepEqual(pairs(), RESULT);
  });
});

describe('safeToolId and upstreamToolId', () => {
  it('keeps an id Anthropic accepts, and maps no two ids to one (those an encoded id could spell too)', async () => {
    const {safeToolId} = await import('../../source/proxy/translate/tool-names.js');
    const ids = ['a.1', 'a_1', 'a:1', 'a__1', 'a_2e_1', 'id--a_2e_1', 'id--a', 'a', '', '_', '\ud800', '\ud801', 'x😀', 'call_abc-DEF'];
    const mapped = ids.map(safeToolId);
    assert.equal(new Set(mapped).size, ids.length, mapped.join(' '));
    for (const id of mapped) assert.match(id, /^[a-zA-Z0-9_-]+$/);
    for (const id of ['a_1', 'a__1', 'a_2e_1', 'a', '_', 'call_abc-DEF', 'toolu_01ABC']) assert.equal(safeToolId(id), id);
    assert.equal(safeToolId('a.1'), 'id--a_2e_1');
  });

  it('upstreamToolId gives back every id safeToolId was given, and leaves any other as it is', async () => {
    const {safeToolId, upstreamToolId} = await import('../../source/proxy/translate/tool-names.js');
    const random = Array.from({length: 500}, (_, i) => Array.from({length: 1 + (i % 12)}, () => String.fromCharCode([0x5f, 0x2e, 0x3a, 0x61, 0x32, 0x2d, 0xd83d, 0xde00, 0x7f, 0x20][Math.floor(Math.random() * 10)]!)).join(''));
    for (const id of ['functions.Read:0', 'functions.Bash:12', 'a.1', 'a_1', 'a:1', 'a__1', 'a_2e_1', 'id--a_2e_1', 'id--', '', '_', '\ud800', 'x😀', 'call_abc-DEF', ...random]) {
      assert.equal(upstreamToolId(safeToolId(id)), id, JSON.stringify(id));
    }
    assert.equal(safeToolId('functions.Read:0'), 'id--functions_2e_Read_3a_0');
    // Ids no upstream gave through safeToolId: Claude Code's own, and ones that only look encoded.
    for (const id of ['toolu_01ABC', 'id--a_zz_', 'id--a_', 'id--a_12345_', 'id--a b', 'id--abc', 'id--call__1', 'id--a_61_', 'id--a_2E_1']) assert.equal(upstreamToolId(id), id);
  });
});

describe('Claude Code sends back an encoded id: every upstream reads the id it gave', () => {
  const history = {
    model: 'claude-sonnet-4-5',
    max_tokens: 64,
    tools: [{name: 'Read', input_schema: {type: 'object'}}],
    messages: [
      {role: 'user', content: 'read it'},
      {role: 'assistant', content: [{type: 'tool_use', id: 'id--functions_2e_Read_3a_0', name: 'Read', input: {}}]},
      {role: 'user', content: [{type: 'tool_result', tool_use_id: 'id--functions_2e_Read_3a_0', content: 'ok'}]},
    ],
  };
  const context = {clientModel: 'm', upstreamModel: 'm', clientStream: false, project: 'p-1'};

  it('Responses (codex): the call and its output carry the id', async () => {
    const {translatorFor} = await import('../../source/proxy/translate/index.js');
    const body = translatorFor('anthropic', 'openai-responses')!.request(history, context).body as {input: {type: string; call_id?: string}[]};
    assert.deepEqual(body.input.filter((item) => item.call_id !== undefined).map((item) => [item.type, item.call_id]), [
      ['function_call', 'functions.Read:0'],
      ['function_call_output', 'functions.Read:0'],
    ]);
  });

  it('Gemini (Cloud Code): the functionCall and its functionResponse carry the id', async () => {
    const {translatorFor} = await import('../../source/proxy/translate/index.js');
    const body = translatorFor('anthropic', 'gemini-internal')!.request(history, context).body as {request: {contents: {parts: {functionCall?: {id: string}; functionResponse?: {id: string}}[]}[]}};
    const parts = body.request.contents.flatMap((turn) => turn.parts);
    assert.deepEqual(parts.flatMap((part) => [part.functionCall?.id, part.functionResponse?.id].filter(Boolean)), ['functions.Read:0', 'functions.Read:0']);
  });
});
