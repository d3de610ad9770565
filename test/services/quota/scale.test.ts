// Quota polling at scale: results are written in batches that merge with other writers, and a
// returning user's stale cache is caught up spread out, a few requests at a time.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {FakeClock} from '../../helpers/fake-clock.js';
import {QuotaCacheWriter, quotaCacheFile, readQuotaCache, updateQuotaEntry} from '../../../source/services/quota/cache.js';
import {readFileSync, writeFileSync} from 'node:fs';
import {QuotaPoller} from '../../../source/services/quota/service.js';
import {makeQuotaFixture, quotaToken} from './fixture.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const MINUTE = 60_000;
const windowAt = (usedPct: number, at: number) => ({kind: '5h', usedPct, resetsAt: null, windowSeconds: 18000, source: 'usage-endpoint', observedAt: new Date(at).toISOString()});

test('the cache writer writes many results in one read-modify-write and keeps what another process wrote meanwhile', async () => {
  const fx = await makeQuotaFixture();
  try {
    const writer = new QuotaCacheWriter(fx.ccs.paths, 100);
    const results = Array.from({length: 50}, (_, i) =>
      writer.update('claude', `u${i}@example.com`, () => ({windows: [windowAt(i, NOW) as never], fetchedAt: new Date(NOW).toISOString()})),
    );
    // Another process (the proxy) writes its own account while the batch waits.
    await updateQuotaEntry(fx.ccs.paths, 'codex', 'proxy@example.com', () => ({windows: [windowAt(77, NOW) as never]}));
    const entries = await Promise.all(results);
    assert.equal(writer.writes, 1, 'one write for 50 results');
    assert.equal(entries[49]!.windows[0]!.usedPct, 49);
    const cache = await readQuotaCache(fx.ccs.paths);
    assert.equal(Object.keys(cache.accounts.claude!).length, 50);
    assert.equal(cache.accounts.codex!['proxy@example.com']!.windows[0]!.usedPct, 77, 'merged, not clobbered');
  } finally {
    await fx.close();
  }
});

test('batch after batch, the cache file holds every result, and an entry another process wrote between two batches is kept', async () => {
  const fx = await makeQuotaFixture();
  try {
    const writer = new QuotaCacheWriter(fx.ccs.paths, 20);
    const batch = (from: number, pct: number) =>
      Promise.all(Array.from({length: 10}, (_, i) => writer.update('claude', `u${from + i}@example.com`, () => ({windows: [windowAt(pct, NOW) as never], fetchedAt: new Date(NOW).toISOString()}))));
    await batch(0, 10);
    await batch(10, 20);
    // Another process rewrites the file between two batches (as the proxy does, without this process's lock).
    const file = quotaCacheFile(fx.ccs.paths);
    const onDisk = JSON.parse(readFileSync(file, 'utf8')) as {accounts: Record<string, Record<string, unknown>>};
    onDisk.accounts.codex = {'proxy@example.com': {windows: [windowAt(77, NOW)]}};
    writeFileSync(file, JSON.stringify(onDisk));
    await batch(20, 30);
    await batch(0, 40);
    assert.equal(writer.writes, 4, 'one write per batch');
    const cache = await readQuotaCache(fx.ccs.paths);
    assert.equal(Object.keys(cache.accounts.claude!).length, 30);
    assert.equal(cache.accounts.claude!['u0@example.com']!.windows[0]!.usedPct, 40, 'the newest result');
    assert.equal(cache.accounts.claude!['u15@example.com']!.windows[0]!.usedPct, 20);
    assert.equal(cache.accounts.claude!['u25@example.com']!.windows[0]!.usedPct, 30);
    assert.equal(cache.accounts.codex!['proxy@example.com']!.windows[0]!.usedPct, 77, 'the other process\'s entry is kept');
  } finally {
    await fx.close();
  }
});

test('a stale cache of 40 accounts is caught up spread out, at most 4 requests at once, with few updates to subscribers', async () => {
  const fx = await makeQuotaFixture();
  const count = 40;
  const accounts: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const email = `u${i}@example.com`;
    fx.ccs.writeToken(`claude-${email}.json`, quotaToken('claude', email));
    // Fetched an hour ago: every entry is older than the 5-minute poll interval.
    accounts[email] = {fetchedAt: new Date(NOW - 60 * MINUTE).toISOString(), windows: [windowAt(1, NOW - 60 * MINUTE)]};
  }
  fx.ccs.writeRaw('tui/quota-cache.json', JSON.stringify({version: 1, accounts: {claude: accounts}}));
  let open = 0;
  let most = 0;
  fx.upstream.handler = (_req, res) => {
    open++;
    most = Math.max(most, open);
    // A realistic usage endpoint: tens of milliseconds.
    setTimeout(() => {
      open--;
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({five_hour: {utilization: 42, resets_at: null}, seven_day: {utilization: 9, resets_at: null}}));
    }, 20);
  };
  const clock = new FakeClock(NOW);
  const random = (() => {
    let i = 0;
    return () => ((i++ * 0.37) % 1);
  })();
  const poller = new QuotaPoller({...(await fx.deps(clock)), random});
  let emits = 0;
  poller.subscribe(() => emits++);
  const claude = (await (await fx.deps(clock)).store.load()).accounts.filter((a) => a.provider === 'claude');
  // The fixture's own user@example.com (nothing cached) is due too: 41 accounts in all.
  assert.equal(claude.length, count + 1);
  const hits = () => fx.upstream.requests.filter((r) => r.path === '/claude/usage').length;
  try {
    await poller.start(claude);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(hits(), 0, 'nothing asked at the first frame: the catch-up is spread out');
    // Spread over 40 × 60 ms = 2.4 s of clock time; half of it asks about half the accounts.
    await clock.advance(1200);
    for (let i = 0; i < 300 && hits() < 10; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(hits() > 0 && hits() < claude.length, `part of the accounts after half the spread (${hits()})`);
    await clock.advance(1300);
    for (let i = 0; i < 500 && Object.values(poller.snapshot.accounts.claude ?? {}).filter((e) => e.windows[0]?.usedPct === 42).length < claude.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await poller.idle();
    assert.equal(hits(), claude.length, 'each account asked once');
    assert.ok(most <= 4, `at most 4 requests at once (saw ${most})`);
    const cache = await readQuotaCache(fx.ccs.paths);
    assert.equal(Object.values(cache.accounts.claude!).filter((e) => e.windows[0]!.usedPct === 42).length, claude.length, 'every result on disk');
    assert.ok(emits < claude.length / 2, `subscribers heard far fewer updates than results (${emits} for ${claude.length})`);
  } finally {
    poller.stop();
    await fx.close();
  }
});
