// What a remote login posts for a paste. The server finishes whichever of its pending logins the
// posted state names, so a paste is checked here first, as a local login's paste is: another
// login's state, no code, or the provider's refusal is said and nothing is posted (the server would
// otherwise finish that other login with this person's account, and this one would wait until it
// expired). What is posted is the code and this login's state, so an answer in the address's
// fragment, which CLIProxyAPI does not read, works too.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {startRemoteLogin} from '../../source/services/remote/login.js';
import {remoteClaudeLoginsEachTest, startRemoteClaudeLogin} from '../helpers/fake-cliproxy/target.js';

const logins = remoteClaudeLoginsEachTest();

async function openLogin() {
  const {session: s, until} = startRemoteClaudeLogin(logins.store);
  const view = await until('auth-code');
  const url = view.kind === 'auth-code' ? view.url : '';
  return {s, until, url, state: new URL(url).searchParams.get('state')!};
}

const callbackPosts = () => logins.stand.requests.filter((r) => r.path === '/v0/management/oauth-callback');
const statusOf = async (state: string) => (await logins.store.client.json<{status: string}>({method: 'GET', route: '/get-auth-status', query: {state}, feature: 'login status'})).status;

test("another pending login's redirect (same server, same provider) is refused here: nothing posted, that login stays pending, this one goes on", async () => {
  const other = await startRemoteLogin(logins.store.client, 'claude');
  const {s, until, url} = await openLogin();
  try {
    const foreign = await logins.oidc.authorize(other.url, 'mallory');
    assert.equal(new URL(foreign).searchParams.get('state'), other.state);
    const problem = await s.paste(foreign);
    assert.match(problem ?? '', /^the pasted state does not match this login \(an old or foreign link\?\); nothing was stored$/);
    assert.equal(s.view.kind, 'auth-code', 'the field is open again');
    assert.deepEqual(callbackPosts(), [], 'nothing was posted');
    assert.equal(await statusOf(other.state), 'wait', 'the other login was not finished with this paste');
    assert.equal(logins.stand.files.size, 0);

    logins.oidc.signOut();
    assert.equal(await s.paste(await logins.oidc.authorize(url, 'ivy')), undefined);
    const done = await until('done');
    assert.equal(done.kind === 'done' && done.account?.email, 'ivy@example.test');
    assert.deepEqual([...logins.stand.files.values()].map((f) => f.json.email), ['ivy@example.test']);
  } finally {
    s.cancel();
  }
});

test('pastes with no code for this login are each said and post nothing; the field stays open', async () => {
  const {s, state} = await openLogin();
  try {
    const wrong: Array<[string, RegExp]> = [
      ['the-code#another-logins-state', /^the pasted state does not match this login/],
      ['http://localhost:54545/callback?foo=bar', /^that is not a redirect URL or a code/],
      ['two words', /^that is not a redirect URL or a code/],
      [`http://localhost:54545/callback?error=access_denied&state=${state}`, /^the provider refused the login: access_denied$/],
      [`http://localhost:54545/callback?error=access_denied&error_description=${encodeURIComponent('no, because '.repeat(100))}&state=${state}`, /^the provider refused the login: (no, because ){20,25}…$/],
      // Another login's refusal is not this one's.
      ['http://localhost:54545/callback?error=access_denied&state=someone-else', /^the pasted state does not match this login/],
      [`http://localhost:54545/callback#code=abc&state=someone-else`, /^the pasted state does not match this login/],
      ['   ', /^nothing was pasted/],
    ];
    for (const [text, said] of wrong) {
      assert.match((await s.paste(text)) ?? '', said, text);
      assert.equal(s.view.kind, 'auth-code', `${text}: the field is open again`);
    }
    assert.deepEqual(callbackPosts(), [], 'nothing was posted');
    assert.equal(await statusOf(state), 'wait');
  } finally {
    s.cancel();
  }
});

for (const [form, reshape] of [
  ['the address the browser ends on', (redirect: URL) => redirect.href],
  ['the answer in the fragment (not read by the server)', (redirect: URL) => `${redirect.origin}${redirect.pathname}#${redirect.searchParams}`],
  ["Claude's code#state", (redirect: URL) => `${redirect.searchParams.get('code')}#${redirect.searchParams.get('state')}`],
  ['the bare code', (redirect: URL) => redirect.searchParams.get('code')!],
] as const) {
  test(`${form}: the code and this login's state are posted; the server stores the account`, async () => {
    const {s, until, url, state} = await openLogin();
    try {
      const redirect = new URL(await logins.oidc.authorize(url, 'kim'));
      assert.equal(await s.paste(reshape(redirect)), undefined);
      const done = await until('done');
      assert.equal(done.kind === 'done' && done.account?.email, 'kim@example.test');
      const posts = callbackPosts();
      assert.equal(posts.length, 1);
      assert.deepEqual(JSON.parse(posts[0]!.body), {provider: 'anthropic', code: redirect.searchParams.get('code'), state});
    } finally {
      s.cancel();
    }
  });
}
