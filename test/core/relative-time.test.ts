// Cooldowns as a person acts on them: the wait left and the end on the local clock, to the second.
import assert from 'node:assert/strict';
import {test} from 'node:test';

// Tokyo: UTC+9 all year (no DST), so the expected local times below are fixed.
process.env.TZ = 'Asia/Tokyo';
const {formatCooldown, formatLocalClock} = await import('../../source/core/relative-time.js');

const now = Date.parse('2026-11-30T01:52:38Z'); // 10:52:38 in Tokyo

test('a short cooldown reads as seconds left and the end to the second, never rounded to the minute', () => {
  assert.equal(formatCooldown('2026-11-30T01:53:20Z', now), '42s (until 10:53:20)');
  // 41.2 s left is said as 42 s: never a moment before the end.
  assert.equal(formatCooldown('2026-11-30T01:53:19.200Z', now), '42s (until 10:53:19)');
  assert.equal(formatCooldown('2026-11-30T01:56:48Z', now), '4m 10s (until 10:56:48)');
  assert.equal(formatCooldown('2026-11-30T01:57:38Z', now), '5m (until 10:57:38)');
  assert.equal(formatCooldown('2026-11-30T04:57:38Z', now), '3h 5m (until 13:57:38)');
});

test('a long wait keeps its minutes, rounded up: 11 h 59 min 51 s is 12h, never 11h; days keep their hours', () => {
  const at = (ms: number) => new Date(now + ms).toISOString();
  assert.match(formatCooldown(at(12 * 3600_000 - 9_000), now), /^12h \(until /);
  assert.match(formatCooldown(at(12 * 3600_000), now), /^12h \(until /);
  assert.match(formatCooldown(at(11 * 3600_000 + 30 * 60_000), now), /^11h 30m \(until /);
  assert.match(formatCooldown(at(11 * 3600_000 + 30 * 60_000 + 1_000), now), /^11h 31m \(until /);
  assert.match(formatCooldown(at(3 * 86_400_000 + 2 * 3600_000 - 1_000), now), /^3d 2h \(until /);
  assert.match(formatCooldown(at(3 * 86_400_000), now), /^3d \(until /);
});

test('an end on another local day carries its date; a past end says it is over', () => {
  assert.equal(formatCooldown('2026-11-30T15:00:00Z', now), '13h 8m (until 2026-12-01 00:00:00)');
  assert.equal(formatLocalClock('2026-11-29T14:59:59Z', now), '2026-11-29 23:59:59');
  assert.equal(formatCooldown('2026-11-30T01:52:00Z', now), 'over (since 10:52:00)');
  assert.equal(formatCooldown('not a time', now), 'until not a time');
});
