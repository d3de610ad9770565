// `login claude --target T` at a terminal: a pasted line that holds no code for this login (no code,
// another login's state, the provider's refusal) is said and another asked for, as a local login
// asks; nothing reaches the server until the right one, which logs in there.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {binPath} from '../helpers/cli.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {MANAGEMENT_KEY, remoteTarget} from '../helpers/fake-cliproxy/target.js';
import {OIDC_CLIENT_ID, startOidcServer} from '../helpers/oidc.js';
import {binInTmuxSkipReason, startTmux} from '../helpers/tmux.js';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

test('tmux: login claude --target team: wrong pastes are said and asked again, none posted; the right one logs in on the server', {skip: binInTmuxSkipReason()}, async () => {
  const oidc = await startOidcServer();
  cleanups.push(() => oidc.close());
  const ccs = makeTempCcs();
  cleanups.push(() => ccs.cleanup());
  const stand = await remoteTarget(ccs, {oauth: {anthropic: {clientId: OIDC_CLIENT_ID, authorize: `${oidc.issuer}/auth`, token: `${oidc.issuer}/token`, userinfo: `${oidc.issuer}/me`}}});
  cleanups.push(() => stand.close());
  const headers = {authorization: `Bearer ${MANAGEMENT_KEY}`};
  const other = (await (await fetch(`${stand.url}/v0/management/anthropic-auth-url`, {headers})).json()) as {url: string; state: string};

  const env = {PATH: process.env.PATH, CCS_DIR: ccs.paths.root, HOME: ccs.env.HOME, SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'};
  const term = startTmux(['sh', '-c', '"$0" "$1" login claude --no-browser --target team; echo "login-exit=$?"', process.execPath, binPath], {width: 200, height: 60, env});
  cleanups.push(() => term.kill());
  await term.waitFor(/After approving, paste the address/, 15_000);
  const url = /Open: +(\S+)/.exec(term.screen({joined: true}))![1]!;
  const state = new URL(url).searchParams.get('state')!;

  const wrong: Array<[string, RegExp]> = [
    [await oidc.authorize(other.url, 'mallory'), /✗ the pasted state does not match this login/],
    ['http://localhost/elsewhere?foo=bar', /✗ that is not a redirect URL or a code/],
    ['the-code#another-logins-state', /✗ the pasted state does not match this login/],
    [`http://localhost:54545/callback?error=access_denied&state=${state}`, /✗ the provider refused the login: access_denied/],
  ];
  for (const [text, said] of wrong) {
    const before = term.screen({history: true}).split('Paste again:').length;
    term.keys([text], {literal: true});
    term.keys(['Enter']);
    await term.waitFor(() => term.screen({history: true}).split('Paste again:').length > before, 10_000);
    const screen = term.screen({history: true});
    assert.match(screen, said, text);
    assert.doesNotMatch(screen, /login-exit=/, `${text}: the login goes on`);
  }
  assert.equal(stand.requests.filter((r) => r.path === '/v0/management/oauth-callback').length, 0, 'no wrong paste was posted');

  oidc.signOut();
  term.keys([await oidc.authorize(url, 'bob')], {literal: true});
  term.keys(['Enter']);
  const screen = await term.waitFor(/login-exit=\d+/, 20_000);
  assert.match(screen, /Added claude account bob@example\.test on target team/);
  assert.match(screen, /login-exit=0/);
  assert.deepEqual([...stand.files.values()].map((f) => f.json.email), ['bob@example.test']);
  const status = (await (await fetch(`${stand.url}/v0/management/get-auth-status?state=${other.state}`, {headers})).json()) as {status: string};
  assert.equal(status.status, 'wait', 'the other login is still pending, untouched');
});
