// The history rules the real upstreams enforce with a 400, checked on many generated client
// histories (seeded, so a failure repeats): Anthropic — alternating roles, each tool_result right
// after the assistant turn holding its tool_use and before other content, every tool_use answered, no
// empty text; Gemini — alternating roles, as many functionResponses as the model turn made calls;
// Chat upstreams — each tool message right after its call, every call answered.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {translatorFor} from '../../../source/proxy/translate/index.js';
import {seededRandom as random} from '../../helpers/seeded-random.js';

type Json = Record<string, unknown>;

/** A Chat history with the mess clients send: repeated roles, empty text, aborted and trimmed calls. */
function chatHistory(rand: () => number): Json[] {
  const messages: Json[] = [];
  let call = 0;
  let pending: string[] = [];
  const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)]!;
  for (let i = 0, n = 2 + Math.floor(rand() * 10); i < n; i++) {
    const kind = pick(['user', 'user', 'assistant', 'calls', 'results', 'orphan', 'system', 'empty']);
    if (kind === 'user') messages.push({role: 'user', content: `u${i}`});
    else if (kind === 'empty') messages.push({role: pick(['user', 'assistant']), content: ''});
    else if (kind === 'system') messages.push({role: 'system', content: `s${i}`});
    else if (kind === 'assistant') messages.push({role: 'assistant', content: `a${i}`});
    else if (kind === 'calls') {
      pending = Array.from({length: 1 + Math.floor(rand() * 3)}, () => `call_${call++}`);
      messages.push({role: 'assistant', content: rand() < 0.5 ? null : `a${i}`, tool_calls: pending.map((id) => ({id, type: 'function', function: {name: pick(['tool', 'read', 'write']), arguments: rand() < 0.3 ? '' : '{"x":1}'}}))});
    } else if (kind === 'results') {
      // Some answered, some not (an aborted tool).
      for (const id of pending) if (rand() < 0.7) messages.push({role: 'tool', tool_call_id: id, content: `r-${id}`});
      pending = [];
    } else messages.push({role: 'tool', tool_call_id: `gone_${i}`, content: 'stale'});
  }
  if (!messages.some((m) => m.role === 'user')) messages.push({role: 'user', content: 'go'});
  return messages;
}

const blocks = (message: Json) => message.content as Json[];
const HISTORIES = Array.from({length: 300}, (_, seed) => chatHistory(random(seed + 1)));
const context = (upstreamModel: string) => ({clientModel: 'm', upstreamModel, clientStream: true, project: 'p'});

/** The same history as a Responses client (Codex CLI) sends it. */
function responsesInput(messages: Json[]): Json[] {
  return messages.flatMap((message): Json[] => {
    const text = typeof message.content === 'string' ? message.content : '';
    if (message.role === 'system') return [{role: 'developer', content: text}];
    if (message.role === 'tool') return [{type: 'function_call_output', call_id: message.tool_call_id, output: text}];
    const items: Json[] = [{type: 'message', role: message.role, content: [{type: message.role === 'user' ? 'input_text' : 'output_text', text}]}];
    for (const call of (message.tool_calls as Json[] | undefined) ?? []) {
      const fn = call.function as Json;
      items.push({type: 'function_call', call_id: call.id, name: fn.name, arguments: fn.arguments});
    }
    return items;
  });
}

function checkAnthropic(turns: Json[], h: number): void {
  turns.forEach((turn, i) => {
    const where = `history ${h}, turn ${i}: ${JSON.stringify(turns)}`;
    if (i > 0) assert.notEqual(turn.role, turns[i - 1]!.role, `roles alternate (${where})`);
    assert.ok(blocks(turn).length > 0, `no empty turn (${where})`);
    for (const block of blocks(turn)) assert.ok(!(block.type === 'text' && block.text === ''), `no empty text (${where})`);
    const results = blocks(turn).filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
    const previous = turns[i - 1];
    const asked = previous ? blocks(previous).filter((b) => b.type === 'tool_use').map((b) => b.id) : [];
    if (turn.role === 'user') {
      assert.deepEqual([...results].sort(), [...asked].sort(), `every tool_use answered right after, nothing else (${where})`);
      const firstOther = blocks(turn).findIndex((b) => b.type !== 'tool_result');
      if (firstOther !== -1) assert.ok(blocks(turn).slice(firstOther).every((b) => b.type !== 'tool_result'), `tool results first (${where})`);
    }
  });
}

