// The system clock's timers wait as long as they are asked to. Node's own setTimeout holds at most
// 2^31-1 ms (24.8 days) and fires a longer one after 1 ms with a TimeoutOverflowWarning; a cooldown a
// server names may end years ahead, so the clock chains such waits.
import assert from 'node:assert/strict';
import {mock, test} from 'node:test';
import {systemClock} from '../../source/services/clock.js';

const LIMIT = 2 ** 31 - 1;
const DAY = 24 * 60 * 60 * 1000;

test('a timer 30 days ahead fires after 30 days, not at once, and warns of nothing', () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => void warnings.push(warning.name);
  process.on('warning', onWarning);
  mock.timers.enable({apis: ['setTimeout']});
  try {
    let fired = 0;
    systemClock.setTimeout(() => fired++, 30 * DAY);
    mock.timers.tick(LIMIT);
    assert.equal(fired, 0, 'not at the first timer\'s limit');
    mock.timers.tick(30 * DAY - LIMIT - 1);
    assert.equal(fired, 0, 'not a millisecond early');
    mock.timers.tick(1);
    assert.equal(fired, 1);
    mock.timers.tick(60 * DAY);
    assert.equal(fired, 1, 'once');
  } finally {
    mock.timers.reset();
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
});

test('a long timer cancelled after its first link never fires', () => {
  mock.timers.enable({apis: ['setTimeout']});
  try {
    let fired = 0;
    const cancel = systemClock.setTimeout(() => fired++, 3 * LIMIT);
    mock.timers.tick(LIMIT + 5);
    cancel();
    mock.timers.tick(5 * LIMIT);
    assert.equal(fired, 0);
  } finally {
    mock.timers.reset();
  }
});

test('a long sleep on the real timers does not end at once (Node would fire it after 1 ms)', async () => {
  const controller = new AbortController();
  let ended = false;
  const sleeping = systemClock.sleep(40 * DAY, controller.signal).then(() => (ended = true), () => 'aborted');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(ended, false);
  controller.abort(new Error('done'));
  assert.equal(await sleeping, 'aborted');
});
