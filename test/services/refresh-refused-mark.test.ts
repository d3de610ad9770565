// A refused refresh is the one refresh: a refresh token the token endpoint refused (any answer no:
// 400, 401, 403, 404) is never sent again, by this process or another, and the account says
// "refresh failed" (its access token serves until it expires; a new login is the way out). Only a
// request the server put off unread (429, 408) is sent again. A mark names the refresh token it was
// about: a newer one another tool wrote since is refreshed as usual.
import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {describe, it} from 'node:test';
import {ensureFreshToken, markRefreshRefused} from '../../source/services/refresh.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {FakeClock} from '../helpers/fake-clock.js';
import {runBin} from '../helpers/cli.js';
import {oauthToken} from '../proxy/fixture.js';

describe('a refused refresh', () => {
  /**
   * One claude account whose token file holds `held` (due for refresh), a token endpoint on 127.0.0.1
   * that answers every refresh `status` with `body` (recording each refresh token presented), and the
   * error of refreshing the account once.
   */
  const refusedOnce = async (held: string, status = 400, body = JSON.stringify({error: 'invalid_request', error_description: 'refresh temporarily refused'})) => {
    const presented: string[] = [];
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (d) => (text += d));
      req.on('end', () => {
        presented.push(String((JSON.parse(text || '{}') as {refresh_token?: string}).refresh_token ?? new URLSearchParams(text).get('refresh_token')));
        // A wait longer than any refresh waits out (so the test does not sit through it).
        res.writeHead(status, {'content-type': 'application/json', ...(status === 429 ? {'retry-after': '3600'} : {})});
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const ccs = makeTempCcs();
    ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`}}}));
    ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com', {refresh_token: held, expired: new Date(Date.now() - 60_000).toISOString()}));
    const store = new AccountStore(ccs.paths);
    const {settings} = await loadSettings(ccs.paths);
    const clock = new FakeClock(Date.now());
    const refresh = (force = false) => ensureFreshToken({store, settings, clock}, 'claude', 'me@example.com', {force}).then(() => undefined, (e: unknown) => e as Error);
    const refusal = await refresh();
    assert.ok(refusal, 'the refresh was refused');
    return {ccs, store, refusal, presented, refresh, clock, cleanup: () => (ccs.cleanup(), server.close())};
  };

  for (const [status, body] of [
    [400, JSON.stringify({error: 'invalid_request', error_description: 'refresh temporarily refused'})],
    [401, 'Unauthorized'],
    [403, '<html>blocked</html>'],
    [404, 'Not Found'],
  ] as const) {
    it(`answered ${status}: never sent again (a forced refresh, another process), and the account says refresh failed`, async () => {
      const {ccs, store, refusal, presented, refresh, cleanup} = await refusedOnce('rt-refused-0123456789abcdef', status, body);
      try {
        assert.deepEqual(presented, ['rt-refused-0123456789abcdef']);
        const [me] = (await store.load()).accounts;
        assert.equal(await markRefreshRefused(store, 'claude', me!, refusal), true);
        assert.equal((await store.load()).accounts[0]!.health, 'refresh-failed');
        // Again, forced (a 401 upstream, `t`): nothing is sent.
        const again = await refresh(true);
        assert.equal(again!.name, 'RefreshRefusedError');
        assert.match(again!.message, new RegExp(`claude account me@example.com: not refreshed: this refresh token was not accepted when it was sent by process \\d+ .*\\(.*${status === 400 ? 'invalid_request' : status === 404 ? 'is no token endpoint \\(it answered 404: Not Found\\): is that address right\\?' : `http_${status}`}.*\\), so it is not sent again; log in again \\(the access token expired at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\)`));
        // Another process, the account's mark removed by hand: the attempt record still refuses it,
        // and the mark is written again.
        ccs.writeRaw('tui/account-state.json', '{}');
        const run = await runBin(['quota', '--provider', 'claude', '--json'], ccs.env);
        assert.deepEqual(presented, ['rt-refused-0123456789abcdef'], `sent again: ${run.stdout}${run.stderr}`);
        // Its access token expired: only a login brings it back, and the quota row says so.
        const [row] = JSON.parse(run.stdout) as Array<{error: {kind: string; message: string} | null}>;
        assert.equal(row!.error?.kind, 'needs-login', run.stdout);
        assert.match(row!.error!.message, /^refresh failed: .*not accepted.*so it is not sent again; log in again \(the access token expired at /);
        const shown = await runBin(['accounts'], ccs.env);
        assert.deepEqual(presented, ['rt-refused-0123456789abcdef']);
        assert.match(shown.stdout.split('\n').find((line) => line.includes('me@example.com')) ?? '', /refresh failed/, shown.stdout);
        // Nothing that refreshes on its own is given it.
        const native = await runBin(['use', '--native', 'claude', 'me@example.com'], {...ccs.env, CLAUDE_CONFIG_DIR: ccs.paths.root});
        assert.notEqual(native.code, 0, native.stdout);
        assert.match(native.stderr, /its refresh token was not accepted, so it is never sent again; a new login is needed/);
      } finally {
        cleanup();
      }
    });
  }

  for (const status of [429, 408]) {
    it(`answered ${status} (put off unread): sent again later${status === 429 ? ', once its Retry-After is over (not before, forced or not)' : ''}`, async () => {
      const {presented, refresh, store, clock, cleanup} = await refusedOnce('rt-put-off-0123456789abcdef', status, JSON.stringify({error: status === 429 ? 'rate_limited' : 'timeout'}));
      try {
        assert.notEqual((await store.load()).accounts[0]!.health, 'needs-login');
        const before = presented.length;
        if (status === 429) {
          const held = await refresh(true);
          assert.match(String(held?.message), /is rate limiting: not sent again before .*, as the token endpoint asked \(rate_limited\)/);
          assert.doesNotMatch(String(held?.message), /refused/, 'put off, not refused');
          assert.equal(presented.length, before, 'not sent during the hour the endpoint asked for');
          await clock.advance(3601_000);
        }
        await refresh(true);
        assert.ok(presented.length > before, 'the refresh token was sent again');
      } finally {
        cleanup();
      }
    });
  }

  it('another tool replaced the refresh token since: the account is not marked, and the new token is refreshed', async () => {
    const {ccs, store, refusal, presented, refresh, cleanup} = await refusedOnce('rt-refused-0123456789abcdef');
    try {
      // Another tool's login or refresh: the file holds a new refresh token nobody refused.
      ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com', {refresh_token: 'rt-rotated-0123456789abcdef', expired: new Date(Date.now() - 60_000).toISOString()}));
      assert.equal(await markRefreshRefused(store, 'claude', (await store.load()).accounts[0]!, refusal), false);
      assert.notEqual((await store.load()).accounts[0]!.health, 'refresh-failed');
      await refresh();
      assert.deepEqual(presented, ['rt-refused-0123456789abcdef', 'rt-rotated-0123456789abcdef']);
    } finally {
      cleanup();
    }
  });

  it('a refresh token revoked (invalid_grant), then another tool logged in again into the same file: not "re-login", and the new one is refreshed', async () => {
    const {ccs, store, presented, refresh, cleanup} = await refusedOnce('rt-revoked-0123456789abcdef', 400, JSON.stringify({error: 'invalid_grant'}));
    try {
      assert.equal((await store.load()).accounts[0]!.health, 'needs-login');
      ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com', {refresh_token: 'rt-new-login-0123456789abcdef', expired: new Date(Date.now() - 60_000).toISOString()}));
      assert.notEqual((await store.load()).accounts[0]!.health, 'needs-login');
      await refresh();
      assert.deepEqual(presented, ['rt-revoked-0123456789abcdef', 'rt-new-login-0123456789abcdef']);
    } finally {
      cleanup();
    }
  });
});
