// ★ moves with time alone when what the pool would pick changes with the clock: a window's reset
// passing (its room is back) or a stored cooldown ending. The screens do not rank every account on
// every tick; these say they still rank again when it matters.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {FakeClock} from '../helpers/fake-clock.js';
import {quotaWindowFixture as w, writeQuotaCache} from '../helpers/quota.js';
import {makeUiCcs} from './fixtures.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const HOUR = 3600_000;

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const lineWith = (frame: string, text: string) => frame.split('\n').find((line) => line.includes(text)) ?? '';

/** claude: work = alice (the default) at 92 % with a 5 h window resetting in 90 s, bob at 30 %. */
function nearReset(): TempCcs {
  const made = makeUiCcs();
  writeQuotaCache(made, new Date(NOW - 60_000), {
    claude: {'alice@example.com': [w(NOW, '5h', 92, 90_000, 18000)], 'bob@example.com': [w(NOW, '5h', 30, 3 * HOUR, 18000)]},
  });
  return made;
}

test('accounts list: ★ goes from bob to alice when her 5 h window resets, with no new numbers', async () => {
  ccs = nearReset();
  const clock = new FakeClock(NOW);
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, services: {clock, quota: undefined}});
  let frame = await tui.waitFor((f) => lineWith(f, 'bob@').includes('★'));
  assert.match(lineWith(frame, 'alice'), /›\*\s+work/);
  await clock.advance(60_000);
  frame = tui.frame();
  assert.match(lineWith(frame, 'bob@'), /★/, 'the reset is still ahead: bob stays');
  await clock.advance(31_000);
  frame = await tui.waitFor((f) => /›★\s+work/.test(lineWith(f, 'alice')));
  assert.doesNotMatch(lineWith(frame, 'bob@'), /★/);
});

test('quota screen: ★ follows the reset too', async () => {
  ccs = nearReset();
  const clock = new FakeClock(NOW);
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'quota', params: {provider: 'claude'}}, services: {clock, quota: undefined}});
  await tui.waitFor((f) => /★ claude · bob/.test(f));
  await clock.advance(91_000);
  const frame = await tui.waitFor((f) => /★ claude · work/.test(f));
  assert.doesNotMatch(frame, /★ claude · bob/);
});

test('accounts list: ★ comes back to alice when the cooldown stored for her ends', async () => {
  // The store drops cooldowns already over by the real clock: this one is set from it.
  const now = Date.now();
  ccs = makeUiCcs();
  writeQuotaCache(ccs, new Date(now - 60_000), {
    claude: {'alice@example.com': [w(now, '5h', 10, 3 * HOUR, 18000)], 'bob@example.com': [w(now, '5h', 30, 3 * HOUR, 18000)]},
  });
  ccs.writeRaw('tui/account-state.json', JSON.stringify({'claude/alice@example.com': {cooldown: {until: new Date(now + 45_000).toISOString(), reason: 'rate limited', kind: 'rate-limit'}}}));
  const clock = new FakeClock(now);
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, services: {clock, quota: undefined}});
  const f0 = await tui.waitFor((f) => lineWith(f, 'bob@').includes('★'));
  if (process.env.DUMP) console.log(lineWith(f0, 'alice'));
  await clock.advance(46_000);
  await tui.waitFor((f) => /›★\s+work/.test(lineWith(f, 'alice')));
});
