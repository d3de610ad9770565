// Auth code + PKCE against a real authorization server (oidc-provider), through the loopback
// callback server and through paste mode, with codex's row pointed at it by tui.json overrides.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {AccountStore} from '../../../source/store/accounts.js';
import {DEFAULT_SETTINGS, type TuiSettings} from '../../../source/store/settings.js';
import {beginAuthCodeLogin} from '../../../source/services/oauth/login.js';
import {makeTempCcs} from '../../helpers/ccs.js';
import {freePort} from '../../helpers/fake-providers/server.js';
import {oidcSettingsFor, startOidcServer, type OidcServer} from '../../helpers/oidc.js';

let oidc: OidcServer;
before(async () => {
  oidc = await startOidcServer();
});
after(async () => {
  await oidc.close();
});

function settings(port?: number): TuiSettings {
  const o = oidcSettingsFor(oidc, 'codex') as {endpoints: TuiSettings['endpoints']; login: {clientIds: Record<string, string>}};
  return {...DEFAULT_SETTINGS, endpoints: o.endpoints, login: {callbackPorts: port ? {codex: port} : {}, clientIds: o.login.clientIds}};
}

test('loopback: the browser comes back to 127.0.0.1 with code and state; PKCE exchange; account stored', async () => {
  const ccs = makeTempCcs();
  try {
    const port = await freePort();
    const store = new AccountStore(ccs.paths);
    const login = await beginAuthCodeLogin({store, settings: settings(port)}, 'codex', {});
    assert.equal(login.session.mode, 'loopback');
    assert.equal(login.session.redirectUri, `http://localhost:${port}/auth/callback`);
    const done = login.viaCallback();
    // The "browser": oidc-provider's login and consent pages, then the redirect to our loopback server.
    const redirect = new URL(await oidc.authorize(login.session.authorizeUrl, 'carol'));
    assert.equal(redirect.host, `localhost:${port}`);
    assert.ok(redirect.searchParams.get('iss'), 'RFC 9207 iss is passed along (and ignored)');
    redirect.hostname = '127.0.0.1';
    const page = await fetch(redirect);
    assert.equal(page.status, 200);
    const account = await done;
    assert.equal(account.email, 'carol@example.test');
    const token = await store.readToken(account);
    assert.equal(token!.type, 'codex');
    assert.equal(await oidc.userinfo(token!.access_token!), 200);
    assert.equal(oidc.tokenCalls.at(-1)!.grantType, 'authorization_code');
    assert.equal(oidc.tokenCalls.at(-1)!.status, 200);
  } finally {
    ccs.cleanup();
  }
});

test('paste mode: the full redirect URL pasted from the browser; a replayed paste with another state is refused', async () => {
  const ccs = makeTempCcs();
  try {
    const port = await freePort();
    const store = new AccountStore(ccs.paths);
    const login = await beginAuthCodeLogin({store, settings: settings(port)}, 'codex', {paste: true});
    // Codex has no code page of its own: a person who will paste still gets the loopback server.
    assert.equal(login.session.mode, 'loopback');
    assert.equal(login.session.port, port);
    const redirect = await oidc.authorize(login.session.authorizeUrl, 'dana');
    // The port is taken by the first login: the second is paste-only and says why.
    const other = await beginAuthCodeLogin({store, settings: settings(port)}, 'codex', {paste: true});
    assert.equal(other.session.mode, 'paste');
    assert.match(other.session.notice ?? '', new RegExp(`callback port ${port} is busy`));
    await assert.rejects(other.viaPaste(redirect), /state does not match/);
    const account = await login.viaPaste(redirect);
    assert.equal(account.email, 'dana@example.test');
    const token = await store.readToken(account);
    assert.equal(await oidc.userinfo(token!.access_token!), 200);
  } finally {
    ccs.cleanup();
  }
});
