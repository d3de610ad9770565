// Provider quirks against faithful local servers: what ccs-tui sends, and what it stores.
import assert from 'node:assert/strict';
import net from 'node:net';
import {readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {AccountStore} from '../../../source/store/accounts.js';
import {DEFAULT_SETTINGS, type TuiSettings} from '../../../source/store/settings.js';
import {beginAuthCodeLogin, deviceLogin} from '../../../source/services/oauth/login.js';
import {ensureFreshToken, bearerFor} from '../../../source/services/refresh.js';
import {FakeClock} from '../../helpers/fake-clock.js';
import {makeTempCcs} from '../../helpers/ccs.js';
import {freePort} from '../../helpers/fake-providers/server.js';
import {CODEX_AUTH_CLAIM, fakeClaude, fakeCodex, fakeCopilot, fakeIflow, fakeQwen, type FakeProvider} from '../../helpers/fake-providers/providers.js';

function settingsWith(fake: FakeProvider, extra: Partial<TuiSettings['login']> = {}): TuiSettings {
  return {...DEFAULT_SETTINGS, endpoints: fake.settings.endpoints, login: {...DEFAULT_SETTINGS.login, ...extra}};
}

async function pump(clock: FakeClock, done: Promise<unknown>): Promise<void> {
  let finished = false;
  done.then(() => (finished = true), () => (finished = true));
  for (let i = 0; i < 500 && !finished; i++) {
    await new Promise((r) => setTimeout(r, 5));
    await clock.advance(1000);
  }
}

test('qwen: PKCE challenge in the device request, verifier in every poll, 2 s default, 429 slows down by 5 s, label names the account', async () => {
  const fake = await fakeQwen();
  const ccs = makeTempCcs();
  try {
    const clock = new FakeClock();
    const store = new AccountStore(ccs.paths);
    const states: Array<[string, number]> = [];
    await assert.rejects(deviceLogin({store, settings: settingsWith(fake), clock}, 'qwen', {}), /give the account a name/);
    assert.equal(fake.server.requests.length, 0, 'no code requested without a label');
    const login = deviceLogin({store, settings: settingsWith(fake), clock}, 'qwen', {nickname: 'work-qwen', onState: (s) => states.push([s.phase === 'polling' ? s.pollState : s.phase, s.intervalSeconds])});
    await pump(clock, login);
    const account = await login;
    assert.equal(account.nickname, 'work-qwen');
    const device = fake.server.on('/api/v1/oauth2/device/code')[0]!;
    assert.equal(device.fields.client_id, 'f0304373b74a44d2b584a3fb70ca9e56');
    assert.equal(device.fields.code_challenge_method, 'S256');
    assert.equal(device.fields.scope, 'openid profile email model.completion');
    const polls = fake.server.on('/api/v1/oauth2/token');
    assert.equal(polls.length, 3);
    for (const p of polls) assert.ok(p.fields.code_verifier, 'verifier in every poll');
    assert.deepEqual(states, [['waiting', 2], ['slowed-down', 7], ['approved', 7]]);
    const token = await store.readToken(account);
    assert.equal(token!.type, 'qwen');
    assert.equal(token!.resource_url, 'portal.qwen.ai');
    assert.equal(token!.email, 'work-qwen');
    assert.equal(statSync(store.tokenPath(account)).mode & 0o777, 0o600);
  } finally {
    await fake.server.close();
    ccs.cleanup();
  }
});

test('copilot: JSON Accept header, HTTP-200 errors, slow_down interval from the body, then the Copilot API token', async () => {
  const fake = await fakeCopilot();
  const ccs = makeTempCcs();
  try {
    const clock = new FakeClock();
    const store = new AccountStore(ccs.paths);
    const states: Array<[string, number]> = [];
    const login = deviceLogin({store, settings: settingsWith(fake), clock}, 'copilot', {onState: (s) => states.push([s.phase === 'polling' ? s.pollState : s.phase, s.intervalSeconds])});
    await pump(clock, login);
    const account = await login;
    for (const r of fake.server.requests) assert.equal(r.headers.accept, 'application/json', `${r.path} asked for JSON`);
    assert.equal(fake.server.on('/login/device/code')[0]!.fields.scope, 'read:user');
    assert.deepEqual(states, [['waiting', 5], ['slowed-down', 10], ['approved', 10]]);
    const token = await store.readToken(account);
    assert.equal(token!.type, 'github-copilot');
    assert.equal(token!.access_token, 'gho_githubtoken123456789');
    assert.equal(token!.username, 'octocat');
    assert.match(String(token!.copilot_token), /^tid=copilot-api-/);
    assert.equal(token!.copilot_api_base, 'https://api.individual.githubcopilot.com');
    assert.equal(account.tokenFile, 'github-copilot-octocat.json');
    // "Refresh" = a new API token fetched with the GitHub token.
    const before = fake.server.on('/copilot_internal/v2/token').length;
    await new Promise((r) => setTimeout(r, 5));
    const fresh = await ensureFreshToken({store, settings: settingsWith(fake)}, 'copilot', account.id, {force: true});
    assert.equal(fake.server.on('/copilot_internal/v2/token').length, before + 1);
    assert.equal(bearerFor('copilot', fresh), fresh.copilot_token);
  } finally {
    await fake.server.close();
    ccs.cleanup();
  }
});

test('codex device: usercode, 403 while pending, then the code exchange with the deviceauth callback; identity from the id_token', async () => {
  const fake = await fakeCodex();
  const ccs = makeTempCcs();
  try {
    const clock = new FakeClock();
    const store = new AccountStore(ccs.paths);
    let shown = '';
    const login = deviceLogin({store, settings: settingsWith(fake), clock}, 'codex', {onAuthorization: (a) => (shown = `${a.userCode} ${a.verificationUri}`)});
    await pump(clock, login);
    const account = await login;
    assert.equal(shown, `CODX-7788 ${fake.server.url}/codex/device`);
    assert.equal(fake.server.on('/api/accounts/deviceauth/token').length, 2);
    const token = await store.readToken(account);
    assert.equal(token!.email, 'dev@example.com');
    assert.equal(token!.account_id, CODEX_AUTH_CLAIM.chatgpt_account_id);
    assert.equal(token!.plan_type, 'plus');
    assert.match(account.tokenFile, /^codex-[0-9a-f]{8}-dev@example.com-plus\.json$/);
  } finally {
    await fake.server.close();
    ccs.cleanup();
  }
});

test('claude paste mode: redirect to the code page, code#state pasted, JSON token body with state; wrong state refused', async () => {
  const fake = await fakeClaude();
  const ccs = makeTempCcs();
  try {
    const store = new AccountStore(ccs.paths);
    const settings = settingsWith(fake);
    const wrong = await beginAuthCodeLogin({store, settings}, 'claude', {paste: true});
    await assert.rejects(wrong.viaPaste('the-code#not-the-state'), /state does not match/);
    assert.equal(fake.server.on('/v1/oauth/token').length, 0);

    const login = await beginAuthCodeLogin({store, settings}, 'claude', {paste: true});
    assert.equal(login.session.mode, 'paste');
    const url = new URL(login.session.authorizeUrl);
    assert.equal(url.searchParams.get('redirect_uri'), 'https://platform.claude.com/oauth/code/callback');
    assert.equal(url.searchParams.get('code'), 'true');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    const state = url.searchParams.get('state')!;
    const account = await login.viaPaste(`  claude-auth-code#${state}\n`);
    const sent = fake.server.on('/v1/oauth/token')[0]!;
    assert.match(String(sent.headers['content-type']), /application\/json/);
    assert.equal(sent.fields.state, state);
    assert.equal(sent.fields.code, 'claude-auth-code');
    assert.equal(sent.fields.redirect_uri, 'https://platform.claude.com/oauth/code/callback');
    assert.ok(sent.fields.code_verifier);
    const token = await store.readToken(account);
    assert.equal(token!.email, 'claude-user@example.com');
    assert.equal(token!.organization_uuid, 'org-uuid-12345678');
    assert.equal(token!.organization_name, 'Example Org');
    assert.equal(token!.account_uuid, 'acc-uuid-1');
    assert.equal(account.tokenFile, 'claude-claude-user@example.com-org-uuid.json');
    // The same login again updates that account in place.
    const again = await beginAuthCodeLogin({store, settings}, 'claude', {paste: true});
    const state2 = new URL(again.session.authorizeUrl).searchParams.get('state')!;
    const same = await again.viaPaste(`https://platform.claude.com/oauth/code/callback?code=claude-auth-code&state=${state2}`);
    assert.equal(same.id, account.id);
    assert.equal((await store.load()).accounts.length, 1);
  } finally {
    await fake.server.close();
    ccs.cleanup();
  }
});

test('iflow loopback: callback server on 127.0.0.1 checks state, token request with HTTP Basic, API key from getUserInfo', async () => {
  const fake = await fakeIflow();
  const ccs = makeTempCcs();
  try {
    const store = new AccountStore(ccs.paths);
    const port = await freePort();
    const settings = settingsWith(fake, {callbackPorts: {iflow: port}});
    const login = await beginAuthCodeLogin({store, settings}, 'iflow', {});
    assert.equal(login.session.mode, 'loopback');
    const url = new URL(login.session.authorizeUrl);
    assert.equal(url.searchParams.get('redirect'), `http://localhost:${port}/oauth2callback`);
    assert.equal(url.searchParams.get('loginMethod'), 'phone');
    assert.equal(url.searchParams.get('client_id'), '10009311001');
    const state = url.searchParams.get('state')!;
    const done = login.viaCallback();
    const stray = await fetch(`http://127.0.0.1:${port}/favicon.ico`);
    assert.equal(stray.status, 404);
    const page = await fetch(`http://127.0.0.1:${port}/oauth2callback?code=iflow-code&state=${state}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Login complete/);
    const account = await done;
    const sent = fake.server.on('/oauth/token')[0]!;
    assert.match(String(sent.headers.authorization), /^Basic /);
    assert.equal(sent.fields.grant_type, 'authorization_code');
    assert.equal(sent.fields.redirect_uri, `http://localhost:${port}/oauth2callback`);
    assert.equal(sent.fields.code_verifier, undefined, 'iflow uses no PKCE');
    const token = await store.readToken(account);
    assert.equal(token!.api_key, 'sk-iflow-apikey-abcdef123456');
    assert.equal(token!.email, '13800000000');
    assert.match(account.tokenFile, /^iflow-13800000000-\d+\.json$/);
    // The server closed after its one callback.
    await assert.rejects(fetch(`http://127.0.0.1:${port}/oauth2callback?code=x&state=${state}`));
  } finally {
    await fake.server.close();
    ccs.cleanup();
  }
});

test('loopback: a wrong state gets a failure page, stores nothing, and the login keeps waiting for its own callback', async () => {
  const fake = await fakeIflow();
  const ccs = makeTempCcs();
  try {
    const store = new AccountStore(ccs.paths);
    const port = await freePort();
    const login = await beginAuthCodeLogin({store, settings: settingsWith(fake, {callbackPorts: {iflow: port}})}, 'iflow', {});
    const done = login.viaCallback();
    done.catch(() => undefined);
    const page = await fetch(`http://127.0.0.1:${port}/oauth2callback?code=iflow-code&state=forged`);
    assert.equal(page.status, 400);
    assert.match(await page.text(), /Login failed.*not for the login under way/s);
    assert.equal(fake.server.on('/oauth/token').length, 0);
    const state = new URL(login.session.authorizeUrl).searchParams.get('state')!;
    assert.equal((await fetch(`http://127.0.0.1:${port}/oauth2callback?code=iflow-code&state=${state}`)).status, 200);
    await done;
    assert.equal(fake.server.on('/oauth/token').length, 1);
  } finally {
    await fake.server.close();
    ccs.cleanup();
  }
});

test('a busy callback port falls back to paste mode and names the port', async () => {
  const fake = await fakeIflow();
  const ccs = makeTempCcs();
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const store = new AccountStore(ccs.paths);
    const login = await beginAuthCodeLogin({store, settings: settingsWith(fake, {callbackPorts: {iflow: port}})}, 'iflow', {});
    assert.equal(login.session.mode, 'paste');
    assert.match(login.session.notice!, new RegExp(`port ${port} is busy`));
    login.cancel();
  } finally {
    blocker.close();
    await fake.server.close();
    ccs.cleanup();
  }
});

test('kimi: X-Msh-* headers with one persisted device id on every call, kept in the token file and sent again on refresh', async () => {
  const {startFakeServer} = await import('../../helpers/fake-providers/server.js');
  let polls = 0;
  const server = await startFakeServer({
    'POST /api/oauth/device_authorization': () => ({json: {device_code: 'k-dev', user_code: 'KIMI-0001', verification_uri: 'https://www.kimi.com/code', verification_uri_complete: 'https://www.kimi.com/code?user_code=KIMI-0001', expires_in: 600, interval: 5}}),
    'POST /api/oauth/token': (req) =>
      req.fields.grant_type === 'refresh_token'
        ? {json: {access_token: 'kimi-at-2', refresh_token: 'kimi-rt-2', expires_in: 3600}}
        : polls++ === 0
          ? {status: 400, json: {error: 'authorization_pending'}}
          : {json: {access_token: 'kimi-at-1', refresh_token: 'kimi-rt-1', expires_in: 3600}},
  });
  const ccs = makeTempCcs();
  try {
    const clock = new FakeClock();
    const store = new AccountStore(ccs.paths);
    const settings = {...DEFAULT_SETTINGS, endpoints: {kimi: {device: `${server.url}/api/oauth/device_authorization`, token: `${server.url}/api/oauth/token`}}};
    const login = deviceLogin({store, settings, clock}, 'kimi', {nickname: 'kimi-main'});
    await pump(clock, login);
    const account = await login;
    const ids = new Set(server.requests.map((r) => r.headers['x-msh-device-id']));
    assert.equal(ids.size, 1);
    const [deviceId] = [...ids];
    assert.match(String(deviceId), /^[0-9a-f-]{36}$/);
    for (const r of server.requests) {
      assert.ok(r.headers['x-msh-platform'] && r.headers['x-msh-version'] && r.headers['x-msh-device-name'] && r.headers['x-msh-device-model'], r.path);
    }
    const token = await store.readToken(account);
    assert.equal(token!.device_id, deviceId);
    assert.match(account.tokenFile, /^kimi-\d+\.json$/);
    await ensureFreshToken({store, settings}, 'kimi', account.id, {force: true});
    assert.equal(server.requests.at(-1)!.headers['x-msh-device-id'], deviceId);
    assert.equal((await store.readToken(account))!.refresh_token, 'kimi-rt-2');
  } finally {
    await server.close();
    ccs.cleanup();
  }
});

test('kimi: two first logins at once send one device id between them, and the file keeps it', async () => {
  const {startFakeServer} = await import('../../helpers/fake-providers/server.js');
  let grants = 0;
  const server = await startFakeServer({
    'POST /api/oauth/device_authorization': () => ({json: {device_code: 'k-dev', user_code: 'KIMI-0001', verification_uri: 'https://www.kimi.com/code', expires_in: 600, interval: 5}}),
    'POST /api/oauth/token': () => ({json: {access_token: `kimi-at-${++grants}`, refresh_token: `kimi-rt-${grants}`, expires_in: 3600}}),
  });
  const ccs = makeTempCcs();
  try {
    const clock = new FakeClock();
    const settings = {...DEFAULT_SETTINGS, endpoints: {kimi: {device: `${server.url}/api/oauth/device_authorization`, token: `${server.url}/api/oauth/token`}}};
    // Two processes' stores, as two terminals logging in at the same moment.
    const logins = [new AccountStore(ccs.paths), new AccountStore(ccs.paths)].map((store) => deviceLogin({store, settings, clock}, 'kimi'));
    const both = Promise.all(logins);
    await pump(clock, both);
    await both;
    const ids = new Set(server.requests.map((r) => r.headers['x-msh-device-id']));
    assert.equal(ids.size, 1, [...ids].join(', '));
    assert.equal(readFileSync(path.join(ccs.paths.state, 'kimi-device-id'), 'utf8').trim(), [...ids][0]);
  } finally {
    await server.close();
    ccs.cleanup();
  }
});

test('xai discovery: endpoints that are not https on *.x.ai are refused unless the discovery URL was overridden', async () => {
  const {endpointsFromDiscovery} = await import('../../../source/providers/adapters/xai.js');
  const good = {device_authorization_endpoint: 'https://auth.x.ai/oauth2/device/code', token_endpoint: 'https://auth.x.ai/oauth2/token'};
  assert.equal(endpointsFromDiscovery(good, 'https://auth.x.ai/.well-known/openid-configuration', false).token, good.token_endpoint);
  assert.throws(() => endpointsFromDiscovery({...good, token_endpoint: 'https://evil.example/token'}, 'd', false), /refusing token_endpoint/);
  assert.throws(() => endpointsFromDiscovery({...good, token_endpoint: 'http://auth.x.ai/token'}, 'd', false), /not https on \*\.x\.ai/);
  assert.throws(() => endpointsFromDiscovery({...good, device_authorization_endpoint: 'https://x.ai.evil.com/d'}, 'd', false), /refusing/);
  assert.equal(endpointsFromDiscovery({...good, token_endpoint: 'http://127.0.0.1:9/token'}, 'd', true).token, 'http://127.0.0.1:9/token');
});
