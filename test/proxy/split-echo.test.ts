// An upstream that echoes an account's token spread over several stream events (`"text":"at-q@exa"`,
// then `"text":"mple.com-…"`): the client joins the deltas, so the token must reach it masked in the
// joined text, exactly as the proxy masks it whole, on every path (pass-through and translated),
// for every stream protocol and every kind of delta a client joins. The official SDKs are the clients.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {Redactor} from '../../source/core/redact.js';
import {API_KEY, oauthToken, oneAccountFixture, withOneAccount, type ProxyFixture} from './fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sse = (event: string | undefined, data: unknown) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

interface Case {
  provider: string;
  model: string;
  apiPath?: string;
  token: Record<string, unknown>;
}
const CASES = {
  claude: {provider: 'claude', model: 'claude-sonnet-4-5', token: oauthToken('claude', 'c@example.com')},
  qwen: {provider: 'qwen', model: 'qwen3-coder-plus', apiPath: '/v1', token: oauthToken('qwen', 'q@example.com')},
  codex: {provider: 'codex', model: 'gpt-5.2-codex', apiPath: '/backend-api/codex', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1'})},
  gemini: {provider: 'gemini', model: 'gemini-2.5-pro', token: oauthToken('gemini', 'g@example.com', {project_id: 'proj-gemini-1'})},
} satisfies Record<string, Case>;

/** The access token of a case, and the text the proxy masks it to (what Redactor.redact gives for the whole token). */
const secretOf = (c: Case) => String(c.token.access_token);
const maskedOf = (c: Case, text: string) => new Redactor([secretOf(c), String(c.token.refresh_token)]).redact(text);
const fixtureOf = oneAccountFixture;
const withProxy = withOneAccount;

/**
 * A run's text and how the upstream cuts it into deltas, for an account's token: the token twice,
 * cut once at every offset (one event boundary inside each), in three, one character per event, and
 * with `@` sent as `\u0040` where the run is JSON (tool arguments) and a cut inside that escape.
 */
function splits(token: string): Array<{name: string; text: string; pieces: string[]}> {
  const out: Array<{name: string; text: string; pieces: string[]}> = [];
  for (let at = 1; at < token.length; at++) {
    const text = `Your key: ${token} (twice: ${token}).`;
    const start = text.indexOf(token);
    const second = text.indexOf(token, start + 1);
    out.push({name: `two pieces, cut at ${at}`, text, pieces: [text.slice(0, start + at), text.slice(start + at, second + token.length - at), text.slice(second + token.length - at)]});
  }
  const text = `a ${token} b`;
  const start = text.indexOf(token);
  out.push({name: 'three pieces', text, pieces: [text.slice(0, start + 3), text.slice(start + 3, start + 11), text.slice(start + 11)]});
  out.push({name: 'one character per event', text, pieces: [...text]});
  return out;
}

/** Tool-call arguments (JSON) holding the token, with `@` escaped as the upstream may send it, cut inside the escape. */
function argumentSplits(token: string): Array<{name: string; json: string; pieces: string[]}> {
  const json = JSON.stringify({path: '/tmp/x', key: token}).replace('@', '\\u0040');
  const escape = json.indexOf('\\u0040');
  // The model's own escapes: every other letter of the token `\u`-escaped in the arguments' JSON,
  // which the event's JSON sends as `\\u0061` (a second level the client decodes too).
  const escaped = [...token].map((c, at) => (at % 2 === 0 && /[a-z0-9]/.test(c) ? `\\u00${c.charCodeAt(0).toString(16)}` : c)).join('');
  const letters = `{"cmd":"cat ${escaped}"}`;
  const second = letters.indexOf('\\u00', letters.indexOf(escaped) + 1);
  return [
    {name: 'cut inside a \\u escape', json, pieces: [json.slice(0, escape + 3), json.slice(escape + 3)]},
    {name: 'one character per event', json, pieces: [...json]},
    {name: 'letters \\u-escaped in the arguments, cut after a backslash', json: letters, pieces: [letters.slice(0, second + 1), letters.slice(second + 1)]},
    {name: 'letters \\u-escaped in the arguments, one character per event', json: letters, pieces: [...letters]},
  ];
}

/** The same text cut as a token's start that is no token: it must come out unchanged. */
const lookalike = (token: string) => {
  const text = `almost ${token.slice(0, -3)}XYZ and ${token.slice(0, 9)}`;
  return {text, pieces: [...text]};
};

/** Writes `events`, a few per write with pauses between, so runs cross the proxy's read batches too. */
async function writeEvents(res: import('node:http').ServerResponse, events: string[]): Promise<void> {
  res.writeHead(200, {'content-type': 'text/event-stream'});
  for (let i = 0; i < events.length; i += 3) {
    res.write(events.slice(i, i + 3).join(''));
    if (i % 9 === 0) await sleep(1);
  }
  res.end();
}

// ---- Upstream streams, per protocol: a text run, a reasoning run and a tool call's argument run. ----

interface Runs {
  text: string[];
  thinking?: string[];
  args?: string[];
  /** Text after the tool call (a block of its own where the protocol has blocks). */
  after?: string[];
}

function anthropicEvents(model: string, runs: Runs): string[] {
  const events = [sse('message_start', {type: 'message_start', message: {id: 'msg_1', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: {input_tokens: 5, output_tokens: 1}}})];
  let index = 0;
  const block = (start: Record<string, unknown>, type: string, field: string, pieces: string[]) => {
    events.push(sse('content_block_start', {type: 'content_block_start', index, content_block: start}));
    for (const piece of pieces) {
      events.push(sse('content_block_delta', {type: 'content_block_delta', index, delta: {type, [field]: piece}}));
      // A keep-alive between two deltas of one block.
      if (piece === pieces[1]) events.push(sse('ping', {type: 'ping'}));
    }
    if (type === 'thinking_delta') events.push(sse('content_block_delta', {type: 'content_block_delta', index, delta: {type: 'signature_delta', signature: 'sig-1'}}));
    events.push(sse('content_block_stop', {type: 'content_block_stop', index: index++}));
  };
  if (runs.thinking) block({type: 'thinking', thinking: '', signature: ''}, 'thinking_delta', 'thinking', runs.thinking);
  block({type: 'text', text: ''}, 'text_delta', 'text', runs.text);
  if (runs.args) block({type: 'tool_use', id: 'toolu_1', name: 'Read', input: {}}, 'input_json_delta', 'partial_json', runs.args);
  if (runs.after) block({type: 'text', text: ''}, 'text_delta', 'text', runs.after);
  events.push(sse('message_delta', {type: 'message_delta', delta: {stop_reason: runs.args ? 'tool_use' : 'end_turn', stop_sequence: null}, usage: {output_tokens: 9}}));
  events.push(sse('message_stop', {type: 'message_stop'}));
  return events;
}

function chatEvents(model: string, runs: Runs): string[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => sse(undefined, {id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{index: 0, delta, finish_reason: finish}]});
  const events = [chunk({role: 'assistant', content: ''})];
  for (const piece of runs.thinking ?? []) events.push(chunk({reasoning_content: piece}));
  for (const piece of runs.text) events.push(chunk({content: piece}));
  if (runs.args) {
    events.push(chunk({tool_calls: [{index: 0, id: 'call_1', type: 'function', function: {name: 'Read', arguments: ''}}]}));
    for (const piece of runs.args) events.push(chunk({tool_calls: [{index: 0, function: {arguments: piece}}]}));
  }
  for (const piece of runs.after ?? []) events.push(chunk({content: piece}));
  events.push(chunk({}, runs.args ? 'tool_calls' : 'stop'), 'data: [DONE]\n\n');
  return events;
}

