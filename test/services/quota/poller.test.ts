import assert from 'node:assert/strict';
import {test} from 'node:test';
import {FakeClock} from '../../helpers/fake-clock.js';
import {readQuotaCache} from '../../../source/services/quota/cache.js';
import {QuotaPoller} from '../../../source/services/quota/service.js';
import {windowState} from '../../../source/core/quota.js';
import {makeQuotaFixture} from './fixture.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const MINUTE = 60_000;

/** Lets the fetch (real HTTP to 127.0.0.1, file writes) finish between fake-clock steps. */
async function settle(poller: QuotaPoller, until: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !until(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(until(), `poller did not settle: ${until.toString()}`);
  await poller.idle();
}

test('polls every 5 minutes, every minute above 80 %, at each reset, and backs off on 429; R bypasses the backoff', async () => {
  const fx = await makeQuotaFixture();
  const clock = new FakeClock(NOW);
  const hits = () => fx.upstream.requests.filter((r) => r.path === '/claude/usage').length;
  fx.serve('claude', {five_hour: {utilization: 20, resets_at: null}, seven_day: {utilization: 30, resets_at: null}});
  const poller = new QuotaPoller(await fx.deps(clock));
  let updates = 0;
  poller.subscribe(() => updates++);
  try {
    await poller.start([await fx.account('claude')]);
    await settle(poller, () => hits() === 1 && poller.snapshot.accounts.claude?.['user@example.com'] !== undefined);
    assert.ok(updates >= 2, 'subscribers hear the cache load and the fetch');

    await clock.advance(4 * MINUTE);
    assert.equal(hits(), 1, 'not before 5 minutes');
    await clock.advance(MINUTE);
    await settle(poller, () => hits() === 2);

    // Above 80 %: every minute, and a fetch right after the 5 h reset.
    const reset = new Date(clock.now() + 150_000).toISOString();
    fx.serve('claude', {five_hour: {utilization: 85, resets_at: reset}, seven_day: {utilization: 30, resets_at: null}});
    await poller.refresh();
    await settle(poller, () => hits() === 3);
    await clock.advance(MINUTE);
    await settle(poller, () => hits() === 4);
    await clock.advance(MINUTE);
    await settle(poller, () => hits() === 5);
    // The reset is 30 s after now; it comes before the next minute.
    fx.serve('claude', {five_hour: {utilization: 90, resets_at: new Date(clock.now() + 5 * 3600_000).toISOString()}, seven_day: {utilization: 30, resets_at: null}});
    await clock.advance(40 * 1000);
    await settle(poller, () => hits() === 6);

    // 429 without Retry-After: nothing for 5 minutes, though the fast interval is 1 minute.
    fx.serve('claude', {error: {}}, 429);
    await clock.advance(MINUTE);
    await settle(poller, () => hits() === 7 && poller.snapshot.accounts.claude!['user@example.com']!.error?.kind === 'rate-limited');
    await clock.advance(4 * MINUTE);
    assert.equal(hits(), 7, 'backed off');
    fx.serve('claude', {five_hour: {utilization: 5, resets_at: null}, seven_day: {utilization: 5, resets_at: null}});
    await poller.refresh([await fx.account('claude')]);
    assert.equal(hits(), 8, 'a user refresh goes through the backoff');
    assert.equal(poller.snapshot.accounts.claude!['user@example.com']!.error, undefined);
    const cache = await readQuotaCache(fx.ccs.paths);
    assert.deepEqual(cache.accounts.claude!['user@example.com']!.windows.map((w) => w.usedPct), [5, 5]);
  } finally {
    poller.stop();
    assert.equal(clock.pendingTimers, 0, 'stop cancels every timer');
    await fx.close();
  }
});

test('on launch the cache shows numbers at once and a fresh entry is not fetched again', async () => {
  const fx = await makeQuotaFixture();
  const clock = new FakeClock(NOW);
  fx.ccs.writeRaw(
    'tui/quota-cache.json',
    JSON.stringify({
      version: 1,
      accounts: {
        kimi: {
          'user@example.com': {
            fetchedAt: new Date(NOW - MINUTE).toISOString(),
            windows: [{kind: 'weekly', usedPct: 12, resetsAt: null, windowSeconds: 604800, source: 'usage-endpoint', observedAt: new Date(NOW - MINUTE).toISOString()}],
          },
        },
      },
    }),
  );
  const poller = new QuotaPoller(await fx.deps(clock));
  try {
    await poller.start([await fx.account('kimi')]);
    assert.equal(poller.snapshot.accounts.kimi!['user@example.com']!.windows[0]!.usedPct, 12);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(fx.upstream.requests.length, 0);
    fx.serve('kimi', {usage: {limit: '100', used: '20', resetTime: null}});
    await clock.advance(4 * MINUTE);
    await settle(poller, () => fx.upstream.requests.length === 1);
  } finally {
    poller.stop();
    await fx.close();
  }
});

// ATTACK (s39): an entry fetched "in 2099" (a clock set wrong, a copied cache) was fresh forever:
// never polled again, its numbers shown as current.
test('a cached entry fetched in the future is fetched now, and its numbers are stale meanwhile', {timeout: 20_000}, async () => {
  const fx = await makeQuotaFixture();
  const clock = new FakeClock(NOW);
  const future = '2099-01-01T00:00:00.000Z';
  fx.ccs.writeRaw(
    'tui/quota-cache.json',
    JSON.stringify({version: 1, accounts: {kimi: {'user@example.com': {fetchedAt: future, windows: [{kind: 'weekly', usedPct: 99, resetsAt: '2099-02-01T00:00:00.000Z', windowSeconds: 604800, source: 'usage-endpoint', observedAt: future}]}}}}),
  );
  fx.serve('kimi', {usage: {limit: '100', used: '20', resetTime: null}});
  assert.equal(windowState({kind: 'weekly', usedPct: 99, resetsAt: null, windowSeconds: 604800, source: 'usage-endpoint', observedAt: future}, NOW).stale, true);
  const poller = new QuotaPoller(await fx.deps(clock));
  try {
    await poller.start([await fx.account('kimi')]);
    await settle(poller, () => fx.upstream.requests.length === 1 && poller.snapshot.accounts.kimi?.['user@example.com']?.windows[0]?.usedPct === 20);
  } finally {
    poller.stop();
    await fx.close();
  }
});

test('leaving the screens pauses polling and abandons the running fetch; coming back fetches afresh', async () => {
  const fx = await makeQuotaFixture();
  const clock = new FakeClock(NOW);
  let answer: (() => void) | undefined;
  // The first answer hangs until released, like a slow network.
  fx.upstream.handler = (req, res) => {
    const reply = () => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({usage: {limit: '10', used: '4', resetTime: null}}));
    };
    if (!answer && fx.upstream.requests.length === 1) answer = reply;
    else reply();
  };
  const poller = new QuotaPoller(await fx.deps(clock));
  try {
    const account = await fx.account('kimi');
    const first = poller.use([account]);
    await first.ready;
    for (let i = 0; i < 200 && !answer; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(answer, 'the first fetch reached the server');
    first.release();
    assert.equal(clock.pendingTimers, 0, 'paused: no timers');
    const second = poller.use([account]);
    await second.ready;
    for (let i = 0; i < 200 && fx.upstream.requests.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await poller.idle();
    assert.equal(poller.snapshot.accounts.kimi!['user@example.com']!.windows[0]!.usedPct, 40);
    answer?.();
    second.release();
  } finally {
    poller.stop();
    await fx.close();
  }
});

test('an account removed while its fetch runs: its answer is dropped, never written to the cache (its removal took its entry out)', async () => {
  const fx = await makeQuotaFixture();
  const clock = new FakeClock(NOW);
  let answer: (() => void) | undefined;
  fx.upstream.handler = (_req, res) => {
    answer = () => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({usage: {limit: '10', used: '4', resetTime: null}}));
    };
  };
  const poller = new QuotaPoller(await fx.deps(clock));
  try {
    const account = await fx.account('kimi');
    const use = poller.use([account]);
    await use.ready;
    for (let i = 0; i < 200 && !answer; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(answer, 'the fetch reached the server');
    // Removed (the screens' list reloaded without it), then the server answers.
    poller.setAccounts([]);
    answer();
    await poller.idle();
    assert.equal(poller.snapshot.accounts.kimi?.['user@example.com'], undefined);
    assert.equal((await readQuotaCache(fx.ccs.paths)).accounts.kimi?.['user@example.com'], undefined);
    use.release();
  } finally {
    poller.stop();
    await fx.close();
  }
});

test('tui.json changes apply to a running poller: a shorter interval reschedules the next poll from the last fetch', async () => {
  const fx = await makeQuotaFixture();
  const clock = new FakeClock(NOW);
  const hits = () => fx.upstream.requests.filter((r) => r.path === '/claude/usage').length;
  fx.serve('claude', {five_hour: {utilization: 20, resets_at: null}, seven_day: {utilization: 30, resets_at: null}});
  const deps = await fx.deps(clock);
  const poller = new QuotaPoller(deps);
  try {
    await poller.start([await fx.account('claude')]);
    await settle(poller, () => hits() === 1 && poller.snapshot.accounts.claude?.['user@example.com'] !== undefined);
    await clock.advance(2 * MINUTE);
    assert.equal(hits(), 1, 'every 5 minutes by default');
    // tui.json now says every 60 s: two minutes have passed since the fetch, so it is due now.
    poller.updateSettings({...deps.settings, quota: {...deps.settings.quota, pollSeconds: 60}});
    await settle(poller, () => hits() === 2);
    await clock.advance(MINUTE);
    await settle(poller, () => hits() === 3);
  } finally {
    poller.stop();
    await fx.close();
  }
});
