// One authorization code, two ways in: the browser's loopback callback and a pasted redirect URL.
// A real authorization server (oidc-provider) revokes the grant when a code is used twice (RFC 6749
// §4.1.2), and its token answers are held back 400 ms so the second source arrives mid-exchange.
// Whatever the order, exactly one code exchange is sent, the stored grant keeps working, and the
// screen's outcome is that exchange's.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {AccountStore} from '../../../source/store/accounts.js';
import {DEFAULT_SETTINGS, type TuiSettings} from '../../../source/store/settings.js';
import {LoginSession, type LoginView} from '../../../source/services/oauth/login-session.js';
import {beginAuthCodeLogin} from '../../../source/services/oauth/login.js';
import {makeTempCcs} from '../../helpers/ccs.js';
import {freePort} from '../../helpers/fake-providers/server.js';
import {oidcSettingsFor, startOidcServer, type OidcServer} from '../../helpers/oidc.js';

const SSH = {SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'};
const DELAY_MS = 400;

let oidc: OidcServer;
before(async () => {
  oidc = await startOidcServer();
  oidc.delayCodeExchangeMs = DELAY_MS;
});
after(async () => {
  await oidc.close();
});

function settings(port: number): TuiSettings {
  const o = oidcSettingsFor(oidc, 'codex') as {endpoints: TuiSettings['endpoints']; login: {clientIds: Record<string, string>}};
  return {...DEFAULT_SETTINGS, endpoints: o.endpoints, login: {callbackPorts: {codex: port}, clientIds: o.login.clientIds}};
}

const codeExchanges = () => oidc.tokenCalls.filter((c) => c.grantType === 'authorization_code').length;

/**
 * A codex browser login in the TUI's state machine over SSH (the loopback server listens and a
 * paste is accepted), approved as `login` at the authorization server. `redirect`: the URL the
 * browser ends on; `callback`: the same on 127.0.0.1, as the browser (or an ssh -L) reaches it.
 */
async function codexLoginOverSsh(login: string) {
  const ccs = makeTempCcs();
  const port = await freePort();
  const store = new AccountStore(ccs.paths);
  const views: LoginView[] = [];
  const waiters: Array<() => void> = [];
  const session = new LoginSession({
    deps: {store, settings: settings(port)},
    provider: 'codex',
    env: SSH,
    browser: {open: async () => undefined},
    onChange: (view) => {
      views.push(view);
      for (const w of waiters.splice(0)) w();
    },
  });
  session.choose('auth-code');
  const ended = () =>
    new Promise<LoginView>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no end; saw ${views.map((v) => v.kind).join(' → ')}`)), 10_000);
      const check = () => {
        const last = views.at(-1);
        if (last?.kind === 'done' || last?.kind === 'ended') {
          clearTimeout(timer);
          resolve(last);
        } else waiters.push(check);
      };
      check();
    });
  while (views.at(-1)?.kind !== 'auth-code') await new Promise((r) => setTimeout(r, 5));
  const view = views.at(-1)!;
  assert.equal(view.kind === 'auth-code' && view.mode, 'loopback');
  const redirect = await oidc.authorize(view.kind === 'auth-code' ? view.url : '', login);
  const callback = new URL(redirect);
  callback.hostname = '127.0.0.1';
  const exchangesBefore = codeExchanges();
  return {
    session,
    views,
    store,
    redirect,
    callback: callback.toString(),
    ended,
    exchanges: () => codeExchanges() - exchangesBefore,
    cleanup: () => (session.cancel(), ccs.cleanup()),
  };
}

/**
 * The one stored account's grant is alive: its access token works (a revoked grant answers 401), and
 * its refresh token refreshes where one was issued (codex asks prompt=login, so oidc-provider drops
 * offline_access and issues none).
 */
async function assertGrantAlive(store: AccountStore, email: string) {
  const accounts = (await store.load()).accounts;
  assert.equal(accounts.length, 1, 'one account stored');
  assert.equal(accounts[0]!.email, email);
  const token = (await store.readToken(accounts[0]!))!;
  assert.equal(await oidc.userinfo(token.access_token!), 200, 'the stored access token is not revoked');
  if (token.refresh_token) {
    const refreshed = await oidc.refreshWorks(token.refresh_token);
    assert.ok(refreshed.ok, `the stored refresh token still refreshes: ${JSON.stringify(refreshed.body)}`);
  }
}

test('control: the same code exchanged twice makes this server revoke the grant (the check below can fail)', async () => {
  const ccs = makeTempCcs();
  try {
    const login = await beginAuthCodeLogin({store: new AccountStore(ccs.paths), settings: settings(await freePort())}, 'codex', {paste: true});
    const code = login.session.codeFromPaste(await oidc.authorize(login.session.authorizeUrl, 'ctl'));
    const {undiciHttpClient} = await import('../../../source/services/http.js');
    const first = login.session.exchange(undiciHttpClient, code);
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(login.session.exchange(undiciHttpClient, code), /invalid_grant/);
    const tokens = await first;
    assert.equal(await oidc.userinfo(tokens.access_token), 401, 'the first exchange\'s token is revoked');
    login.cancel();
  } finally {
    ccs.cleanup();
  }
});

test('callback, then the same redirect pasted 50 ms later: the paste is refused at once, one exchange, done, the grant works', async () => {
  const h = await codexLoginOverSsh('ana');
  try {
    const page = fetch(h.callback);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.session.view.kind, 'storing', 'the callback path shows storing too');
    assert.match((await h.session.paste(h.redirect)) ?? '', /already received from the browser/);
    const end = await h.ended();
    assert.equal((await page).status, 200);
    assert.equal(end.kind, 'done', JSON.stringify(end));
    assert.deepEqual(h.views.map((v) => v.kind).slice(-3), ['auth-code', 'storing', 'done']);
    assert.equal(h.exchanges(), 1, 'the code was exchanged once');
    await assertGrantAlive(h.store, 'ana@example.test');
  } finally {
    h.cleanup();
  }
});

test('paste, then the browser comes back during the paste\'s exchange: the server is closed already, one exchange, done, the grant works', async () => {
  const h = await codexLoginOverSsh('ben');
  try {
    const pasted = h.session.paste(h.redirect);
    assert.equal(h.session.view.kind, 'storing', 'storing at once');
    await new Promise((r) => setTimeout(r, 50));
    // The loopback server closed when the paste took the login: the browser reaches nothing.
    await assert.rejects(fetch(h.callback));
    assert.equal(await pasted, undefined);
    const end = await h.ended();
    assert.equal(end.kind, 'done', JSON.stringify(end));
    assert.equal(h.exchanges(), 1);
    await assertGrantAlive(h.store, 'ben@example.test');
  } finally {
    h.cleanup();
  }
});

test('callback and paste at the same moment: exactly one is used, the other refused; one exchange; done; the grant works', async () => {
  for (const first of ['callback', 'paste'] as const) {
    const h = await codexLoginOverSsh(`cy-${first}`);
    try {
      // Both in the same tick, in either order.
      const both =
        first === 'callback'
          ? [fetch(h.callback).then((r) => r.status, () => 'refused'), h.session.paste(h.redirect)]
          : [h.session.paste(h.redirect), fetch(h.callback).then((r) => r.status, () => 'refused')];
      const [a, b] = await Promise.all(both);
      const [page, pasted] = first === 'callback' ? [a, b] : [b, a];
      const end = await h.ended();
      assert.equal(end.kind, 'done', JSON.stringify(end));
      assert.equal(h.exchanges(), 1, `one exchange (${first} first)`);
      // The loser knows: a refused paste says why; a callback after the paste reaches no server or gets 409.
      if (pasted === undefined) assert.ok(page === 'refused' || page === 409, `callback after the paste: ${page}`);
      else {
        assert.match(String(pasted), /already received from the browser/);
        assert.equal(page, 200);
      }
      await assertGrantAlive(h.store, `cy-${first}@example.test`);
    } finally {
      h.cleanup();
    }
  }
});

test('a second paste while the first one\'s exchange runs is refused, not sent', async () => {
  const h = await codexLoginOverSsh('dee');
  try {
    const first = h.session.paste(h.redirect);
    assert.match((await h.session.paste(h.redirect)) ?? '', /a code was already pasted for this login/);
    assert.equal(await first, undefined);
    assert.equal((await h.ended()).kind, 'done');
    assert.equal(h.exchanges(), 1);
    await assertGrantAlive(h.store, 'dee@example.test');
  } finally {
    h.cleanup();
  }
});

test('the CLI\'s viaFirst: a callback, then a paste of the same redirect, exchanges once', async () => {
  const ccs = makeTempCcs();
  try {
    const store = new AccountStore(ccs.paths);
    const login = await beginAuthCodeLogin({store, settings: settings(await freePort())}, 'codex', {paste: true});
    const redirect = await oidc.authorize(login.session.authorizeUrl, 'eve');
    const callback = new URL(redirect);
    callback.hostname = '127.0.0.1';
    let paste!: (text: string) => void;
    const before = codeExchanges();
    const done = login.viaFirst(new Promise<string>((resolve) => (paste = resolve)));
    assert.equal((await fetch(callback)).status, 200);
    paste(redirect);
    const account = await done;
    assert.equal(account.email, 'eve@example.test');
    assert.equal(codeExchanges() - before, 1);
    await assertGrantAlive(store, 'eve@example.test');
  } finally {
    ccs.cleanup();
  }
});
