// markRefreshRefused marks the refresh token that was refused, never a newer one: when another
// process's refresh (or a login) replaced the token file's refresh token between the refusal and the
// mark, the mark would otherwise say "refresh failed, log in again" of a token nobody tried.
import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {describe, it} from 'node:test';
import {ensureFreshToken, markRefreshRefused} from '../../source/services/refresh.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {oauthToken} from '../proxy/fixture.js';

describe('markRefreshRefused', () => {
  /**
   * One claude account whose token file holds `held` (due for refresh), a token endpoint on 127.0.0.1
   * that refuses every refresh with an OAuth error that does not end the grant, and the refusal got
   * by refreshing the account once.
   */
  const refusedOnce = async (held: string) => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(400, {'content-type': 'application/json'});
        res.end(JSON.stringify({error: 'invalid_request', error_description: 'refresh temporarily refused'}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const ccs = makeTempCcs();
    ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`}}}));
    ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com', {refresh_token: held, expired: new Date(Date.now() - 60_000).toISOString()}));
    const store = new AccountStore(ccs.paths);
    const {settings} = await loadSettings(ccs.paths);
    const refusal = await ensureFreshToken({store, settings}, 'claude', 'me@example.com').then(() => undefined, (e: unknown) => e);
    assert.ok(refusal, 'the refresh was refused');
    return {ccs, store, refusal, cleanup: () => (ccs.cleanup(), server.close())};
  };

  it('marks the account when its file still holds the refused refresh token', async () => {
    const {store, refusal, cleanup} = await refusedOnce('rt-refused-0123456789abcdef');
    try {
      assert.equal(await markRefreshRefused(store, 'claude', (await store.load()).accounts[0]!, refusal), true);
      assert.equal((await store.load()).accounts[0]!.health, 'refresh-failed');
    } finally {
      cleanup();
    }
  });

  it('marks nothing when another refresh replaced the refresh token since (the file holds a newer one than the refusal was about)', async () => {
    const {ccs, store, refusal, cleanup} = await refusedOnce('rt-refused-0123456789abcdef');
    try {
      // Another process's refresh was granted meanwhile: the file holds the rotated token.
      ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com', {refresh_token: 'rt-rotated-0123456789abcdef'}));
      assert.equal(await markRefreshRefused(store, 'claude', (await store.load()).accounts[0]!, refusal), false);
      assert.notEqual((await store.load()).accounts[0]!.health, 'refresh-failed');
    } finally {
      cleanup();
    }
  });
});
