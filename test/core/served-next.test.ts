// ★ (the quota screen's and the accounts list's) is the pool's own answer (core/pool.ts next), never a ranking of its own.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {firstServed, servingOrder} from '../../source/core/pool.js';
import {servedNextChangesAt, servedNextKeys} from '../../source/core/quota-dashboard.js';
import type {QuotaWindow} from '../../source/core/types.js';
import {accountFixture as account} from '../helpers/accounts.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const used = (usedPct: number): QuotaWindow[] => [
  {kind: '5h', usedPct, resetsAt: new Date(NOW + 3600_000).toISOString(), windowSeconds: 18000, source: 'usage-endpoint', observedAt: new Date(NOW).toISOString()},
];

// The newcomer's pool: alice (listed first) at 92 % used, work (the default) at 30 %.
const alice = account('alice@example.com');
const work = account('bob@example.com', {nickname: 'work', default: true});
const windows = {'alice@example.com': used(92), 'bob@example.com': used(30)};
const entryOf = (a: {id: string}) => ({windows: windows[a.id as keyof typeof windows]});

test('firstServed is what a new pool serves first under each strategy', () => {
  assert.equal(firstServed([alice, work], 'most-headroom', windows, NOW), work);
  // The default, whatever its room, under fill-first; a stored wait moves it on.
  const aliceDefault = [{...alice, default: true}, {...work, default: false}];
  assert.equal(firstServed(aliceDefault, 'fill-first', windows, NOW)?.id, 'alice@example.com');
  const cooling = [{...aliceDefault[0]!, coolingKind: 'quota' as const, coolingUntil: new Date(NOW + 60_000).toISOString()}, aliceDefault[1]!];
  assert.equal(firstServed(cooling, 'fill-first', windows, NOW)?.id, 'bob@example.com');
  // A paused account is no member.
  assert.equal(firstServed([alice, {...work, paused: true}], 'most-headroom', windows, NOW), alice);
});

test('★ marks the pool\'s pick, or what the running proxy says it serves next; a lone account only when a proxy serves it', () => {
  const carol = account('carol@example.com', {provider: 'codex', default: true});
  assert.deepEqual([...servedNextKeys([alice, work, carol], entryOf, 'most-headroom', NOW)], ['claude\u0000bob@example.com']);
  // The running proxy held alice (a person's rotate): its answer, not a second guess.
  assert.deepEqual([...servedNextKeys([alice, work], entryOf, 'most-headroom', NOW, {provider: 'claude', accountId: 'alice@example.com'})], ['claude\u0000alice@example.com']);
  // A proxy serving codex, whose one account it serves alone: that is what codex serves next.
  assert.deepEqual([...servedNextKeys([alice, work, carol], entryOf, 'most-headroom', NOW, {provider: 'codex', accountId: 'carol@example.com'})], ['claude\u0000bob@example.com', 'codex\u0000carol@example.com']);
});

test('★ is never on an account that cannot serve: the running proxy\'s account paused since moves it to the pool\'s pick, or, pinned, to none', () => {
  const alicePaused = {...alice, paused: true};
  // A pool held alice, paused since: its next request goes to the pool's pick.
  assert.deepEqual([...servedNextKeys([alicePaused, work], entryOf, 'most-headroom', NOW, {provider: 'claude', accountId: 'alice@example.com'})], ['claude\u0000bob@example.com']);
  // A proxy pinned to alice serves no other: no ★ for claude.
  assert.deepEqual([...servedNextKeys([alicePaused, work], entryOf, 'most-headroom', NOW, {provider: 'claude', accountId: 'alice@example.com', pinned: true})], []);
  // Pinned and still able to serve: it.
  assert.deepEqual([...servedNextKeys([alice, work], entryOf, 'most-headroom', NOW, {provider: 'claude', accountId: 'alice@example.com', pinned: true})], ['claude\u0000alice@example.com']);
});

test('servedNextChangesAt: the earliest reset ahead of a usable account or end of a stored cooldown; Infinity when none', () => {
  const later = (ms: number) => new Date(NOW + ms).toISOString();
  // Both windows reset in an hour (used()): that is when the answer may change.
  assert.equal(servedNextChangesAt([alice, work], entryOf, NOW), NOW + 3600_000);
  // A cooldown ending sooner comes first; a paused account's reset counts for nothing.
  const cooling = {...alice, coolingKind: 'rate-limit' as const, coolingUntil: later(60_000)};
  assert.equal(servedNextChangesAt([cooling, work], entryOf, NOW), NOW + 60_000);
  assert.equal(servedNextChangesAt([{...alice, paused: true}], entryOf, NOW), Number.POSITIVE_INFINITY);
  // Resets already behind and windows without one: nothing ahead.
  assert.equal(servedNextChangesAt([alice], entryOf, NOW + 2 * 3600_000), Number.POSITIVE_INFINITY);
  assert.equal(servedNextChangesAt([alice], () => ({windows: [{...used(50)[0]!, resetsAt: null}]}), NOW), Number.POSITIVE_INFINITY);
});

test('servingOrder: the first served, then each account the pool fails over to, cooling ones last, paused ones never', () => {
  const carol = account('carol@example.com');
  const ids = (list: readonly {id: string}[]) => list.map((a) => a.id);
  // most-headroom: work (30 %), then alice (92 %), then carol (unranked).
  assert.deepEqual(ids(servingOrder([alice, work, carol], 'most-headroom', windows, NOW)), ['bob@example.com', 'alice@example.com', 'carol@example.com']);
  // fill-first from the default (work), then the ones after it, wrapping round.
  assert.deepEqual(ids(servingOrder([alice, work, carol], 'fill-first', windows, NOW)), ['bob@example.com', 'carol@example.com', 'alice@example.com']);
  // A running proxy's answer comes first; a stored wait puts its account last; a paused one is left out.
  assert.deepEqual(ids(servingOrder([alice, work, carol], 'fill-first', windows, NOW, {provider: 'claude', accountId: 'carol@example.com'})), ['carol@example.com', 'alice@example.com', 'bob@example.com']);
  const cooling = {...work, coolingKind: 'quota' as const, coolingUntil: new Date(NOW + 60_000).toISOString()};
  assert.deepEqual(ids(servingOrder([alice, cooling, {...carol, paused: true}], 'fill-first', windows, NOW)), ['alice@example.com', 'bob@example.com']);
});
