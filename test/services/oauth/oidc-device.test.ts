// Device-code logins against a real authorization server (oidc-provider on 127.0.0.1), with the
// driver on a fake clock: authorization_pending, slow_down lengthening the interval, denial, expiry.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {AccountStore} from '../../../source/store/accounts.js';
import {DEFAULT_SETTINGS, type TuiSettings} from '../../../source/store/settings.js';
import {undiciHttpClient, type HttpClient} from '../../../source/services/http.js';
import {deviceLogin} from '../../../source/services/oauth/login.js';
import {DeviceFlowEnded, type DeviceAuthorization} from '../../../source/services/oauth/device.js';
import type {DeviceFlowState} from '../../../source/core/device-flow.js';
import {FakeClock} from '../../helpers/fake-clock.js';
import {makeTempCcs, type TempCcs} from '../../helpers/ccs.js';
import {oidcSettingsFor, startOidcServer, type OidcServer} from '../../helpers/oidc.js';

let oidc: OidcServer;
let ccs: TempCcs;
before(async () => {
  oidc = await startOidcServer({deviceInterval: 3});
});
after(async () => {
  await oidc.close();
});

function settingsFor(provider: 'xai' | 'kimi'): TuiSettings {
  const overrides = oidcSettingsFor(oidc, provider) as {endpoints: TuiSettings['endpoints']; login: {clientIds: Record<string, string>}};
  return {...DEFAULT_SETTINGS, endpoints: overrides.endpoints, login: {...DEFAULT_SETTINGS.login, clientIds: overrides.login.clientIds}};
}

/** An HttpClient that records when (on the fake clock) each token poll was sent. */
function recordingHttp(clock: FakeClock, polls: number[]): HttpClient {
  return {
    async send(req) {
      if (req.url.endsWith('/token')) polls.push(clock.now());
      return undiciHttpClient.send(req);
    },
  };
}

/** Moves the fake clock until `done` resolves, giving real I/O time between steps. */
async function pump(clock: FakeClock, done: Promise<unknown>, stepMs = 1000): Promise<void> {
  let finished = false;
  done.then(() => (finished = true), () => (finished = true));
  for (let i = 0; i < 2000 && !finished; i++) {
    await new Promise((r) => setTimeout(r, 10));
    await clock.advance(stepMs);
  }
}

test('xai via OIDC discovery: pending, slow_down lengthens the interval for every later poll, then approval stores the account', async () => {
  ccs = makeTempCcs();
  const clock = new FakeClock();
  const polls: number[] = [];
  const states: DeviceFlowState[] = [];
  let authorization: DeviceAuthorization | undefined;
  let startedAt = 0;
  const store = new AccountStore(ccs.paths);
  const login = deviceLogin({store, settings: settingsFor('xai'), http: recordingHttp(clock, polls), clock}, 'xai', {
    onAuthorization: (a) => {
      authorization = a;
      startedAt = clock.now();
    },
    onState: (s) => {
      states.push(s);
      if (states.length === 1) oidc.slowDownPolls = 1;
      // Approve after two pending polls and the slow_down.
      if (states.length === 3) void oidc.approveDevice(authorization!.verificationUriComplete!, 'alice');
    },
  });
  await pump(clock, login);
  const account = await login;
  assert.equal(account.email, 'alice@example.test');
  assert.equal(account.default, true);
  assert.ok(authorization?.userCode);
  assert.match(authorization!.verificationUriComplete!, /user_code=/);
  // Poll 1 is pending (interval 3 s), poll 2 gets slow_down (→ 8 s), and from then on 8 s apart.
  assert.deepEqual(states.slice(0, 3).map((s) => [s.pollState, s.intervalSeconds]), [['waiting', 3], ['slowed-down', 8], ['slowed-down', 8]]);
  const gaps = polls.slice(1).map((t, i) => (t - polls[i]!) / 1000);
  assert.equal((polls[0]! - startedAt) / 1000, 3);
  assert.deepEqual(gaps.slice(0, 3), [3, 8, 8]);
  const token = await store.readToken(account);
  assert.equal(token?.type, 'xai');
  assert.ok(token?.refresh_token, 'offline_access gives a refresh token');
  assert.ok(token?.id_token);
  assert.equal(await oidc.userinfo(token!.access_token!), 200);
  ccs.cleanup();
});

