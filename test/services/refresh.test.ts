// Refresh against a real authorization server (oidc-provider rotates refresh tokens and revokes the
// whole grant when an old one is reused: the oracle for "never burn a refresh token").
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {test} from 'node:test';
import {ensureFreshToken, NeedsLoginError} from '../../source/services/refresh.js';
import type {HttpClient} from '../../source/services/http.js';
import {undiciHttpClient} from '../../source/services/http.js';
import type {AccountStore} from '../../source/store/accounts.js';
import type {Account} from '../../source/core/types.js';
import type {TuiSettings} from '../../source/store/settings.js';
import {loadSettings} from '../../source/store/settings.js';
import type {TempCcs} from '../helpers/ccs.js';
import {FakeClock} from '../helpers/fake-clock.js';
import {oidcDeviceLogin, refreshCalls, withOidcServer, type OidcServer, type OidcServerOptions} from '../helpers/oidc.js';

const here = fileURLToPath(import.meta.url);
const worker = path.join(path.dirname(here), 'oauth', `refresh-worker${path.extname(here)}`);

/** As if the token had been issued an hour ago and now expires in 10 s (inside xai's 5-minute lead). */
async function expireSoon(store: AccountStore, id: string) {
  await store.updateToken('xai', id, (t) => ({
    ...t,
    last_refresh: new Date(Date.now() - 3590_000).toISOString(),
    expired: new Date(Date.now() + 10_000).toISOString(),
  }));
}

let lastWorker: ChildProcess | undefined;

