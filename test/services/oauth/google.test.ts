// Google accounts end to end against the Google stand-in: logins (loopback and paste) with Cloud
// Code set-up, refresh in both token-file layouts and with the account's own client, Vertex's
// JWT-bearer exchange, quota for all four, and what the stand-in saw.
import assert from 'node:assert/strict';
import {readFileSync, statSync} from 'node:fs';
import {after, before, test} from 'node:test';
import {AccountStore} from '../../../source/store/accounts.js';
import {DEFAULT_SETTINGS, type TuiSettings} from '../../../source/store/settings.js';
import {addApiKeyAccount, beginAuthCodeLogin, importServiceAccount} from '../../../source/services/oauth/login.js';
import {ensureFreshToken} from '../../../source/services/refresh.js';
import {fetchAccountQuota} from '../../../source/services/quota/service.js';
import {systemClock, type Clock} from '../../../source/services/clock.js';
import type {Account} from '../../../source/core/types.js';
import {makeTempCcs, type TempCcs} from '../../helpers/ccs.js';
import {freePort} from '../../helpers/fake-providers/server.js';
import {
  ANTIGRAVITY_CLIENT,
  ANTIGRAVITY_NEW_CLIENT,
  ANTIGRAVITY_SCOPES,
  GEMINI_CLIENT,
  GEMINI_PASTE_REDIRECT,
  GEMINI_SCOPES,
  startFakeGoogle,
  type FakeGoogle,
} from '../../helpers/fake-google/server.js';

/** Operation polls wait 2 s on the real clock; here they return at once (the waits are not under test). */
const instantSleep: Clock = {...systemClock, sleep: async () => undefined};

let google: FakeGoogle;
before(async () => {
  google = await startFakeGoogle({
    users: {
      alice: {email: 'alice@example.com', codeAssist: {kind: 'project', project: 'alice-proj-1'}},
      fred: {email: 'fred@example.com', codeAssist: {kind: 'free-onboard', project: 'fred-managed-7', polls: 2}},
      vera: {email: 'vera@example.com', codeAssist: {kind: 'validation-required', url: 'https://accounts.google.com/signin/continue?sarp=1&scc=1'}},
      nora: {email: 'nora@example.com', codeAssist: {kind: 'no-access'}},
      gus: {email: 'gus@example.com', codeAssist: {kind: 'project', project: 'gus-proj'}},
    },
  });
});
after(() => google.close());

const settings = (): TuiSettings => ({...DEFAULT_SETTINGS, endpoints: google.settings().endpoints});

async function withStore(fn: (store: AccountStore, ccs: TempCcs) => Promise<void>): Promise<void> {
  const ccs = makeTempCcs();
  try {
    await fn(new AccountStore(ccs.paths), ccs);
  } finally {
    ccs.cleanup();
  }
}

/** Requests the stand-in received since `from`, on `path`. */
const since = (from: number, path: string) => google.requests.slice(from).filter((r) => r.path === path);

