// "A new provider is a new table row and a new adapter, nothing else": a provider that exists only
// in this test is registered, then logs in with the device flow against a real authorization server,
// shows up in `ccs-tui accounts --json`, refreshes, and serves through the proxy with its adapter's
// URL and headers. No source file knows it.
import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {after, before, test} from 'node:test';
import OpenAI from 'openai';
import {runCli} from '../../source/cli/run.js';
import {apiBase, baseAdapter, bearerHeader, safePart, upstreamPath} from '../../source/providers/adapters/base.js';
import {registerProvider, type ProviderAdapter, type ProviderRow} from '../../source/providers/table.js';
import {ProxyServer} from '../../source/proxy/server.js';
import {deviceLogin} from '../../source/services/oauth/login.js';
import {ensureFresh, ensureFreshToken} from '../../source/services/refresh.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadCliproxyConfig} from '../../source/store/cliproxy-config.js';
import {DEFAULT_SETTINGS} from '../../source/store/settings.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {OIDC_CLIENT_ID, startOidcServer, type OidcServer} from '../helpers/oidc.js';

const ID = 'acme-test';
const API_KEY = 'test-proxy-key-acme-0123456789';

/** The adapter file of the new provider: its own file names and an extra header on inference calls. */
const acmeAdapter: ProviderAdapter = {
  ...baseAdapter(ID),
  tokenFileName: (token) => `acme-${safePart(String(token.email ?? 'account'))}.json`,
  upstreamTarget: (ctx) => ({
    url: `${apiBase(ctx)}${upstreamPath(ctx.protocol, ctx.method)}`,
    headers: {...bearerHeader(ctx.secret), 'x-acme-client': 'ccs-tui'},
  }),
};

let oidc: OidcServer;
let upstream: FakeUpstream;
let ccs: TempCcs;

before(async () => {
  oidc = await startOidcServer({deviceInterval: 1});
  upstream = await startFakeUpstream();
  ccs = makeTempCcs();
  // The table row of the new provider.
  const row: ProviderRow = {
    id: ID,
    displayName: 'Acme (test)',
    tokenType: ID,
    logins: [{kind: 'device', scheme: 'rfc8628', defaultIntervalSeconds: 1}],
    endpoints: {device: `${oidc.issuer}/device/auth`, token: `${oidc.issuer}/token`, userinfo: `${oidc.issuer}/me`, api: `${upstream.url}/acme/v1`},
    clientId: OIDC_CLIENT_ID,
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    models: {default: ['acme-large', 'acme-small']},
    quotaSource: null,
    refreshLeadSeconds: 60,
    api: ['openai-chat'],
    adapter: acmeAdapter,
  };
  registerProvider(row);
});

after(async () => {
  await upstream.close();
  await oidc.close();
  ccs.cleanup();
});

async function cli(args: string[]): Promise<{code: number; stdout: string}> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk) => (text += chunk));
  const code = await runCli(args, {stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: ccs.env});
  return {code, stdout: text};
}

test('login, accounts listing, refresh and proxy pass-through for a provider added by a row and an adapter', async () => {
  const store = new AccountStore(ccs.paths);
  const settings = DEFAULT_SETTINGS;

  // Login: RFC 8628 device flow against the authorization server, approved by "alice".
  const account = await deviceLogin({store, settings}, ID, {
    onAuthorization: (authorization) => void oidc.approveDevice(authorization.verificationUriComplete!, 'alice'),
  });
  assert.equal(account.email, 'alice@example.test');
  assert.equal(account.tokenFile, 'acme-alice@example.test.json', "the adapter's file name");
  const token = await store.readToken(account);
  assert.equal(token?.type, ID);
  assert.ok(token?.refresh_token);

  // Accounts listing, as the command line prints it.
  const listed = await cli(['accounts', '--json']);
  assert.equal(listed.code, 0);
  const rows = JSON.parse(listed.stdout) as {provider: string; email: string; default: boolean; tokenFile: string}[];
  assert.deepEqual(
    rows.map((r) => [r.provider, r.email, r.default, r.tokenFile]),
    [[ID, 'alice@example.test', true, 'acme-alice@example.test.json']],
  );

  // Refresh with the row's token endpoint: a new access token, rotated refresh token on disk.
  const fresh = await ensureFreshToken({store, settings}, ID, account.id, {force: true});
  assert.notEqual(fresh.access_token, token!.access_token);
  assert.notEqual(fresh.refresh_token, token!.refresh_token);

  // Proxy pass-through with the adapter's URL and headers.
  ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  const {config} = await loadCliproxyConfig(ccs.paths);
  const proxy = new ProxyServer({
    port: 0,
    provider: ID,
    store,
    settings,
    config: () => config,
    refresh: (provider, accountId, force) => ensureFresh({store, settings}, provider, accountId, {force}),
  });
  const port = await proxy.listen();
  try {
    const client = new OpenAI({apiKey: API_KEY, baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0});
    const completion = await client.chat.completions.create({model: 'acme-large', messages: [{role: 'user', content: 'hi'}]});
    assert.equal(completion.choices[0]?.message.content, 'Hello from upstream');
    const sent = upstream.requests.at(-1)!;
    assert.equal(sent.url, '/acme/v1/chat/completions');
    assert.equal(sent.headers.authorization, `Bearer ${fresh.access_token}`);
    assert.equal(sent.headers['x-acme-client'], 'ccs-tui');
    assert.equal(sent.body?.model, 'acme-large');

    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => m.id), ['acme-large', 'acme-small']);
  } finally {
    await proxy.close();
  }
});
