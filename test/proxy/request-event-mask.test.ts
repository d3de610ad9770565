// The proxy's request events (one per request, masked value by value since issue 14) never carry an
// account's token, whatever the client puts in the fields they quote (model, path).
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

describe('request events quote client text with account tokens masked', async () => {
  const token = oauthToken('claude', 'a@example.com');
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a@example.com.json', token}]});
  after(() => f.close());

  it('masks an account token the client wrote into the model name and the query', async () => {
    const secret = String(token.access_token);
    const answer = await fetch(`${f.url}/v1/messages?echo=${encodeURIComponent(secret)}`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: `claude-${secret}`, max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(answer.status, 200);
    // The fake upstream repeats the model in its answer: masked there too, the length recomputed.
    const body = await answer.text();
    assert.ok(!body.includes(secret), body);
    const requests = f.events.filter((event) => event.type === 'request');
    assert.equal(requests.length, 1);
    const text = JSON.stringify(requests);
    assert.ok(!text.includes(secret), text);
    assert.ok(!text.includes(secret.slice(8)), text);
    assert.match(text, /"model":"claude-at-a…\(redacted\)"/);
  });
});
