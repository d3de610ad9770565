// An upstream error whose body never ends (proxy/outcome.ts, ERROR_BODY_WAIT_MS): a lone account's
// client gets the proxy's own error with that status naming the stall, within seconds, and the next
// request on the same proxy is served; a 429 that stalls in a pool still moves on to the next account.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {ERROR_BODY_WAIT_MS} from '../../source/services/http.js';
import {answerByProtocol, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {accountTokens, askChat as chat, proxyFixture} from './fixture.js';

describe('a lone account whose 502 body stalls', async () => {
  let stall = true;
  const upstream = await startFakeUpstream((req, res) => {
    if (req.method === 'POST' && stall) {
      res.writeHead(502, {'content-type': 'application/json', 'content-length': '300'});
      res.write('{"error":{"message":"bad gate');
      return;
    }
    answerByProtocol(req, res);
  });
  const f = await proxyFixture({provider: 'kimi', serve: {provider: 'kimi'}, upstream, tokens: accountTokens('kimi', ['solo@example.com']), endpoints: {kimi: {api: upstream.url}}});
  after(() => f.close());

  it('answers 502 naming the stall, about ERROR_BODY_WAIT_MS after the head, then serves the next request', {timeout: 15_000}, async () => {
    const start = Date.now();
    const answer = await chat(f.url, 'kimi-k2');
    const ms = Date.now() - start;
    assert.equal(answer.status, 502, answer.text);
    assert.match(answer.text, /upstream answered 502 but its body did not end within 3 s \(read: \{\\"error\\":\{\\"message\\":\\"bad gate\)/);
    assert.ok(ms >= ERROR_BODY_WAIT_MS - 100 && ms < ERROR_BODY_WAIT_MS + 2500, `${ms} ms`);
    stall = false;
    const next = await chat(f.url, 'kimi-k2');
    assert.equal(next.status, 200, next.text);
  });
});

describe('a 429 whose body stalls, in a pool of two (fill-first)', async () => {
  const upstream = await startFakeUpstream((req, res) => {
    if (req.method === 'POST' && String(req.headers.authorization).includes('first@')) {
      res.writeHead(429, {'content-type': 'application/json', 'retry-after': '60'});
      res.write('{"error":{"type":"rate_limit');
      return;
    }
    answerByProtocol(req, res);
  });
  const f = await proxyFixture({provider: 'kimi', strategy: 'fill-first', upstream, tokens: accountTokens('kimi', ['first@example.com', 'second@example.com']), endpoints: {kimi: {api: upstream.url}}});
  after(() => f.close());

  it('moves on to the second account, and the first cools (the next request goes straight to the second)', {timeout: 15_000}, async () => {
    const answer = await chat(f.url, 'kimi-k2');
    assert.equal(answer.status, 200, answer.text);
    const posts = () => upstream.requests.filter((r) => r.method === 'POST');
    const count = posts().length;
    const start = Date.now();
    assert.equal((await chat(f.url, 'kimi-k2')).status, 200);
    assert.ok(Date.now() - start < 1000, 'no second wait on the stalled account');
    assert.match(String(posts().at(-1)?.headers.authorization), /second@/);
    assert.equal(posts().length, count + 1);
  });
});