function runWorker(root: string, provider: string, accountId: string): Promise<{code: number | null; out: Record<string, string>}> {
  return new Promise((resolve, reject) => {
    const child = (lastWorker = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--test')), worker, root, provider, accountId], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({code, out: JSON.parse(out || '{}') as Record<string, string>}));
  });
}

interface LoggedIn {
  oidc: OidcServer;
  ccs: TempCcs;
  account: Account;
  store: AccountStore;
  settings: TuiSettings;
}

/**
 * Runs `body` against a fresh authorization server and a temp CCS dir holding one xai account that
 * `login` signed into through the real device flow; both are torn down afterwards, pass or fail.
 */
async function withLoggedInAccount(options: OidcServerOptions, login: string, body: (t: LoggedIn) => Promise<void>): Promise<void> {
  await withOidcServer(options, async (oidc, ccs) => {
    const {account, store, settings} = await oidcDeviceLogin(oidc, ccs.paths.root, login);
    await body({oidc, ccs, account, store, settings});
  });
}

/**
 * Starts a worker process that refreshes the account (it takes the refresh lock) and waits (up to
 * 6 s) until the server has received its refresh request. `holder`: the worker's result; `child`:
 * its process, to suspend and resume.
 */
async function startRefreshingHolder(oidc: OidcServer, root: string, accountId: string) {
  const holder = runWorker(root, 'xai', accountId);
  const child = lastWorker!;
  for (let i = 0; i < 300 && oidc.refreshRequestsReceived === 0; i++) await new Promise((r) => setTimeout(r, 20));
  return {holder, child};
}

test('a token near expiry is refreshed once; the rotated refresh token is on disk before it is returned', async () => {
  await withLoggedInAccount({deviceInterval: 1}, 'rita', async ({oidc, account, store, settings}) => {
    await expireSoon(store, account.id);
    const before = await store.readToken(account);
    const calls: string[] = [];
    const http: HttpClient = {
      async send(req) {
        const response = await undiciHttpClient.send(req);
        // When the response arrives, nothing may have been returned yet; after it, the file must change first.
        calls.push(req.url);
        return response;
      },
    };
    const fresh = await ensureFreshToken({store, settings, http}, 'xai', account.id);
    assert.notEqual(fresh.refresh_token, before!.refresh_token, 'refresh token rotated');
    assert.notEqual(fresh.access_token, before!.access_token);
    const onDisk = await store.readToken(account);
    assert.equal(onDisk!.refresh_token, fresh.refresh_token, 'rotated refresh token persisted');
    assert.equal(onDisk!.email, 'rita@example.test', 'other fields kept');
    assert.equal(await oidc.userinfo(fresh.access_token!), 200);
    assert.equal(refreshCalls(oidc), 1);
    // The old refresh token is dead, the new one alive: the grant was not revoked.
    const check = await oidc.refreshWorks(fresh.refresh_token!);
    assert.ok(check.ok, JSON.stringify(check.body));
  });
});

test('not near expiry: no request unless forced; force refreshes', async () => {
  await withLoggedInAccount({deviceInterval: 1, accessTokenTtl: 3600}, 'sam', async ({oidc, account, store, settings}) => {
    const before = await store.readToken(account);
    const same = await ensureFreshToken({store, settings}, 'xai', account.id);
    assert.equal(same.access_token, before!.access_token);
    assert.equal(refreshCalls(oidc), 0);
    const forced = await ensureFreshToken({store, settings}, 'xai', account.id, {force: true});
    assert.notEqual(forced.access_token, before!.access_token);
    assert.equal(refreshCalls(oidc), 1);
  });
});

test('10 processes find one account expiring: one refresh request, everyone ends with working tokens, grant intact', async () => {
  await withLoggedInAccount({deviceInterval: 1}, 'race', async ({oidc, ccs, account, store}) => {
    await expireSoon(store, account.id);
    const results = await Promise.all(Array.from({length: 10}, () => runWorker(ccs.paths.root, 'xai', account.id)));
    for (const r of results) assert.equal(r.code, 0, JSON.stringify(r.out));
    assert.equal(refreshCalls(oidc), 1, 'exactly one refresh request');
    const tokens = new Set(results.map((r) => r.out.access_token));
    assert.equal(tokens.size, 1, 'all ten use the one refreshed token');
    for (const r of results) assert.equal(await oidc.userinfo(r.out.access_token!), 200);
    // The grant survives: the refresh token everyone holds still refreshes.
    const check = await oidc.refreshWorks(results[0]!.out.refresh_token!);
    assert.ok(check.ok, `grant revoked: ${JSON.stringify(check.body)}`);
  });
});

test('a reused refresh token: invalid_grant marks the account needs-login, and no further request is made', async () => {
  await withLoggedInAccount({deviceInterval: 1, accessTokenTtl: 3600}, 'vic', async ({oidc, account, store, settings}) => {
    const stale = await store.readToken(account);
    // Someone else (another tool) used the refresh token: ours is now the old one.
    assert.ok((await oidc.refreshWorks(stale!.refresh_token!)).ok);
    await assert.rejects(ensureFreshToken({store, settings}, 'xai', account.id, {force: true}), NeedsLoginError);
    const after = (await store.load()).accounts.find((a) => a.id === account.id)!;
    assert.equal(after.health, 'needs-login');
    assert.match(after.healthDetail ?? '', /invalid_grant/);
    const requests = oidc.tokenCalls.length;
    await assert.rejects(ensureFreshToken({store, settings}, 'xai', account.id, {force: true}), NeedsLoginError);
    await assert.rejects(ensureFreshToken({store, settings}, 'xai', account.id), NeedsLoginError);
    assert.equal(oidc.tokenCalls.length, requests, 'no retry storm');
  });
});

/** An HttpClient whose token endpoint answers 429 with `retryAfter` the first `limitedTimes` times; the send times on `clock`. */
function rateLimitedOnce(clock: FakeClock, retryAfter: string, limitedTimes = 1): {http: HttpClient; sent: number[]} {
  let limited = 0;
  const sent: number[] = [];
  const http: HttpClient = {
    async send(req) {
      if (!req.url.endsWith('/token')) return undiciHttpClient.send(req);
      sent.push(clock.now());
      if (limited < limitedTimes) {
        limited++;
        return {status: 429, headers: {'retry-after': retryAfter}, text: '{"error":"rate_limited"}'};
      }
      return undiciHttpClient.send(req);
    },
  };
  return {http, sent};
}

/** Runs `promise` while the fake clock moves a second at a time (its sleeps end). */
async function onTheClock<T>(clock: FakeClock, promise: Promise<T>): Promise<T> {
  let done = false;
  promise.then(() => (done = true), () => (done = true));
  for (let i = 0; i < 200 && !done; i++) {
    await new Promise((r) => setTimeout(r, 10));
    await clock.advance(1000);
  }
  return promise;
}

test('a 429 on refresh with a short Retry-After waits for it on the clock once, then succeeds', async () => {
  await withLoggedInAccount({deviceInterval: 1}, 'wes', async ({account, store, settings}) => {
    await expireSoon(store, account.id);
    const clock = new FakeClock(Date.now());
    const {http, sent} = rateLimitedOnce(clock, '7');
    const fresh = await onTheClock(clock, ensureFreshToken({store, settings, http, clock}, 'xai', account.id));
    assert.ok(fresh.access_token);
    const tokenSends = sent.slice(-2);
    assert.ok(tokenSends[1]! - tokenSends[0]! >= 7_000, `waited ${(tokenSends[1]! - tokenSends[0]!) / 1000} s`);
  });
});

// Whoever asked waits through it saying nothing (a proxy request, quota): a longer limit is theirs to
// say (quota's next try) or to go around (the proxy's next account), not a minute of silence.
test('a 429 on refresh asking for a long wait (42 s), or a second 429: the refresh fails at once as rate limited, with the wait, the grant kept', async () => {
  for (const [retryAfter, times] of [['42', 1], ['2', 2]] as const) {
    await withLoggedInAccount({deviceInterval: 1}, `wes${retryAfter}`, async ({account, store, settings}) => {
      await expireSoon(store, account.id);
      const before = await store.readToken(account);
      const clock = new FakeClock(Date.now());
      const {http, sent} = rateLimitedOnce(clock, retryAfter, times);
      const started = clock.now();
      await assert.rejects(onTheClock(clock, ensureFreshToken({store, settings, http, clock}, 'xai', account.id)), (error: Error & {status?: number; retryAfter?: number}) => {
        assert.equal(error.status, 429);
        assert.equal(error.retryAfter, Number(retryAfter));
        return true;
      });
      assert.equal(sent.length, times, `sent ${sent.length} times`);
      assert.ok(clock.now() - started < 10_000, `waited ${(clock.now() - started) / 1000} s (the 42 s was not waited out)`);
      // Rate limited is no refusal: the refresh token is kept and sent again later, once the wait asked
      // for is over (not at each request or poll meanwhile, by this process or another).
      assert.equal((await store.readToken(account))!.refresh_token, before!.refresh_token);
      await assert.rejects(ensureFreshToken({store, settings, http, clock}, 'xai', account.id), (error: Error & {status?: number}) => error.status === 429 && /not sent again before/.test(error.message));
      assert.equal(sent.length, times, 'nothing sent during the wait');
      await clock.advance(Number(retryAfter) * 1000 + 1000);
      const fresh = await ensureFreshToken({store, settings, http, clock}, 'xai', account.id);
      assert.ok(fresh.access_token);
      assert.equal(sent.length, times + 1);
    });
  }
});

/** tui.json with the refresh timeout set (keeps the endpoint overrides the login wrote). */
function setRefreshTimeout(root: string, seconds: number, more: {lockStaleSeconds?: number} = {}) {
  const file = path.join(root, 'tui.json');
  const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({...settings, refresh: {timeoutSeconds: seconds, ...more}}), {mode: 0o600});
}

