// Reasoning an upstream refuses to take back (translate/reasoning-refusal.ts): a conversation that
// moved from Kimi's Anthropic endpoint to Claude, a Codex CLI history whose encrypted reasoning another
// account made, a Chat history with a thought signature Gemini does not know. The faithful stand-ins
// refuse them as the real services do; the proxy sends the request once more without them, and the
// client gets its answer instead of a 400 its every later turn would meet again.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {describeEvent} from '../../source/services/proxy/ipc.js';
import {sendJson} from '../helpers/fake-upstreams.js';
import {startFakeInference} from '../helpers/fake-inference/server.js';
import {GEMINI_CALL_SIGNATURE} from '../helpers/fake-inference/turns.js';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';
import {inferenceFixture, UPSTREAMS} from './upstream-cases.js';

type Json = Record<string, unknown>;
const READ_TOOL = {name: 'Read', description: 'Reads a file', input_schema: {type: 'object' as const, properties: {path: {type: 'string'}}}};
const sentBody = (request: {body?: unknown}) => request.body as {thinking?: unknown; messages: {role: string; content: unknown}[]; context_management?: unknown};
const field = (value: unknown, key: string) => (typeof value === 'object' && value !== null ? (value as Json)[key] : undefined);
/** A Messages request as Claude Code sends it, straight to the proxy (`body` as given, nothing added by an SDK). */
const postMessages = (url: string, body: unknown) =>
  fetch(`${url}/v1/messages`, {method: 'POST', headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body: JSON.stringify(body)});
const hasThinkingBlock = (body: ReturnType<typeof sentBody>) => body.messages.some((m) => Array.isArray(m.content) && m.content.some((b: Json) => b.type === 'thinking' || b.type === 'redacted_thinking'));

