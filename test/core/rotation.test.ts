import assert from 'node:assert/strict';
import {test} from 'node:test';
import {chooseNext, poolWaitText, rankByHeadroom, usedUpTrouble, usedUpWindow} from '../../source/core/rotation.js';
import type {QuotaWindow} from '../../source/core/types.js';
import {accountFixture} from '../helpers/accounts.js';
import {CLOCK_MINUTE} from '../helpers/clock-text.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const HOUR = 3600_000;

const account = accountFixture;

const w = (kind: QuotaWindow['kind'], usedPct: number | null, resetInMs = 2 * HOUR): QuotaWindow => ({
  kind,
  usedPct,
  resetsAt: new Date(NOW + resetInMs).toISOString(),
  windowSeconds: kind === '5h' ? 18000 : 604800,
  source: 'usage-endpoint',
  observedAt: new Date(NOW).toISOString(),
});

test('most-headroom never picks an account whose week is used up because its 5-hour window looks fine', () => {
  const accounts = [account('current', {default: true}), account('week-gone'), account('tight'), account('roomy')];
  const windows = {
    current: [w('5h', 50), w('weekly', 50)],
    // 0 % used in 5 h, but no weekly headroom at all.
    'week-gone': [w('5h', 0), w('weekly', 100)],
    // 5 h fine, week nearly gone: 3 % headroom.
    tight: [w('5h', 1), w('weekly', 97)],
    // The least room is 60 % (5 h at 40 %).
    roomy: [w('5h', 40), w('weekly', 20)],
  };
  assert.equal(chooseNext('most-headroom', accounts, 'current', windows, NOW)?.id, 'roomy');
  assert.deepEqual(rankByHeadroom(accounts, windows, NOW).map((a) => a.id), ['roomy', 'current', 'tight']);
  // Without roomy, the tight account (3 % left) still beats the one with 0 % weekly headroom.
  assert.equal(chooseNext('most-headroom', accounts.filter((a) => a.id !== 'roomy'), 'current', windows, NOW)?.id, 'tight');
  // Only the used-up account is left: nothing to rotate to.
  assert.equal(chooseNext('most-headroom', [accounts[0]!, accounts[1]!], 'current', windows, NOW), undefined);
});

test('most-headroom skips paused and needs-login accounts; unknown quota ranks after known room', () => {
  const accounts = [account('a', {default: true}), account('paused', {paused: true}), account('login', {health: 'needs-login'}), account('unknown'), account('some')];
  const windows = new Map<string, QuotaWindow[]>([
    ['paused', [w('5h', 0), w('weekly', 0)]],
    ['login', [w('5h', 0), w('weekly', 0)]],
    ['some', [w('5h', 90), w('weekly', 10)]],
    ['unknown', [w('5h', null), w('weekly', null)]],
  ]);
  assert.equal(chooseNext('most-headroom', accounts, 'a', windows, NOW)?.id, 'some');
  // With no numbers at all, the order of the list decides.
  assert.equal(chooseNext('most-headroom', accounts, 'a', new Map(), NOW)?.id, 'unknown');
});

test('most-headroom among equals: rotating again and again reaches every account, in turn after the current one', () => {
  const accounts = [account('a'), account('b'), account('c')];
  for (const windows of [{}, {a: [w('5h', 10)], b: [w('5h', 10)], c: [w('5h', 10)]}] as Record<string, QuotaWindow[]>[]) {
    const seen: string[] = [];
    let current = 'b';
    for (let i = 0; i < 4; i++) seen.push((current = chooseNext('most-headroom', accounts, current, windows, NOW)!.id));
    assert.deepEqual(seen, ['c', 'a', 'b', 'c'], JSON.stringify(windows));
  }
  // Room still decides first: the roomiest other account, whatever the turn.
  assert.equal(chooseNext('most-headroom', accounts, 'b', {a: [w('5h', 5)], b: [w('5h', 10)], c: [w('5h', 10)]}, NOW)?.id, 'a');
  // Without a rotation (the pool's pick), equals keep the list's order.
  assert.deepEqual(rankByHeadroom(accounts, {}, NOW).map((a) => a.id), ['a', 'b', 'c']);
});

test('an account cooling down after a limit is not rotated to, under any strategy', () => {
  const cooling = {coolingUntil: new Date(NOW + 60_000).toISOString(), coolingReason: 'rate limited'};
  const accounts = [account('a'), account('b', cooling), account('c')];
  for (const strategy of ['most-headroom', 'fill-first', 'round-robin'] as const) assert.equal(chooseNext(strategy, accounts, 'a', {}, NOW)?.id, 'c', strategy);
  // Its wait over: chosen again.
  assert.equal(chooseNext('fill-first', accounts, 'a', {}, NOW + 120_000)?.id, 'b');
  // Only cooling accounts left besides the current one: nothing to rotate to.
  assert.equal(chooseNext('most-headroom', [account('a'), account('b', cooling)], 'a', {}, NOW), undefined);
});

