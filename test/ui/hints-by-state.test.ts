// The hint bar offers only what can be done on the screen as it is (mode-gated, like k9s): an empty
// CCS dir offers no rotate, run or quota refresh; a provider with one account offers no rotate.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const hintBar = (frame: string) => frame.split('\n').at(-1) ?? '';

test('accounts screen on an empty CCS dir: add is offered; rotate, run agent and refresh are not, in either pane', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 160, height: 30});
  // Once the (empty) account list has loaded.
  const settled = (f: string) => /a add/.test(hintBar(f)) && !/r rotate|e run agent|R refresh/.test(hintBar(f));
  let frame = await tui.waitFor(settled);
  for (const pane of ['providers', 'accounts']) {
    const bar = hintBar(frame);
    assert.doesNotMatch(bar, /r rotate|e run agent|R refresh/, `${pane} pane: ${bar}`);
    assert.match(bar, /a add/);
    await tui.press('l');
    frame = await tui.waitFor(settled);
  }
});

test('a provider with one account: run agent is offered, rotate is not; two accounts offer rotate', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 160, height: 30});
  await tui.waitFor('alice@example.com');
  // Claude (two accounts) first.
  let frame = await tui.waitFor((f) => /r rotate/.test(hintBar(f)));
  await tui.press('j');
  frame = await tui.waitFor('carol@example.com');
  frame = await tui.waitFor((f) => /e run agent/.test(hintBar(f)) && !/r rotate/.test(hintBar(f)));
  await tui.press('l');
  frame = await tui.waitFor((f) => /e run agent/.test(hintBar(f)) && /u use/.test(hintBar(f)));
  assert.doesNotMatch(hintBar(frame), /r rotate/);
  await tui.press('enter');
  frame = await tui.waitFor('Account id');
  frame = await tui.waitFor((f) => /e run agent/.test(hintBar(f)));
  assert.doesNotMatch(hintBar(frame), /r rotate/, 'detail of the only account');
});

test('quota screen on an empty CCS dir: no rotate, no refresh', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 160, height: 30, route: {screen: 'quota', params: {}}});
  await tui.waitFor((f) => /q quit/.test(hintBar(f)));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const bar = hintBar(tui.frame());
  assert.doesNotMatch(bar, /r rotate|R refresh/, bar);
});

test('model rules with no rules and nothing unsaved: no edit, delete or save; an added rule brings them', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 160, height: 30, route: {screen: 'models', params: {}}});
  let frame = await tui.waitFor((f) => /a exclude/.test(hintBar(f)));
  assert.doesNotMatch(hintBar(frame), /e edit|x delete|s save|Tab account/, hintBar(frame));
  await tui.press('a');
  await tui.type('claude-old-*');
  await tui.press('enter');
  frame = await tui.waitFor((f) => /s save/.test(hintBar(f)) && /e edit/.test(hintBar(f)) && /x delete/.test(hintBar(f)));
});
