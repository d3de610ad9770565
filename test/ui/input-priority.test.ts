// Keys first: background redraws wait while keys come in, and never longer than a second.
// On mocked time (performance.now and setTimeout move together, a millisecond at a time): with real
// time a busy machine's stall between two repeats of a "held" key was a pause, and the work ran early.
import assert from 'node:assert/strict';
import {afterEach, beforeEach, mock, test} from 'node:test';
import {noteKey, whenInputQuiet} from '../../source/ui/input-priority.js';

// Far past any real performance.now() reading: no key from an earlier test counts.
let now = 1e9;
beforeEach(() => {
  mock.method(performance, 'now', () => now);
  mock.timers.enable({apis: ['setTimeout']});
});
afterEach(() => {
  mock.timers.reset();
  mock.restoreAll();
});

/** Moves both clocks on by `ms`, firing timers as they come due. */
function advance(ms: number): void {
  for (let i = 0; i < ms; i++) {
    now++;
    mock.timers.tick(1);
  }
}

test('whenInputQuiet: runs at once with no key lately; after a key, only once keys pause', () => {
  let ran = 0;
  whenInputQuiet(() => ran++);
  assert.equal(ran, 1, 'no recent key: at once');

  noteKey();
  whenInputQuiet(() => ran++);
  assert.equal(ran, 1, 'a key just now: not yet');
  advance(149);
  assert.equal(ran, 1, 'not before 150 ms without a key');
  advance(1);
  assert.equal(ran, 2, 'ran once the keys paused');
});

test('whenInputQuiet: a held key delays the work at most about a second; cancel drops it', () => {
  let ran = 0;
  noteKey();
  whenInputQuiet(() => ran++);
  // A key held for 2 s (auto-repeat every 30 ms).
  let ranAt: number | undefined;
  for (let held = 0; held < 2000; held += 30) {
    noteKey();
    advance(30);
    if (ran && ranAt === undefined) ranAt = held + 30;
  }
  assert.equal(ran, 1, 'ran while the key was still held');
  assert.ok(ranAt !== undefined && ranAt >= 900 && ranAt <= 1020, `at the bound (${ranAt} ms)`);

  noteKey();
  const cancel = whenInputQuiet(() => ran++);
  cancel();
  advance(400);
  assert.equal(ran, 1, 'cancelled work never runs');
});
