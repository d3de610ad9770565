// Attack review (issue 10): a huge Retry-After must not break the proxy's status (copy into test/proxy/ to run).
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {sendJson, answerByProtocol} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, proxyFixture} from './fixture.js';

for (const retryAfter of ['99999999999999999999', new Date(Date.now() + 120_000).toUTCString()]) {
  describe(`Retry-After: ${retryAfter}`, async () => {
    const f = await proxyFixture({provider: 'claude', tokens: accountTokens('claude', ['a@example.com', 'b@example.com'])});
    after(() => f.close());
    f.upstream.handler = (req, res) =>
      String(req.headers.authorization).includes('a@example.com')
        ? sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'limit'}}, {'anthropic-ratelimit-unified-status': 'rejected', 'retry-after': retryAfter})
        : answerByProtocol(req, res);
    it('serves from b, and status() still answers with the cooldown of a', async () => {
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${f.url}/v1/messages`, {
          method: 'POST',
          headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
          body: JSON.stringify({model: 'claude-sonnet-4-5-20250929', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
        });
        assert.equal(response.status, 200, await response.text());
      }
      const status = f.proxy.status();
      const a = status.cooling.find((c) => c.account === 'a@example.com');
      assert.ok(a, 'a is cooling');
      assert.ok(!Number.isNaN(Date.parse(a.until)));
    });
  });
}