test('gemini by loopback: Google sees offline access, consent, PKCE, the secret and the exact redirect; the account has its project', () =>
  withStore(async (store) => {
    const mark = google.requests.length;
    const port = await freePort();
    const login = await beginAuthCodeLogin({store, settings: settings()}, 'gemini', {port});
    assert.equal(login.session.mode, 'loopback');
    const landing = await google.approve(login.session.authorizeUrl, 'alice');
    assert.ok(landing.startsWith(`http://localhost:${port}/oauth2callback?`), landing);
    const [account] = await Promise.all([login.viaCallback(), fetch(landing.replace('localhost', '127.0.0.1')).then((r) => r.text())]);

    assert.equal(account.email, 'alice@example.com');
    assert.equal(account.projectId, 'alice-proj-1');
    const authorize = since(mark, '/o/oauth2/v2/auth')[0]!.query;
    assert.equal(authorize.get('access_type'), 'offline');
    assert.equal(authorize.get('prompt'), 'consent');
    assert.equal(authorize.get('code_challenge_method'), 'S256');
    assert.equal(authorize.get('scope'), GEMINI_SCOPES.join(' '));
    assert.equal(authorize.get('client_id'), GEMINI_CLIENT.id);
    const exchange = since(mark, '/token')[0]!.fields;
    assert.equal(exchange.grant_type, 'authorization_code');
    assert.equal(exchange.client_secret, GEMINI_CLIENT.secret);
    assert.equal(exchange.redirect_uri, `http://localhost:${port}/oauth2callback`);
    assert.ok(exchange.code_verifier);
    const load = JSON.parse(since(mark, '/v1internal:loadCodeAssist')[0]!.body);
    assert.deepEqual(load.metadata, {ideType: 'IDE_UNSPECIFIED', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI'});
    assert.equal(since(mark, '/v1internal:onboardUser').length, 0, 'an account with a project is not onboarded');

    const token = (await store.readToken(account))!;
    assert.equal(token.project_id, 'alice-proj-1');
    assert.equal(token.client_id, GEMINI_CLIENT.id);
    assert.match(String(token.refresh_token), /^1\/\/0g/);
    assert.equal(account.tokenFile, 'gemini-alice@example.com-alice-proj-1.json');
    assert.equal(statSync(store.tokenPath(account)).mode & 0o777, 0o600);
    const listed = (await store.load()).accounts.find((a) => a.provider === 'gemini')!;
    assert.equal(listed.email, 'alice@example.com');
    assert.equal(listed.projectId, 'alice-proj-1');
  }));

test("gemini by paste over SSH: the redirect is Code Assist's code page, the pasted code is exchanged with that redirect", () =>
  withStore(async (store) => {
    const mark = google.requests.length;
    const login = await beginAuthCodeLogin({store, settings: settings()}, 'gemini', {paste: true});
    assert.equal(login.session.mode, 'paste');
    assert.equal(login.session.redirectUri, GEMINI_PASTE_REDIRECT);
    const landing = new URL(await google.approve(login.session.authorizeUrl, 'gus'));
    assert.equal(`${landing.origin}${landing.pathname}`, GEMINI_PASTE_REDIRECT);
    // The page shows the code; that is what a person copies.
    const account = await login.viaPaste(landing.searchParams.get('code')!);
    assert.equal(account.email, 'gus@example.com');
    assert.equal(account.projectId, 'gus-proj');
    assert.equal(since(mark, '/token')[0]!.fields.redirect_uri, GEMINI_PASTE_REDIRECT);
  }));

test('antigravity by paste: no project yet, so free-tier onboarding runs and its operation is polled until done', () =>
  withStore(async (store) => {
    const mark = google.requests.length;
    const login = await beginAuthCodeLogin({store, settings: settings(), clock: instantSleep}, 'antigravity', {paste: true});
    assert.equal(login.session.redirectUri, 'http://localhost:51121/oauth-callback');
    const landing = await google.approve(login.session.authorizeUrl, 'fred');
    const account = await login.viaPaste(landing);

    assert.equal(account.email, 'fred@example.com');
    assert.equal(account.projectId, 'fred-managed-7');
    const authorize = since(mark, '/o/oauth2/v2/auth')[0]!.query;
    assert.equal(authorize.get('client_id'), ANTIGRAVITY_CLIENT.id);
    assert.equal(authorize.get('scope'), ANTIGRAVITY_SCOPES.join(' '));
    assert.equal(since(mark, '/token')[0]!.fields.client_secret, ANTIGRAVITY_CLIENT.secret);
    assert.equal(JSON.parse(since(mark, '/v1internal:loadCodeAssist')[0]!.body).metadata.ideType, 'ANTIGRAVITY');
    const onboard = JSON.parse(since(mark, '/v1internal:onboardUser')[0]!.body);
    assert.equal(onboard.tierId, 'free-tier');
    assert.equal(onboard.cloudaicompanionProject, undefined, 'free tier: no project in the request');
    const polls = google.requests.slice(mark).filter((r) => r.path.startsWith('/v1internal/operations/'));
    assert.equal(polls.length, 2);
    const token = (await store.readToken(account))!;
    assert.equal(token.project_id, 'fred-managed-7');
    assert.equal(token.client_id, ANTIGRAVITY_CLIENT.id);
    assert.equal((await store.load()).accounts.find((a) => a.provider === 'antigravity')?.tier, 'free-tier');
  }));

test('an account Google wants verified, or one without Cloud Code, is refused with a clear message and nothing stored', () =>
  withStore(async (store) => {
    for (const [who, expected] of [
      ['vera', /verify this account first \(Verify your account to continue\.\)\. Open https:\/\/accounts\.google\.com\/signin\/continue\?sarp=1&scc=1 in a browser/],
      ['nora', /no Cloud Code access \(Your account is not eligible for Gemini Code Assist for individuals\.\)/],
    ] as const) {
      const login = await beginAuthCodeLogin({store, settings: settings()}, 'gemini', {paste: true});
      const landing = new URL(await google.approve(login.session.authorizeUrl, who));
      await assert.rejects(login.viaPaste(landing.searchParams.get('code')!), expected);
    }
    assert.equal((await store.load()).accounts.length, 0);
  }));

/** An expired token file in `dir` as CLIProxyAPI left it. */
function expired(): string {
  return new Date(Date.now() - 60_000).toISOString();
}

async function onlyAccount(store: AccountStore): Promise<Account> {
  const [account] = (await store.load()).accounts;
  assert.ok(account);
  return account;
}

test("refresh of CLIProxyAPI's nested gemini file: its own client, the new access token goes back into `token`, the layout stays", () =>
  withStore(async (store, ccs) => {
    const issued = google.issueTokens('alice', GEMINI_CLIENT.id);
    const file = ccs.writeToken('alice@example.com-alice-proj-1.json', {
      type: 'gemini',
      token: {
        access_token: 'ya29.stale',
        token_type: 'Bearer',
        refresh_token: issued.refresh_token,
        expiry: expired(),
        client_id: GEMINI_CLIENT.id,
        client_secret: GEMINI_CLIENT.secret,
        scopes: GEMINI_SCOPES,
        token_uri: 'https://oauth2.googleapis.com/token',
        universe_domain: 'googleapis.com',
      },
      project_id: 'alice-proj-1',
      email: 'alice@example.com',
      auto: false,
      checked: true,
    });
    const mark = google.requests.length;
    const account = await onlyAccount(store);
    assert.equal(account.health, 'expired');
    const fresh = await ensureFreshToken({store, settings: settings()}, 'gemini', account.id);
    assert.match(String(fresh.access_token), /^ya29\./);
    assert.notEqual(fresh.access_token, 'ya29.stale');
    const sent = since(mark, '/token');
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.fields.client_id, GEMINI_CLIENT.id);
    assert.equal(sent[0]!.fields.client_secret, GEMINI_CLIENT.secret);

    const onDisk = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(onDisk.access_token, undefined, 'no flat copy added');
    assert.equal(onDisk.token.access_token, fresh.access_token);
    assert.equal(onDisk.token.refresh_token, issued.refresh_token, 'Google does not rotate: the refresh token stays');
    assert.ok(Date.parse(onDisk.token.expiry) > Date.now() + 3000_000);
    assert.equal(onDisk.token.universe_domain, 'googleapis.com');
    assert.equal(onDisk.checked, true);
    assert.equal((await onlyAccount(store)).health, 'ok');
    // The quota read with the refreshed token names the project.
    const entry = await fetchAccountQuota({paths: ccs.paths, store, settings: settings()}, await onlyAccount(store));
    assert.equal(entry.error, undefined);
    assert.deepEqual(entry.windows.map((w) => [w.kind, Math.round(w.usedPct!)]), [['daily:gemini-2.5-flash', 75], ['daily:gemini-2.5-pro', 20]]);
    assert.equal(JSON.parse(since(mark, '/v1internal:retrieveUserQuota')[0]!.body).project, 'alice-proj-1');
  }));

test('refresh of a flat gemini file keeps it flat', () =>
  withStore(async (store, ccs) => {
    const issued = google.issueTokens('gus', GEMINI_CLIENT.id);
    const file = ccs.writeToken('gemini-gus@example.com.json', {type: 'gemini', email: 'gus@example.com', project_id: 'gus-proj', access_token: 'ya29.old', refresh_token: issued.refresh_token, expired: expired()});
    const fresh = await ensureFreshToken({store, settings: settings()}, 'gemini', (await onlyAccount(store)).id);
    const onDisk = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(onDisk.token, undefined);
    assert.equal(onDisk.access_token, fresh.access_token);
    assert.equal(onDisk.refresh_token, issued.refresh_token);
  }));

test("antigravity: a file from newest CLIProxyAPI (884… client, none recorded) refreshes after the table's client is refused, and the client is recorded", () =>
  withStore(async (store, ccs) => {
    const issued = google.issueTokens('gus', ANTIGRAVITY_NEW_CLIENT.id);
    const file = ccs.writeToken('antigravity-gus@example.com.json', {type: 'antigravity', email: 'gus@example.com', project_id: 'gus-proj', access_token: 'ya29.old', refresh_token: issued.refresh_token, expired: expired()});
    const id = (await onlyAccount(store)).id;
    let mark = google.requests.length;
    await ensureFreshToken({store, settings: settings()}, 'antigravity', id);
    const tries = since(mark, '/token').map((r) => [r.fields.client_id, r.fields.client_secret]);
    assert.deepEqual(tries, [[ANTIGRAVITY_CLIENT.id, ANTIGRAVITY_CLIENT.secret], [ANTIGRAVITY_NEW_CLIENT.id, ANTIGRAVITY_NEW_CLIENT.secret]]);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).client_id, ANTIGRAVITY_NEW_CLIENT.id);
    // Next time the recorded client goes first and alone.
    mark = google.requests.length;
    await ensureFreshToken({store, settings: settings()}, 'antigravity', id, {force: true});
    assert.deepEqual(since(mark, '/token').map((r) => r.fields.client_id), [ANTIGRAVITY_NEW_CLIENT.id]);
    assert.equal((await onlyAccount(store)).health, 'ok');
    // Quota: retrieveUserQuotaSummary for the account's project; a bucket without a fraction is unknown.
    mark = google.requests.length;
    const entry = await fetchAccountQuota({paths: ccs.paths, store, settings: settings()}, await onlyAccount(store));
    assert.equal(entry.error, undefined);
    const byKind = Object.fromEntries(entry.windows.map((w) => [w.kind, w.usedPct === null ? null : Math.round(w.usedPct)]));
    assert.deepEqual(byKind, {'5h': 40, weekly: 10, '5h:3p': null, 'weekly:3p': 50});
    assert.equal(JSON.parse(since(mark, '/v1internal:retrieveUserQuotaSummary')[0]!.body).project, 'gus-proj');
  }));

