// The remote login service against the stand-in: cancel drops the server's pending session, and the
// status poll gives up after repeated failures instead of asking forever.
import assert from 'node:assert/strict';
import {afterEach, beforeEach, test} from 'node:test';
import {ManagementClient, type ManagementResponse} from '../../source/services/remote/client.js';
import {cancelRemoteLogin, MAX_STATUS_ERRORS, startRemoteLogin, waitForRemoteLogin} from '../../source/services/remote/login.js';
import type {RemoteTarget} from '../../source/store/targets.js';
import {systemClock} from '../../source/services/clock.js';
import {startFakeCliproxy, type FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {OIDC_CLIENT_ID, startOidcServer, type OidcServer} from '../helpers/oidc.js';

const KEY = 'service-test-key-0123';
let oidc: OidcServer;
let stand: FakeCliproxy;
let client: ManagementClient;
beforeEach(async () => {
  oidc = await startOidcServer({deviceInterval: 1});
  stand = await startFakeCliproxy({
    key: KEY,
    oauth: {kimi: {clientId: OIDC_CLIENT_ID, device: `${oidc.issuer}/device/auth`, token: `${oidc.issuer}/token`}},
  });
  const target: RemoteTarget = {name: 'svc', url: stand.url, keySource: 'test', insecureSkipVerify: false, readKey: async () => KEY};
  client = await ManagementClient.open(target);
});
afterEach(async () => {
  await stand.close();
  await oidc.close();
});

/**
 * A client of the stand-in whose login status (`/get-auth-status`) is answered by `status` (given
 * the how-manieth ask, from 1); every other route reaches the stand-in.
 */
const slowDown = (retryAfter: string): ManagementResponse => ({status: 429, headers: {'retry-after': retryAfter}, text: '{"error":"slow down"}'});
const statusOk: ManagementResponse = {status: 200, headers: {}, text: '{"status":"ok"}'};

function clientWithStatus(status: (ask: number) => ManagementResponse): ManagementClient {
  const target: RemoteTarget = {name: 'svc', url: stand.url, keySource: 'test', insecureSkipVerify: false, readKey: async () => KEY};
  let asks = 0;
  return new ManagementClient(target, KEY, async (url, init) => {
    if (url.includes('/get-auth-status')) return status(++asks);
    const response = await fetch(url, {method: init.method, headers: init.headers, body: init.body});
    return {status: response.status, headers: Object.fromEntries(response.headers), text: await response.text()};
  });
}

test('cancel drops the pending login on the server; the poll then reports it', async () => {
  const login = await startRemoteLogin(client, 'kimi');
  assert.equal(login.device, true);
  assert.ok(login.userCode);
  assert.equal(await cancelRemoteLogin(client, login), true);
  const del = stand.requests.find((r) => r.method === 'DELETE')!;
  assert.equal(del.path, '/v0/management/oauth-session');
  assert.equal(del.query.get('state'), login.state);
  await assert.rejects(waitForRemoteLogin(client, login, {intervalMs: 10}), /the server's login failed: Authentication cancelled/);
  assert.equal(await cancelRemoteLogin(client, login), false, 'nothing left to cancel');
});

test(`the status poll gives up after ${MAX_STATUS_ERRORS} failures in a row`, async () => {
  const login = await startRemoteLogin(client, 'kimi');
  await stand.close();
  const retries: number[] = [];
  await assert.rejects(
    waitForRemoteLogin(client, login, {intervalMs: 5, onProgress: (p) => p.kind === 'retrying' && retries.push(p.errors)}),
    new RegExp(`gave up asking target svc for the login status after ${MAX_STATUS_ERRORS} failures in a row: cannot reach target svc`),
  );
  assert.deepEqual(retries, [1, 2, 3, 4]);
});

test(`a server that answers the status poll 429 more than ${MAX_STATUS_ERRORS} times is waited out, not given up on (it is alive, asking to slow down)`, async () => {
  const busy = clientWithStatus((ask) => (ask <= MAX_STATUS_ERRORS + 2 ? slowDown('0') : statusOk));
  const login = await startRemoteLogin(busy, 'kimi');
  const said: string[] = [];
  await waitForRemoteLogin(busy, login, {intervalMs: 5, onProgress: (p) => p.kind === 'retrying' && said.push(p.message)});
  assert.equal(said.length, MAX_STATUS_ERRORS + 2);
  assert.match(said[0]!, /429 slow down; the server asks to wait: try again now/);
});

test('while a 429 holds, a timer that fires early (a busy event loop) does not make a second "not sent" retry', async () => {
  const asked: number[] = [];
  const busy = clientWithStatus(() => {
    asked.push(Date.now());
    return asked.length === 1 ? slowDown('1') : statusOk;
  });
  // Every sleep ends 200 ms early, as a timer counted from a stale loop time does under load.
  const early = {...systemClock, sleep: (ms: number, signal?: AbortSignal) => systemClock.sleep(Math.max(0, ms - 200), signal)};
  const login = await startRemoteLogin(busy, 'kimi');
  const said: string[] = [];
  await waitForRemoteLogin(busy, login, {intervalMs: 5, clock: early, onProgress: (p) => p.kind === 'retrying' && said.push(p.message)});
  assert.equal(said.length, 1, `one retry said: ${said.join(' | ')}`);
  assert.equal(asked.length, 2);
  assert.ok(asked[1]! - asked[0]! >= 900, `${asked[1]! - asked[0]!} ms apart`);
});

test('a 429 another request on the same client met: the login poll says the wait once, then asks at its time', async () => {
  const target: RemoteTarget = {name: 'svc', url: stand.url, keySource: 'test', insecureSkipVerify: false, readKey: async () => KEY};
  const asked: number[] = [];
  const shared = new ManagementClient(target, KEY, async (url, init) => {
    if (url.includes('/auth-files')) return slowDown('1');
    if (url.includes('/get-auth-status')) return (asked.push(Date.now()), statusOk);
    const response = await fetch(url, {method: init.method, headers: init.headers, body: init.body});
    return {status: response.status, headers: Object.fromEntries(response.headers), text: await response.text()};
  });
  const login = await startRemoteLogin(shared, 'kimi');
  const refusedAt = Date.now();
  await assert.rejects(shared.json({method: 'GET', route: '/auth-files'}), /429/);
  const said: string[] = [];
  await waitForRemoteLogin(shared, login, {intervalMs: 5, onProgress: (p) => p.kind === 'retrying' && said.push(p.message)});
  assert.equal(said.length, 1, `the wait said once: ${said.join(' | ')}`);
  assert.match(said[0]!, /not sent: the server asked to wait \(429\)/);
  assert.equal(asked.length, 1);
  assert.ok(asked[0]! - refusedAt >= 900, `${asked[0]! - refusedAt} ms after the 429`);
});

test('while a 429 holds: the status is asked again at its time, not every interval, and a cancel still reaches the server', async () => {
  const asked: number[] = [];
  const busy = clientWithStatus(() => {
    asked.push(Date.now());
    return asked.length === 1 ? slowDown('1') : statusOk;
  });
  const login = await startRemoteLogin(busy, 'kimi');
  const said: string[] = [];
  await waitForRemoteLogin(busy, login, {intervalMs: 5, onProgress: (p) => p.kind === 'retrying' && said.push(p.message)});
  assert.equal(asked.length, 2, 'asked once more, at the time the server gave');
  assert.ok(asked[1]! - asked[0]! >= 900, `${asked[1]! - asked[0]!} ms apart`);
  assert.equal(said.length, 1, `one retry said, not one per interval: ${said.join(' | ')}`);
  // A 429 again, then the person cancels: the server must drop the pending login all the same.
  const again = await startRemoteLogin(busy, 'kimi');
  asked.length = 0;
  await assert.rejects(busy.json({method: 'GET', route: '/get-auth-status', query: {state: again.state}}), /429 slow down/);
  assert.equal(await cancelRemoteLogin(busy, again), true);
  assert.ok(stand.requests.some((r) => r.method === 'DELETE' && r.query.get('state') === again.state));
});
