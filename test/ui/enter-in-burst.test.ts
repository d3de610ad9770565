// An Enter that arrives in one read with the keys after it (fast typing over SSH, tmux send-keys) is
// Enter: it submits the field, and the keys behind it go to what comes next, in order. A bracketed
// paste (ESC[200~ … ESC[201~) is text: its line breaks never submit a one-line field.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const registry = (c: TempCcs) => JSON.parse(readFileSync(c.paths.registry, 'utf8'));
const PASTE_START = '\u001b[200~';
const PASTE_END = '\u001b[201~';

async function home(): Promise<TuiHandle> {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('alice@example.com');
  return tui;
}

test('rename: `ali⏎j` in one read renames to "ali", then j moves the cursor', async () => {
  const t = await home();
  await t.press('l', 'n');
  await t.waitFor('rename: work');
  t.write('\u0015ali\rj');
  await t.waitFor('renamed to ali');
  assert.equal(registry(ccs!).providers.claude.accounts['alice@example.com'].nickname, 'ali');
  // The j read behind the Enter moved the cursor to the next account.
  const frame = await t.waitFor(/›\*? +bob@example\.com/);
  assert.doesNotMatch(frame, /rename: ali j/);
});

test('rename with `n` in the same read: `nali⏎j` renames to "ali" and moves on', async () => {
  const t = await home();
  await t.press('l');
  t.write('n\u0015ali\rj');
  await t.waitFor('renamed to ali');
  assert.equal(registry(ccs!).providers.claude.accounts['alice@example.com'].nickname, 'ali');
});

test('filter: `/work⏎j` filters by "work" and leaves the field; j is a key, not text', async () => {
  const t = await home();
  await t.press('l');
  t.write('/alice\rj');
  const frame = await t.waitFor('(Esc clears)');
  assert.match(frame, /\/alice {2}\(Esc clears\)/);
  assert.doesNotMatch(frame, /alice j/);
  assert.ok(!frame.includes('bob@example.com'), 'the filter holds');
});

test('alias editor: `A` then `model⏎alias⏎` in one read stores the model name and the alias apart', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'claude'}}});
  await tui.waitFor(/Models \d+\/\d+ visible/);
  tui.write('A');
  tui.write('claude-opus-4-7\rteam-x\r');
  const frame = await tui.waitFor('team-x ← claude-opus-4-7');
  assert.doesNotMatch(frame, /claude-opus-4-7 team-x/);
  // All in one read, the opening A included.
  tui.unmount();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'claude'}}});
  await tui.waitFor(/Models \d+\/\d+ visible/);
  tui.write('Aclaude-haiku-4-5\rquick\r');
  await tui.waitFor('quick ← claude-haiku-4-5');
});

test('a bracketed paste with line breaks into the rename field stays text: no submit, the breaks become spaces', async () => {
  const t = await home();
  await t.press('l', 'n');
  await t.waitFor('rename: work');
  t.write(`\u0015${PASTE_START}line one\r\nline two\r\n${PASTE_END}`);
  await t.waitFor('rename: line one line two');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.match(t.frame(), /rename: line one line two/, 'still editing: the paste did not submit');
  assert.equal(registry(ccs!).providers.claude.accounts['alice@example.com'].nickname, 'work');
  // The paste's markers may arrive in reads of their own, and keys typed after it are keys again.
  t.write(PASTE_START);
  t.write('!');
  t.write(PASTE_END);
  t.write('\r');
  await t.waitFor('renamed to line one line two!');
});

test('a bracketed paste outside a text field runs no command, whatever its letters', async () => {
  const t = await home();
  t.write(`${PASTE_START}q${PASTE_END}`);
  await t.waitFor('paste ignored — press / to filter');
  t.write(`${PASTE_START}/work\r${PASTE_END}`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.doesNotMatch(t.frame(), /\/work/, 'a pasted / opens no filter');
});

test('jump: `:alice@⏎j` jumps to alice, then j moves on from there', async () => {
  const t = await home();
  t.write(':bob@\r');
  await t.waitFor(/› +bob@example\.com/);
  t.write(':alice@\rj');
  // On alice (the jump), j moved down to bob; were the j lost, alice would stay selected.
  await t.waitFor((f) => !f.includes(':alice') && /› +bob@example\.com/.test(f));
});
