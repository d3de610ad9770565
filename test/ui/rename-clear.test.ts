// The Ink helper comes first: it forces colour before chalk loads (see test/helpers/force-color.ts).
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

// A nickname can be removed in the TUI: the rename field emptied + Enter removes it (the registry
// entry keeps no nickname field, as `rename --clear` leaves it), and the row shows the email again.
let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

test('an emptied rename field + Enter removes the nickname', async () => {
  ccs = makeUiCcs();
  // Wide enough for the row's name, the field and its note.
  tui = await renderTui({paths: ccs.paths, width: 100});
  await tui.waitFor('alice@example.com');
  await tui.press('l', 'n');
  let frame = await tui.waitFor('rename:');
  assert.match(frame, /Enter saves \(empty: no nickname\)/);
  await tui.press('backspace', 'backspace', 'backspace', 'backspace');
  await tui.press('enter');
  frame = await tui.waitFor('nickname removed: shown as alice@example.com now');
  assert.doesNotMatch(frame, /rename:/, 'the field is closed');
  assert.doesNotMatch(frame, /cannot be empty/);
  const entry = JSON.parse(readFileSync(ccs.paths.registry, 'utf8')).providers.claude.accounts['alice@example.com'];
  assert.equal(Object.hasOwn(entry, 'nickname'), false, JSON.stringify(entry));
});

test('a key pasted into the rename field is hidden there, and refused as a nickname without being quoted', async () => {
  ccs = makeUiCcs();
  // Wide enough for the row's name, the field and its note.
  tui = await renderTui({paths: ccs.paths, width: 100});
  await tui.waitFor('alice@example.com');
  await tui.press('l', 'n');
  await tui.waitFor('rename:');
  await tui.press('ctrl+u');
  await tui.type('sk-proj-abcdefghijklmnop');
  let frame = await tui.waitFor((f) => /rename: •{24}/.test(f));
  assert.ok(!frame.includes('abcdefghijklmnop'), frame);
  await tui.press('enter');
  frame = await tui.waitFor((f) => f.includes('a nickname cannot be a key or token'));
  assert.ok(!frame.includes('abcdefghijklmnop'), frame);
  assert.doesNotMatch(readFileSync(ccs.paths.registry, 'utf8'), /abcdefghijklmnop/);
});

test('the rename field keeps the account it renames in sight: its row still names it', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 24});
  await tui.waitFor('bob@example.com');
  // bob has no nickname: the field opens empty, so only the row can say whose name is typed.
  await tui.press('l', 'j', 'n');
  const frame = await tui.waitFor('rename:');
  const row = frame.split('\n').find((line) => line.includes('rename:')) ?? '';
  assert.match(row, /bob@example\.com.*rename:/, frame);
});

test('a rename waiting for CCS\'s lock says so on the status line, then is made once CCS lets go', async () => {
  ccs = makeUiCcs();
  const {default: lockfile} = await import('proper-lockfile');
  // A CCS command changing its account list: its lock on its cliproxy dir, held.
  const release = await lockfile.lock(ccs.paths.cliproxy, {stale: 10_000});
  let released = false;
  try {
    tui = await renderTui({paths: ccs.paths, width: 140});
    await tui.waitFor('alice@example.com');
    await tui.press('l', 'n');
    await tui.waitFor('rename:');
    await tui.press('ctrl+u');
    await tui.type('work');
    await tui.press('enter');
    const frame = await tui.waitFor((f) => /waiting for \S*cliproxy\.lock: CCS \(or another program\) holds it/.test(f), 8000);
    assert.doesNotMatch(frame, /renamed to work/);
    await release();
    released = true;
    await tui.waitFor(/renamed to work|is now "work"/, 8000);
    const entry = JSON.parse(readFileSync(ccs.paths.registry, 'utf8')).providers.claude.accounts['alice@example.com'];
    assert.equal(entry.nickname, 'work');
  } finally {
    if (!released) await release();
  }
});
