// A hostile or merely odd upstream that splits an account's token across stream events in ways the
// common streams do not: SSE framed with bare CRs, a field key sent with JSON escapes, an SSE line
// other than `data:` that looks like a field, a block whose start already carries its first text.
// The official SDKs are the clients; what they assemble must hold the token masked.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {Redactor} from '../../source/core/redact.js';
import {API_KEY, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

const claude = {provider: 'claude', model: 'claude-sonnet-4-5', token: oauthToken('claude', 'c@example.com')};
const qwen = {provider: 'qwen', model: 'qwen3-coder-plus', apiPath: '/v1', token: oauthToken('qwen', 'q@example.com')};
type Case = typeof claude | typeof qwen;

const secretOf = (c: Case) => String(c.token.access_token);
const maskedOf = (c: Case, text: string) => new Redactor([secretOf(c), String(c.token.refresh_token)]).redact(text);

/** The text a run spells and its pieces: the token cut after its 8th character. */
function splitText(c: Case): {text: string; pieces: string[]} {
  const token = secretOf(c);
  const text = `key ${token} end`;
  const cut = text.indexOf(token) + 8;
  return {text, pieces: [text.slice(0, cut), text.slice(cut)]};
}

/** SSE events as the upstream sends them: `line` ends each line, `extra` lines go before `data:`. */
function sseEvent(data: unknown, options: {event?: string; line?: string; extra?: string[]; json?: (json: string) => string} = {}): string {
  const line = options.line ?? '\n';
  const json = (options.json ?? ((j) => j))(JSON.stringify(data));
  const lines = [...(options.event ? [`event: ${options.event}`] : []), ...(options.extra ?? []), `data: ${json}`];
  return lines.map((l) => l + line).join('') + line;
}

type EventOptions = Parameters<typeof sseEvent>[1];

/** An Anthropic Messages stream of one text block spelled by `pieces` (the block's start may carry the first). */
function anthropicStream(model: string, pieces: string[], options: EventOptions = {}, startText = ''): string[] {
  const ev = (event: string, data: Record<string, unknown>) => sseEvent({type: event, ...data}, {...options, event});
  return [
    ev('message_start', {message: {id: 'msg_1', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: {input_tokens: 5, output_tokens: 1}}}),
    ev('content_block_start', {index: 0, content_block: {type: 'text', text: startText}}),
    ...pieces.map((piece) => ev('content_block_delta', {index: 0, delta: {type: 'text_delta', text: piece}})),
    ev('content_block_stop', {index: 0}),
    ev('message_delta', {delta: {stop_reason: 'end_turn', stop_sequence: null}, usage: {output_tokens: 9}}),
    ev('message_stop', {}),
  ];
}

function chatStream(model: string, pieces: string[], options: EventOptions = {}): string[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => sseEvent({id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{index: 0, delta, finish_reason: finish}]}, options);
  return [chunk({role: 'assistant', content: ''}), ...pieces.map((piece) => chunk({content: piece})), chunk({}, 'stop'), 'data: [DONE]\n\n'];
}

const fixtureOf = (c: Case) => proxyFixture({provider: c.provider, apiPath: 'apiPath' in c ? c.apiPath : undefined, tokens: [{file: `${c.provider}-a.json`, token: c.token}]});

async function withProxy(c: Case, use: (f: ProxyFixture) => Promise<void>): Promise<void> {
  const f = await fixtureOf(c);
  try {
    await use(f);
  } finally {
    await f.close();
  }
}

/** Serves `events` one write each. */
function serve(f: ProxyFixture, events: string[]): void {
  f.upstream.handler = async (_req, res) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    for (const event of events) {
      res.write(event);
      await new Promise((resolve) => setImmediate(resolve));
    }
    res.end();
  };
}

async function anthropicText(f: ProxyFixture, c: Case): Promise<string> {
  const client = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${c.provider}`, maxRetries: 0});
  const message = await client.messages.stream({model: c.model, max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
  return message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
}

async function chatText(f: ProxyFixture, c: Case): Promise<string> {
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${c.provider}/v1`, maxRetries: 0});
  const completion = await client.chat.completions.stream({model: c.model, messages: [{role: 'user', content: 'hi'}]}).finalChatCompletion();
  return completion.choices[0]!.message.content ?? '';
}

describe('a token split across events by an odd upstream (pass-through)', () => {
  let f: ProxyFixture;
  before(async () => {
    f = await fixtureOf(claude);
  });
  after(() => f.close());

  it('is masked in an Anthropic stream framed with bare CRs', async () => {
    const {text, pieces} = splitText(claude);
    serve(f, anthropicStream(claude.model, pieces, {line: '\r'}));
    assert.equal(await anthropicText(f, claude), maskedOf(claude, text));
  });

  it('is masked in an Anthropic stream framed with LF lines and a CRLF blank line', async () => {
    const {text, pieces} = splitText(claude);
    serve(f, anthropicStream(claude.model, pieces).map((event) => event.replace(/\n\n$/, '\n\r\n')));
    assert.equal(await anthropicText(f, claude), maskedOf(claude, text));
  });

  it('is masked when the delta field key is sent with a JSON escape (`te\\u0078t`)', async () => {
    const {text, pieces} = splitText(claude);
    serve(f, anthropicStream(claude.model, pieces, {json: (json) => json.replace('"text":', '"te\\u0078t":')}));
    assert.equal(await anthropicText(f, claude), maskedOf(claude, text));
  });

  it('is masked when each event carries an `id:` line that looks like a field', async () => {
    const {text, pieces} = splitText(claude);
    serve(f, anthropicStream(claude.model, pieces, {extra: ['id: {"text":"x"}', ': "text":"y"']}));
    assert.equal(await anthropicText(f, claude), maskedOf(claude, text));
  });

  it('is masked when the block start carries the first piece (content_block_start text)', async () => {
    const {text, pieces} = splitText(claude);
    serve(f, anthropicStream(claude.model, pieces.slice(1), {}, pieces[0]));
    assert.equal(await anthropicText(f, claude), maskedOf(claude, text));
  });
});

describe('a token split across Chat chunks by an odd upstream (pass-through)', () => {
  it('is masked when `content` is sent as `con\\u0074ent`', async () => {
    await withProxy(qwen, async (f) => {
      const {text, pieces} = splitText(qwen);
      serve(f, chatStream(qwen.model, pieces, {json: (json) => json.replace('"content":', '"con\\u0074ent":')}));
      assert.equal(await chatText(f, qwen), maskedOf(qwen, text));
    });
  });
});
