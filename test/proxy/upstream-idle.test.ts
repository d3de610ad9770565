// An upstream request that moves no byte either way for the idle limit is given up: before its
// answer the client gets the proxy's 502 naming the wait, mid-stream the client's answer ends cut.
// A slow answer whose bytes keep coming is never cut, however long it takes in all.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {anthropicStreamEvents} from '../helpers/fake-upstreams.js';
import {API_KEY, claudeAccounts, proxyFixture} from './fixture.js';

const IDLE = {ms: 400, checkEveryMs: 50};

function ask(url: string, stream: boolean): Promise<Response> {
  return fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: 'claude-sonnet-4-5-20250929', max_tokens: 8, stream, messages: [{role: 'user', content: 'hi'}]}),
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an upstream that goes quiet', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a'), upstreamIdle: IDLE});
  after(() => f.close());

  it('answers 502 "no answer within" when the upstream never answers, after the idle limit and not long after', {timeout: 10_000}, async () => {
    f.upstream.handler = () => new Promise(() => {});
    const started = Date.now();
    const response = await ask(f.url, false);
    const ms = Date.now() - started;
    assert.equal(response.status, 502);
    assert.match(await response.text(), /no answer within 400 ms/);
    assert.ok(ms >= IDLE.ms, `gave up after ${ms} ms`);
    assert.ok(ms < IDLE.ms + 2 * IDLE.checkEveryMs + 1_000, `gave up only after ${ms} ms`);
  });

  it('cuts a stream that stops mid-way: the client gets what came, then the answer breaks off', {timeout: 10_000}, async () => {
    const events = anthropicStreamEvents('claude-sonnet-4-5-20250929', ['Hello', ' quiet']);
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(events[0]);
      await new Promise(() => {});
    };
    const started = Date.now();
    const response = await ask(f.url, true);
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let text = '';
    try {
      for (;;) {
        const {done, value} = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
    } catch {
      // The cut reaches the client as a broken answer (or as an end without message_stop).
    }
    const ms = Date.now() - started;
    assert.ok(text.includes('message_start'), text);
    assert.ok(!text.includes('message_stop'), text);
    assert.ok(ms >= IDLE.ms && ms < IDLE.ms + 2 * IDLE.checkEveryMs + 1_000, `cut after ${ms} ms`);
  });

  it('never cuts a stream whose bytes keep coming, though it lasts several idle limits', {timeout: 10_000}, async () => {
    const events = anthropicStreamEvents('claude-sonnet-4-5-20250929', Array.from({length: 12}, (_, i) => `part${i} `));
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      for (const event of events) {
        res.write(event);
        await sleep(IDLE.ms / 3);
      }
      res.end();
    };
    const started = Date.now();
    const response = await ask(f.url, true);
    const text = await response.text();
    assert.ok(Date.now() - started > 3 * IDLE.ms, 'the stream lasted several idle limits');
    assert.ok(text.includes('message_stop'), text.slice(-200));
    assert.ok(text.includes('part11 '), text.slice(-200));
  });
});