function responsesEvents(model: string, runs: Runs): string[] {
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>) => sse(type, {type, sequence_number: seq++, ...data});
  const response = (status: string, output: unknown[]) => ({id: 'resp_1', object: 'response', created_at: 1, status, model, output, usage: status === 'completed' ? {input_tokens: 5, output_tokens: 9, total_tokens: 14, input_tokens_details: {cached_tokens: 0}, output_tokens_details: {reasoning_tokens: 0}} : null});
  const output: unknown[] = [];
  const events = [ev('response.created', {response: response('in_progress', [])})];
  let index = 0;
  if (runs.thinking) {
    const item = {id: 'rs_1', type: 'reasoning', summary: [] as unknown[]};
    events.push(ev('response.output_item.added', {output_index: index, item}));
    events.push(ev('response.reasoning_summary_part.added', {item_id: 'rs_1', output_index: index, summary_index: 0, part: {type: 'summary_text', text: ''}}));
    for (const piece of runs.thinking) events.push(ev('response.reasoning_summary_text.delta', {item_id: 'rs_1', output_index: index, summary_index: 0, delta: piece}));
    const done = {...item, summary: [{type: 'summary_text', text: runs.thinking.join('')}]};
    events.push(ev('response.reasoning_summary_text.done', {item_id: 'rs_1', output_index: index, summary_index: 0, text: runs.thinking.join('')}));
    events.push(ev('response.output_item.done', {output_index: index++, item: done}));
    output.push(done);
  }
  const message = {id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: [] as unknown[]};
  events.push(ev('response.output_item.added', {output_index: index, item: message}));
  events.push(ev('response.content_part.added', {item_id: 'msg_1', output_index: index, content_index: 0, part: {type: 'output_text', text: '', annotations: []}}));
  for (const piece of runs.text) events.push(ev('response.output_text.delta', {item_id: 'msg_1', output_index: index, content_index: 0, delta: piece, logprobs: []}));
  const text = runs.text.join('');
  events.push(ev('response.output_text.done', {item_id: 'msg_1', output_index: index, content_index: 0, text, logprobs: []}));
  const doneMessage = {...message, status: 'completed', content: [{type: 'output_text', text, annotations: []}]};
  events.push(ev('response.output_item.done', {output_index: index++, item: doneMessage}));
  output.push(doneMessage);
  if (runs.args) {
    const call = {id: 'fc_1', type: 'function_call', status: 'in_progress', call_id: 'call_1', name: 'Read', arguments: ''};
    events.push(ev('response.output_item.added', {output_index: index, item: call}));
    for (const piece of runs.args) events.push(ev('response.function_call_arguments.delta', {item_id: 'fc_1', output_index: index, delta: piece}));
    events.push(ev('response.function_call_arguments.done', {item_id: 'fc_1', output_index: index, arguments: runs.args.join('')}));
    const done = {...call, status: 'completed', arguments: runs.args.join('')};
    events.push(ev('response.output_item.done', {output_index: index++, item: done}));
    output.push(done);
  }
  if (runs.after) {
    const after = {id: 'msg_2', type: 'message', role: 'assistant', status: 'in_progress', content: [] as unknown[]};
    events.push(ev('response.output_item.added', {output_index: index, item: after}));
    events.push(ev('response.content_part.added', {item_id: 'msg_2', output_index: index, content_index: 0, part: {type: 'output_text', text: '', annotations: []}}));
    for (const piece of runs.after) events.push(ev('response.output_text.delta', {item_id: 'msg_2', output_index: index, content_index: 0, delta: piece, logprobs: []}));
    const text = runs.after.join('');
    events.push(ev('response.output_text.done', {item_id: 'msg_2', output_index: index, content_index: 0, text, logprobs: []}));
    const done = {...after, status: 'completed', content: [{type: 'output_text', text, annotations: []}]};
    events.push(ev('response.output_item.done', {output_index: index++, item: done}));
    output.push(done);
  }
  events.push(ev('response.completed', {response: response('completed', output)}));
  return events;
}