describe('Claude Code moves from Kimi (Anthropic endpoint) to Claude mid-conversation', async () => {
  // Kimi signs its thinking its own way; Anthropic refuses any signature it did not make.
  const kimi = await startFakeInference({
    signaturePrefix: 'sig-kimi-',
    script: (turn) => (turn.toolResults.length > 0 ? {text: 'kimi read it'} : {call: {name: 'Read', args: {path: 'a.txt'}}, reasoning: 'I should read a.txt'}),
  });
  const claude = await startFakeInference({
    script: (turn) => (turn.continuesToolLoop ? {text: `claude saw: ${turn.toolResults.join('')}`} : {text: `claude answers: ${turn.userText}`}),
  });
  const f = await proxyFixture({
    provider: 'kimi',
    serve: {provider: null},
    upstream: kimi,
    tokens: [
      {file: 'kimi-1700000000000.json', token: oauthToken('kimi', 'k@example.com', {device_id: 'dev-1'})},
      {file: 'claude-c@example.com.json', token: oauthToken('claude', 'c@example.com')},
    ],
    endpoints: {kimi: {api: `${kimi.url}/coding/v1`}, claude: {api: claude.url}},
  });
  after(async () => {
    await f.close();
    await claude.close();
  });
  const onKimi = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/kimi`, maxRetries: 0});
  const onClaude = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/claude`, maxRetries: 0});
  const thinking = {type: 'enabled' as const, budget_tokens: 1024};
  /** The Kimi history, its loop over, then a loop of Claude's own: its thinking signed `signature`, its call `id`. */
  const ownLoop = (signature: string, id: string): Anthropic.MessageParam[] => [
    ...history,
    {role: 'assistant', content: 'kimi read it'},
    {role: 'user', content: 'read it again'},
    {role: 'assistant', content: [{type: 'thinking', thinking: 'once more', signature}, {type: 'tool_use', id, name: 'Read', input: {path: 'a.txt'}}]},
    {role: 'user', content: [{type: 'tool_result', tool_use_id: id, content: 'still 42'}]},
  ];
  /** One Claude Code turn on Claude, thinking on, Read offered: the answer's texts and the bodies Claude got for it. */
  const claudeTurn = async (messages: Anthropic.MessageParam[]) => {
    const before = claude.requests.length;
    const message = await onClaude.messages.create({model: 'claude-sonnet-4-5', max_tokens: 2048, thinking, tools: [READ_TOOL], messages});
    return {texts: message.content.map((b) => (b.type === 'text' ? b.text : b.type)), sent: claude.requests.slice(before).map(sentBody)};
  };

  // Turn 1 on Kimi: it thinks (Kimi's signature, passed through as Kimi gave it) and calls Read.
  const first = await onKimi.messages.create({model: 'kimi-k2-thinking', max_tokens: 2048, thinking, tools: [READ_TOOL], messages: [{role: 'user', content: 'read a.txt'}]});
  const call = first.content.find((block) => block.type === 'tool_use');
  const history: Anthropic.MessageParam[] = [
    {role: 'user', content: 'read a.txt'},
    {role: 'assistant', content: first.content as Anthropic.ContentBlockParam[]},
    {role: 'user', content: [{type: 'tool_result', tool_use_id: call?.type === 'tool_use' ? call.id : 'none', content: 'the file says 42'}]},
  ];

  it('Kimi gave thinking signed its own way and a tool call (the setting the rest starts from)', () => {
    assert.ok(call, JSON.stringify(first.content));
    const signed = first.content.find((block) => block.type === 'thinking');
    assert.match(signed?.type === 'thinking' ? signed.signature : '', /^sig-kimi-/);
  });

  it('the tool loop goes on on Claude: Kimi’s thinking is taken out and thinking is off for the rest of the loop', async () => {
    const before = claude.requests.length;
    const stream = onClaude.messages.stream({model: 'claude-sonnet-4-5', max_tokens: 2048, thinking, tools: [READ_TOOL], messages: history});
    const message = await stream.finalMessage();
    assert.deepEqual(message.content.map((b) => (b.type === 'text' ? b.text : b.type)), ['claude saw: the file says 42']);
    const sent = claude.requests.slice(before);
    assert.equal(sent.length, 2, 'refused once, then sent again');
    assert.match(claude.refusals.at(-1)!.message, /Invalid `signature` in `thinking` block/);
    const retried = sentBody(sent[1]!);
    assert.equal(hasThinkingBlock(retried), false);
    assert.equal(retried.thinking, undefined, 'Anthropic refuses thinking on where the loop’s turn has none');
    assert.deepEqual(retried.messages.map((m) => m.role), ['user', 'assistant', 'user']);
    const logged = f.events.findLast((e) => e.type === 'request');
    assert.ok(logged?.type === 'request' && logged.status === 200, JSON.stringify(logged));
    assert.match(logged.retried ?? '', /^sent again without the thinking the conversation carried, and thinking for the rest of this tool loop .*: upstream 400, .*Invalid `signature` in `thinking` block/, 'the request’s log line says why');
    assert.equal(f.events.some((e) => e.type === 'error'), false, 'served: no error to show in proxy status');
    assert.match(describeEvent(logged), /^POST \/api\/provider\/claude\/v1\/messages claude-sonnet-4-5 → claude\/c@example\.com 200 \d+ ms \(sent again without the thinking the conversation carried/);
  });

  it('a new question after the loop keeps thinking on; only the refused reasoning is gone', async () => {
    const before = claude.requests.length;
    const message = await onClaude.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      thinking,
      messages: [...history, {role: 'assistant', content: 'kimi read it'}, {role: 'user', content: 'and now?'}],
    });
    assert.deepEqual(message.content.map((b) => (b.type === 'text' ? b.text : b.type)), ['claude answers: and now?']);
    const sent = claude.requests.slice(before);
    assert.equal(sent.length, 2);
    assert.deepEqual(sentBody(sent[1]!).thinking, thinking);
    assert.equal(hasThinkingBlock(sentBody(sent[1]!)), false);
  });

  it('Claude’s own thinking in a later loop is kept: only the earlier turns’ (Kimi’s) is taken out, thinking stays on', async () => {
    const {texts, sent} = await claudeTurn(ownLoop('sig-anthropic-own', 'toolu_own'));
    assert.deepEqual(texts, ['claude saw: the file says 42still 42']);
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[1]!.thinking, thinking);
    assert.match(JSON.stringify(sent[1]!.messages), /sig-anthropic-own/);
    assert.doesNotMatch(JSON.stringify(sent[1]!.messages), /sig-kimi-/);
  });

  it('a tool loop Kimi opened without thinking, thinking on for Claude: sent again with thinking off', async () => {
    const {texts, sent} = await claudeTurn([{role: 'user', content: 'read b.txt'}, {role: 'assistant', content: [{type: 'tool_use', id: 'toolu_k', name: 'Read', input: {path: 'b.txt'}}]}, {role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_k', content: 'b says 7'}]}]);
    assert.deepEqual(texts, ['claude saw: b says 7']);
    assert.equal(sent.length, 2);
    assert.match(claude.refusals.at(-1)!.message, /Expected `thinking` or `redacted_thinking`/);
    assert.equal(sent[1]!.thinking, undefined);
  });

  it('earlier turns the proxy already cleans (another provider’s tagged thinking): straight on to all of it, the loop’s Kimi thinking too', async () => {
    const {texts, sent} = await claudeTurn([{role: 'user', content: 'earlier'}, {role: 'assistant', content: [{type: 'thinking', thinking: 'g', signature: 'ccs1:gemini-internal:x'}, {type: 'text', text: 'earlier answer'}]}, ...history]);
    assert.deepEqual(texts, ['claude saw: the file says 42']);
    assert.equal(sent.length, 2, 'the first retry would have sent the same bytes: not sent');
    assert.equal(hasThinkingBlock(sent[1]!), false);
    assert.equal(sent[1]!.thinking, undefined);
    const logged = f.events.findLast((e) => e.type === 'request');
    assert.match(logged?.type === 'request' ? (logged.retried ?? '') : '', /without the thinking the conversation carried/);
  });

  it('text sent in a message of its own after the tool results is still the loop’s turn: Claude’s own thinking of it is kept', async () => {
    const {sent} = await claudeTurn([...ownLoop('sig-anthropic-own2', 'toolu_own2'), {role: 'user', content: '<system-reminder>a note</system-reminder>'}]);
    assert.equal(sent.length, 2);
    assert.match(JSON.stringify(sent[1]!.messages), /sig-anthropic-own2/);
    assert.deepEqual(sent[1]!.thinking, thinking);
  });

  it('back on Kimi, Claude’s history goes as the client sent it when Kimi takes it (no second request)', async () => {
    const before = kimi.requests.length;
    const message = await onKimi.messages.create({model: 'kimi-k2-thinking', max_tokens: 2048, thinking, tools: [READ_TOOL], messages: history});
    assert.deepEqual(message.content.map((b) => (b.type === 'text' ? b.text : b.type)), ['kimi read it']);
    assert.equal(kimi.requests.length - before, 1);
  });
});

describe('a tool loop that another provider’s thinking opened, now on Claude (tagged reasoning)', async () => {
  const claude = await startFakeInference({script: (turn) => ({text: `claude saw: ${turn.toolResults.join('')}`})});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'c@example.com')}], upstream: claude});
  after(() => f.close());

  it('is sent once, the foreign thinking taken out and thinking turned off (with clear_thinking edits), not refused', async () => {
    const response = await postMessages(f.url, {
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      thinking: {type: 'adaptive'},
      context_management: {edits: [{type: 'clear_thinking_20251015', keep: 'all'}, {type: 'clear_tool_uses_20250919'}]},
      tools: [READ_TOOL],
      messages: [
        {role: 'user', content: 'read a.txt'},
        {role: 'assistant', content: [{type: 'thinking', thinking: 'gemini thought', signature: 'ccs1:gemini-internal:abc'}, {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {path: 'a.txt'}}]},
        {role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_1', content: 'forty-two'}, {type: 'text', text: '<system-reminder>a note</system-reminder>'}]},
      ],
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(((await response.json()) as {content: {text?: string}[]}).content[0]?.text, 'claude saw: forty-two');
    assert.deepEqual(claude.refusals, []);
    assert.equal(claude.requests.length, 1);
    const sent = sentBody(claude.requests[0]!);
    assert.equal(sent.thinking, undefined);
    assert.deepEqual(sent.context_management, {edits: [{type: 'clear_tool_uses_20250919'}]});
    assert.equal(hasThinkingBlock(sent), false);
  });
});

describe('OpenAI clients asking Claude to reason, in a tool loop whose turn holds no thinking', async () => {
  const claude = await startFakeInference({script: (turn) => ({text: `claude saw: ${turn.toolResults.join('')}`})});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'c@example.com')}], upstream: claude});
  after(() => f.close());
  const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/claude/v1`, maxRetries: 0});
  const shell = {type: 'object', properties: {cmd: {type: 'string'}}};

  it('Chat with reasoning_effort (Chat carries no Anthropic thinking back): thinking is left off for the loop, sent once', async () => {
    const before = claude.requests.length;
    const completion = await openai.chat.completions.create({
      model: 'claude-sonnet-4-5',
      reasoning_effort: 'high',
      tools: [{type: 'function', function: {name: 'shell', parameters: shell}}],
      messages: [
        {role: 'user', content: 'list files'},
        {role: 'assistant', content: null, tool_calls: [{id: 'call_1', type: 'function', function: {name: 'shell', arguments: '{"cmd":"ls"}'}}]},
        {role: 'tool', tool_call_id: 'call_1', content: 'a.txt'},
      ],
    });
    assert.equal(completion.choices[0]?.message.content, 'claude saw: a.txt');
    assert.deepEqual(claude.refusals, []);
    assert.equal(claude.requests.length - before, 1);
    assert.equal(sentBody(claude.requests.at(-1)!).thinking, undefined);
  });

  it('the same client’s next question thinks again', async () => {
    await openai.chat.completions.create({model: 'claude-sonnet-4-5', reasoning_effort: 'high', messages: [{role: 'user', content: 'hi'}]});
    assert.equal(field(sentBody(claude.requests.at(-1)!).thinking, 'type'), 'enabled');
  });

  it('Responses with reasoning effort and a history without its reasoning item: the same', async () => {
    const before = claude.requests.length;
    const response = await openai.responses.create({
      model: 'claude-sonnet-4-5',
      reasoning: {effort: 'high'},
      tools: [{type: 'function', name: 'shell', parameters: shell, strict: false}],
      input: [
        {role: 'user', content: 'list files'},
        {type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{"cmd":"ls"}'},
        {type: 'function_call_output', call_id: 'call_1', output: 'a.txt'},
      ],
    });
    assert.equal(response.output_text, 'claude saw: a.txt');
    assert.deepEqual(claude.refusals, []);
    assert.equal(claude.requests.length - before, 1);
    assert.equal(sentBody(claude.requests.at(-1)!).thinking, undefined);
  });
});

describe('Codex CLI history with encrypted reasoning codex cannot verify (another account’s, another tool’s)', async () => {
  const {f, upstream} = await inferenceFixture(UPSTREAMS.codex!, (turn) => ({text: `codex saw: ${turn.toolResults.join('') || turn.userText}`}));
  after(() => f.close());
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/codex/v1`, maxRetries: 0});

  it('is answered: the request goes again without reasoning items after invalid_encrypted_content', async () => {
    const response = await client.responses.create({
      model: UPSTREAMS.codex!.model,
      input: [
        {role: 'user', content: 'list files'},
        {type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAAABpOtherAccount0123456789=='},
        {type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{"cmd":"ls"}'},
        {type: 'function_call_output', call_id: 'call_1', output: 'a.txt'},
      ],
      tools: [{type: 'function', name: 'shell', parameters: {type: 'object', properties: {cmd: {type: 'string'}}}, strict: false}],
    });
    assert.equal(response.output_text, 'codex saw: a.txt');
    assert.equal(upstream.requests.length, 2);
    assert.match(upstream.refusals[0]!.message, /The encrypted content gAAA\.\.\.89== could not be verified/);
    const input = (upstream.requests[1]!.body as {input: Json[]}).input;
    assert.deepEqual(input.slice(1).map((item) => item.type), ['function_call', 'function_call_output']);
    assert.equal(input.length, 3, 'the user message, the call and its output: no reasoning item');
  });
});

