// The loopback callback server ends a login only with the callback carrying this login's state:
// a stale tab's callback (another state), a callback without code, /favicon.ico or a port scanner
// get an error answer and the login keeps waiting, until the callback timeout. Over SSH the server
// still listens (so the ssh -L hint is true), and the right callback through the named port, or a
// paste, ends it: whichever comes first.
import assert from 'node:assert/strict';
import {connect} from 'node:net';
import {after, before, test} from 'node:test';
import {AccountStore} from '../../../source/store/accounts.js';
import {DEFAULT_SETTINGS, type TuiSettings} from '../../../source/store/settings.js';
import {startAuthCode} from '../../../source/services/oauth/auth-code.js';
import {resolveProvider} from '../../../source/services/oauth/provider-config.js';
import {beginAuthCodeLogin} from '../../../source/services/oauth/login.js';
import {LoginSession, type LoginView} from '../../../source/services/oauth/login-session.js';
import {makeTempCcs} from '../../helpers/ccs.js';
import {FakeClock} from '../../helpers/fake-clock.js';
import {freePort} from '../../helpers/fake-providers/server.js';
import {oidcSettingsFor, startOidcServer, type OidcServer} from '../../helpers/oidc.js';

let oidc: OidcServer;
before(async () => {
  oidc = await startOidcServer();
});
after(async () => {
  await oidc.close();
});

function settings(port: number): TuiSettings {
  const o = oidcSettingsFor(oidc, 'codex') as {endpoints: TuiSettings['endpoints']; login: {clientIds: Record<string, string>}};
  return {...DEFAULT_SETTINGS, endpoints: o.endpoints, login: {callbackPorts: {codex: port}, clientIds: o.login.clientIds}};
}