/** Cloud Code's Gemini stream (`{response: GenerateContentResponse}` per event): thought parts, then text parts. */
function geminiEvents(_model: string, runs: Runs): string[] {
  const event = (parts: unknown[], finish?: string) =>
    sse(undefined, {response: {candidates: [{content: {role: 'model', parts}, ...(finish ? {finishReason: finish} : {})}], usageMetadata: {promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8}, responseId: 'r1'}});
  const events: string[] = [];
  for (const piece of runs.thinking ?? []) events.push(event([{text: piece, thought: true}]));
  for (const piece of runs.text) events.push(event([{text: piece}]));
  events.push(event([], 'STOP'));
  return events;
}

const UPSTREAM_EVENTS = {anthropic: anthropicEvents, chat: chatEvents, responses: responsesEvents, gemini: geminiEvents};

// ---- What each client assembles, with its SDK. ----

interface Seen {
  text: string;
  thinking?: string;
  args?: string;
}

async function viaAnthropic(f: ProxyFixture, c: Case): Promise<Seen> {
  const client = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${c.provider}`, maxRetries: 0});
  const message = await client.messages.stream({model: c.model, max_tokens: 256, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
  const seen: Seen = {text: message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('')};
  const thinking = message.content.flatMap((b) => (b.type === 'thinking' ? [b.thinking] : []));
  if (thinking.length > 0) seen.thinking = thinking.join('');
  const call = message.content.find((b) => b.type === 'tool_use');
  if (call?.type === 'tool_use') seen.args = JSON.stringify(call.input);
  return seen;
}

async function viaChat(f: ProxyFixture, c: Case): Promise<Seen> {
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${c.provider}/v1`, maxRetries: 0});
  const stream = client.chat.completions.stream({model: c.model, messages: [{role: 'user', content: 'hi'}]});
  let thinking = '';
  stream.on('chunk', (chunk) => {
    const delta = chunk.choices[0]?.delta as {reasoning_content?: string} | undefined;
    if (delta?.reasoning_content) thinking += delta.reasoning_content;
  });
  const message = (await stream.finalChatCompletion()).choices[0]!.message;
  const seen: Seen = {text: message.content ?? ''};
  if (thinking) seen.thinking = thinking;
  const call = message.tool_calls?.[0];
  if (call?.type === 'function') seen.args = call.function.arguments;
  return seen;
}

