// The test helper's waitFor resolves with the frame a person sees: a key's commit writes its frame,
// then the layout effects it set off (the hint bar following the pane or field just mounted) write
// another in the same tick. On a busy machine (CI) `press` gives up waiting for the key's frame
// before it comes, and a waitFor started then saw both frames at once and resolved with the first.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const hintBar = (frame: string) => frame.split('\n').at(-1) ?? '';

test('a key written with no wait for its frame: waitFor resolves with the accounts pane and its own hint bar', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor((f) => /a add/.test(hintBar(f)));
  // As `press` does when its 150 ms pass before the frame: the test goes on and waits for the pane.
  tui.write('l');
  const frame = await tui.waitFor('▶ Claude accounts');
  assert.match(hintBar(frame), /p pause/, hintBar(frame));
  assert.equal(frame, tui.frame(), 'the latest frame');
});