describe('a codex pool that moves to another account mid tool loop (the first one out of quota)', async () => {
  const upstream = await startFakeInference({
    accountBoundReasoning: true,
    script: (turn) => (turn.continuesToolLoop ? {text: `codex saw: ${turn.toolResults.join('')}`} : {call: {name: 'shell', args: {cmd: 'ls'}}, reasoning: 'list the files first'}),
  });
  const faithful = upstream.handler;
  // Account A runs out of quota after its first answer (codex's usage_limit_reached, in the body).
  let aAnswered = false;
  upstream.handler = (req, res, ...rest) => {
    if (req.headers['chatgpt-account-id'] === 'acct-a' && aAnswered) return sendJson(res, 429, {error: {type: 'usage_limit_reached', message: 'The usage limit has been reached', resets_in_seconds: 3600}});
    if (req.headers['chatgpt-account-id'] === 'acct-a') aAnswered = true;
    return faithful(req, res, ...rest);
  };
  const f = await proxyFixture({
    provider: 'codex',
    apiPath: UPSTREAMS.codex!.apiPath,
    upstream,
    tokens: [
      {file: 'codex-a@example.com.json', token: oauthToken('codex', 'a@example.com', {account_id: 'acct-a'})},
      {file: 'codex-b@example.com.json', token: oauthToken('codex', 'b@example.com', {account_id: 'acct-b'})},
    ],
  });
  after(() => f.close());

  it('the next account cannot read the first one’s reasoning: it is taken out, and B answers', async () => {
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/codex/v1`, maxRetries: 0});
    const tools = [{type: 'function' as const, name: 'shell', parameters: {type: 'object', properties: {cmd: {type: 'string'}}}, strict: false}];
    const first = await client.responses.create({model: UPSTREAMS.codex!.model, tools, input: 'list files', include: ['reasoning.encrypted_content']});
    const call = first.output.find((item) => item.type === 'function_call');
    assert.ok(call?.type === 'function_call' && first.output.some((item) => item.type === 'reasoning'), JSON.stringify(first.output));
    const second = await client.responses.create({model: UPSTREAMS.codex!.model, tools, input: [{role: 'user', content: 'list files'}, ...first.output, {type: 'function_call_output', call_id: call.call_id, output: 'a.txt'}] as OpenAI.Responses.ResponseInput});
    assert.equal(second.output_text, 'codex saw: a.txt');
    assert.deepEqual(upstream.requests.map((r) => r.headers['chatgpt-account-id']), ['acct-a', 'acct-a', 'acct-b', 'acct-b']);
    assert.match(upstream.refusals.at(-1)!.message, /could not be verified/);
    assert.ok(f.events.some((e) => e.type === 'failover' && e.from === 'a@example.com'), JSON.stringify(f.events.filter((e) => e.type === 'failover')));
  });
});

describe('a Chat history whose Gemini 3 call carries a thought signature Google does not know (AI Studio)', async () => {
  const {f, upstream} = await inferenceFixture(UPSTREAMS.aistudio!, (turn) => ({text: `gemini saw: ${turn.toolResults.join('')}`}));
  after(() => f.close());
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/aistudio/v1`, maxRetries: 0});

  it('is answered: the call gets the value Google takes for history it did not make', async () => {
    const completion = await client.chat.completions.create({
      model: UPSTREAMS.aistudio!.model,
      messages: [
        {role: 'user', content: 'list files'},
        {role: 'assistant', content: null, tool_calls: [{id: 'c1', type: 'function', function: {name: 'shell', arguments: '{}'}, extra_content: {google: {thought_signature: 'another-project-sig'}}} as OpenAI.ChatCompletionMessageToolCall]},
        {role: 'tool', tool_call_id: 'c1', content: 'a.txt'},
      ],
    });
    assert.equal(completion.choices[0]?.message.content, 'gemini saw: a.txt');
    assert.equal(upstream.requests.length, 2);
    assert.match(upstream.refusals[0]!.message, /thought signature/i);
    const calls = (upstream.requests[1]!.body as {messages: {tool_calls?: Json[]}[]}).messages[1]!.tool_calls!;
    assert.deepEqual(calls[0]!.extra_content, {google: {thought_signature: 'skip_thought_signature_validator'}});
  });
});