test('antigravity: a file that records its client refreshes with that client and its secret only; a revoked token needs a login', () =>
  withStore(async (store, ccs) => {
    const issued = google.issueTokens('gus', ANTIGRAVITY_CLIENT.id);
    ccs.writeToken('antigravity-gus@example.com.json', {type: 'antigravity', email: 'gus@example.com', client_id: ANTIGRAVITY_CLIENT.id, access_token: 'ya29.old', refresh_token: issued.refresh_token, expired: expired()});
    const id = (await onlyAccount(store)).id;
    const mark = google.requests.length;
    await ensureFreshToken({store, settings: settings()}, 'antigravity', id);
    assert.deepEqual(since(mark, '/token').map((r) => [r.fields.client_id, r.fields.client_secret]), [[ANTIGRAVITY_CLIENT.id, ANTIGRAVITY_CLIENT.secret]]);
    google.revoke(issued.refresh_token);
    await assert.rejects(ensureFreshToken({store, settings: settings()}, 'antigravity', id, {force: true}), /re-login: Token has been expired or revoked \(invalid_grant\)$/);
    assert.equal((await onlyAccount(store)).health, 'needs-login');
  }));

test('vertex: key file imported 0600, JWT-bearer refresh verified by the stand-in, quota unknown rather than an error', () =>
  withStore(async (store, ccs) => {
    const key = google.addServiceAccount('vertex-proj-3');
    const account = await importServiceAccount({store, settings: settings()}, 'vertex', 'key.json', JSON.stringify(key));
    assert.equal(account.email, key.client_email);
    assert.equal(account.projectId, 'vertex-proj-3');
    assert.equal(statSync(store.tokenPath(account)).mode & 0o777, 0o600);
    const mark = google.requests.length;
    const fresh = await ensureFreshToken({store, settings: settings()}, 'vertex', account.id);
    assert.match(String(fresh.access_token), /^ya29\./);
    const sent = since(mark, '/token')[0]!;
    assert.equal(sent.fields.grant_type, 'urn:ietf:params:oauth:grant-type:jwt-bearer');
    const [header, claims] = sent.fields.assertion!.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    assert.deepEqual(header, {alg: 'RS256', typ: 'JWT', kid: key.private_key_id});
    assert.equal(claims.iss, key.client_email);
    assert.equal(claims.aud, `${google.url}/token`);
    assert.equal(claims.scope, 'https://www.googleapis.com/auth/cloud-platform');
    assert.ok(claims.exp - claims.iat <= 3600);
    // A second call inside the token's life sends nothing.
    await ensureFreshToken({store, settings: settings()}, 'vertex', account.id);
    assert.equal(since(mark, '/token').length, 1);
    const entry = await fetchAccountQuota({paths: ccs.paths, store, settings: settings()}, account);
    assert.deepEqual(entry, {windows: []});
  }));

