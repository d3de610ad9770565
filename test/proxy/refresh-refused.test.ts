// The proxy's own refresh of a token that the provider refuses (an answer, not a dead grant) marks
// the account refresh-failed, as the TUI's `t` does: the accounts table and the TUI then say so,
// and the request is still served with the access token it has.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {runBin} from '../helpers/cli.js';
import {sendJson} from '../helpers/fake-upstreams.js';
import {askMessages, oauthToken, proxyFixture} from './fixture.js';

describe("a refresh the provider refuses during the proxy's request", async () => {
  // Expired a minute ago: the proxy refreshes before sending.
  const token = oauthToken('claude', 'me@example.com', {expired: new Date(Date.now() - 60_000).toISOString()});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-me@example.com.json', token}]});
  after(() => f.close());

  it('marks the account refresh-failed in the accounts table; the request is still served', async () => {
    f.tokenServer.handler = (_req, res) => sendJson(res, 400, {error: 'invalid_request', error_description: 'refresh temporarily refused'});
    const answer = await askMessages(f);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(f.tokenServer.requests.length, 1, 'the one refresh was sent');
    const store = new AccountStore(f.ccs.paths);
    for (let i = 0; i < 50 && (await store.load()).accounts[0]?.health !== 'refresh-failed'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const shown = await runBin(['accounts'], f.ccs.env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout.split('\n').find((line) => line.includes('me@example.com')) ?? '', /refresh failed/, shown.stdout);
    assert.match(f.events.filter((e) => e.type === 'refresh').map((e) => JSON.stringify(e)).join('\n'), /"ok":false.*refresh temporarily refused/);
  });

});
