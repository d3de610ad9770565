// Remote quota and 429s: a provider's 429 reached through the server's api-call, or the server's
// own 429, was the account's error with no back-off (the next poll asked again on schedule) and,
// for the server's, no word of when to try again. Now the error says when, and the entry holds the
// next poll off until then, as for local accounts.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {ManagementClient, MAX_ASKED_TO_WAIT_MS, type ManagementTransport} from '../../source/services/remote/client.js';
import {RemoteAccountStore} from '../../source/services/remote/accounts.js';
import {fetchRemoteQuota} from '../../source/services/remote/quota.js';
import {loadSettings} from '../../source/store/settings.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {MANAGEMENT_KEY, remoteTarget} from '../helpers/fake-cliproxy/target.js';
import {makeQuotaFixture, quotaToken, type QuotaFixture} from './quota/fixture.js';

let fx: QuotaFixture;
let stand: FakeCliproxy;
before(async () => {
  fx = await makeQuotaFixture();
  stand = await remoteTarget(fx.ccs, {apiCallOrigins: [fx.upstream.url]}, {endpoints: {claude: {usage: `${fx.upstream.url}/claude/usage`}}});
  stand.addFile('claude-user@example.com.json', quotaToken('claude', 'user@example.com'));
});
after(async () => {
  await stand.close();
  await fx.close();
});

/** The stand-in, reached with fetch; `/api-call` answered 429 by the server itself when `serverBusy`. */
function transport(serverBusy: boolean): ManagementTransport {
  return async (url, init) => {
    if (serverBusy && url.includes('/api-call')) return {status: 429, headers: {'retry-after': '120'}, text: '{"error":"too many requests"}'};
    const response = await fetch(url, {method: init.method, headers: init.headers, body: init.body});
    return {status: response.status, headers: Object.fromEntries(response.headers), text: await response.text()};
  };
}

async function quotaOnce(serverBusy: boolean) {
  const target = {name: 'team', url: stand.url, keySource: 'test', insecureSkipVerify: false, readKey: async () => MANAGEMENT_KEY};
  const store = new RemoteAccountStore(new ManagementClient(target, MANAGEMENT_KEY, transport(serverBusy)));
  const [account] = (await store.load()).accounts;
  return fetchRemoteQuota(store, (await loadSettings(fx.ccs.paths)).settings, account!);
}

test("a provider's 429 through api-call holds the account's next poll off until its Retry-After", async () => {
  fx.serve('claude', {error: {type: 'rate_limit_error'}}, 429, {'retry-after': '600'});
  const before = Date.now();
  const entry = await quotaOnce(false);
  assert.equal(entry.error?.kind, 'rate-limited');
  assert.ok(entry.backoffUntil !== undefined && entry.backoffUntil >= before + 599_000 && entry.backoffUntil <= Date.now() + 601_000, `backoffUntil ${entry.backoffUntil}`);
});

test("the server's own 429 to api-call says when to try again and holds the next poll off", async () => {
  const before = Date.now();
  const entry = await quotaOnce(true);
  assert.equal(entry.error?.kind, 'rate-limited');
  assert.match(entry.error!.message, /429 too many requests; the server asks to wait: try again in 2m \(until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\)/);
  assert.ok(entry.backoffUntil !== undefined && entry.backoffUntil >= before + 119_000, `backoffUntil ${entry.backoffUntil}`);
});

test("after the server's own 429 with a Retry-After, nothing is sent to it before that time (the TUI's reloads and quota polls ask no more); then requests go again", async () => {
  const target = {name: 'team', url: stand.url, keySource: 'test', insecureSkipVerify: false, readKey: async () => MANAGEMENT_KEY};
  const sent: string[] = [];
  let busy = false;
  const counting: ManagementTransport = async (url, init) => {
    sent.push(new URL(url).pathname);
    if (busy) return {status: 429, headers: {'retry-after': '2'}, text: '{"error":"slow down"}'};
    return transport(false)(url, init);
  };
  const store = new RemoteAccountStore(new ManagementClient(target, MANAGEMENT_KEY, counting));
  const [account] = (await store.load()).accounts;
  busy = true;
  await assert.rejects(store.load(), /429 slow down; the server asks to wait: try again in 2s \(until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\)/);
  assert.equal(sent.length, 2);
  busy = false;
  // The 15 s reload, a quota poll, an action: refused here, with the time left, and nothing sent.
  await assert.rejects(store.load(), (error: Error & {kind?: string}) => {
    assert.equal(error.kind, 'rate-limited');
    assert.match(error.message, /GET \/v0\/management\/auth-files: not sent: the server asked to wait \(429\): try again in [12]s \(until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\)/);
    return true;
  });
  const entry = await fetchRemoteQuota(store, (await loadSettings(fx.ccs.paths)).settings, account!);
  assert.equal(entry.error?.kind, 'rate-limited');
  assert.ok(entry.backoffUntil !== undefined && entry.backoffUntil > Date.now(), 'the quota poll waits until the same time');
  assert.equal(sent.length, 2, `nothing more sent: ${sent.join(', ')}`);
  await new Promise((resolve) => setTimeout(resolve, 2100));
  assert.equal((await store.load()).accounts.length, 1);
  assert.equal(sent.length, 3);
});

test("a Retry-After of a day (a proxy in front of the server) holds requests off 5 minutes at most, and says the server's wait", async () => {
  const target = {name: 'team', url: stand.url, keySource: 'test', insecureSkipVerify: false, readKey: async () => MANAGEMENT_KEY};
  const store = new RemoteAccountStore(new ManagementClient(target, MANAGEMENT_KEY, async () => ({status: 429, headers: {'retry-after': '86400'}, text: 'slow down'})));
  const before = Date.now();
  await assert.rejects(store.load(), (error: Error & {retryAt?: number}) => {
    assert.match(error.message, /the server asks to wait: try again in 24h \(until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)/);
    assert.ok(error.retryAt! <= Date.now() + MAX_ASKED_TO_WAIT_MS && error.retryAt! >= before + MAX_ASKED_TO_WAIT_MS - 1000, `${error.retryAt! - before} ms`);
    return true;
  });
  await assert.rejects(store.load(), /not sent: the server asked to wait \(429\): try again in [45]m/);
});