test('a used-up window that has since reset no longer blocks the account', () => {
  const accounts = [account('a'), account('b')];
  const windows = {b: [w('5h', 100, -60_000), w('weekly', 30)]};
  assert.equal(chooseNext('most-headroom', accounts, 'a', windows, NOW)?.id, 'b');
});

test('fill-first takes the earliest account that can serve; round-robin the next in turn, both skipping used-up ones', () => {
  const accounts = [account('a'), account('b'), account('c'), account('d')];
  const windows = {a: [w('weekly', 100)], b: [w('5h', 100)], c: [w('weekly', 99)], d: [w('weekly', 0)]};
  assert.equal(chooseNext('fill-first', accounts, 'd', windows, NOW)?.id, 'c');
  assert.equal(chooseNext('round-robin', accounts, 'c', windows, NOW)?.id, 'd');
  assert.equal(chooseNext('round-robin', accounts, 'd', windows, NOW)?.id, 'c');
  assert.equal(chooseNext('round-robin', accounts, 'a', {}, NOW)?.id, 'b');
});

test('chooseNext: a strategy it does not know is said, never taken for "no account can serve"', () => {
  const accounts = [account('current'), account('other')];
  for (const strategy of ['roundrobin', '__proto__', 'toString', 5, null, undefined]) {
    assert.throws(
      () => chooseNext(strategy as unknown as 'fill-first', accounts, 'current', {}, NOW),
      (error: Error) => {
        assert.equal(error.name, 'UserError');
        assert.match(error.message, /^unknown rotation strategy .* \(tui\.json "rotation\.strategy" must be one of most-headroom, fill-first, round-robin\)$/);
        return true;
      },
      String(strategy),
    );
  }
  assert.throws(() => chooseNext('roundrobin' as unknown as 'fill-first', accounts, 'current', {}, NOW), /unknown rotation strategy "roundrobin"/);
});

test('usedUpWindow: of the used-up windows the one that resets last; an unknown reset outlasts any known one', () => {
  assert.equal(usedUpWindow([w('5h', 99), w('weekly', 50)], NOW), undefined);
  assert.equal(usedUpWindow([w('5h', 100, HOUR), w('weekly', 100, 30 * HOUR)], NOW)?.window.kind, 'weekly');
  assert.equal(usedUpWindow([w('weekly', 100, 30 * HOUR), w('5h', 100, HOUR)], NOW)?.window.kind, 'weekly');
  const unknown = {...w('5h', 100), resetsAt: null};
  assert.ok(Number.isNaN(usedUpWindow([w('weekly', 100, 30 * HOUR), unknown], NOW)!.at));
  // A window whose reset has passed is no longer used up (its numbers are from before the reset).
  assert.equal(usedUpWindow([w('5h', 100, -60_000)], NOW), undefined);
  assert.match(usedUpTrouble([w('5h', 100, HOUR)], NOW)!, new RegExp(String.raw`^has used up its 5h quota \(resets in 1h \(until ${CLOCK_MINUTE}:00\)\): served alone`));
  assert.equal(usedUpTrouble([unknown], NOW), 'has used up its 5h quota: served alone, its requests would likely be refused until it resets');
});

test('poolWaitText: said only when every usable account rests, with the first one back', () => {
  const cooling = (ms: number) => ({coolingUntil: new Date(NOW + ms).toISOString(), coolingReason: 'rate limited'});
  // One free account: nothing to say.
  assert.equal(poolWaitText([account('a'), account('b', cooling(HOUR))], {}, NOW), undefined);
  assert.equal(poolWaitText([account('a'), account('b')], {a: [w('5h', 100)]}, NOW), undefined);
  // No usable account at all: the proxy's own 503 says that, not this.
  assert.equal(poolWaitText([account('a', {paused: true}), account('b', {health: 'needs-login'})], {}, NOW), undefined);
  assert.equal(poolWaitText([], {}, NOW), undefined);
  // Every usable one rests (the paused one is left out): the soonest back is named.
  const both = poolWaitText([account('a', cooling(3 * HOUR)), account('b'), account('c', {paused: true})], {b: [w('5h', 100, 2 * HOUR)]}, NOW)!;
  assert.match(both, /^all 2 usable claude accounts are cooling down or used up: the first is back in 2h \(until /);
  // Cooling and used up at once: back when both have ended.
  assert.match(poolWaitText([account('a', cooling(HOUR))], {a: [w('weekly', 100, 5 * HOUR)]}, NOW)!, /^the only usable claude account is cooling down and used up: back in 5h \(until /);
  assert.match(poolWaitText([account('a', cooling(HOUR)), account('b', cooling(2 * HOUR))], {}, NOW)!, /^all 2 usable claude accounts are cooling down: the first is back in 1h /);
  // Only unknown resets: no time is made up.
  assert.equal(poolWaitText([account('a')], {a: [{...w('5h', 100), resetsAt: null}]}, NOW), 'the only usable claude account is used up');
});
