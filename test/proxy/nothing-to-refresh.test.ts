// An account with nothing to refresh (an API key; an OAuth file without a refresh token) is never
// "refreshed" by the proxy: its 401 is not followed by a second send of the same credential, and
// the log says no "token refresh ok" where no refresh happened.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {describeEvent} from '../../source/services/proxy/ipc.js';
import {sendJson} from '../helpers/fake-upstreams.js';
import {askChat, askMessages, oauthToken, proxyFixture} from './fixture.js';

describe('an API-key account (IBM Bob) whose key the upstream refuses', async () => {
  const f = await proxyFixture({provider: 'bob', apiPath: '/v1', tokens: [{file: 'bob-spare.json', token: {type: 'bob', api_key: 'bob-key-0123456789abcdef'}}]});
  after(() => f.close());

  it('is sent once, and no refresh is logged', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 401, {error: {message: 'invalid key', type: 'authentication_error'}});
    const answer = await askChat(f.url, 'bob-model');
    assert.equal(answer.status, 401, answer.text);
    assert.equal(f.upstream.requests.length, 1, 'the same key was sent again');
    const log = f.events.map((e) => describeEvent(e)).join('\n');
    assert.doesNotMatch(log, /token refresh/, log);
    // A key account: its key was refused, not a token (a new key is the way out, no login).
    assert.match(log, /bob\/spare: key rejected \(401\)/);
    assert.doesNotMatch(log, /token rejected/);
  });
});

describe('an OAuth file without a refresh token, its access token past expiry', async () => {
  const token = oauthToken('claude', 'me@example.com', {expired: new Date(Date.now() - 60_000).toISOString()});
  delete token.refresh_token;
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-me@example.com.json', token}]});
  after(() => f.close());

  it('logs no "token refresh ok": nothing was refreshed', async () => {
    const answer = await askMessages(f);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(f.tokenServer.requests.length, 0);
    assert.doesNotMatch(f.events.map((e) => describeEvent(e)).join('\n'), /token refresh ok/);
  });
});