describe('a retry while a request beside it parks the account', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com')}, {file: 'claude-b@example.com.json', token: oauthToken('claude', 'b@example.com')}]});
  after(() => f.close());

  it('goes to the next account, not to the one its cooldown bars', async () => {
    const withThinking = (body: unknown) => JSON.stringify(body).includes('"thinking"');
    const on = (req: {headers: Record<string, unknown>}) => (String(req.headers.authorization).includes('a@example.com') ? 'A' : 'B');
    f.upstream.handler = (req, res) => {
      // The refusal comes late: meanwhile another request meets A's rate limit.
      if (withThinking(req.body)) return void setTimeout(() => sendJson(res, 400, {type: 'error', error: {type: 'invalid_request_error', message: 'messages.1.content.0: Invalid `signature` in `thinking` block'}}), 150);
      if (on(req) === 'A') return sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'rate limited'}});
      return sendJson(res, 200, {id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{type: 'text', text: 'ok'}], stop_reason: 'end_turn', stop_sequence: null, usage: {input_tokens: 1, output_tokens: 1}});
    };
    const refused = postMessages(f.url, {model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{role: 'user', content: 'q'}, {role: 'assistant', content: [{type: 'thinking', thinking: 't', signature: 'sig-elsewhere'}, {type: 'text', text: 'a'}]}, {role: 'user', content: 'q2'}]});
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal((await postMessages(f.url, {model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]})).status, 200);
    assert.equal((await refused).status, 200);
    assert.deepEqual(f.upstream.requests.map((r) => `${on(r)}:${withThinking(r.body) ? 'thinking' : 'none'}`), ['A:thinking', 'A:none', 'B:none', 'B:none']);
  });
});

