// An upstream's error answer whose headers quote the start of the account's token, cut short
// (RFC 6750's `WWW-Authenticate: Bearer error_description="…"`), reaches the client masked, as its
// body would be: the proxy's clients hold only the proxy key and never learn an account's token.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

const TOKEN = String(oauthToken('claude', 'a@example.com').access_token);

describe('an error answer\'s headers quoting a token cut short', async () => {
  const upstream = await startFakeUpstream((_req, res) => {
    res.writeHead(401, {'content-type': 'application/json', 'www-authenticate': `Bearer error="invalid_token", error_description="the token ${TOKEN.slice(0, 20)}... expired"`});
    res.end(JSON.stringify({type: 'error', error: {type: 'authentication_error', message: 'invalid token'}}));
  });
  const f = await proxyFixture({provider: 'claude', upstream, tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'a@example.com')}]});
  after(() => f.close());

  it('the client reads WWW-Authenticate with the token\'s start masked', async () => {
    const res = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    });
    const text = await res.text();
    const header = res.headers.get('www-authenticate') ?? '';
    // The upstream's header forwarded, its quote masked.
    assert.match(header, /error_description="the token at-a\.\.\.\(redacted\)\.\.\. expired"/, `${res.status} ${header}`);
    assert.ok(!header.includes(TOKEN.slice(0, 14)), `${res.status} ${header}`);
    assert.ok(!text.includes(TOKEN.slice(0, 14)), text);
  });
});
