// A y/N prompt takes only its answers: y confirms; n, Esc and Enter (the default, No) cancel; any
// other key is ignored and the question stays (k9s, lazygit). The newcomer's case: `u` on a paused
// account asks to resume it, and `p` (the key that resumes elsewhere) answered nothing.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

// The status area above the hint bar (a long question wraps onto a second row).
const statusLine = (frame: string) => frame.split('\n').slice(-3, -1).join(' ');
const settle = () => new Promise((resolve) => setTimeout(resolve, 250));
const BOB = {screen: 'detail', params: {provider: 'claude', accountId: 'bob@example.com'}} as const;

test('u on a paused account asks; p, x, j, q and 1 answer nothing (the question stays, nothing changes); y resumes it and makes it the default', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: BOB});
  await tui.waitFor('Account id');
  await tui.press('p');
  await tui.waitFor('bob@example.com paused');
  await tui.press('u');
  const question = 'bob@example.com is paused. Resume it and make it the default? [y/N]';
  await tui.waitFor((f) => statusLine(f).includes(question));
  for (const key of ['p', 'x', 'j', 'q', '1']) {
    await tui.press(key);
    await settle();
    const frame = tui.frame();
    assert.ok(statusLine(frame).includes(question), `after ${key} the question stays:\n${frame}`);
    assert.match(frame, /Account id/, `after ${key}: still the detail`);
  }
  assert.ok(existsSync(path.join(ccs.paths.pausedDir, 'claude-bob@example.com.json')), 'still paused');
  await tui.press('y');
  const frame = await tui.waitFor('bob@example.com resumed; it is now the default claude account');
  assert.match(frame, /Default\s+\* yes/);
});

test('every way to say no cancels the prompt (n, Esc, Enter), and the account is kept', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: BOB});
  await tui.waitFor('Account id');
  for (const no of ['n', 'escape', 'enter']) {
    await tui.press('d');
    await tui.waitFor((f) => statusLine(f).includes('Remove claude account bob@example.com?'));
    await tui.press('p');
    await settle();
    assert.ok(statusLine(tui.frame()).includes('Remove claude account bob@example.com?'), `p left the remove question open (before ${no})`);
    await tui.press(no);
    await tui.waitFor((f) => statusLine(f).includes('kept bob@example.com'));
    assert.ok(existsSync(path.join(ccs.paths.authDir, 'claude-bob@example.com.json')), `${no}: kept`);
  }
});
