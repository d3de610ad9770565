// Keys first: background redraws wait while keys come in, and never longer than a second.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {noteKey, whenInputQuiet} from '../../source/ui/input-priority.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('whenInputQuiet: runs at once with no key lately; after a key, only once keys pause', async () => {
  await sleep(200); // no key from an earlier test counts
  let ran = 0;
  whenInputQuiet(() => ran++);
  assert.equal(ran, 1, 'no recent key: at once');

  noteKey();
  whenInputQuiet(() => ran++);
  assert.equal(ran, 1, 'a key just now: not yet');
  await sleep(400);
  assert.equal(ran, 2, 'ran once the keys paused');
});

test('whenInputQuiet: a held key delays the work at most about a second; cancel drops it', async () => {
  let ran = 0;
  noteKey();
  whenInputQuiet(() => ran++);
  // A key held for 2 s (auto-repeat every 30 ms).
  const started = performance.now();
  let ranAt: number | undefined;
  while (performance.now() - started < 2000) {
    noteKey();
    if (ran && ranAt === undefined) ranAt = performance.now() - started;
    await sleep(30);
  }
  assert.equal(ran, 1, 'ran while the key was still held');
  assert.ok(ranAt !== undefined && ranAt >= 900, `not before the bound (${ranAt} ms)`);

  noteKey();
  const cancel = whenInputQuiet(() => ran++);
  cancel();
  await sleep(400);
  assert.equal(ran, 1, 'cancelled work never runs');
});
