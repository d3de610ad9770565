// Overriding the endpoints a flow needs in tui.json means nothing goes to the provider's own hosts:
// xAI's discovery is asked only for what is still missing, and then at the overridden host. Every
// provider with OAuth, with every endpoint overridden to 127.0.0.1, logs in and refreshes (or fails
// to) without one connection elsewhere. A connect guard fails any non-loopback connection.
import assert from 'node:assert/strict';
import {afterEach, beforeEach, test} from 'node:test';
import {AccountStore} from '../../../source/store/accounts.js';
import {DEFAULT_SETTINGS, type TuiSettings} from '../../../source/store/settings.js';
import {beginAuthCodeLogin, deviceLogin} from '../../../source/services/oauth/login.js';
import {ensureFreshToken} from '../../../source/services/refresh.js';
import {fetchAccountQuota} from '../../../source/services/quota/service.js';
import {authCodeFlowOf, deviceFlowOf} from '../../../source/services/oauth/provider-config.js';
import {PROVIDERS, type EndpointName} from '../../../source/providers/table.js';
import {makeTempCcs, tokenFixture} from '../../helpers/ccs.js';
import {freePort, startFakeServer} from '../../helpers/fake-providers/server.js';
import {guardLoopback, type LoopbackGuard} from '../../helpers/loopback-guard.js';
import {OIDC_CLIENT_ID, startOidcServer} from '../../helpers/oidc.js';

let guard: LoopbackGuard;
beforeEach(() => {
  guard = guardLoopback();
});
afterEach(() => guard.restore());

test('the guard itself: a connection beyond 127.0.0.1 is caught and named', async () => {
  await assert.rejects(fetch('http://192.0.2.1:8080/'));
  assert.deepEqual(guard.blocked, ['192.0.2.1']);
  guard.blocked.length = 0;
});

test('xai with device and token overridden (discovery not): the login asks nothing of auth.x.ai', async () => {
  const oidc = await startOidcServer();
  const ccs = makeTempCcs();
  const asked: string[] = [];
  try {
    const settings: TuiSettings = {
      ...DEFAULT_SETTINGS,
      endpoints: {xai: {device: `${oidc.issuer}/device/auth`, token: `${oidc.issuer}/token`}},
      login: {...DEFAULT_SETTINGS.login, clientIds: {xai: OIDC_CLIENT_ID}},
    };
    const http = {
      async send(request: Parameters<typeof import('../../../source/services/http.js').undiciHttpClient.send>[0]) {
        asked.push(request.url);
        const {undiciHttpClient} = await import('../../../source/services/http.js');
        return undiciHttpClient.send(request);
      },
    };
    const account = await deviceLogin({store: new AccountStore(ccs.paths), settings, http}, 'xai', {
      onAuthorization: (a) => void oidc.approveDevice(a.verificationUriComplete!, 'grok-user'),
    });
    assert.equal(account.provider, 'xai');
    assert.deepEqual(guard.blocked, []);
    assert.ok(asked.every((url) => url.startsWith(oidc.issuer)), asked.join('\n'));
    // Discovery, if the identity needed userinfo at all, was asked at the overridden host.
    for (const url of asked.filter((u) => u.includes('.well-known'))) assert.equal(url, `${oidc.issuer}/.well-known/openid-configuration`);
    // A refresh with the token endpoint overridden asks no discovery either.
    const before = asked.length;
    await ensureFreshToken({store: new AccountStore(ccs.paths), settings, http}, 'xai', account.id, {force: true});
    assert.deepEqual(asked.slice(before), [`${oidc.issuer}/token`]);
    assert.deepEqual(guard.blocked, []);
  } finally {
    await oidc.close();
    ccs.cleanup();
  }
});

const NAMES: EndpointName[] = ['authorize', 'token', 'device', 'discovery', 'userinfo', 'usage', 'api'];
const OAUTH_ROWS = PROVIDERS.filter((row) => deviceFlowOf(row) || authCodeFlowOf(row));

for (const row of OAUTH_ROWS) {
  test(`${row.id}: with every endpoint overridden to 127.0.0.1, login and refresh reach no other host`, async () => {
    const ccs = makeTempCcs();
    // Refuses everything, as a gateway that knows nothing would.
    const fake = await startFakeServer({'*': () => ({status: 400, json: {error: 'invalid_request', error_description: 'refused by the test'}})});
    try {
      const endpoints = Object.fromEntries(NAMES.map((name) => [name, `${fake.url}/${name}`]));
      const port = await freePort();
      const settings: TuiSettings = {...DEFAULT_SETTINGS, endpoints: {[row.id]: endpoints}, login: {...DEFAULT_SETTINGS.login, callbackPorts: {[row.id]: port}}};
      const store = new AccountStore(ccs.paths);
      if (deviceFlowOf(row)) {
        await assert.rejects(deviceLogin({store, settings}, row.id, {nickname: 'label'}));
      }
      if (authCodeFlowOf(row)) {
        const login = await beginAuthCodeLogin({store, settings}, row.id);
        const done = login.viaCallback();
        done.catch(() => undefined);
        const state = new URL(login.session.authorizeUrl).searchParams.get('state')!;
        await fetch(`http://127.0.0.1:${port}${new URL(login.session.redirectUri).pathname}?code=test-code-123456&state=${state}`);
        await assert.rejects(done);
      }
      const file = `${row.id}-guard.json`;
      ccs.writeToken(file, {...tokenFixture(row.id, 'guard@example.com'), type: row.tokenType});
      const account = (await store.load()).accounts.find((a) => a.tokenFile === file);
      assert.ok(account, file);
      await ensureFreshToken({store, settings}, row.id, account.id, {force: true}).catch(() => undefined);
      // The quota source (with the project lookup or API-token exchange it needs) goes to the overrides too.
      await fetchAccountQuota({store, settings, paths: ccs.paths}, account, {force: true}).catch(() => undefined);
      assert.deepEqual(guard.blocked, []);
      assert.ok(fake.requests.length > 0, 'the flows went to the overrides');
    } finally {
      await fake.close();
      ccs.cleanup();
    }
  });
}