describe('what is not sent again', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'c@example.com')}]});
  after(() => f.close());
  const ask = (messages: unknown[]) => postMessages(f.url, {model: 'claude-sonnet-4-5', max_tokens: 64, messages});
  const withThinking = [
    {role: 'user', content: 'q'},
    {role: 'assistant', content: [{type: 'thinking', thinking: 't', signature: 'sig-elsewhere'}, {type: 'text', text: 'a'}]},
    {role: 'user', content: 'q2'},
  ];

  it('a refusal of reasoning is retried once only: a second refusal is the client’s answer', async () => {
    const before = f.upstream.requests.length;
    f.upstream.handler = (_req, res) => sendJson(res, 400, {type: 'error', error: {type: 'invalid_request_error', message: 'messages.1.content.0: Invalid `signature` in `thinking` block'}});
    const response = await ask(withThinking);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /Invalid `signature` in `thinking` block/);
    assert.equal(f.upstream.requests.length - before, 2);
  });

  it('nor a request whose upstream body the taking out would not change (a Chat client’s calls, translated for Claude)', async () => {
    const before = f.upstream.requests.length;
    f.upstream.handler = (_req, res) => sendJson(res, 400, {type: 'error', error: {type: 'invalid_request_error', message: 'messages.1.content.0: Invalid `signature` in `thinking` block'}});
    const response = await fetch(`${f.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'},
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        messages: [{role: 'user', content: 'q'}, {role: 'assistant', content: null, tool_calls: [{id: 'c1', type: 'function', function: {name: 'f', arguments: '{}'}, extra_content: {google: {thought_signature: 'x'}}}]}, {role: 'tool', tool_call_id: 'c1', content: 'r'}],
      }),
    });
    assert.equal(response.status, 400);
    assert.equal(f.upstream.requests.length - before, 1);
  });

  it('nor an error that quotes the client’s words about signatures (a content check’s), though the body has thinking', async () => {
    const before = f.upstream.requests.length;
    f.upstream.handler = (_req, res) => sendJson(res, 400, {type: 'error', error: {type: 'invalid_request_error', message: 'Output blocked by content filtering policy: "why is my thinking block signature invalid"'}});
    const response = await ask([...withThinking.slice(0, 2), {role: 'user', content: 'why is my thinking block signature invalid'}]);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /content filtering policy/);
    assert.equal(f.upstream.requests.length - before, 1);
  });

  it('nor a body that carried no reasoning, nor another 400', async () => {
    const before = f.upstream.requests.length;
    f.upstream.handler = (_req, res) => sendJson(res, 400, {type: 'error', error: {type: 'invalid_request_error', message: 'messages.1.content.0: Invalid `signature` in `thinking` block'}});
    assert.equal((await ask([{role: 'user', content: 'q'}])).status, 400);
    assert.equal(f.upstream.requests.length - before, 1);
    f.upstream.handler = (_req, res) => sendJson(res, 400, {type: 'error', error: {type: 'invalid_request_error', message: 'max_tokens: must be at most 64000'}});
    assert.equal((await ask(withThinking)).status, 400);
    assert.equal(f.upstream.requests.length - before, 2);
  });
});

describe('Claude Code on a Chat upstream that is not Google’s (qwen), whose content check quotes the prompt', async () => {
  const {f, upstream} = await inferenceFixture(UPSTREAMS.qwen!, () => ({text: 'unused'}));
  after(() => f.close());
  upstream.handler = (_req, res) => sendJson(res, 400, {error: {message: 'Input data may contain inappropriate content: "why is my thought signature invalid?"', type: 'invalid_request_error', code: 'data_inspection_failed'}});

  it('is sent once, with no Google field added: the 400 is the client’s answer', async () => {
    const response = await fetch(`${f.url}/api/provider/qwen/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({
        model: UPSTREAMS.qwen!.model,
        max_tokens: 64,
        tools: [READ_TOOL],
        messages: [
          {role: 'user', content: 'read a.txt'},
          {role: 'assistant', content: [{type: 'tool_use', id: 'toolu_1', name: 'Read', input: {path: 'a.txt'}}]},
          {role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_1', content: 'x'}, {type: 'text', text: 'why is my thought signature invalid?'}]},
        ],
      }),
    });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /inappropriate content/);
    assert.equal(upstream.requests.length, 1);
    assert.doesNotMatch(JSON.stringify(upstream.requests[0]!.body), /skip_thought_signature_validator/);
  });
});