function checkGemini(contents: Json[], h: number): void {
  contents.forEach((turn, i) => {
    const where = `history ${h}, turn ${i}: ${JSON.stringify(contents)}`;
    if (i > 0) assert.notEqual(turn.role, contents[i - 1]!.role, `roles alternate (${where})`);
    const previous = contents[i - 1];
    // Gemini pairs responses with calls by order and name.
    const calls = previous ? (previous.parts as Json[]).filter((p) => p.functionCall).map((p) => (p.functionCall as Json).name) : [];
    const responses = (turn.parts as Json[]).filter((p) => p.functionResponse).map((p) => (p.functionResponse as Json).name);
    if (turn.role === 'user') assert.deepEqual(responses, calls, `one response per call, in order (${where})`);
  });
}

/** Chat upstreams: each run of tool messages answers exactly the calls of the assistant message before it. */
function checkChat(messages: Json[], h: number): void {
  let open = new Set<unknown>();
  messages.forEach((message, i) => {
    const where = `history ${h}, message ${i}: ${JSON.stringify(messages)}`;
    if (message.role === 'tool') return assert.ok(open.delete(message.tool_call_id), `tool message right after its call (${where})`);
    assert.equal(open.size, 0, `every call answered before the next message (${where})`);
    open = new Set(((message.tool_calls as Json[] | undefined) ?? []).map((call) => call.id));
  });
}

/** Responses input: each call's output follows it, before any other message. */
function checkResponsesInput(input: Json[], h: number): void {
  const open = new Set<unknown>();
  input.forEach((item, i) => {
    const where = `history ${h}, item ${i}: ${JSON.stringify(input)}`;
    if (item.type === 'function_call') open.add(item.call_id);
    else if (item.type === 'function_call_output') assert.ok(open.delete(item.call_id), `output after its call (${where})`);
    else assert.equal(open.size, 0, `no message between a call and its output (${where})`);
  });
}

const TOOLS_CHAT = [{type: 'function', function: {name: 'tool'}}];
const TOOLS_RESPONSES = [{type: 'function', name: 'tool', parameters: {type: 'object', properties: {}}}];

describe('generated Chat histories stay valid for every upstream', () => {
  it('Anthropic', () => {
    const translator = translatorFor('openai-chat', 'anthropic')!;
    HISTORIES.forEach((messages, h) => checkAnthropic(translator.request({model: 'm', messages, tools: TOOLS_CHAT}, context('claude-sonnet-4-5')).body.messages as Json[], h));
  });

  it('Gemini', () => {
    const translator = translatorFor('openai-chat', 'gemini-internal')!;
    HISTORIES.forEach((messages, h) => checkGemini((translator.request({model: 'm', messages, tools: TOOLS_CHAT}, context('gemini-2.5-pro')).body.request as Json).contents as Json[], h));
  });

  it('codex (Responses)', () => {
    const translator = translatorFor('openai-chat', 'openai-responses')!;
    HISTORIES.forEach((messages, h) => checkResponsesInput(translator.request({model: 'm', messages, tools: TOOLS_CHAT}, context('gpt-5')).body.input as Json[], h));
  });
});

describe('generated Responses histories stay valid for every upstream', () => {
  const INPUTS = HISTORIES.map(responsesInput);

  it('Anthropic', () => {
    const translator = translatorFor('openai-responses', 'anthropic')!;
    INPUTS.forEach((input, h) => checkAnthropic(translator.request({model: 'm', input, tools: TOOLS_RESPONSES}, context('claude-sonnet-4-5')).body.messages as Json[], h));
  });

  it('Gemini', () => {
    const translator = translatorFor('openai-responses', 'gemini-internal')!;
    INPUTS.forEach((input, h) => checkGemini((translator.request({model: 'm', input, tools: TOOLS_RESPONSES}, context('gemini-2.5-pro')).body.request as Json).contents as Json[], h));
  });

  it('Chat upstreams', () => {
    const translator = translatorFor('openai-responses', 'openai-chat')!;
    INPUTS.forEach((input, h) => checkChat(translator.request({model: 'm', input, tools: TOOLS_RESPONSES}, context('qwen3-coder-plus')).body.messages as Json[], h));
  });
});