test('a token endpoint slower than the timeout: the sent refresh is the one attempt, nobody resends it, the grant survives', async () => {
  await withLoggedInAccount({deviceInterval: 1}, 'slow', async ({oidc, ccs, account, store}) => {
    await expireSoon(store, account.id);
    setRefreshTimeout(ccs.paths.root, 1);
    const {settings} = await loadSettings(ccs.paths);
    // The server rotates the refresh token, then answers only after the client gave up.
    oidc.delayRefreshMs = 2500;
    const first = ensureFreshToken({store, settings}, 'xai', account.id);
    await assert.rejects(first, (error: Error) => {
      assert.equal(error.name, 'RefreshOutcomeUnknownError');
      assert.match(error.message, /refresh outcome unknown .*log in again only if the next request fails/);
      return true;
    });
    const issued = oidc.lastIssuedRefreshToken;
    assert.ok(issued, 'the server did issue a new refresh token');
    // Every later attempt, in this process or in others queued on the lock, reports and does not send.
    const later = await Promise.all([runWorker(ccs.paths.root, 'xai', account.id), runWorker(ccs.paths.root, 'xai', account.id)]);
    for (const r of later) {
      assert.equal(r.code, 1);
      assert.equal(r.out.name, 'RefreshOutcomeUnknownError', JSON.stringify(r.out));
    }
    await assert.rejects(ensureFreshToken({store, settings}, 'xai', account.id, {force: true}), /refresh outcome unknown/);
    assert.equal(oidc.refreshRequestsReceived, 1, 'the refresh token was sent once');
    oidc.delayRefreshMs = 0;
    const check = await oidc.refreshWorks(issued);
    assert.ok(check.ok, `grant revoked: ${JSON.stringify(check.body)}`);
    // A new login (a new refresh token) refreshes normally again.
    await store.updateToken('xai', account.id, (t) => ({...t, refresh_token: String(check.body.refresh_token)}));
    const fresh = await ensureFreshToken({store, settings}, 'xai', account.id, {force: true});
    assert.equal(await oidc.userinfo(fresh.access_token!), 200);
  });
});

