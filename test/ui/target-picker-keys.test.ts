// The target picker takes its keys from the app's one dispatcher: keys that arrive in one read
// (`tmux send-keys j j`, a fast typist, a slow terminal) each move the cursor.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const cursorRow = (frame: string) => frame.split('\n').find((line) => line.includes('❯'))?.replace(/[│╭╮╰╯─]/g, '').trim();

test('target picker: "jj" and "kk" in one read move two rows each; 1-4 do not leave the picker', async () => {
  ccs = makeUiCcs();
  const target = (n: number) => ({url: `http://127.0.0.1:${9000 + n}`, managementKeyFile: `k${n}.key`});
  writeFileSync(ccs.paths.settings, JSON.stringify({targets: {alpha: target(1), beta: target(2), gamma: target(3)}}));
  tui = await renderTui({paths: ccs.paths, width: 80, height: 24});
  await tui.waitFor('alice@example.com');
  await tui.press('T');
  await tui.waitFor('gamma');
  assert.match(cursorRow(tui.frame())!, /^❯ local/);
  tui.write('jj');
  await tui.waitFor((f) => /^❯ beta/.test(cursorRow(f) ?? ''));
  tui.write('j');
  await tui.waitFor((f) => /^❯ gamma/.test(cursorRow(f) ?? ''));
  tui.write('kk');
  await tui.waitFor((f) => /^❯ alpha/.test(cursorRow(f) ?? ''));
  await tui.press('2');
  await new Promise((r) => setTimeout(r, 100));
  assert.match(tui.frame(), /Live target: local/, 'still the picker');
  await tui.press('escape');
  await tui.waitFor((f) => f.includes('alice@example.com') && !f.includes('Live target'));
});
