// rv10c attack: a terminal too small and also too short for the too-small message (a small tmux
// pane: 40×4, 25×6). The message wrapped over more rows than the terminal has, and its first line
// ("Terminal too small") scrolled off the top. Now every row shown is from the start of what it
// says, and it still says the size it needs and how to quit.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {binInTmux, binInTmuxSkipReason} from '../helpers/tmux.js';
import {makeUiCcs} from './fixtures.js';

const skip = binInTmuxSkipReason();
const startBin = binInTmux();

test('a terminal too short for the too-small message shows its start: what is wrong, the size needed, how to quit', {skip}, async () => {
  const t = startBin(makeUiCcs(), {width: 80, height: 24});
  await t.waitFor(/work\s+alice@example\.com/);
  for (const [width, height] of [[40, 4], [25, 6], [30, 3]] as const) {
    t.resize(width, height);
    const screen = await t.waitFor((s) => s.includes(`${width}×${height}`));
    const rows = screen.split('\n').filter((row) => row.trim() !== '');
    assert.match(rows[0] ?? '', /^Terminal too small/, `${width}×${height}:\n${screen}`);
    const joined = t.screen({joined: true}).replace(/\s+/g, ' ');
    assert.match(joined, /60×20/, `${width}×${height}:\n${screen}`);
    assert.match(joined, /Ctrl-C/, `${width}×${height}:\n${screen}`);
  }
  t.resize(80, 24);
  await t.waitFor(/work\s+alice@example\.com/);
  t.keys(['C-c']);
  assert.equal(await t.waitForExit(), 0);
});

// Newcomer (s39): started at 60×15, the window enlarged, then q: rows of the TUI's frame were left
// on the shell's screen (tmux keeps the alternate screen's rows below the height it was entered at).
test('started too small, enlarged, then quit: the shell gets its screen back with nothing of the TUI on it', {skip}, async () => {
  const t = startBin(makeUiCcs(), {width: 60, height: 15});
  await t.waitFor(/Terminal too small/);
  t.resize(100, 30);
  await t.waitFor(/work\s+alice@example\.com/);
  t.keys(['q']);
  assert.equal(await t.waitForExit(), 0);
  const screen = t.screen();
  assert.doesNotMatch(screen, /[┃│╭╮╰╯┏┓]|alice@example\.com|Providers/, screen);
});
