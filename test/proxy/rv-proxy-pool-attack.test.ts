// Review attack on sequential 5xx failures (core/pool.ts sameAsLast): a round-robin pool of two where
// one account answers 500 to everything, asked one request after another; and a lone account that
// keeps failing, which must always get the upstream's answer, never the proxy's 429.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {answerByProtocol, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {accountTokens, askChat as chat, proxyFixture} from './fixture.js';

const failing = (req: {method: string; headers: Record<string, unknown>}) => req.method === 'POST' && String(req.headers.authorization).includes('k1@');

describe('a pool of two, one answering 500, asked one request after another', async () => {
  let k1Hits = 0;
  const upstream = await startFakeUpstream((req, res) => {
    if (failing(req)) {
      k1Hits++;
      return sendJson(res, 500, {error: {message: 'internal'}});
    }
    answerByProtocol(req, res);
  });
  const f = await proxyFixture({provider: 'kimi', strategy: 'round-robin', upstream, tokens: accountTokens('kimi', ['k1@example.com', 'k2@example.com']), endpoints: {kimi: {api: upstream.url}}});
  after(() => f.close());

  it('every client gets 200; the failing account is tried twice, then left last for the backoff', async () => {
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      const answer = await chat(f.url, 'kimi-k2');
      assert.equal(answer.status, 200, `ask ${i}: ${answer.text}`);
    }
    if (Date.now() - started < 1900) assert.equal(k1Hits, 2, 'hits on the failing account within the first backoff');
    const lastLines = f.events.filter((e) => e.type === 'failover' && 'until' in e);
    assert.equal(lastLines.length, 1, JSON.stringify(lastLines));
  });
});

describe('a lone account answering 500 to everything', async () => {
  const upstream = await startFakeUpstream((req, res) => (failing(req) ? sendJson(res, 500, {error: {message: 'internal'}}) : answerByProtocol(req, res)));
  const f = await proxyFixture({provider: 'kimi', upstream, tokens: accountTokens('kimi', ['k1@example.com']), endpoints: {kimi: {api: upstream.url}}});
  after(() => f.close());
  it("gets the upstream's 500 every time, no 'tried last' line", async () => {
    for (let i = 0; i < 10; i++) {
      const answer = await chat(f.url, 'kimi-k2');
      assert.equal(answer.status, 500, `ask ${i}: ${answer.text}`);
    }
    assert.deepEqual(f.events.filter((e) => e.type === 'failover'), []);
  });
});