test("vertex: a key Google does not know (a deleted key) is refused by name, and the account needs a new import", () =>
  withStore(async (store) => {
    const key = google.addServiceAccount('vertex-proj-4');
    const {generateKeyPairSync} = await import('node:crypto');
    const foreign = generateKeyPairSync('rsa', {modulusLength: 2048}).privateKey.export({type: 'pkcs8', format: 'pem'}).toString();
    const account = await importServiceAccount({store, settings: settings()}, 'vertex', 'key.json', JSON.stringify({...key, private_key: foreign}));
    await assert.rejects(ensureFreshToken({store, settings: settings()}, 'vertex', account.id), /re-login: Invalid JWT Signature \(invalid_grant\)/);
    assert.equal((await onlyAccount(store)).health, 'needs-login');
  }));

test('aistudio: an API-key account has nothing to refresh and no quota source; neither is an error', () =>
  withStore(async (store, ccs) => {
    const {fakeKeyedApi} = await import('../../helpers/fake-providers/providers.js');
    const studio = await fakeKeyedApi('AIzaSyExampleExampleExample1234567890', '/v1beta/openai');
    try {
      const withStudio = (): TuiSettings => ({...settings(), endpoints: {...settings().endpoints, aistudio: {api: studio.url}}});
      const account = await addApiKeyAccount({store, settings: withStudio()}, 'aistudio', {apiKey: 'AIzaSyExampleExampleExample1234567890', nickname: 'studio'});
      assert.equal(studio.on('/v1beta/openai/models').length, 1, 'the key was tried once before it was stored');
      const mark = google.requests.length;
      const token = await ensureFreshToken({store, settings: withStudio()}, 'aistudio', account.id);
      assert.equal(token.api_key, 'AIzaSyExampleExampleExample1234567890');
      assert.deepEqual(await fetchAccountQuota({paths: ccs.paths, store, settings: withStudio()}, account), {windows: []});
      assert.equal(google.requests.length, mark);
      assert.equal(studio.requests.length, 1, 'no refresh, no quota call');
    } finally {
      await studio.close();
    }
  }));

