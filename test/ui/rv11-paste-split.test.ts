// A bracketed paste whose end marker comes split over two reads (a slow SSH link: Ink hands `ESC[20`
// and `1~` apart) still ends: the keys after it are keys. Ctrl-C always reaches the app, even while a
// paste's end is awaited. Pasted escape sequences never land in a field as text.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const registry = (c: TempCcs) => JSON.parse(readFileSync(c.paths.registry, 'utf8'));
const PASTE_START = '\u001b[200~';

async function home(): Promise<TuiHandle> {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('alice@example.com');
  return tui;
}

test('a paste whose end marker is split over two reads ends: the pasted text is the field’s, the next key is a key', async () => {
  const t = await home();
  await t.press('l', 'n');
  await t.waitFor('rename: work');
  t.write(`\u0015${PASTE_START}pasted\u001b[20`);
  // Longer than Ink waits for the rest of an escape sequence.
  await sleep(100);
  t.write('1~');
  await sleep(50);
  t.write('\r');
  await t.waitFor('renamed to pasted');
  assert.equal(registry(ccs!).providers.claude.accounts['alice@example.com'].nickname, 'pasted');
  t.write('j');
  await t.waitFor(/›\*? +bob@example\.com/);
});

test('Ctrl-C while a paste’s end is awaited quits', async () => {
  const t = await home();
  t.write(`${PASTE_START}abc`);
  await sleep(100);
  t.write('\u0003');
  await Promise.race([t.exited, sleep(3000).then(() => assert.fail('Ctrl-C did not quit: the open paste swallowed it'))]);
});

test('escape sequences inside a paste do not reach the field as text', async () => {
  const t = await home();
  await t.press('l', 'n');
  await t.waitFor('rename: work');
  t.write(`\u0015${PASTE_START}ab\u001b[Acd\u001b]0;title\u0007ef${'\u001b[201~'}`);
  await t.waitFor('rename: abcdef');
  t.write('\r');
  await t.waitFor('renamed to abcdef');
});

test('a paste whose lines end in CR alone (tmux, most terminals) gets a space between them', async () => {
  const t = await home();
  await t.press('l', 'n');
  await t.waitFor('rename: work');
  t.write(`\u0015${PASTE_START}two\rlines\u001b[201~`);
  await t.waitFor('rename: two lines');
});

test('an end marker inside the pasted text (a terminal that does not filter ESC) ends nothing: what follows it is pasted, never keys', async () => {
  const t = await home();
  await t.press('l');
  // Outside a field: `d` then `y` would remove the selected account, `q` would quit (Ink hands a run
  // of text as one input: each key stands alone between markers, as a crafted paste would have them).
  t.write(`${PASTE_START}abc\u001b[201~d\u001b[201~y\u001b[201~q\u001b[201~`);
  let quit = false;
  void t.exited.then(() => (quit = true));
  await sleep(300);
  assert.equal(quit, false, 'the pasted q did not quit');
  assert.deepEqual(Object.keys(registry(ccs!).providers.claude.accounts).sort(), ['alice@example.com', 'bob@example.com']);
  // In a field: the text after the fake marker is pasted text.
  await t.press('n');
  await t.waitFor('rename: work');
  t.write(`\u0015${PASTE_START}ab\u001b[201~cd\u001b[201~`);
  await t.waitFor('rename: abcd');
  t.write('\r');
  await t.waitFor('renamed to abcd');
});

test('a key in the same read right after a real paste is still a key (Enter submits)', async () => {
  const t = await home();
  await t.press('l', 'n');
  await t.waitFor('rename: work');
  t.write(`\u0015${PASTE_START}pasted\u001b[201~\r`);
  await t.waitFor('renamed to pasted');
  assert.equal(registry(ccs!).providers.claude.accounts['alice@example.com'].nickname, 'pasted');
});
