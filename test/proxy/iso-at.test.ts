// A log line's time (serve.ts isoAt) is formatted once per second and completed with its
// milliseconds (issue 14): it must read as Date#toISOString does, at every millisecond and across
// seconds, minutes, days and years, in any order.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {isoAt} from '../../source/proxy/serve.js';

describe('isoAt', () => {
  it('reads as Date#toISOString at each millisecond of a second, and around it', () => {
    const start = Date.parse('2026-11-30T15:04:05.000Z');
    for (let at = start - 1500; at <= start + 1500; at++) assert.equal(isoAt(at), new Date(at).toISOString(), String(at));
  });

  it('reads as Date#toISOString when the time jumps back and forth (year, day and minute ends)', () => {
    const times = ['2026-12-31T23:59:59.999Z', '2027-01-01T00:00:00.000Z', '2026-12-31T23:59:59.001Z', '2026-02-28T23:59:59.010Z', '2026-03-01T00:00:00.099Z', '2026-03-01T00:00:00.100Z', '2026-03-01T00:00:00.009Z', '2000-01-01T00:00:00.000Z'];
    for (let round = 0; round < 2; round++) for (const text of times) assert.equal(isoAt(Date.parse(text)), text);
  });

  it('reads as Date#toISOString for a time that is not a whole millisecond', () => {
    const at = Date.parse('2026-11-30T15:04:05.123Z') + 0.5;
    assert.equal(isoAt(at), new Date(at).toISOString());
  });
});
