// A proxy cooldown that ends changes an account's status with no file changing: the home screen's
// memoised row shows it then (one timer at the cooldown's end), and a steady screen draws nothing,
// also while a server's cooldown runs for longer than one Node timer can wait.
import {renderTui, untilQuiet} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';
import {makeUiCcs} from './fixtures.js';

test("a cooldown that ends shows `ok` in the account's row when it ends, in one frame, and nothing is drawn meanwhile", async () => {
  const ccs = makeUiCcs();
  const until = Date.now() + 5000;
  await new AccountStore(ccs.paths).setCooldown('claude', 'bob@example.com', {until: new Date(until).toISOString(), kind: 'quota', reason: 'usage limit reached'});
  const tui = await renderTui({paths: ccs.paths, width: 120, height: 24});
  try {
    // The pane title counts the local cooldown as the row does (it said "ok" beside a cooling row).
    await tui.waitFor((f) => /bob@example\.com +⏳ cooldown/.test(f) && /Claude accounts \(2\) · 1 cooling down/.test(f));
    await untilQuiet(tui);
    assert.ok(Date.now() < until - 200, 'the start settled before the cooldown ended (else the frame counted below is not the end\'s)');
    const before = tui.frameCount();
    const frame = await tui.waitFor((f) => /bob@example\.com +ok/.test(f), 10000);
    assert.ok(Date.now() >= until, 'not before the cooldown ends');
    assert.match(frame, /alice@example\.com +ok/);
    assert.match(frame, /Claude accounts \(2\) · ok/);
    assert.equal(tui.frameCount() - before, 1, 'one frame, at the end; no per-second redraws while it cooled');
    // Steady again: no timer is left to draw anything.
    const after = tui.frameCount();
    await sleep(1500);
    assert.equal(tui.frameCount(), after);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('a server cooldown decades ahead (past a Node timer\'s 24.8-day limit) draws no frame meanwhile and overflows no timer', async () => {
  const ccs = makeTempCcs();
  const stand = await remoteTarget(ccs);
  // CLIProxyAPI's next_retry_after is the server's word: nothing bounds it.
  stand.addFile('claude-c.json', tokenFixture('claude', 'c@example.com'), {nextRetryAfter: '2100-01-01T00:00:00Z', statusMessage: 'quota exhausted', unavailable: true});
  const overflows: string[] = [];
  const onWarning = (warning: Error) => void (warning.name === 'TimeoutOverflowWarning' && overflows.push(warning.message));
  process.on('warning', onWarning);
  const tui = await renderTui({paths: ccs.paths, width: 120, height: 24, target: 'team'});
  try {
    await tui.waitFor((f) => /c@example\.com +⏳ cooldown/.test(f));
    await untilQuiet(tui);
    const before = tui.frameCount();
    await sleep(1500);
    assert.equal(tui.frameCount(), before, 'a steady screen draws nothing while the cooldown runs');
    assert.deepEqual(overflows, [], 'no timer was set past the 32-bit limit (Node would fire it at once)');
  } finally {
    process.off('warning', onWarning);
    tui.unmount();
    await stand.close();
    ccs.cleanup();
  }
});

test("a server's cooldown that ends reads ok in the row, the pane title and the detail, without waiting for the server's next list", async () => {
  const ccs = makeTempCcs();
  const stand = await remoteTarget(ccs);
  const until = Date.now() + 3000;
  stand.addFile('claude-c.json', tokenFixture('claude', 'c@example.com'), {nextRetryAfter: new Date(until).toISOString(), statusMessage: 'quota exhausted'});
  const tui = await renderTui({paths: ccs.paths, width: 120, height: 24, target: 'team'});
  try {
    await tui.waitFor((f) => /c@example\.com +⏳ cooldown/.test(f) && /accounts \(1\) · 1 cooling down/.test(f));
    const frame = await tui.waitFor((f) => /c@example\.com +ok/.test(f), 8000);
    assert.ok(Date.now() >= until, 'not before the cooldown ends');
    assert.match(frame, /accounts \(1\) · ok/);
    await tui.press('l', 'enter');
    const detail = await tui.waitFor((f) => /Status/.test(f) && /Cooldown/.test(f));
    assert.match(detail, /Status +ok/);
    assert.doesNotMatch(detail, /cooling down until/, 'the detail does not contradict the status');
  } finally {
    tui.unmount();
    await stand.close();
    ccs.cleanup();
  }
});
