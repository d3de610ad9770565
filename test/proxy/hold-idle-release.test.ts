// Newcomer (s41): a stream delta whose end may begin a credential waited for the next delta of its
// run however long the upstream paused: "Start" reached the client only when the upstream spoke
// again (3 s later, or never for one that stalled), on pass-through and translated routes alike. It
// now goes out within deliver.ts HOLD_RELEASE_MS, and the rest of a token the upstream goes on with
// after the pause is still masked. A real proxy and an upstream on 127.0.0.1 that waits (up to 8 s)
// for the client to have seen the held text before it goes on.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {API_KEY, oneAccountFixture, type ProxyFixture} from './fixture.js';
import {leaks, qwen, sseData, streamUntilSeen, tokenOf} from './rv-harness.js';

const chat = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
const END = [chat({}, 'stop'), 'data: [DONE]\n\n'];

/** The text a Messages client joins from its stream's text deltas. */
const messagesText = (raw: string) =>
  (sseData(raw).filter((e) => typeof e !== 'string') as Array<Record<string, any>>)
    .filter((e) => e.type === 'content_block_delta' && e.delta.type === 'text_delta')
    .map((e) => e.delta.text as string)
    .join('');
/** The text a Chat client joins from its stream's content deltas. */
const chatText = (raw: string) => (sseData(raw).filter((e) => typeof e !== 'string') as Array<Record<string, any>>).map((e) => e.choices?.[0]?.delta?.content ?? '').join('');

describe('a held delta tail reaches the client while the upstream pauses', () => {
  const token = tokenOf(qwen);
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());

  for (const [name, route, request, textOf] of [
    ['Chat client, passed through', '/v1/chat/completions', {model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}]}, chatText],
    ['Messages client, translated', '/v1/messages', {model: 'qwen3-coder-plus', max_tokens: 64, stream: true, messages: [{role: 'user', content: 'hi'}]}, messagesText],
  ] as const) {
    it(`${name}: words that may begin a token`, async () => {
      const {text, waited} = await streamUntilSeen(f, request, [chat({role: 'assistant', content: 'Hello'}), chat({content: ' world Start'})], [chat({content: 'ed again'}), ...END], 'Start', 8000, route);
      assert.ok(waited < 6000, `the client saw "Start" only after the upstream went on (${waited} ms)`);
      assert.equal(textOf(text), 'Hello world Started again');
    });

    it(`${name}: the start of the account's token, the rest after the pause, still masked`, async () => {
      const {text, waited} = await streamUntilSeen(f, request, [chat({role: 'assistant', content: `key ${token.slice(0, 5)}`})], [chat({content: `${token.slice(5)} end`}), ...END], token.slice(0, 5), 8000, route);
      assert.ok(waited < 6000, `the held start reached the client only after the upstream went on (${waited} ms)`);
      assert.ok(!leaks(text, token), text);
      const joined = textOf(text);
      assert.ok(joined.startsWith(`key ${token.slice(0, 5)}`) && joined.endsWith(' end') && !joined.includes(token.slice(5)), joined);
    });
  }
});

// Attack (s41): the first version let a tail out 1 s after its hold began, however often the upstream
// spoke: a token sent in tool-call arguments a character at a time, 300 ms apart, reached every
// client whole. A tail now goes out only after 1 s of silence, and a tool's input waits for its next delta.
describe('a token sent a character at a time, below the release time apart, is masked', () => {
  const token = tokenOf(qwen);
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const toolChunk = (i: number, args: string) => chat({tool_calls: [{index: 0, ...(i === 0 ? {id: 'call_1', type: 'function', function: {name: 'run', arguments: args}} : {function: {arguments: args}})}]});
  /** The upstream sends `events` one by one, `gapMs` apart. */
  const paced = (events: string[], gapMs: number) => {
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      for (const event of events) {
        res.write(event);
        await new Promise((resolve) => setTimeout(resolve, gapMs));
      }
      res.end();
    };
  };
  const pieces = [...token.slice(0, 14)].concat(token.slice(14));
  for (const [name, route, request] of [
    ['Chat client, passed through', '/v1/chat/completions', {model: 'qwen3-coder-plus', stream: true, messages: [{role: 'user', content: 'hi'}]}],
    ['Messages client, translated', '/v1/messages', {model: 'qwen3-coder-plus', max_tokens: 64, stream: true, messages: [{role: 'user', content: 'hi'}]}],
  ] as const) {
    for (const field of ['tool arguments', 'content'] as const) {
      it(`${name}: ${field}`, async () => {
        const events = field === 'content' ? [chat({role: 'assistant', content: 'key: '}), ...pieces.map((p) => chat({content: p})), chat({content: ' end'}), ...END] : [toolChunk(0, '{"k":"'), ...pieces.map((p, i) => toolChunk(i + 1, p)), toolChunk(99, '"}'), chat({}, 'tool_calls'), 'data: [DONE]\n\n'];
        paced(events, 200);
        const response = await fetch(`${f.url}${route}`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify(request)});
        const text = await response.text();
        assert.equal(response.status, 200, text);
        assert.ok(!leaks(text, token), 'the token reached the client');
      });
    }
  }
});
