// The hint bar offers only keys that can act now: no move in a list of fewer than two rows, no open or
// filter in an empty list, no quota refresh for a provider that reports no quota, no Esc where there
// is nothing to go back from (the accounts screen at the root), no switch with one target.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const hintBar = (frame: string) => frame.split('\n').at(-1) ?? '';
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
const AISTUDIO = {type: 'aistudio', api_key: 'AIzaSyTestKeyTestKeyTestKeyTestKey0001', account_id: 'key-443c8191a092'};

test('quota screen with no accounts: no filter and no move (nothing to filter or move over)', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'quota', params: {}}});
  await tui.waitFor('No accounts.');
  await settle();
  const bar = hintBar(tui.frame());
  assert.doesNotMatch(bar, /\/ filter|j move|R refresh|r rotate/, bar);
});

test('quota screen: R is offered on an account whose provider reports quota, not on one that reports none (bar and heading)', async () => {
  ccs = makeTempCcs();
  ccs.writeToken('aistudio-key-443c8191a092.json', AISTUDIO);
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'quota', params: {}}});
  const frame = await tui.waitFor('no quota source for aistudio');
  await settle();
  const shown = tui.frame();
  assert.doesNotMatch(hintBar(shown), /R refresh|j move/, hintBar(shown));
  assert.doesNotMatch(shown, /R refreshes/, frame);
});

test('accounts screen: no R for a provider without a quota source, in either pane and on the detail', async () => {
  ccs = makeTempCcs();
  ccs.writeToken('aistudio-key-443c8191a092.json', AISTUDIO);
  tui = await renderTui({paths: ccs.paths, width: 160, height: 30});
  await tui.waitFor('Google AI Studio');
  await tui.press('H');
  let frame = await tui.waitFor(/› Google AI Studio/);
  await settle();
  assert.doesNotMatch(hintBar(tui.frame()), /R refresh/, hintBar(tui.frame()));
  // One provider: nothing to move to.
  assert.doesNotMatch(hintBar(tui.frame()), /j move/, hintBar(tui.frame()));
  await tui.press('l');
  frame = await tui.waitFor((f) => /u use|n rename/.test(hintBar(f)));
  assert.doesNotMatch(hintBar(frame), /R refresh|j move/, hintBar(frame));
  await tui.press('enter');
  frame = await tui.waitFor('Account id');
  await settle();
  assert.doesNotMatch(hintBar(tui.frame()), /R refresh/, hintBar(tui.frame()));
});

test('accounts screen: an empty provider\'s accounts pane offers add, not open, move or filter; the root offers no Esc until a filter is set', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 160, height: 30});
  await tui.waitFor('alice@example.com');
  await settle();
  let bar = hintBar(tui.frame());
  assert.match(bar, /q quit {2}\? help$/, `nothing to go back from: ${bar}`);
  // Gemini (no accounts): its accounts pane.
  await tui.press('j', 'j');
  await tui.waitFor(/› Gemini/);
  await tui.press('l');
  const frame = await tui.waitFor((f) => f.includes('No Gemini account yet'));
  await settle();
  bar = hintBar(tui.frame());
  assert.match(bar, /a add/, bar);
  assert.doesNotMatch(bar, /Enter open|j move|\/ filter/, `${bar}\n${frame}`);
  // A filter set on the providers pane: Esc clears it, so Esc is offered.
  await tui.press('h', '/');
  await tui.type('cl');
  await tui.press('enter');
  await tui.waitFor((f) => /Esc back$/.test(hintBar(f)));
});

test('one target (local): no move, no switch; model rules without rules: no move', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('q quit');
  await tui.press('T');
  let frame = await tui.waitFor('no other target');
  await settle();
  assert.doesNotMatch(hintBar(tui.frame()), /j move|Enter switch/, hintBar(tui.frame()));
  await tui.press('escape');
  await tui.press('3');
  frame = await tui.waitFor((f) => /a exclude/.test(hintBar(f)));
  assert.doesNotMatch(hintBar(frame), /j move/, hintBar(frame));
});