async function viaResponses(f: ProxyFixture, c: Case): Promise<Seen> {
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${c.provider}/v1`, maxRetries: 0});
  const stream = client.responses.stream({model: c.model, input: 'hi'});
  let text = '';
  let thinking = '';
  let args = '';
  // What Codex CLI shows as it streams: the deltas joined.
  for await (const event of stream) {
    if (event.type === 'response.output_text.delta') text += event.delta;
    if (event.type === 'response.reasoning_summary_text.delta') thinking += event.delta;
    if (event.type === 'response.function_call_arguments.delta') args += event.delta;
  }
  const final = await stream.finalResponse();
  assert.equal(final.output_text, text, 'the final response holds the text the deltas spelled');
  const seen: Seen = {text};
  if (thinking) seen.thinking = thinking;
  if (args) seen.args = args;
  return seen;
}

const CLIENTS = {anthropic: viaAnthropic, chat: viaChat, responses: viaResponses};

/** The JSON a client reads from tool arguments, compared as parsed (a translator may re-encode it). */
const parsed = (json: string | undefined) => (json === undefined ? undefined : (JSON.parse(json) as unknown));

interface Path {
  name: string;
  upstream: Case;
  protocol: keyof typeof UPSTREAM_EVENTS;
  client: keyof typeof CLIENTS;
  /** Which runs the pair carries (Gemini streams no tool arguments in pieces). */
  runs: Array<keyof Runs>;
}

const PATHS: Path[] = [
  {name: 'pass-through Anthropic Messages (Claude Code → claude)', upstream: CASES.claude, protocol: 'anthropic', client: 'anthropic', runs: ['text', 'thinking', 'args']},
  {name: 'pass-through Chat Completions (OpenAI SDK → qwen)', upstream: CASES.qwen, protocol: 'chat', client: 'chat', runs: ['text', 'thinking', 'args']},
  {name: 'pass-through Responses (OpenAI SDK → codex)', upstream: CASES.codex, protocol: 'responses', client: 'responses', runs: ['text', 'thinking', 'args']},
  {name: 'translated Chat → Anthropic (Claude Code → qwen)', upstream: CASES.qwen, protocol: 'chat', client: 'anthropic', runs: ['text', 'thinking', 'args']},
  {name: 'translated Responses → Anthropic (Claude Code → codex)', upstream: CASES.codex, protocol: 'responses', client: 'anthropic', runs: ['text', 'thinking', 'args']},
  {name: 'translated Gemini → Anthropic (Claude Code → gemini)', upstream: CASES.gemini, protocol: 'gemini', client: 'anthropic', runs: ['text', 'thinking']},
  {name: 'translated Gemini → Chat (OpenAI SDK → gemini)', upstream: CASES.gemini, protocol: 'gemini', client: 'chat', runs: ['text', 'thinking']},
  {name: 'translated Anthropic → Chat (OpenAI SDK → claude)', upstream: CASES.claude, protocol: 'anthropic', client: 'chat', runs: ['text', 'thinking', 'args']},
  {name: 'translated Anthropic → Responses (OpenAI SDK → claude)', upstream: CASES.claude, protocol: 'anthropic', client: 'responses', runs: ['text', 'thinking', 'args']},
  {name: 'translated Chat → Responses (OpenAI SDK → qwen)', upstream: CASES.qwen, protocol: 'chat', client: 'responses', runs: ['text', 'args']},
];

for (const path of PATHS) {
  describe(`a token split across stream events, ${path.name}`, () => {
    let f: ProxyFixture;
    const c = path.upstream;
    const token = secretOf(c);
    before(async () => {
      f = await fixtureOf(c);
    });
    after(() => f.close());

    /** Serves `runs` (each a list of deltas) and returns what the client assembled. */
    const ask = async (runs: Runs): Promise<Seen> => {
      const events = UPSTREAM_EVENTS[path.protocol](c.model, runs);
      f.upstream.handler = (_req, res) => writeEvents(res, events);
      return CLIENTS[path.client](f, c);
    };
    const only = (runs: Runs): Runs => ({text: path.runs.includes('text') ? runs.text : ['ok'], ...(path.runs.includes('thinking') && runs.thinking ? {thinking: runs.thinking} : {}), ...(path.runs.includes('args') && runs.args ? {args: runs.args} : {})});

    it('reaches the client masked, at every cut, in text and reasoning deltas', async () => {
      for (const split of splits(token)) {
        const seen = await ask(only({text: split.pieces, thinking: split.pieces}));
        const want = maskedOf(c, split.text);
        assert.notEqual(want, split.text);
        assert.equal(seen.text, want, `text, ${split.name}`);
        if (path.runs.includes('thinking')) assert.equal(seen.thinking, want, `reasoning, ${split.name}`);
      }
    });

    if (path.runs.includes('args')) {
      it('reaches the client masked in tool-call arguments, cut inside a JSON escape and one character per event', async () => {
        for (const split of argumentSplits(token)) {
          const seen = await ask({text: ['Reading.'], args: split.pieces});
          const want = maskedOf(c, split.json);
          assert.ok(!want.includes(token) && want.includes('…(redacted)'), want);
          assert.deepEqual(parsed(seen.args), parsed(want), split.name);
          assert.ok(!JSON.stringify(seen).includes(token.slice(-12)), JSON.stringify(seen));
        }
      });
    }

    // Not pass-through Responses: its `.done` events and `response.completed` repeat each item's
    // whole text as the upstream sent it, and a token cut between two items is in none whole (open).
    if (path.runs.includes('args') && !(path.protocol === 'responses' && path.client === 'responses')) {
      it('a token cut at a block change (text → tool call → text), at every cut: the client never sees its rest', async () => {
        for (let cut = 1; cut < token.length; cut++) {
          const seen = await ask({text: ['Your key: ', token.slice(0, cut)], args: ['{"path":', '"x"}'], after: [...`${token.slice(cut)} end`]});
          // Masked whole where the text is one run (Chat's content), else the start a cut echo may show and the rest masked.
          const allowed = [maskedOf(c, `Your key: ${token} end`), cut < 12 ? `Your key: ${token.slice(0, cut)}…(redacted) end` : undefined];
          assert.ok(allowed.includes(seen.text), `cut at ${cut}: ${seen.text}`);
          assert.deepEqual(parsed(seen.args), {path: 'x'}, `cut at ${cut}`);
        }
      });
    }

    it('leaves text that only starts like the token unchanged', async () => {
      const {text, pieces} = lookalike(token);
      const seen = await ask(only({text: pieces, thinking: pieces, args: [...JSON.stringify({key: text})]}));
      assert.equal(seen.text, text);
      if (path.runs.includes('thinking')) assert.equal(seen.thinking, text);
      if (path.runs.includes('args')) assert.deepEqual(parsed(seen.args), {key: text});
    });
  });
}

describe('a pass-through stream without a token is the upstream bytes, unchanged', () => {
  const streams: Array<[string, Case, string, keyof typeof UPSTREAM_EVENTS]> = [
    ['Anthropic', CASES.claude, '/v1/messages', 'anthropic'],
    ['Chat', CASES.qwen, '/v1/chat/completions', 'chat'],
    ['Responses', CASES.codex, '/v1/responses', 'responses'],
  ];
  for (const [name, c, route, protocol] of streams) {
    it(`${name}: deltas that start like the token (held, then let out as they came), the stream ending on one`, async () => {
      await withProxy(c, async (f) => {
        const token = secretOf(c);
        const {text, pieces} = lookalike(token);
        const events = UPSTREAM_EVENTS[protocol](c.model, {text: pieces, thinking: pieces, args: [...JSON.stringify({key: text})]});
        // The last event is a delta whose tail may begin the token: it waits for the end of the stream.
        const last = events.findLastIndex((e) => e.includes(JSON.stringify(pieces.at(-1))));
        const sent = events.slice(0, last + 1).join('');
        f.upstream.handler = (_req, res) => writeEvents(res, events.slice(0, last + 1));
        const response = await fetch(`${f.url}${route}`, {
          method: 'POST',
          headers: {'x-api-key': API_KEY, authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
          body: JSON.stringify({model: c.model, max_tokens: 64, stream: true, messages: [{role: 'user', content: 'hi'}], input: 'hi'}),
        });
        assert.equal(response.status, 200);
        assert.equal(Buffer.from(await response.arrayBuffer()).toString('latin1'), Buffer.from(sent).toString('latin1'));
      });
    });
  }
});

describe('a translated stream that breaks off while a delta is held', () => {
  it('lets the held delta out before the error event (Claude Code → qwen)', async () => {
    const c = CASES.qwen;
    await withProxy(c, async (f) => {
      const token = secretOf(c);
      const partial = ['Reading ', 'your key ', token.slice(0, 6)];
      f.upstream.handler = async (_req, res) => {
        res.writeHead(200, {'content-type': 'text/event-stream'});
        for (const piece of partial) res.write(chatEvents(c.model, {text: [piece]}).slice(1, 2).join(''));
        await sleep(30);
        res.socket?.destroy();
      };
      const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
      const seen: string[] = [];
      const stream = client.messages.stream({model: c.model, max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).on('text', (text) => seen.push(text));
      await assert.rejects(stream.finalMessage(), (error: unknown) => error instanceof Anthropic.APIError && /upstream stream broke/i.test(error.message));
      assert.equal(seen.join(''), partial.join(''));
    });
  });
});

describe('a client that did not ask for a stream, on an upstream that streams anyway (Claude Code → codex)', () => {
  it('gets the joined text and arguments masked', async () => {
    const c = CASES.codex;
    await withProxy(c, async (f) => {
      const token = secretOf(c);
      const {text, pieces} = splits(token).at(-1)!;
      const args = argumentSplits(token)[0]!;
      f.upstream.handler = (_req, res) => writeEvents(res, responsesEvents(c.model, {text: pieces, args: args.pieces}));
      const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
      const message = await client.messages.create({model: c.model, max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
      assert.equal(message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''), maskedOf(c, text));
      const call = message.content.find((b) => b.type === 'tool_use');
      assert.deepEqual(call?.type === 'tool_use' && call.input, parsed(maskedOf(c, args.json)));
    });
  });
});
