// A remote login's pasted callback is handed to the server at most once: the server exchanges
// every code posted to it, and a code used twice gets its grant revoked (oidc-provider, with code
// exchanges held back 400 ms so a second post would land mid-exchange).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {remoteClaudeLoginsEachTest, startRemoteClaudeLogin} from '../helpers/fake-cliproxy/target.js';

const logins = remoteClaudeLoginsEachTest((l) => (l.oidc.delayCodeExchangeMs = 400));

function session() {
  const {session: s, views, until} = startRemoteClaudeLogin(logins.store);
  return {s, views, until};
}

const callbackPosts = () => logins.stand.requests.filter((r) => r.path === '/v0/management/oauth-callback').length;

test('two pastes in the same moment: one post to the server, the other refused; done; the stored grant works', async () => {
  const {s, until} = session();
  try {
    const view = await until('auth-code');
    const redirect = await logins.oidc.authorize(view.kind === 'auth-code' ? view.url : '', 'hal');
    const first = s.paste(redirect);
    assert.equal(s.view.kind, 'storing', 'storing before anything is sent');
    assert.match((await s.paste(redirect)) ?? '', /already being checked; this paste was not used/);
    assert.equal(await first, undefined);
    const done = await until('done');
    assert.equal(done.kind === 'done' && done.account?.email, 'hal@example.test');
    assert.equal(callbackPosts(), 1);
    const file = [...logins.stand.files.values()].find((f) => f.json.email === 'hal@example.test')!;
    assert.equal(await logins.oidc.userinfo(String(file.json.access_token)), 200, 'the grant was not revoked');
  } finally {
    s.cancel();
  }
});

test('a paste the server refuses (409: its login was cancelled elsewhere) reopens the field with its words; nothing is stored', async () => {
  const {s, until} = session();
  try {
    const view = await until('auth-code');
    const state = new URL(view.kind === 'auth-code' ? view.url : '').searchParams.get('state')!;
    // Another client drops the server's pending login; this one's paste is then the server's to refuse.
    await logins.store.client.json({method: 'DELETE', route: '/oauth-session', query: {state}, feature: 'cancelling logins'});
    const redirect = await logins.oidc.authorize(view.kind === 'auth-code' ? view.url : '', 'ivy');
    const problem = await s.paste(redirect);
    assert.match(problem ?? '', /409.*Authentication cancelled/);
    assert.equal(s.view.kind, 'auth-code', 'the field is open again');
    assert.equal(callbackPosts(), 1, 'posted once, refused');
    assert.equal(logins.stand.files.size, 0);
  } finally {
    s.cancel();
  }
});