test('kimi with endpoint overrides: denial ends the flow and says so, nothing stored', async () => {
  ccs = makeTempCcs();
  const clock = new FakeClock();
  const store = new AccountStore(ccs.paths);
  let authorization: DeviceAuthorization | undefined;
  const login = deviceLogin({store, settings: settingsFor('kimi'), clock}, 'kimi', {
    onAuthorization: (a) => {
      authorization = a;
      void oidc.denyDevice(a.verificationUriComplete!);
    },
  });
  await pump(clock, login);
  await assert.rejects(login, (error: unknown) => error instanceof DeviceFlowEnded && error.state.phase === 'denied' && /access denied/.test(error.message));
  assert.ok(authorization);
  assert.equal((await store.load()).accounts.length, 0);
  ccs.cleanup();
});

test('a code nobody approves expires on the clock: the flow stops polling and says so', async () => {
  ccs = makeTempCcs();
  const clock = new FakeClock();
  const polls: number[] = [];
  const store = new AccountStore(ccs.paths);
  let expiresAt = 0;
  const login = deviceLogin({store, settings: settingsFor('xai'), http: recordingHttp(clock, polls), clock}, 'xai', {onAuthorization: (a) => (expiresAt = a.expiresAt)});
  await pump(clock, login, 10_000);
  await assert.rejects(login, (error: unknown) => error instanceof DeviceFlowEnded && error.state.phase === 'expired' && /expired/.test(error.message));
  // oidc-provider's device codes live 600 s at interval 3 s: at most one poll per interval, none after the end.
  assert.equal(expiresAt - Date.parse('2026-11-22T12:00:00Z') >= 600_000, true);
  assert.ok(polls.length > 1 && polls.length <= 200, `${polls.length} polls`);
  const count = polls.length;
  await clock.advance(120_000);
  assert.equal(polls.length, count, 'no poll after the flow ended');
  assert.equal(clock.pendingTimers, 0, 'no timer left behind');
  ccs.cleanup();
});

test('server-side expired_token stops the flow; kimi starts over with a new code a few times first', async () => {
  const short = await startOidcServer({deviceInterval: 1, deviceCodeTtl: 1});
  ccs = makeTempCcs();
  const clock = new FakeClock();
  const store = new AccountStore(ccs.paths);
  const overrides = oidcSettingsFor(short, 'kimi') as {endpoints: TuiSettings['endpoints']; login: {clientIds: Record<string, string>}};
  const settings = {...DEFAULT_SETTINGS, endpoints: overrides.endpoints, login: {...DEFAULT_SETTINGS.login, clientIds: overrides.login.clientIds}};
  // Real time must pass for oidc-provider's TTL; the client's own countdown (1 s) would also end it,
  // so hold the fake clock and let only real time run before the first poll.
  let codes = 0;
  const http: HttpClient = {
    async send(req) {
      if (req.url.endsWith('/device/auth')) codes++;
      if (req.url.endsWith('/token')) await new Promise((r) => setTimeout(r, 1500));
      return undiciHttpClient.send(req);
    },
  };
  const login = deviceLogin({store, settings, http, clock}, 'kimi', {});
  await pump(clock, login, 500);
  await assert.rejects(login, (error: unknown) => error instanceof DeviceFlowEnded && error.state.phase === 'expired');
  assert.equal(codes, 4, 'the first code and three restarts');
  assert.ok(short.tokenCalls.some((c) => c.error === 'expired_token'), 'the server said expired_token');
  await short.close();
  ccs.cleanup();
});