test('the stand-in refuses what Google refuses: wrong secret, wrong redirect, missing verifier, another client', async () => {
  const start = new URL(`${google.url}/o/oauth2/v2/auth`);
  const {makePkce} = await import('../../../source/core/pkce.js');
  const pkce = makePkce();
  for (const [k, v] of Object.entries({client_id: GEMINI_CLIENT.id, redirect_uri: 'http://localhost:8085/oauth2callback', response_type: 'code', scope: GEMINI_SCOPES.join(' '), access_type: 'offline', prompt: 'consent', code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 's'})) {
    start.searchParams.set(k, v);
  }
  const post = (fields: Record<string, string>) =>
    fetch(`${google.url}/token`, {method: 'POST', body: new URLSearchParams(fields)}).then(async (r) => [r.status, (await r.json()) as Record<string, string>] as const);
  const code = async () => new URL(await google.approve(start.toString(), 'alice')).searchParams.get('code')!;
  const base = {grant_type: 'authorization_code', client_id: GEMINI_CLIENT.id, redirect_uri: 'http://localhost:8085/oauth2callback', code_verifier: pkce.verifier};
  assert.deepEqual(await post({...base, code: await code(), client_secret: 'wrong'}), [401, {error: 'invalid_client', error_description: 'Unauthorized'}]);
  assert.deepEqual((await post({...base, code: await code(), client_secret: GEMINI_CLIENT.secret, redirect_uri: 'http://localhost:8086/oauth2callback'}))[1].error, 'redirect_uri_mismatch');
  assert.deepEqual((await post({...base, code: await code(), client_secret: GEMINI_CLIENT.secret, code_verifier: 'nope'}))[1], {error: 'invalid_grant', error_description: 'Invalid code verifier.'});
  const [status, ok] = await post({...base, code: await code(), client_secret: GEMINI_CLIENT.secret});
  assert.equal(status, 200);
  assert.ok(ok.refresh_token);
  const refused = await post({grant_type: 'refresh_token', refresh_token: ok.refresh_token, client_id: ANTIGRAVITY_CLIENT.id, client_secret: ANTIGRAVITY_CLIENT.secret});
  assert.deepEqual(refused, [401, {error: 'unauthorized_client', error_description: 'Unauthorized'}]);
  // Without prompt=consent a second login gets no refresh token (the consent was given before).
  start.searchParams.delete('prompt');
  const again = await post({...base, code: await code(), client_secret: GEMINI_CLIENT.secret});
  assert.equal(again[1].refresh_token, undefined);
});