/** Settles within `ms`? 'pending' when it did not. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);
}

async function loopbackSession(callbackTimeoutMs?: number) {
  const port = await freePort();
  const session = await startAuthCode(resolveProvider(settings(port), 'codex'), settings(port), {callbackTimeoutMs});
  assert.equal(session.mode, 'loopback');
  const state = new URL(session.authorizeUrl).searchParams.get('state')!;
  const base = `http://127.0.0.1:${port}`;
  return {session, port, state, base};
}

test('a callback with another state gets an error page and the login keeps waiting for its own', async () => {
  const {session, state, base} = await loopbackSession();
  try {
    const code = session.callback();
    for (const stale of ['someone-elses-state', '']) {
      const answer = await fetch(`${base}/auth/callback?code=stolen&state=${stale}`);
      assert.equal(answer.status, 400);
      assert.match(await answer.text(), /not for the login under way.*still waiting/s);
    }
    // Even an error callback with a foreign state does not end it.
    assert.equal((await fetch(`${base}/auth/callback?error=access_denied&state=other`)).status, 400);
    assert.equal(await within(code, 100), 'pending');
    // The tab of the right callback is answered with how the login ended (report), not before.
    const right = fetch(`${base}/auth/callback?code=the-code&state=${state}`);
    assert.equal(await code, 'the-code');
    session.report({ok: true, message: 'stored'});
    assert.equal((await right).status, 200);
  } finally {
    session.close();
  }
});

test('a callback with the right state but no code is answered and ignored', async () => {
  const {session, state, base} = await loopbackSession();
  try {
    const code = session.callback();
    const answer = await fetch(`${base}/auth/callback?state=${state}`);
    assert.equal(answer.status, 400);
    assert.match(await answer.text(), /carried no code/);
    assert.equal(await within(code, 100), 'pending');
    const page = fetch(`${base}/auth/callback?code=second-try&state=${state}`);
    assert.equal(await code, 'second-try');
    session.close();
    assert.match(await (await page).text(), /ended before it finished; nothing was stored/);
  } finally {
    session.close();
  }
});

test('stray requests (favicon, other paths, POST, a port scanner that connects and hangs up) leave the login waiting', async () => {
  const {session, port, state, base} = await loopbackSession();
  try {
    const code = session.callback();
    assert.equal((await fetch(`${base}/favicon.ico`)).status, 404);
    assert.equal((await fetch(`${base}/`)).status, 404);
    assert.equal((await fetch(`${base}/auth/callback?code=x&state=${state}`, {method: 'POST'})).status, 404);
    // Scanners: one sends a TLS hello's first bytes and hangs up; one connects and says nothing.
    for (const probe of ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', '']) {
      const socket = connect(port, '127.0.0.1', () => socket.write(probe));
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();
    }
    assert.equal(await within(code, 100), 'pending');
    const page = fetch(`${base}/auth/callback?code=after-strays&state=${state}`);
    assert.equal(await code, 'after-strays');
    session.close();
    await page;
  } finally {
    session.close();
  }
});

test('the provider refusing (error with the right state) ends the login with its words', async () => {
  const {session, state, base} = await loopbackSession();
  try {
    const code = session.callback();
    await fetch(`${base}/auth/callback?error=access_denied&error_description=User%20said%20no&state=${state}`);
    await assert.rejects(code, /the provider refused the login: User said no/);
  } finally {
    session.close();
  }
});

test('with only wrong callbacks the login ends at its timeout, naming it, and the port is free again', async () => {
  const {session, port, base} = await loopbackSession(300);
  const code = session.callback();
  await fetch(`${base}/auth/callback?code=x&state=wrong`);
  await assert.rejects(code, new RegExp(`no browser came back to http://localhost:${port}/auth/callback within 1 s; nothing was stored`));
  await assert.rejects(fetch(`${base}/auth/callback`), /fetch failed/);
});

test('TUI over SSH (codex browser login): the view names a port something listens on; a callback through it stores the account', async () => {
  const ccs = makeTempCcs();
  const port = await freePort();
  const views: LoginView[] = [];
  let changed: () => void = () => undefined;
  const session = new LoginSession({
    deps: {store: new AccountStore(ccs.paths), settings: settings(port), clock: new FakeClock()},
    provider: 'codex',
    env: {SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'},
    browser: {open: async () => assert.fail('no browser is opened over SSH')},
    onChange: (view) => (views.push(view), changed()),
  });
  const until = (kind: LoginView['kind']) =>
    new Promise<LoginView>((resolve) => {
      const check = () => {
        const found = views.find((v) => v.kind === kind);
        if (found) resolve(found);
      };
      changed = check;
      check();
    });
  try {
    session.choose('auth-code');
    const view = await until('auth-code');
    assert.ok(view.kind === 'auth-code');
    const hint = /^ssh -L (\d+):localhost:(\d+) 10\.0\.0\.1$/.exec(view.sshHint ?? '');
    assert.ok(hint, `hint: ${view.sshHint}`);
    assert.equal(Number(hint[1]), port);
    // The hint names the port a browser elsewhere comes back to: connect to it as the tunnel would.
    const redirect = new URL(await oidc.authorize(view.url, 'ivy'));
    assert.equal(redirect.port, hint[1]);
    redirect.hostname = '127.0.0.1';
    assert.equal((await fetch(redirect)).status, 200);
    const done = await until('done');
    assert.equal(done.kind === 'done' && done.account?.email, 'ivy@example.test');
  } finally {
    session.cancel();
    ccs.cleanup();
  }
});

test('loopback and paste at once (viaFirst): a paste wins while the server listens; the port is let go', async () => {
  const ccs = makeTempCcs();
  try {
    const port = await freePort();
    const login = await beginAuthCodeLogin({store: new AccountStore(ccs.paths), settings: settings(port)}, 'codex', {paste: true});
    assert.equal(login.session.port, port);
    const redirect = await oidc.authorize(login.session.authorizeUrl, 'jo');
    const account = await login.viaFirst(Promise.resolve(redirect));
    assert.equal(account.email, 'jo@example.test');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/auth/callback`), /fetch failed/);
  } finally {
    ccs.cleanup();
  }
});