test('a lock holder suspended mid-refresh (SIGSTOP past the old 5 s staleness) keeps its lock; the waiter gets its result; the grant survives', async () => {
  await withLoggedInAccount({deviceInterval: 1}, 'stopped', async ({oidc, ccs, account, store, settings}) => {
    try {
      await expireSoon(store, account.id);
      oidc.delayRefreshMs = 1000;
      const {holder, child} = await startRefreshingHolder(oidc, ccs.paths.root, account.id);
      assert.equal(oidc.refreshRequestsReceived, 1, 'the holder sent its refresh');
      child.kill('SIGSTOP');
      const waiter = ensureFreshToken({store, settings}, 'xai', account.id);
      let waiterDone = false;
      void waiter.then(() => (waiterDone = true), () => (waiterDone = true));
      await new Promise((r) => setTimeout(r, 7000));
      assert.equal(waiterDone, false, 'the waiter did not take the lock of a live, suspended holder');
      child.kill('SIGCONT');
      const held = await holder;
      assert.equal(held.code, 0, JSON.stringify(held.out));
      const got = await waiter;
      assert.equal(got.access_token, held.out.access_token, 'the waiter uses the holder’s result');
      assert.equal(oidc.refreshRequestsReceived, 1, 'one refresh request in all');
      oidc.delayRefreshMs = 0;
      const onDisk = await store.readToken(account);
      const check = await oidc.refreshWorks(onDisk!.refresh_token!);
      assert.ok(check.ok, `grant revoked: ${JSON.stringify(check.body)}`);
    } finally {
      // A failed assertion must not leave the worker stopped (the test run would wait for it forever).
      lastWorker?.kill('SIGCONT');
    }
  });
});

test('a holder suspended past a (short) staleness bound saves the rotated token it got, under a fresh lock; nobody resends; the grant survives', async () => {
  await withLoggedInAccount({deviceInterval: 1}, 'overdue', async ({oidc, ccs, account, store}) => {
    try {
      await expireSoon(store, account.id);
      setRefreshTimeout(ccs.paths.root, 120, {lockStaleSeconds: 2});
      const {settings} = await loadSettings(ccs.paths);
      const before = await store.readToken(account);
      oidc.delayRefreshMs = 500;
      const {holder, child} = await startRefreshingHolder(oidc, ccs.paths.root, account.id);
      assert.equal(oidc.refreshRequestsReceived, 1, 'the holder sent its refresh');
      child.kill('SIGSTOP');
      // Past the 2 s bound, a waiter takes the lock over, finds the refresh token already sent, and does not resend it.
      await new Promise((r) => setTimeout(r, 2500));
      await assert.rejects(ensureFreshToken({store, settings}, 'xai', account.id), /refresh outcome unknown/);
      child.kill('SIGCONT');
      const held = await holder;
      assert.equal(held.code, 0, JSON.stringify(held.out));
      const onDisk = await store.readToken(account);
      assert.notEqual(onDisk!.refresh_token, before!.refresh_token, 'the rotated refresh token was saved');
      assert.equal(onDisk!.access_token, held.out.access_token);
      assert.equal(oidc.refreshRequestsReceived, 1, 'one refresh request in all');
      oidc.delayRefreshMs = 0;
      const check = await oidc.refreshWorks(onDisk!.refresh_token!);
      assert.ok(check.ok, `grant revoked: ${JSON.stringify(check.body)}`);
    } finally {
      lastWorker?.kill('SIGCONT');
    }
  });
});
