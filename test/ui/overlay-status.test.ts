// An overlay (`?` keys, `M` messages) owns the screen, as k9s's and lazygit's do: the last action's
// message is not drawn under it, and the hint bar offers the overlay's keys, not the covered
// screen's (which do nothing while it is open). The message is not lost: it is in the `M` log, and
// back on the status line when the overlay closes (status-flash.test.ts: `?` and `M` only show things).
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const statusLine = (frame: string) => frame.split('\n').at(-2) ?? '';
const hintBar = (frame: string) => frame.split('\n').at(-1) ?? '';
const count = (frame: string, text: string) => frame.split(text).length - 1;

for (const [width, height] of [[80, 24], [120, 40]] as const) {
  test(`${width}×${height}: a status message is not drawn under the open overlay, and is back when it closes`, async () => {
    ccs = makeUiCcs();
    tui = await renderTui({paths: ccs.paths, width, height});
    await tui.waitFor('alice@example.com');
    await tui.press('l', 'j', 'p');
    let frame = await tui.waitFor((f) => statusLine(f).includes('bob@example.com paused'));
    assert.match(hintBar(frame), /resume/);

    await tui.press('?');
    frame = await tui.waitFor('Keys (');
    assert.doesNotMatch(frame, /bob@example\.com paused/, `no message under the keys:\n${frame}`);
    // The counts stay; the screen's keys are not offered: only closing and quitting work here.
    assert.match(statusLine(frame), /3 accounts/);
    assert.match(hintBar(frame), /Esc close/);
    assert.match(hintBar(frame), /q quit/);
    assert.doesNotMatch(hintBar(frame), /resume|rename|filter|help/);

    await tui.press('?');
    frame = await tui.waitFor((f) => !f.includes('Keys ('));
    assert.match(statusLine(frame), /bob@example\.com paused/, 'back when the overlay closes');
    assert.match(hintBar(frame), /resume/);

    // The messages log lists it, once: not again on the status line under it.
    await tui.press('M');
    frame = await tui.waitFor('Messages, newest first');
    assert.equal(count(frame, 'bob@example.com paused'), 1, frame);
    assert.doesNotMatch(statusLine(frame), /paused/);
    assert.match(hintBar(frame), /Esc close/);
    await tui.press('escape');
    frame = await tui.waitFor((f) => !f.includes('Messages, newest first'));
    assert.match(statusLine(frame), /bob@example\.com paused/);
  });
}

test('an error is not drawn under the overlay either, and stays for after it', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('l', 'j', 'p');
  await tui.waitFor((f) => statusLine(f).includes('bob@example.com paused'));
  await tui.press('k', 'r');
  await tui.waitFor((f) => statusLine(f).includes('error: no other usable claude account'));
  await tui.press('?');
  let frame = await tui.waitFor('Keys (');
  assert.doesNotMatch(frame, /error:/, frame);
  await tui.press('escape');
  frame = await tui.waitFor((f) => !f.includes('Keys ('));
  assert.match(statusLine(frame), /error: no other usable claude account/);
});
