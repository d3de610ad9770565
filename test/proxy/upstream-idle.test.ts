// An upstream request that moves no byte either way for the idle limit is given up: before its
// answer the client gets the proxy's 502 naming the wait, mid-stream the client's answer ends cut.
// A slow answer whose bytes keep coming is never cut, however long it takes in all.
// The proxy's clock is the test's (held still, moved on by hand): what is timed is the proxy's idle
// rule, not how fast a loaded machine runs its timers.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {describeEvent} from '../../source/services/proxy/ipc.js';
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

describe('an upstream that goes quiet', async () => {
  /** The proxy's clock (epoch ms); each reading of it is told to `onReading` (the idle check reads it every checkEveryMs). */
  let clock = Date.now();
  let onReading: (() => void) | undefined;
  const f = await proxyFixture({
    provider: 'claude',
    tokens: claudeAccounts('a'),
    upstreamIdle: IDLE,
    now: () => {
      onReading?.();
      return clock;
    },
  });
  after(() => f.close());

  /**
   * Resolves after the proxy read its clock `count` more times. While a request waits on a quiet
   * upstream only the idle check reads it, so these are its looks at the request.
   */
  const looks = (count: number) =>
    new Promise<void>((resolve) => {
      let left = count;
      onReading = () => {
        if (--left > 0) return;
        onReading = undefined;
        resolve();
      };
    });
  const requestLines = () => f.events.filter((e) => e.type === 'request').map((e) => describeEvent(e));

  /** The upstream has the request: the idle check looks twice at the clock as it is, then it is moved to 1 ms short of the limit and looked at twice more. */
  const quietUntilJustShort = async (arrived: Promise<void>) => {
    await arrived;
    await looks(2);
    const lines = requestLines().length;
    clock += IDLE.ms - 1;
    await looks(2);
    assert.equal(requestLines().length, lines, 'nothing given up 1 ms short of the limit');
    clock += 1;
  };

  it('answers 502 "no answer within" when the upstream never answers, once the limit has passed and no later', {timeout: 30_000}, async () => {
    let arrive: () => void = () => {};
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    f.upstream.handler = () => {
      arrive();
      return new Promise(() => {});
    };
    const started = clock;
    const answer = ask(f.url, false);
    await quietUntilJustShort(arrived);
    const response = await answer;
    assert.equal(response.status, 502);
    assert.match(await response.text(), /no answer within 400 ms/);
    // By the proxy's clock, held at the limit since: given up at the first look past it.
    assert.equal(clock - started, IDLE.ms);
    assert.match(requestLines().at(-1)!, / 502 400 ms$/);
  });

  it('cuts a stream that stops mid-way: the client gets what came, then the answer breaks off', {timeout: 30_000}, async () => {
    const events = anthropicStreamEvents('claude-sonnet-4-5-20250929', ['Hello', ' quiet']);
    let arrive: () => void = () => {};
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(events[0]);
      await new Promise(() => {});
    };
    const response = await ask(f.url, true);
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let text = '';
    const read = (async () => {
      try {
        for (;;) {
          const {done, value} = await reader.read();
          if (done) break;
          text += Buffer.from(value).toString('utf8');
          if (text.includes('message_start')) arrive();
        }
      } catch {
        // The cut reaches the client as a broken answer (or as an end without message_stop).
      }
    })();
    // The first event reached the client; from then on no byte moves.
    await quietUntilJustShort(arrived);
    await read;
    assert.ok(text.includes('message_start'), text);
    assert.ok(!text.includes('message_stop'), text);
    assert.match(requestLines().at(-1)!, / 200 \d+ ms, then /);
  });

  it('never cuts a stream whose bytes keep coming, though it lasts several idle limits', {timeout: 30_000}, async () => {
    const events = anthropicStreamEvents('claude-sonnet-4-5-20250929', Array.from({length: 12}, (_, i) => `part${i} `));
    /** Each read by the client moves the proxy's clock on by a third of the limit and lets the upstream send the next event. */
    let read: () => void = () => {};
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      for (const event of events) {
        const next = new Promise<void>((resolve) => (read = resolve));
        res.write(event);
        await next;
      }
      res.end();
    };
    const started = clock;
    const response = await ask(f.url, true);
    const reader = response.body!.getReader();
    let text = '';
    for (;;) {
      const {done, value} = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
      clock += IDLE.ms / 3;
      read();
    }
    assert.ok(clock - started > 3 * IDLE.ms, `the stream lasted several idle limits by the proxy's clock (${clock - started} ms)`);
    assert.ok(text.includes('message_stop'), text.slice(-200));
    assert.ok(text.includes('part11 '), text.slice(-200));
  });
});
