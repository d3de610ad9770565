// The TUI says a paused default as the command line does: pausing the last usable account leaves no
// default (no `*` on it, "Default no" in its detail), and the status line says so.
// The Ink helper comes first: it forces colour before chalk loads (see test/helpers/force-color.ts).
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const lineWith = (frame: string, text: string) => frame.split('\n').find((line) => line.includes(text)) ?? '';

test('p on the last usable account (the default): no usable account is left to be the default, and no * marks it', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths});
  await tui.waitFor('alice@example.com');
  // bob first (not the default), then work, the default and now the last usable claude account.
  await tui.press('l', 'j', 'p');
  await tui.waitFor((f) => /⏸ paused/.test(lineWith(f, 'bob@')));
  await tui.press('k', 'p');
  let frame = await tui.waitFor('work paused; no usable account is left to be the default');
  frame = await tui.waitFor((f) => /⏸ paused/.test(lineWith(f, 'alice@')));
  assert.match(lineWith(frame, 'alice@'), /› \s*work/, `no * on the paused account:\n${frame}`);
  await tui.press('enter');
  frame = await tui.waitFor('Account id');
  assert.match(frame, /Default\s+no/);
});