test('aistudio: a key given for an account (L) replaces only that account\'s key; one another account holds is refused, nothing stored', () =>
  withStore(async (store, ccs) => {
    const {fakeKeyedApi} = await import('../../helpers/fake-providers/providers.js');
    const keys = ['AIzaSyFirstKeyFirstKeyFirstKey00000001', 'AIzaSySecondKeySecondKeySecondKey0002', 'AIzaSyThirdKeyThirdKeyThirdKey00000003'];
    const studio = await fakeKeyedApi(keys, '/v1beta/openai');
    try {
      const deps = {store, settings: {...settings(), endpoints: {...settings().endpoints, aistudio: {api: studio.url}}}};
      const first = await addApiKeyAccount(deps, 'aistudio', {apiKey: keys[0]!});
      const second = await addApiKeyAccount(deps, 'aistudio', {apiKey: keys[1]!});
      await assert.rejects(addApiKeyAccount(deps, 'aistudio', {apiKey: keys[1]!, replacesKeyOf: first.id}), /this key is aistudio account .*'s already; .*'s key was not replaced and nothing was saved/);
      const replaced = await addApiKeyAccount(deps, 'aistudio', {apiKey: keys[2]!, replacesKeyOf: first.id});
      assert.equal(replaced.id, first.id);
      assert.equal(replaced.outcome, 'key-replaced');
      const accounts = (await store.load()).accounts;
      assert.deepEqual(accounts.map((a) => a.id).sort(), [first.id, second.id].sort());
      assert.equal((await store.readToken(accounts.find((a) => a.id === first.id)!))?.api_key, keys[2]);
      assert.equal((await store.readToken(accounts.find((a) => a.id === second.id)!))?.api_key, keys[1]);
      void ccs;
    } finally {
      await studio.close();
    }
  }));
