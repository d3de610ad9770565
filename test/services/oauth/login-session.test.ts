// The TUI's login state machine (LoginSession): every failure of every flow ends on the `ended`
// view with its cause, and Enter (retry) starts over. Real local servers on 127.0.0.1 play the
// providers; a closed port plays an unreachable host.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {AccountStore} from '../../../source/store/accounts.js';
import {DEFAULT_SETTINGS, type TuiSettings} from '../../../source/store/settings.js';
import {undiciHttpClient, type HttpClient} from '../../../source/services/http.js';
import {LoginSession, type LoginView} from '../../../source/services/oauth/login-session.js';
import {FakeClock} from '../../helpers/fake-clock.js';
import {makeTempCcs} from '../../helpers/ccs.js';
import {freePort, startFakeServer, type Route} from '../../helpers/fake-providers/server.js';
import {fakeClaude, fakeCopilot, fakeKeyedApi} from '../../helpers/fake-providers/providers.js';

interface Harness {
  session: LoginSession;
  views: LoginView[];
  /** Resolves with the first view (seen so far or later) of this kind. */
  until(kind: LoginView['kind'], timeoutMs?: number): Promise<LoginView>;
  store: AccountStore;
  cleanup(): void;
}

function harness(provider: string, endpoints: Record<string, Record<string, string>>, options: {env?: NodeJS.ProcessEnv; http?: HttpClient; clock?: FakeClock; callbackPort?: number} = {}): Harness {
  const ccs = makeTempCcs();
  const store = new AccountStore(ccs.paths);
  const settings: TuiSettings = {
    ...DEFAULT_SETTINGS,
    endpoints,
    login: {...DEFAULT_SETTINGS.login, callbackPorts: options.callbackPort ? {[provider]: options.callbackPort} : {}},
  };
  const views: LoginView[] = [];
  const waiters: Array<() => void> = [];
  const session = new LoginSession({
    deps: {store, settings, clock: options.clock ?? new FakeClock(), http: options.http},
    provider,
    // No DISPLAY on Linux: not local, so auth-code logins start in paste mode and nothing opens.
    env: options.env ?? {},
    browser: {open: async () => undefined},
    onChange: (view) => {
      views.push(view);
      for (const w of waiters.splice(0)) w();
    },
  });
  views.push(session.view);
  const until = (kind: LoginView['kind'], timeoutMs = 5000) =>
    new Promise<LoginView>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${kind}" view within ${timeoutMs} ms; saw ${views.map((v) => v.kind).join(' → ')}`)), timeoutMs);
      const check = () => {
        const found = views.find((v) => v.kind === kind);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else waiters.push(check);
      };
      check();
    });
  return {session, views, until, store, cleanup: () => (session.cancel(), ccs.cleanup())};
}

function endedMessage(view: LoginView): string {
  assert.equal(view.kind, 'ended');
  return view.kind === 'ended' ? view.message : '';
}

/** A token endpoint on 127.0.0.1 answering with `route`; the claude authorize URL points at it too. */
async function claudeTokenServer(route: Route) {
  const server = await startFakeServer({'POST /v1/oauth/token': route});
  return {server, endpoints: {claude: {authorize: `${server.url}/oauth/authorize`, token: `${server.url}/v1/oauth/token`, userinfo: `${server.url}/profile`}}};
}

async function pasteLogin(endpoints: Record<string, Record<string, string>>, http?: HttpClient): Promise<Harness & {ended: LoginView}> {
  const h = harness('claude', endpoints, {http});
  h.session.start();
  const view = await h.until('auth-code');
  assert.equal(view.kind === 'auth-code' && view.mode, 'paste');
  const state = new URL(view.kind === 'auth-code' ? view.url : '').searchParams.get('state');
  assert.equal(await h.session.paste(`pasted-code#${state}`), undefined);
  return {...h, ended: await h.until('ended')};
}

