// Review attack: an account whose upstream answers 500 and then stalls mid-body (its error body never
// ends), in a pool of two. The failing account's answer must not hold the client: the request moves
// on to the other account (or fails) promptly, not after the 10-minute upstream idle limit.
// (Fails at 8d77e67 too: classifyOutcome reads the error body with no limit of its own in time.)
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {answerByProtocol, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {accountTokens, askChat as chat, proxyFixture} from './fixture.js';

describe('a 500 whose body stalls, in a pool of two', async () => {
  const upstream = await startFakeUpstream((req, res) => {
    if (req.method === 'POST' && String(req.headers.authorization).includes('k1@')) {
      res.writeHead(500, {'content-type': 'application/json', 'content-length': '500'});
      res.write('{"error":{"message":"inter');
      return; // never ends
    }
    answerByProtocol(req, res);
  });
  const f = await proxyFixture({provider: 'kimi', strategy: 'fill-first', upstream, tokens: accountTokens('kimi', ['k1@example.com', 'k2@example.com']), endpoints: {kimi: {api: upstream.url}}});
  after(() => f.close());
  it('the client gets an answer within 5 s', {timeout: 15_000}, async () => {
    const answer = await Promise.race([chat(f.url, 'kimi-k2'), new Promise<'none'>((r) => setTimeout(() => r('none'), 5000))]);
    assert.notEqual(answer, 'none', 'no answer 5 s after the upstream sent its 500 head');
  });
});
