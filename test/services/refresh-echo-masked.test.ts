// A token endpoint's error text may echo credentials back: the account's access token, the refresh
// token sent, its id token, another account's token. None of them is stored in full (the refresh
// attempt record, account-state.json's marks), thrown in full, or printed in full by `accounts`,
// even once the token it echoed is in no token file any more.
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {describe, it} from 'node:test';
import {ensureFreshToken, markRefreshRefused} from '../../source/services/refresh.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

const AT_ME = 'at-me-ECHOED-0123456789abcdef';
const RT_ME = 'rt-me-ECHOED-0123456789abcdef';
const ID_ME = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJtZSJ9.ECHOEDidtoken0123';
const AT_OTHER = 'at-other-ECHOED-0123456789abcdef';
const SECRETS = [AT_ME, RT_ME, ID_ME, AT_OTHER];
const ECHO = `bad token ${AT_OTHER} ${AT_ME} ${RT_ME} ${ID_ME}`;

const leaks = (text: string) => SECRETS.filter((secret) => text.includes(secret));

/** Every file under `dir`, read as text. */
const allText = (dir: string): string =>
  readdirSync(dir, {withFileTypes: true})
    .map((entry) => (entry.isDirectory() ? allText(path.join(dir, entry.name)) : readFileSync(path.join(dir, entry.name), 'utf8')))
    .join('\n');

/**
 * Two claude accounts (me: due for refresh, with an id token; other), and a token endpoint on
 * 127.0.0.1 that answers me's refresh with `status` and `body`, echoing the credentials.
 */
async function echoedRefresh(status: number, body: string, type = 'application/json') {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, {'content-type': type});
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const ccs = makeTempCcs();
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`}}}));
  ccs.writeToken('claude-me@example.com.json', tokenFixture('claude', 'me@example.com', {access_token: AT_ME, refresh_token: RT_ME, id_token: ID_ME, expired: new Date(Date.now() - 60_000).toISOString()}));
  ccs.writeToken('claude-other@example.com.json', tokenFixture('claude', 'other@example.com', {access_token: AT_OTHER}));
  const store = new AccountStore(ccs.paths);
  const {settings} = await loadSettings(ccs.paths);
  const error = (await ensureFreshToken({store, settings}, 'claude', 'me@example.com').then(() => undefined, (e: unknown) => e)) as Error;
  assert.ok(error, 'the refresh failed');
  return {ccs, store, error, cleanup: () => (ccs.cleanup(), server.close())};
}

describe('credentials echoed by a token endpoint', () => {
  it('a refusal that ends the grant (invalid_grant): the needs-login mark, the attempt record and the error hold none in full', async () => {
    const {ccs, store, error, cleanup} = await echoedRefresh(400, JSON.stringify({error: 'invalid_grant', error_description: ECHO}));
    try {
      assert.equal(error.name, 'NeedsLoginError');
      assert.equal((await store.load()).accounts.find((a) => a.email === 'me@example.com')!.health, 'needs-login');
      assert.match(error.message, /bad token at-o…\(redacted\)/);
      assert.deepEqual(leaks(`${error.message}\n${error.stack}\n${JSON.stringify(error)}`), []);
      assert.deepEqual(leaks(readFileSync(ccs.paths.accountState, 'utf8')), []);
      assert.match(allText(path.join(ccs.paths.state, 'refresh')), /"outcome": "refused"/);
      assert.deepEqual(leaks(allText(ccs.paths.state)), []);
    } finally {
      cleanup();
    }
  });

  it('a refusal that does not end it (invalid_request): the refresh-failed mark, the attempt record and the error hold none in full', async () => {
    const {ccs, store, error, cleanup} = await echoedRefresh(400, JSON.stringify({error: 'invalid_request', error_description: ECHO}));
    try {
      assert.deepEqual(leaks(`${error.message}\n${error.stack}\n${JSON.stringify(error)}`), []);
      const me = (await store.load()).accounts.find((a) => a.email === 'me@example.com')!;
      assert.equal(await markRefreshRefused(store, 'claude', me, error), true);
      assert.equal((await store.load()).accounts.find((a) => a.email === 'me@example.com')!.health, 'refresh-failed');
      assert.match(readFileSync(ccs.paths.accountState, 'utf8'), /refreshFailed/);
      assert.deepEqual(leaks(allText(ccs.paths.state)), []);
    } finally {
      cleanup();
    }
  });

  it('a 200 that is not a token response (an HTML page quoting them): the refresh-unknown mark, the record, the error and `accounts` hold none in full', async () => {
    const {ccs, store, error, cleanup} = await echoedRefresh(200, `<html>${ECHO}</html>`, 'text/html');
    try {
      assert.equal(error.name, 'RefreshOutcomeUnknownError');
      assert.match(error.message, /answered 200: not a token response: <html>bad token at-o…\(redacted\)/);
      assert.deepEqual(leaks(`${error.message}\n${error.stack}\n${JSON.stringify(error)}`), []);
      assert.equal((await store.load()).accounts.find((a) => a.email === 'me@example.com')!.health, 'refresh-unknown');
      assert.deepEqual(leaks(allText(ccs.paths.state)), []);
      // The other account refreshed since: its old access token is in no token file, so nothing
      // printing later could know it; what was stored must already be masked.
      ccs.writeToken('claude-other@example.com.json', tokenFixture('claude', 'other@example.com', {access_token: 'at-other-NEW-0123456789abcdef'}));
      const run = await runBin(['accounts'], ccs.env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /refresh unknown \(.*not a token response/);
      assert.deepEqual(leaks(run.stdout + run.stderr), []);
    } finally {
      cleanup();
    }
  });
});
