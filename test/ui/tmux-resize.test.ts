// The built binary in a real terminal (tmux) made smaller and then larger again: the footer (status
// line, hint bar) is drawn for the new width, not left as the narrower frame's text. The first frame
// after a resize is laid out at the old size; the shipped bundle's row cache (scripts/bundle-tui.mjs)
// once took such a row, holes and all, for the next frame's full row and kept its glued text.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {binInTmux, binInTmuxSkipReason} from '../helpers/tmux.js';
import {makeUiCcs} from './fixtures.js';

const skip = binInTmuxSkipReason();
const startBin = binInTmux();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The status line and the hint bar: the last two non-empty rows. */
const footer = (screen: string) => screen.split('\n').filter((row) => row.trim() !== '').slice(-2);

for (const [columns, rows] of [
  [80, 24],
  [60, 20],
] as const) {
  test(`120×40 → ${columns}×${rows} → 120×40: the status line and the hint bar span 120 columns again`, {skip}, async () => {
    const t = startBin(makeUiCcs(), {width: 120, height: 40});
    await t.waitFor(/work\s+alice@example\.com/);
    t.resize(columns, rows);
    await t.waitFor((screen) => footer(screen).every((row) => row.length <= columns) && /q quit/.test(screen));
    t.resize(120, 40);
    // Settled: drawn for the new size (the panes' top border, which the fault never touched, spans 120 columns:
    // a busy machine may take a while to answer the resize), then the same screen twice, a while apart
    // (a stale row is what stays).
    let screen = '';
    await t.waitFor((now) => {
      // The accounts screen at the root: nothing to go back from, so no Esc (the pinned hints end with help).
      const same = now === screen && now.split('\n')[1]!.trimEnd().length === 120 && footer(now)[1]?.endsWith('? help');
      screen = now;
      return same;
    });
    await sleep(300);
    screen = t.screen();
    const [status, hints] = footer(screen);
    assert.equal(status!.length, 120, `the status line ends at the right edge:\n${screen}`);
    assert.match(status!, /3 accounts · 2\/\d+ providers · .*\.ccs$/);
    assert.equal(hints!.length, 120, `the hint bar ends at the right edge:\n${screen}`);
    assert.match(hints!, /\S {2,}q quit {2}\? help$/, 'the pinned hints stand apart from the others');
    t.keys(['j']);
    await sleep(300);
    for (const row of footer(t.screen())) assert.equal(row.length, 120);
  });
}