test('claude paste: a 200 with a refresh token and no access token ends saying so (no refusal), quoting no token; nothing stored', async () => {
  const {server, endpoints} = await claudeTokenServer(() => ({json: {refresh_token: 'sk-ant-ort01-PASTE-NEW-0123456789', id_token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.sig0123456789'}}));
  const h = await pasteLogin(endpoints);
  try {
    assert.match(endedMessage(h.ended), /^Login failed: 127\.0\.0\.1:\d+\/v1\/oauth\/token answered 200: not a token response: it has no access_token$/);
    assert.equal((await h.store.load()).accounts.length, 0, 'nothing stored');
  } finally {
    h.cleanup();
    await server.close();
  }
});

test('claude paste: a code the token endpoint refuses (invalid_grant) ends with the cause, not a frozen "storing"', async () => {
  const {server, endpoints} = await claudeTokenServer(() => ({status: 400, json: {error: 'invalid_grant', error_description: 'Invalid authorization code'}}));
  const h = await pasteLogin(endpoints);
  try {
    assert.deepEqual(h.views.map((v) => v.kind), ['starting', 'starting', 'auth-code', 'storing', 'ended']);
    assert.match(endedMessage(h.ended), /^Login failed: .*refused: Invalid authorization code \(invalid_grant\)$/);
    assert.equal((await h.store.load()).accounts.length, 0, 'nothing stored');
  } finally {
    h.cleanup();
    await server.close();
  }
});

test('claude paste: an unreachable token endpoint ends with "cannot reach … connection refused"', async () => {
  const port = await freePort();
  const h = await pasteLogin({claude: {authorize: `http://127.0.0.1:${port}/oauth/authorize`, token: `http://127.0.0.1:${port}/v1/oauth/token`}});
  try {
    assert.match(endedMessage(h.ended), /^Login failed: cannot reach 127\.0\.0\.1:\d+\/v1\/oauth\/token: connection refused$/);
  } finally {
    h.cleanup();
  }
});

test('claude paste: a token endpoint that never answers ends with the timeout', async () => {
  const {server, endpoints} = await claudeTokenServer(() => new Promise(() => undefined));
  // The real client with a short timeout: the same code path as the 30 s default.
  const http: HttpClient = {send: (req) => undiciHttpClient.send({...req, timeoutMs: 300})};
  const h = await pasteLogin(endpoints, http);
  try {
    // Sent and not answered: never "cannot reach" (the code may have been received).
    assert.match(endedMessage(h.ended), /^Login failed: 127\.0\.0\.1:\d+\/v1\/oauth\/token: no answer within 0 s \(the request was sent\)/);
  } finally {
    h.cleanup();
    await server.close();
  }
});

test('claude paste: an answer that is not JSON ends with what came instead (a 200 is no refusal)', async () => {
  const {server, endpoints} = await claudeTokenServer(() => ({status: 200, text: '<html>maintenance</html>'}));
  const h = await pasteLogin(endpoints);
  try {
    assert.match(endedMessage(h.ended), /^Login failed: 127\.0\.0\.1:\d+\/v1\/oauth\/token answered 200: not a token response: <html>maintenance<\/html>$/);
  } finally {
    h.cleanup();
    await server.close();
  }
});

test('claude paste: a pasted error (access_denied) stays on the field; a wrong state too; then retry after a failure starts over', async () => {
  const {server, endpoints} = await claudeTokenServer(() => ({status: 400, json: {error: 'invalid_grant'}}));
  const h = harness('claude', endpoints);
  try {
    h.session.start();
    const view = await h.until('auth-code');
    const state = new URL(view.kind === 'auth-code' ? view.url : '').searchParams.get('state');
    assert.match((await h.session.paste(`http://localhost/callback?error=access_denied&state=${state}`)) ?? '', /refused the login: access_denied/);
    // Another login's refusal is not this one's: its state is what is wrong.
    assert.match((await h.session.paste('http://localhost/callback?error=access_denied&state=x')) ?? '', /state does not match/);
    assert.match((await h.session.paste('code#not-the-state')) ?? '', /state does not match/);
    assert.equal(h.session.view.kind, 'auth-code');
    await h.session.paste(`c#${state}`);
    await h.until('ended');
    h.views.length = 0;
    h.session.retry();
    const again = await h.until('auth-code');
    assert.notEqual(again.kind === 'auth-code' && again.url, view.kind === 'auth-code' && view.url, 'a new state and PKCE pair');
  } finally {
    h.cleanup();
    await server.close();
  }
});

test('claude loopback: the browser returns with error=access_denied → ended with the provider\'s words', async () => {
  const fake = await fakeClaude();
  const port = await freePort();
  const h = harness('claude', fake.settings.endpoints, {env: {DISPLAY: ':0'}, callbackPort: port});
  try {
    h.session.start();
    const view = await h.until('auth-code');
    assert.equal(view.kind === 'auth-code' && view.mode, 'loopback');
    const state = new URL(view.kind === 'auth-code' ? view.url : '').searchParams.get('state');
    const answer = await fetch(`http://127.0.0.1:${port}/callback?error=access_denied&error_description=The+user+said+no&state=${state}`);
    assert.equal(answer.status, 400);
    assert.match(endedMessage(await h.until('ended')), /^Login failed: the provider refused the login: The user said no$/);
  } finally {
    h.cleanup();
    await fake.server.close();
  }
});

test('claude loopback: the callback arrives but the code is refused → ended (not "storing" forever)', async () => {
  const {server, endpoints} = await claudeTokenServer(() => ({status: 400, json: {error: 'invalid_grant', error_description: 'code expired'}}));
  const port = await freePort();
  const h = harness('claude', endpoints, {env: {DISPLAY: ':0'}, callbackPort: port});
  try {
    h.session.start();
    const view = await h.until('auth-code');
    const state = new URL(view.kind === 'auth-code' ? view.url : '').searchParams.get('state');
    await fetch(`http://127.0.0.1:${port}/callback?code=abc&state=${state}`);
    assert.match(endedMessage(await h.until('ended')), /refused: code expired \(invalid_grant\)/);
  } finally {
    h.cleanup();
    await server.close();
  }
});

/** Pumps a fake clock while real sockets answer in between (for up to 10 s of real time: a loaded machine's sockets are slow). */
async function pumpUntil(clock: FakeClock, h: Harness, kind: LoginView['kind']): Promise<LoginView> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && !h.views.some((v) => v.kind === kind); ) {
    await new Promise((r) => setTimeout(r, 5));
    await clock.advance(1000);
  }
  return h.until(kind, 100);
}

/** An RFC 8628 device server (xai's scheme) whose polls answer with `poll`. */
async function deviceServer(poll: Route, device?: Route) {
  const server = await startFakeServer({
    'POST /device': device ?? (() => ({json: {device_code: 'dc', user_code: 'ABCD-EFGH', verification_uri: 'https://example.test/device', expires_in: 30, interval: 5}})),
    'POST /token': poll,
    'GET /.well-known/openid-configuration': () => ({json: {device_authorization_endpoint: `${server.url}/device`, token_endpoint: `${server.url}/token`}}),
  });
  return {server, endpoints: {xai: {discovery: `${server.url}/.well-known/openid-configuration`}}};
}

for (const [name, poll, expected] of [
  ['denied', () => ({status: 400, json: {error: 'access_denied', error_description: 'the owner declined'}}), /^Access denied: the owner declined$/],
  ['denied, described by its own name (Kimi)', () => ({status: 400, json: {error: 'access_denied', error_description: 'access denied'}}), /^Access denied$/],
  ['denied, described as "Access denied: the owner declined"', () => ({status: 400, json: {error: 'access_denied', error_description: 'Access denied: the owner declined'}}), /^Access denied: the owner declined$/],
  ['an unknown error described by its own name', () => ({status: 400, json: {error: 'invalid_client', error_description: 'Invalid client'}}), /^Login failed: invalid_client$/],
  ['expired_token', () => ({status: 400, json: {error: 'expired_token'}}), /^The code expired before it was approved$/],
  ['an unknown error', () => ({status: 400, json: {error: 'invalid_client'}}), /^Login failed: invalid_client$/],
  ['a code that runs out while pending', () => ({status: 400, json: {error: 'authorization_pending'}}), /^The code expired before it was approved$/],
  // A 200 is no refusal; the tokens it carries are not quoted.
  ['an approval with a refresh token and no access token', () => ({json: {refresh_token: 'rt-DEVICE-NEW-0123456789abcdef', id_token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.sig0123456789'}}), /^Login failed: 127\.0\.0\.1:\d+\/token answered 200: not a token response: it has no access_token$/],
] as Array<[string, Route, RegExp]>) {
  test(`device (xai): ${name} ends with the cause`, async () => {
    const {server, endpoints} = await deviceServer(poll);
    const clock = new FakeClock();
    const h = harness('xai', endpoints, {clock});
    try {
      h.session.start();
      await h.until('device');
      const ended = await pumpUntil(clock, h, 'ended');
      assert.match(endedMessage(ended), expected);
      // No doubled wording ("Access denied: access denied").
      assert.doesNotMatch(endedMessage(ended), /denied.*denied|expired.*expired|client.*client/i);
    } finally {
      h.cleanup();
      await server.close();
    }
  });
}

test('device: an unreachable device endpoint and a non-JSON device answer end at once', async () => {
  const port = await freePort();
  for (const [endpoints, expected] of [
    [{xai: {discovery: `http://127.0.0.1:${port}/.well-known/openid-configuration`}}, /^Login failed: cannot reach .*connection refused$/],
  ] as Array<[Record<string, Record<string, string>>, RegExp]>) {
    const h = harness('xai', endpoints);
    try {
      h.session.start();
      assert.match(endedMessage(await h.until('ended')), expected);
    } finally {
      h.cleanup();
    }
  }
  const {server, endpoints} = await deviceServer(() => ({json: {}}), () => ({status: 200, text: 'Bad gateway page'}));
  const h = harness('xai', endpoints);
  try {
    h.session.start();
    assert.match(endedMessage(await h.until('ended')), /expected a JSON object, got Bad gateway page/);
  } finally {
    h.cleanup();
    await server.close();
  }
});

test('device (copilot): approved, then the identity call fails → ended, not "approved, storing…" forever', async () => {
  const fake = await fakeCopilot();
  const clock = new FakeClock();
  const endpoints = {copilot: {...fake.settings.endpoints.copilot!, userinfo: `http://127.0.0.1:${await freePort()}/user`}};
  const h = harness('copilot', endpoints, {clock});
  try {
    h.session.start();
    await h.until('device');
    const ended = await pumpUntil(clock, h, 'ended');
    assert.ok(h.views.some((v) => v.kind === 'storing'), 'went through storing');
    assert.match(endedMessage(ended), /^Login failed: cannot reach .*connection refused/);
  } finally {
    h.cleanup();
    await fake.server.close();
  }
});

test('API key: a name is offered first (Enter skips); a key with spaces or none is said for the key field, which stays', async () => {
  const h = harness('aistudio', {});
  try {
    h.session.start();
    const label = await h.until('label');
    assert.equal(label.kind === 'label' && label.optional, true);
    h.session.setLabel('');
    await h.until('api-key');
    assert.match((await h.session.submitApiKey('two words')) ?? '', /^the API key contains spaces/);
    assert.equal(await h.session.submitApiKey('  '), 'the API key is empty');
    assert.equal(h.session.view.kind, 'api-key');
    assert.ok(!h.views.some((v) => v.kind === 'ended' || v.kind === 'storing'), 'no failed login, nothing sent');
  } finally {
    h.cleanup();
  }
});

test('service account: a missing file and a file that is not a key both end naming the file', async () => {
  const ccs = makeTempCcs();
  const h = harness('vertex', {});
  try {
    h.session.start();
    await h.until('service-account');
    await h.session.submitKeyFile('/nonexistent/key.json');
    assert.match(endedMessage(await h.until('ended')), /^Login failed: \/nonexistent\/key\.json: no such file$/);
    h.views.length = 0;
    h.session.retry();
    await h.until('service-account');
    const file = path.join(ccs.paths.root, 'key.json');
    writeFileSync(file, '{"type": "authorized_user"}');
    await h.session.submitKeyFile(file);
    assert.match(endedMessage(await h.until('ended')), /field "type" is "authorized_user", expected "service_account"/);
  } finally {
    h.cleanup();
    ccs.cleanup();
  }
});

test('the ssh -L hint appears only when the redirect comes to a loopback port here and the browser is elsewhere', async () => {
  const {callbackForwardHint} = await import('../../../source/services/environment.js');
  const ssh = {SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'};
  assert.equal(callbackForwardHint('http://localhost:1455/auth/callback', 1455, ssh, 'linux'), 'ssh -L 1455:localhost:1455 10.0.0.1');
  assert.equal(callbackForwardHint('https://platform.claude.com/oauth/code/callback', 54545, ssh, 'linux'), undefined, "Claude's code page needs no forwarding");
  assert.equal(callbackForwardHint('http://localhost:1455/auth/callback', 1455, {DISPLAY: ':0'}, 'linux'), undefined, 'a local browser reaches it directly');
  assert.equal(callbackForwardHint('http://localhost:1455/auth/callback', undefined, ssh, 'linux'), undefined, 'nothing of ours listens (busy port): forwarding would reach nothing');
  // The TUI's claude paste view carries no hint.
  const fake = await fakeClaude();
  const h = harness('claude', fake.settings.endpoints, {env: ssh});
  try {
    h.session.start();
    const view = await h.until('auth-code');
    assert.equal(view.kind === 'auth-code' && view.sshHint, undefined);
  } finally {
    h.cleanup();
    await fake.server.close();
  }
});

test('API key with a name: the key is tried against the provider, then stored under that nickname', async () => {
  const studio = await fakeKeyedApi('AIzaSyExampleKey0123456789', '/v1beta/openai');
  const h = harness('aistudio', {aistudio: {api: studio.url}});
  try {
    h.session.start();
    await h.until('label');
    h.session.setLabel('studio-work');
    await h.until('api-key');
    await h.session.submitApiKey('AIzaSyExampleKey0123456789');
    const done = await h.until('done');
    assert.equal(done.kind === 'done' && done.account?.nickname, 'studio-work');
    assert.equal(studio.on('/v1beta/openai/models')[0]?.headers.authorization, 'Bearer AIzaSyExampleKey0123456789');
  } finally {
    h.cleanup();
    await studio.close();
  }
});

/** An API-key login in the TUI's state machine up to the ended view; returns its message. */
async function refusedKeyLogin(provider: string, endpoints: Record<string, Record<string, string>>, key: string, baseUrl?: string) {
  const h = harness(provider, endpoints);
  try {
    h.session.start();
    await h.until('label');
    h.session.setLabel('');
    await h.until('api-key');
    await h.session.submitApiKey(key, baseUrl);
    const message = endedMessage(await h.until('ended'));
    assert.ok(!message.includes(key), `the key is never shown in full: ${message}`);
    assert.equal((await h.store.load()).accounts.length, 0, 'nothing stored');
    // Enter: try again goes back to the key field.
    h.views.length = 0;
    h.session.retry();
    await h.until('api-key');
    return message;
  } finally {
    h.cleanup();
  }
}

test('API key refused by the provider (401, the key quoted back): ended naming the refusal, key masked, nothing stored', async () => {
  const studio = await fakeKeyedApi('AIzaSyTheRightKey0123456789', '/v1beta/openai');
  try {
    const message = await refusedKeyLogin('aistudio', {aistudio: {api: studio.url}}, 'AIzaSyWrongKey99999999999');
    assert.match(message, /^Login failed: Google AI Studio refused the key AIza…\(redacted\) \(HTTP 401 from 127\.0\.0\.1:\d+\/v1beta\/openai\/models: .*Incorrect API key provided: AIza…\(redacted\).*\); nothing was stored$/);
  } finally {
    await studio.close();
  }
});

test('bob: a 403, an unreachable base URL and a base URL that is not an API (404) each end with the cause; the right key is stored', async () => {
  const bob = await fakeKeyedApi('bob-key-0123456789');
  const forbidden = await startFakeServer({'GET /v1/models': () => ({status: 403, json: {error: 'key disabled'}})});
  const closed = await freePort();
  try {
    assert.match(await refusedKeyLogin('bob', {}, 'bob-key-0123456789', `${forbidden.url}/v1`), /IBM Bob refused the key bob-…\(redacted\) \(HTTP 403 from .*key disabled.*nothing was stored$/);
    assert.match(await refusedKeyLogin('bob', {}, 'bob-key-0123456789', `http://127.0.0.1:${closed}/v1`), new RegExp(`^Login failed: cannot reach 127\\.0\\.0\\.1:${closed}/v1/models: .*refused.*; the key bob-…\\(redacted\\) was not checked and nothing was stored$`));
    assert.match(await refusedKeyLogin('bob', {}, 'bob-key-0123456789', `${bob.url}/wrong`), /answered HTTP 404 to a models list.*check the base URL; the key bob-…\(redacted\) was not stored$/);
    const h = harness('bob', {});
    try {
      h.session.start();
      await h.until('label');
      h.session.setLabel('');
      await h.until('api-key');
      await h.session.submitApiKey('bob-key-0123456789', bob.url);
      const done = await h.until('done');
      assert.equal(done.kind, 'done');
      assert.equal((await h.store.load()).accounts.length, 1);
    } finally {
      h.cleanup();
    }
  } finally {
    await bob.close();
    await forbidden.close();
  }
});
