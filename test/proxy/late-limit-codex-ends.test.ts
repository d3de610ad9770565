// Codex CLI on a codex pool, passed through: a usage limit that ends a stream already begun cools
// the account however codex ends the stream (its `error` event without the closing blank line, the
// connection dropped right after it, a `response.failed` naming nothing after it), as the same bytes
// translated for Claude Code do; and the wait it names counts from when it came, not from the send.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {ServerResponse} from 'node:http';
import {API_KEY, type ProxyFixture} from './fixture.js';
import {twoAccountPool} from './two-account-pool.js';

/** Two codex accounts; account a answers with the script `set` gives it, b with the fake's answer. */
async function pool(provider: 'codex', options: {now?: () => number} = {}) {
  const {f, tried, answerA} = await twoAccountPool(provider, options);
  return {f, tried, set: answerA};
}

const codexBegun =
  `event: response.created\ndata: ${JSON.stringify({type: 'response.created', response: {id: 'r1', status: 'in_progress', output: []}})}\n\n` +
  `event: response.output_text.delta\ndata: ${JSON.stringify({type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Half an answer'})}\n\n`;
const usageLimit = {type: 'usage_limit_reached', code: 'usage_limit_reached', message: 'The usage limit has been reached', resets_in_seconds: 7200};
const codexErrorData = `data: ${JSON.stringify({type: 'error', error: usageLimit})}`;

async function streamed(f: ProxyFixture, path: string, body: Record<string, unknown>): Promise<{status: number; text: string}> {
  const response = await fetch(`${f.url}${path}`, {method: 'POST', headers: {'x-api-key': API_KEY, authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body: JSON.stringify({...body, stream: true})});
  let text = '';
  try {
    text = await response.text();
  } catch {
    // a broken stream
  }
  return {status: response.status, text};
}
const failovers = (f: ProxyFixture) => f.events.filter((e) => e.type === 'failover') as Array<{from: string; reason: string; until?: number}>;
const codexAsk = {model: 'gpt-5-codex', input: 'hi'};
const CODEX = '/api/provider/codex/v1/responses';
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('Codex CLI → Codex, passed through: a usage limit `error` event the upstream closes after without its blank line', async () => {
  const {f, tried, set} = await pool('codex');
  it('cools the account (the Anthropic `event: error` does, read leniently; the translated path does too)', async () => {
    set((res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(codexBegun);
      setTimeout(() => res.end(`event: error\n${codexErrorData}\n`), 100);
    });
    const {text} = await streamed(f, CODEX, codexAsk);
    assert.match(text, /usage limit has been reached/);
    await settle();
    assert.deepEqual(failovers(f).map((e) => [e.from, e.reason]), [['a@example.com', 'usage limit reached']]);
    await streamed(f, CODEX, codexAsk);
    assert.deepEqual(tried, ['a', 'b']);
  });
});

describe('Codex CLI → Codex, passed through: a whole usage limit `error` event, then the upstream drops the connection', async () => {
  const {f, tried, set} = await pool('codex');
  it('cools the account (the client has the whole error event; translated, the same stream cools)', async () => {
    set((res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(codexBegun);
      setTimeout(() => res.write(`event: error\n${codexErrorData}\n\n`, () => setTimeout(() => res.socket?.destroy(), 50)), 100);
    });
    await streamed(f, CODEX, codexAsk);
    await settle();
    assert.deepEqual(failovers(f).map((e) => [e.from, e.reason]), [['a@example.com', 'usage limit reached']]);
    await streamed(f, CODEX, codexAsk);
    assert.deepEqual(tried, ['a', 'b']);
  });
});

describe('Codex CLI → Codex, passed through: a usage limit `error` event, then a `response.failed` without an error object', async () => {
  const {f, tried, set} = await pool('codex');
  it('still cools the account for the usage limit (the translated reader takes the first error)', async () => {
    set((res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(codexBegun);
      setTimeout(() => res.end(`event: error\n${codexErrorData}\n\nevent: response.failed\ndata: ${JSON.stringify({type: 'response.failed', response: {id: 'r1', status: 'failed', error: null}})}\n\n`), 100);
    });
    await streamed(f, CODEX, codexAsk);
    await settle();
    assert.deepEqual(failovers(f).map((e) => [e.from, e.reason]), [['a@example.com', 'usage limit reached']]);
    await streamed(f, CODEX, codexAsk);
    assert.deepEqual(tried, ['a', 'b']);
  });
});

// Controls: the same upstream streams, translated for Claude Code (Anthropic Messages from the Codex pool), cool the account.
for (const [name, script] of [
  ['no blank line', (res: ServerResponse) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.write(codexBegun);
    setTimeout(() => res.end(`event: error\n${codexErrorData}\n`), 100);
  }],
  ['dropped connection', (res: ServerResponse) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.write(codexBegun);
    setTimeout(() => res.write(`event: error\n${codexErrorData}\n\n`, () => setTimeout(() => res.socket?.destroy(), 50)), 100);
  }],
  ['response.failed without error after', (res: ServerResponse) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.write(codexBegun);
    setTimeout(() => res.end(`event: error\n${codexErrorData}\n\nevent: response.failed\ndata: ${JSON.stringify({type: 'response.failed', response: {id: 'r1', status: 'failed', error: null}})}\n\n`), 100);
  }],
] as const) describe(`control, translated (Claude Code → Codex): ${name}`, async () => {
  const {f, set} = await pool('codex');
  it('cools the account', async () => {
    set(script);
    await streamed(f, '/v1/messages', {model: 'gpt-5-codex', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
    await settle();
    assert.deepEqual(failovers(f).map((e) => [e.from, e.reason]), [['a@example.com', 'usage limit reached']]);
  });
});

describe('Codex CLI → Codex, passed through: a usage limit naming `resets_in_seconds` after a long stream', async () => {
  let clock = Date.now();
  const {f, set} = await pool('codex', {now: () => clock});
  it('cools for the wait named, counted from when the limit came (not from when the request was sent)', async () => {
    set((res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(codexBegun);
      setTimeout(() => {
        // The stream ran 10 minutes (a long agent turn) before the limit came.
        clock += 10 * 60_000;
        res.end(`event: response.failed\ndata: ${JSON.stringify({type: 'response.failed', response: {id: 'r1', status: 'failed', error: {...usageLimit, resets_in_seconds: 300}}})}\n\n`);
      }, 100);
    });
    await streamed(f, CODEX, codexAsk);
    await settle();
    const [event] = failovers(f);
    assert.equal(event?.reason, 'usage limit reached');
    const wait = event!.until! - clock;
    assert.ok(wait > 290_000 && wait <= 300_000, `waits ${wait} ms from the limit, not the 300 s named`);
  });
});
