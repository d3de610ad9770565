// A hostile or merely odd upstream that splits an account's token across stream events in ways the
// common streams do not: SSE framed with bare CRs, a field key sent with JSON escapes, an SSE line
// other than `data:` that looks like a field, a block whose start already carries its first text.
// The official SDKs are the clients; what they assemble must hold the token masked.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {Redactor} from '../../source/core/redact.js';
import {API_KEY, oauthToken, oneAccountFixture, withOneAccount, type ProxyFixture} from './fixture.js';

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

const fixtureOf = oneAccountFixture;
const withProxy = withOneAccount;

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

describe('a token split across events after an event over the masker\'s size limit (pass-through)', () => {
  it('is masked: one huge comment does not turn masking off for the rest of the stream', async () => {
    await withProxy(claude, async (f) => {
      const {text, pieces} = splitText(claude);
      const events = anthropicStream(claude.model, pieces);
      serve(f, [events[0]!, `: ${'x'.repeat(1100 * 1024)}\n\n`, ...events.slice(1)]);
      assert.equal(await anthropicText(f, claude), maskedOf(claude, text));
    });
  });
});

describe('a token split across events with a repeated field key (pass-through)', () => {
  it('is masked in what the client reads (JSON.parse keeps the last of two `text` keys)', async () => {
    await withProxy(claude, async (f) => {
      const {text, pieces} = splitText(claude);
      serve(f, anthropicStream(claude.model, pieces, {json: (json) => json.replace(/"text":("[^"]*")/, '"text":"decoy","text":$1')}));
      assert.equal(await anthropicText(f, claude), maskedOf(claude, text));
    });
  });
});

const codex = {provider: 'codex', model: 'gpt-5.2-codex', apiPath: '/backend-api/codex', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1'})};

/** A Responses stream of one message whose text is `pieces` (no `.done` events: the client keeps what the deltas spelled). */
function responsesStream(model: string, pieces: string[], options: {itemIds?: string[]; partText?: string} = {}): string[] {
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>) => sseEvent({type, sequence_number: seq++, ...data}, {event: type});
  const response = (status: string) => ({id: 'resp_1', object: 'response', created_at: 1, status, model, output: [], usage: null});
  return [
    ev('response.created', {response: response('in_progress')}),
    ev('response.output_item.added', {output_index: 0, item: {id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: []}}),
    ev('response.content_part.added', {item_id: 'msg_1', output_index: 0, content_index: 0, part: {type: 'output_text', text: options.partText ?? '', annotations: []}}),
    ...pieces.map((piece, i) => ev('response.output_text.delta', {item_id: options.itemIds?.[i] ?? 'msg_1', output_index: 0, content_index: 0, delta: piece, logprobs: []})),
  ];
}

async function responsesText(f: ProxyFixture, c: typeof codex): Promise<string> {
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${c.provider}/v1`, maxRetries: 0});
  const stream = client.responses.stream({model: c.model, input: 'hi'});
  // The message's text as the SDK assembles it (its snapshot: the part's text and the deltas after it).
  let text = '';
  stream.on('response.output_text.delta', (event) => (text = event.snapshot));
  for await (const event of stream) void event;
  return text;
}

describe('a token split across Responses events by an odd upstream (pass-through)', () => {
  const secret = String(codex.token.access_token);
  const masked = (text: string) => new Redactor([secret, String(codex.token.refresh_token)]).redact(text);
  const split = () => {
    const text = `key ${secret} end`;
    const cut = text.indexOf(secret) + 8;
    return {text, pieces: [text.slice(0, cut), text.slice(cut)]};
  };

  it('is masked when the deltas name different item ids for one output (the SDK joins by output and content index)', async () => {
    await withProxy(codex, async (f) => {
      const {text, pieces} = split();
      serve(f, responsesStream(codex.model, pieces, {itemIds: ['msg_1', 'msg_2']}));
      assert.equal(await responsesText(f, codex), masked(text));
    });
  });

  it('is masked when the content part starts with the first piece (content_part.added text)', async () => {
    await withProxy(codex, async (f) => {
      const {text, pieces} = split();
      serve(f, responsesStream(codex.model, pieces.slice(1), {partText: pieces[0]}));
      assert.equal(await responsesText(f, codex), masked(text));
    });
  });
});

describe('a token split across events of a stream the upstream does not label as SSE (pass-through)', () => {
  for (const type of ['application/json', 'text/plain', undefined]) {
    it(`is masked with content-type ${type ?? '(none)'}: the SDK reads the stream as SSE whatever its type`, async () => {
      await withProxy(claude, async (f) => {
        const {text, pieces} = splitText(claude);
        const events = anthropicStream(claude.model, pieces);
        f.upstream.handler = async (_req, res) => {
          res.writeHead(200, type ? {'content-type': type} : {});
          for (const event of events) {
            res.write(event);
            await new Promise((resolve) => setImmediate(resolve));
          }
          res.end();
        };
        assert.equal(await anthropicText(f, claude), maskedOf(claude, text));
      });
    });
  }
});

describe('a token split between two text blocks of an Anthropic stream (pass-through)', () => {
  it("is masked in the SDK's `text` events (all text deltas, joined as they come) and in each block", async () => {
    await withProxy(claude, async (f) => {
      const {text, pieces} = splitText(claude);
      const ev = (event: string, data: Record<string, unknown>) => sseEvent({type: event, ...data}, {event});
      const block = (index: number, piece: string) => [
        ev('content_block_start', {index, content_block: {type: 'text', text: ''}}),
        ev('content_block_delta', {index, delta: {type: 'text_delta', text: piece}}),
        ev('content_block_stop', {index}),
      ];
      const events = anthropicStream(claude.model, []);
      serve(f, [events[0]!, ...block(0, pieces[0]!), ...block(1, pieces[1]!), ...events.slice(-2)]);
      const client = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/claude`, maxRetries: 0});
      let streamed = '';
      const message = await client.messages
        .stream({model: claude.model, max_tokens: 64, messages: [{role: 'user', content: 'hi'}]})
        .on('text', (delta) => (streamed += delta))
        .finalMessage();
      assert.equal(streamed, maskedOf(claude, text));
      const token = secretOf(claude);
      for (const b of message.content) if (b.type === 'text') for (let at = 0; at + 5 <= token.length; at++) assert.ok(!b.text.includes(token.slice(at, at + 5)), b.text);
    });
  });
});

describe('a token split by an event the client ignores between two deltas (pass-through)', () => {
  it('Anthropic: an event of an unknown type does not end the run', async () => {
    await withProxy(claude, async (f) => {
      const {text, pieces} = splitText(claude);
      const events = anthropicStream(claude.model, pieces);
      const second = events.findIndex((e) => e.includes(JSON.stringify(pieces[1])));
      serve(f, [...events.slice(0, second), sseEvent({type: 'telemetry', note: 'x'}, {event: 'telemetry'}), ...events.slice(second)]);
      assert.equal(await anthropicText(f, claude), maskedOf(claude, text));
    });
  });

  it('Chat: a chunk with an empty delta does not end the run', async () => {
    await withProxy(qwen, async (f) => {
      const {text, pieces} = splitText(qwen);
      const events = chatStream(qwen.model, pieces);
      const empty = sseEvent({id: 'c1', object: 'chat.completion.chunk', created: 1, model: qwen.model, choices: [{index: 0, delta: {}, finish_reason: null}]});
      serve(f, [...events.slice(0, 2), empty, ...events.slice(2)]);
      assert.equal(await chatText(f, qwen), maskedOf(qwen, text));
    });
  });
});