describe('Claude on Antigravity: Vertex’s refusal comes inside Google’s error', async () => {
  const f = await proxyFixture({provider: 'antigravity', tokens: [{file: 'antigravity-a.json', token: oauthToken('antigravity', 'a@example.com', {project_id: 'p1'})}]});
  after(() => f.close());
  // As CLIProxyAPI users report it (#570): Claude's own 400 as the message of Cloud Code's.
  const refusal = {error: {code: 400, message: JSON.stringify({type: 'error', error: {type: 'invalid_request_error', message: 'messages.1.content.0: Invalid `signature` in `thinking` block'}}), status: 'INVALID_ARGUMENT'}};

  it('is sent again without the thinking, and answered', async () => {
    f.upstream.handler = (req, res) =>
      JSON.stringify(req.body).includes('"thought":true') || JSON.stringify(req.body).includes('other-model-sig')
        ? sendJson(res, 400, refusal)
        : sendJson(res, 200, {response: {candidates: [{content: {role: 'model', parts: [{text: 'antigravity claude answers'}]}, finishReason: 'STOP'}]}});
    const response = await postMessages(f.url, {
      model: 'claude-sonnet-4-6',
      max_tokens: 2048,
      thinking: {type: 'enabled', budget_tokens: 1024},
      messages: [
        {role: 'user', content: 'q'},
        {role: 'assistant', content: [{type: 'thinking', thinking: 't', signature: 'ccs1:gemini-internal:other-model-sig'}, {type: 'text', text: 'a'}]},
        {role: 'user', content: 'q2'},
      ],
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(((await response.json()) as {content: {text?: string}[]}).content[0]?.text, 'antigravity claude answers');
    assert.equal(f.upstream.requests.length, 2);
  });
});

describe('a Chat client on Claude on Antigravity, with a call signature from another account', async () => {
  const f = await proxyFixture({provider: 'antigravity', tokens: [{file: 'antigravity-a.json', token: oauthToken('antigravity', 'a@example.com', {project_id: 'p1'})}]});
  after(() => f.close());

  it('Vertex Claude refuses it (Anthropic’s words inside Google’s error): sent again with the skip value', async () => {
    const refusal = {error: {code: 400, message: JSON.stringify({type: 'error', error: {type: 'invalid_request_error', message: 'messages.1.content.0: Invalid `signature` in `thinking` block'}}), status: 'INVALID_ARGUMENT'}};
    f.upstream.handler = (req, res) =>
      JSON.stringify(req.body).includes('other-account-sig')
        ? sendJson(res, 400, refusal)
        : sendJson(res, 200, {response: {candidates: [{content: {role: 'model', parts: [{text: 'antigravity claude answers'}]}, finishReason: 'STOP'}]}});
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const completion = await client.chat.completions.create({
      model: 'claude-sonnet-4-6',
      messages: [
        {role: 'user', content: 'q'},
        {role: 'assistant', content: null, tool_calls: [{id: 'c1', type: 'function', function: {name: 'f', arguments: '{}'}, extra_content: {google: {thought_signature: 'ccs1:gemini-internal:other-account-sig'}}} as OpenAI.ChatCompletionMessageToolCall]},
        {role: 'tool', tool_call_id: 'c1', content: 'r'},
      ],
    });
    assert.equal(completion.choices[0]?.message.content, 'antigravity claude answers');
    assert.equal(f.upstream.requests.length, 2);
  });
});

describe('a Chat gateway serving Gemini 3 (IBM Bob’s), reached by Claude Code and Codex CLI through translation', async () => {
  const c = UPSTREAMS.bobGemini!;
  const {f, upstream} = await inferenceFixture(c, (turn) => (turn.continuesToolLoop ? {text: `gemini saw: ${turn.toolResults.join('')}`} : {call: {name: 'Read', args: {path: 'a'}}}));
  after(() => f.close());

  it('Claude Code: a call signature Google does not know is refused once; the calls then carry the skip value', async () => {
    const anthropic = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${c.provider}`, maxRetries: 0});
    const params = {model: c.model, max_tokens: 256, tools: [READ_TOOL]};
    const first = await anthropic.messages.create({...params, messages: [{role: 'user', content: 'read a'}]});
    const call = first.content.find((b) => b.type === 'tool_use');
    assert.ok(call?.type === 'tool_use' && first.content.some((b) => b.type === 'thinking'), JSON.stringify(first.content));
    // Another account's (or a rewritten) signature, under this proxy's tag for this upstream.
    const other = first.content.map((b) => (b.type === 'thinking' ? {...b, signature: b.signature.replace(/[^:]+$/, 'another-project-sig')} : b));
    const from = upstream.requests.length;
    const second = await anthropic.messages.create({...params, messages: [{role: 'user', content: 'read a'}, {role: 'assistant', content: other}, {role: 'user', content: [{type: 'tool_result', tool_use_id: call.id, content: 'A'}]}]});
    assert.deepEqual(second.content.map((b) => (b.type === 'text' ? b.text : b.type)), ['gemini saw: A']);
    const sent = upstream.requests.slice(from);
    assert.equal(sent.length, 2);
    const calls = (sent[1]!.body as {messages: {tool_calls?: Json[]}[]}).messages.flatMap((m) => m.tool_calls ?? []);
    assert.deepEqual(calls.map((call) => call.extra_content), [{google: {thought_signature: 'skip_thought_signature_validator'}}]);
  });

  it('Claude Code: a loop another provider opened, no signature anywhere: sent again with the skip value', async () => {
    const anthropic = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${c.provider}`, maxRetries: 0});
    const from = upstream.requests.length;
    const answer = await anthropic.messages.create({
      model: c.model,
      max_tokens: 256,
      tools: [READ_TOOL],
      messages: [{role: 'user', content: 'read a'}, {role: 'assistant', content: [{type: 'tool_use', id: 'toolu_x', name: 'Read', input: {path: 'a'}}]}, {role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_x', content: 'A'}]}],
    });
    assert.deepEqual(answer.content.map((b) => (b.type === 'text' ? b.text : b.type)), ['gemini saw: A']);
    assert.match(upstream.refusals.at(-1)!.message, /missing a thought_signature/);
    assert.equal(upstream.requests.length - from, 2);
  });

  it('Codex CLI: the same, its reasoning item (which carried the signature) taken out', async () => {
    const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${c.provider}/v1`, maxRetries: 0});
    const tools = [{type: 'function' as const, name: 'Read', parameters: {type: 'object', properties: {path: {type: 'string'}}}, strict: false}];
    const first = await openai.responses.create({model: c.model, tools, input: 'read a', include: ['reasoning.encrypted_content']});
    const call = first.output.find((item) => item.type === 'function_call');
    assert.ok(call?.type === 'function_call', JSON.stringify(first.output));
    const other = JSON.parse(JSON.stringify(first.output).replaceAll(GEMINI_CALL_SIGNATURE, 'another-project-sig')) as OpenAI.Responses.ResponseInputItem[];
    assert.notEqual(JSON.stringify(other), JSON.stringify(first.output), 'the signature rides in the output');
    const from = upstream.requests.length;
    const second = await openai.responses.create({model: c.model, tools, input: [{role: 'user', content: 'read a'}, ...other, {type: 'function_call_output', call_id: call.call_id, output: 'A'}]});
    assert.equal(second.output_text, 'gemini saw: A');
    assert.equal(upstream.requests.length - from, 2);
  });
});

describe('a Chat client whose SDK dropped the call’s signature (AI Studio, Gemini 3)', async () => {
  const {f, upstream} = await inferenceFixture(UPSTREAMS.aistudio!, (turn) => ({text: `gemini saw: ${turn.toolResults.join('')}`}));
  after(() => f.close());
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/aistudio/v1`, maxRetries: 0});

  it('"missing a thought_signature" is answered by sending the call again with the skip value', async () => {
    const completion = await client.chat.completions.create({
      model: UPSTREAMS.aistudio!.model,
      messages: [
        {role: 'user', content: 'list files'},
        {role: 'assistant', content: null, tool_calls: [{id: 'c1', type: 'function', function: {name: 'shell', arguments: '{}'}}]},
        {role: 'tool', tool_call_id: 'c1', content: 'a.txt'},
      ],
    });
    assert.equal(completion.choices[0]?.message.content, 'gemini saw: a.txt');
    assert.match(upstream.refusals.at(-1)!.message, /missing a thought_signature/);
    assert.equal(upstream.requests.length, 2);
  });
});

describe('Codex CLI history that codex compacted on another account', async () => {
  const {f, upstream} = await inferenceFixture(UPSTREAMS.codex!, () => ({text: 'codex goes on'}));
  after(() => f.close());

  it('the compaction item, whose encrypted content codex cannot read, goes with the reasoning', async () => {
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/codex/v1`, maxRetries: 0});
    const response = await client.responses.create({
      model: UPSTREAMS.codex!.model,
      input: [{type: 'compaction', id: 'cmp_1', encrypted_content: 'gAAAAABpCompactedElsewhere0123=='} as unknown as OpenAI.Responses.ResponseInputItem, {role: 'user', content: 'go on'}],
    });
    assert.equal(response.output_text, 'codex goes on');
    assert.equal(upstream.requests.length, 2);
    const input = (upstream.requests[1]!.body as {input: Json[]}).input;
    assert.equal(input.length, 1);
    assert.equal(input[0]!.role, 'user');
  });
});

describe('Claude’s own tool loop, with another provider’s thinking in an earlier turn', async () => {
  const claude = await startFakeInference({script: (turn) => ({text: `claude saw: ${turn.toolResults.join(' ')}`})});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'c@example.com')}], upstream: claude});
  after(() => f.close());

  it('keeps thinking on: the loop opened with Claude’s thinking, later steps need none', async () => {
    const thinking = {type: 'enabled', budget_tokens: 2048};
    const response = await postMessages(f.url, {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      thinking,
      tools: [READ_TOOL],
      messages: [
        {role: 'user', content: 'earlier'},
        {role: 'assistant', content: [{type: 'thinking', thinking: 'g', signature: 'ccs1:gemini-internal:x'}, {type: 'text', text: 'earlier answer'}]},
        {role: 'user', content: 'read a and b'},
        {role: 'assistant', content: [{type: 'thinking', thinking: 'plan', signature: 'sig-anthropic-1'}, {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {path: 'a'}}]},
        {role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_1', content: 'A'}]},
        {role: 'assistant', content: [{type: 'tool_use', id: 'toolu_2', name: 'Read', input: {path: 'b'}}]},
        {role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_2', content: 'B'}]},
      ],
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(claude.requests.length, 1);
    assert.deepEqual(sentBody(claude.requests[0]!).thinking, thinking);
    assert.equal(JSON.stringify(sentBody(claude.requests[0]!).messages).includes('ccs1:'), false);
  });
});
