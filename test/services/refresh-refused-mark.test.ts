// markRefreshRefused marks the refresh token that was refused, never a newer one: when another
// process's refresh (or a login) replaced the token file's refresh token between the refusal and the
// mark, the mark would otherwise say "refresh failed, log in again" of a token nobody tried.
import assert from 'node:assert/strict';
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {OAuthError} from '../../source/services/oauth/token-endpoint.js';
import {markRefreshRefused} from '../../source/services/refresh.js';
import {attemptFile, tokenFingerprint} from '../../source/services/refresh-attempt.js';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {oauthToken} from '../proxy/fixture.js';

describe('markRefreshRefused', () => {
  /** One claude account whose token file holds `held`, and the last attempt recorded for `recorded` with `outcome`. */
  const setUp = (held: string, recorded: string, outcome: string) => {
    const ccs = makeTempCcs();
    ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com', {refresh_token: held}));
    const file = attemptFile(ccs.paths.state, 'claude', 'me@example.com');
    mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
    writeFileSync(file, JSON.stringify({fingerprint: tokenFingerprint(recorded), outcome, at: new Date().toISOString(), pid: 1, host: 'here'}), {mode: 0o600});
    return ccs;
  };
  const refusal = new OAuthError('http://127.0.0.1:9/oauth/token', 400, 'invalid_request', 'refresh temporarily refused');

  it('marks the account when its file still holds the refused refresh token', async () => {
    const ccs = setUp('rt-refused-0123456789abcdef', 'rt-refused-0123456789abcdef', 'refused');
    try {
      const store = new AccountStore(ccs.paths);
      assert.equal(await markRefreshRefused(store, 'claude', (await store.load()).accounts[0]!, refusal), true);
      assert.equal((await store.load()).accounts[0]!.health, 'refresh-failed');
    } finally {
      ccs.cleanup();
    }
  });

  it("marks nothing when another refresh replaced the refresh token since (the record names the one it spent, the file holds a newer one)", async () => {
    // The refused token was refreshed again elsewhere and granted ('ok'): the file holds the rotated token.
    const ccs = setUp('rt-rotated-0123456789abcdef', 'rt-refused-0123456789abcdef', 'ok');
    try {
      const store = new AccountStore(ccs.paths);
      assert.equal(await markRefreshRefused(store, 'claude', (await store.load()).accounts[0]!, refusal), false);
      assert.notEqual((await store.load()).accounts[0]!.health, 'refresh-failed');
    } finally {
      ccs.cleanup();
    }
  });
});
