// A pass-through stream (the client speaks the upstream's protocol) ends when the upstream says its
// answer is over, as a translated one does: an upstream that holds its connection open after the
// final event (Anthropic `message_stop`, Chat `data: [DONE]`, Responses `response.completed`) left
// Claude Code, an OpenAI Chat client and Codex CLI waiting for the idle limit (the SDKs read to the
// body's end). Text that only quotes a final event ends nothing, and a final event cut across reads
// ends the stream once it has all come.
import assert from 'node:assert/strict';
import type {ServerResponse} from 'node:http';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {anthropicStreamEvents, chatStreamEvents, responsesStreamEvents} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a failure naming what hung after `ms`. */
const within = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no end after ${ms} ms`)), ms).unref())]);

/** Text that spells each protocol's final event, as a model writing about them would. */
const QUOTED = ['event: message_stop\n\n', 'data: [DONE]\n\n', 'data: {"type":"response.completed"}\n\n', '\r\r[DONE]message_stop'];
/** A cut right after the events that quote them (a stream ended there would lose what follows). */
const QUOTED_END = '^[DONE]message_stop';

/**
 * An upstream that writes `events` joined, cut at each of `cuts` (a string the cut comes right after
 * the last occurrence of, or after the first one from the cut before when it starts with `^`, or a
 * negative offset from the end), a pause between the pieces, and then
 * holds the connection open (never ends it).
 */
function holdOpen(f: ProxyFixture, events: () => string[], cuts: (string | number)[] = []): void {
  f.upstream.handler = async (_req, res: ServerResponse) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    const all = events().join('');
    let from = 0;
    for (const cut of cuts) {
      const at = typeof cut === 'number' ? all.length + cut : cut.startsWith('^') ? all.indexOf(cut.slice(1), from) + cut.length - 1 : all.lastIndexOf(cut) + cut.length;
      res.write(all.slice(from, at));
      from = at;
      await sleep(150);
    }
    res.write(all.slice(from));
  };
}

describe('pass-through Anthropic (Claude Code → Claude) from an upstream that holds the stream open', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'c@example.com')}]});
  after(() => f.close());
  const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
  const ask = () => client.messages.stream({model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
  const textOf = (message: Anthropic.Message) => message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');

  it('Claude Code gets the whole message and its stream ends at message_stop', async () => {
    holdOpen(f, () => anthropicStreamEvents('claude-sonnet-4-5', ['Hello', ' there']));
    const message = await within(ask(), 3000, 'the Anthropic stream');
    assert.equal(textOf(message), 'Hello there');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(f.proxy.status().lastError, undefined, 'an answer that ended is no upstream break');
  });

  it('text quoting a final event ends nothing; a message_stop cut across reads ends the stream once whole', async () => {
    holdOpen(f, () => anthropicStreamEvents('claude-sonnet-4-5', ['a', ...QUOTED, 'z']), [QUOTED_END, 'event: message_st', 'data: {"type":"message_stop"}', -1]);
    const message = await within(ask(), 3000, 'the Anthropic stream');
    assert.equal(textOf(message), ['a', ...QUOTED, 'z'].join(''));
    assert.equal(message.stop_reason, 'end_turn');
  });

  it('the account token spelled across deltas just before message_stop is masked in what Claude Code gets', async () => {
    holdOpen(f, () => anthropicStreamEvents('claude-sonnet-4-5', ['key at-c@example.com-0123', '456789abcdef']));
    const text = textOf(await within(ask(), 3000, 'the Anthropic stream'));
    assert.ok(!text.includes('456789abcdef'), text);
    assert.match(text, /^key .*redacted/);
  });

  it("an upstream that ends its answer right after message_stop (in the same write, or 50 ms later) keeps its connection for the next request; one that holds it is dropped", async () => {
    const ports: number[] = [];
    let endAfter = 0;
    f.upstream.handler = async (_req, res: ServerResponse, incoming) => {
      ports.push(incoming.socket.remotePort!);
      // A real upstream's hint (node:http keeps no connection whose server says `timeout=1`, the test server's own).
      res.writeHead(200, {'content-type': 'text/event-stream', 'keep-alive': 'timeout=30'});
      const all = anthropicStreamEvents('claude-sonnet-4-5', ['reuse']).join('');
      if (endAfter === 0) return void res.end(all);
      res.write(all);
      if (endAfter > 0) setTimeout(() => res.end(), endAfter);
    };
    for (const after of [0, 0, 50, 50]) {
      endAfter = after;
      assert.equal(textOf(await within(ask(), 3000, 'the Anthropic stream')), 'reuse');
      // The next request after the upstream's own end (a request meanwhile takes another connection).
      await sleep(150);
    }
    assert.equal(new Set(ports).size, 1, `one upstream connection for the four answers: ${ports.join(', ')}`);
    endAfter = -1; // never ends: its connection is dropped after the grace, and the next answer gets a new one
    assert.equal(textOf(await within(ask(), 3000, 'the Anthropic stream')), 'reuse');
    await sleep(1300);
    endAfter = 0;
    assert.equal(textOf(await within(ask(), 3000, 'the Anthropic stream')), 'reuse');
    assert.equal(new Set(ports).size, 2, `a new connection after the held one was dropped: ${ports.join(', ')}`);
  });

  it('CRLF line endings, the final event cut between its line ends', async () => {
    holdOpen(f, () => anthropicStreamEvents('claude-sonnet-4-5', ['crlf']).map((e) => e.replace(/\n/g, '\r\n')), ['data: {"type":"message_stop"}\r', -1]);
    const message = await within(ask(), 3000, 'the Anthropic stream');
    assert.equal(textOf(message), 'crlf');
  });
});

describe('pass-through OpenAI Chat (Chat client → Qwen) from an upstream that holds the stream open', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
  const read = async () => {
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    const stream = await client.chat.completions.create({model: 'qwen3-coder-plus', messages: [{role: 'user', content: 'hi'}], stream: true, stream_options: {include_usage: true}});
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    return {text, usage};
  };
  /** Chat events with a usage chunk after the finish reason, before [DONE] (include_usage). */
  const withUsage = (parts: string[]) => {
    const events = chatStreamEvents('qwen3-coder-plus', parts);
    const last = events.pop()!.replace('data: [DONE]\n\n', '');
    return [...events, last, `data: ${JSON.stringify({id: 'chatcmpl-fake', object: 'chat.completion.chunk', choices: [], usage: {prompt_tokens: 9, completion_tokens: 4, total_tokens: 13}})}\n\n`, 'data: [DONE]\n\n'];
  };

  it('the client gets the text and the usage after the finish reason, and its stream ends at [DONE]', async () => {
    holdOpen(f, () => withUsage(['Hello', ' there']), ['"finish_reason":"stop"}]}\n\n']);
    const {text, usage} = await within(read(), 3000, 'the Chat stream');
    assert.equal(text, 'Hello there');
    assert.equal(usage?.completion_tokens, 4);
    assert.equal(f.proxy.status().lastError, undefined);
  });

  it('text quoting a final event ends nothing; a [DONE] cut across reads ends the stream once whole', async () => {
    holdOpen(f, () => withUsage(['a', ...QUOTED, 'z']), [QUOTED_END, 'data: [DO', -1]);
    const {text} = await within(read(), 3000, 'the Chat stream');
    assert.equal(text, ['a', ...QUOTED, 'z'].join(''));
  });
});

describe('pass-through Responses (Codex CLI → Codex) from an upstream that holds the stream open', async () => {
  const f = await proxyFixture({provider: 'codex', apiPath: '/backend-api/codex', tokens: [{file: 'codex-a.json', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1'})}]});
  after(() => f.close());
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
  const read = async () => {
    const types: string[] = [];
    let text = '';
    for await (const event of await client.responses.create({model: 'gpt-5.2-codex', input: 'hi', stream: true})) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    return {types, text};
  };

  it('Codex CLI gets response.completed and its stream ends', async () => {
    holdOpen(f, () => responsesStreamEvents('gpt-5.2-codex', ['Hello', ' there']));
    const {types, text} = await within(read(), 3000, 'the Responses stream');
    assert.equal(types.at(-1), 'response.completed');
    assert.equal(text, 'Hello there');
    assert.equal(f.proxy.status().lastError, undefined);
  });

  it('text quoting a final event ends nothing; a response.completed cut across reads ends the stream once whole', async () => {
    holdOpen(f, () => responsesStreamEvents('gpt-5.2-codex', ['a', ...QUOTED, 'z']), [QUOTED_END, 'event: response.compl', '"type":"response.comp', -1]);
    const {types, text} = await within(read(), 3000, 'the Responses stream');
    assert.equal(types.at(-1), 'response.completed');
    assert.equal(text, ['a', ...QUOTED, 'z'].join(''));
  });

  it('response.incomplete ends the stream too', async () => {
    holdOpen(f, () => responsesStreamEvents('gpt-5.2-codex', ['cut']).map((e) => e.replaceAll('response.completed', 'response.incomplete')));
    const {types} = await within(read(), 3000, 'the Responses stream');
    assert.equal(types.at(-1), 'response.incomplete');
  });
});
