// Keys whose escape sequence comes split over two reads (a slow SSH link cuts anywhere): a Ctrl key
// Ink 6.8 has no name for (Ctrl+Tab as ESC[1;5I…) is still dropped, never the "unexpected error" that
// ended the TUI, nor Esc plus text; arrows and bracketed-paste markers still work; a plain Esc still
// acts at once. Reads go through terminal.ts as in the real terminal (renderTui terminalReads).
// And a paste whose real end comes a read after a crafted end marker inside it runs no key.
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
const PASTE_START = '\u001b[200~';
const PASTE_END = '\u001b[201~';
const accounts = (c: TempCcs) => Object.keys(JSON.parse(readFileSync(c.paths.registry, 'utf8')).providers.claude.accounts).sort();

async function home(terminalReads = true): Promise<TuiHandle> {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, terminalReads});
  await tui.waitFor('alice@example.com');
  return tui;
}

/** Every way to cut `sequence` in two (at each byte after the first). */
const splits = (sequence: string) => Array.from({length: sequence.length - 1}, (_, i) => [sequence.slice(0, i + 1), sequence.slice(i + 1)] as const);

test('Ctrl keys Ink has no name for, cut at every byte, in the same tick or a few ms apart: ignored, the field unchanged, the TUI stays', async () => {
  const t = await home();
  await t.press('l', 'n');
  await t.waitFor('rename: work');
  t.write('\u0015');
  for (const sequence of ['\u001b[1;5I', '\u001b[5I', '\u001bO5I', '\u001b[25;5~', '\u001b[1;13I']) {
    for (const [first, second] of splits(sequence)) {
      t.write(first);
      t.write(second);
      t.write(first);
      await sleep(10);
      t.write(second);
      await sleep(10);
    }
  }
  t.write('ok');
  const frame = await t.waitFor('rename: ok');
  assert.doesNotMatch(frame, /rename: .*[\[~;]/);
  t.write('\r');
  await t.waitFor('renamed to ok');
});

test('arrow keys cut at every byte still move the cursor', async () => {
  const t = await home();
  await t.press('l');
  await t.waitFor(/›[*★]? +work +alice@example\.com/);
  for (const [down, up] of [['\u001b[B', '\u001b[A'], ['\u001bOB', '\u001bOA']]) {
    for (const [first, second] of splits(down!)) {
      t.write(first);
      await sleep(10);
      t.write(second);
      await t.waitFor(/›[*★]? +bob@example\.com/);
      const [upFirst, upSecond] = splits(up!).find(([a]) => a === first.replace('B', 'A'))!;
      t.write(upFirst);
      await sleep(10);
      t.write(upSecond);
      await t.waitFor(/›[*★]? +work +alice@example\.com/);
    }
  }
});

test('a plain Esc alone acts by itself (after the Esc timeout): it closes the rename field', async () => {
  const t = await home();
  await t.press('l', 'n');
  await t.waitFor('rename: work');
  // How soon is exact in escape-hold.test.ts (mocked timers): a frame's time on a busy machine is no measure.
  t.write('\u001b');
  await t.waitFor((frame) => !frame.includes('rename:'));
  // Still the accounts list, cursor where it was: Esc closed the field and nothing else.
  assert.match(t.frame(), /›[*★]? +work +alice@example\.com/);
});

test('bracketed paste markers cut at every byte: the paste is pasted (a line break does not submit), its end ends it', async () => {
  const t = await home();
  await t.press('l', 'n');
  await t.waitFor('rename: work');
  for (const [first, second] of splits(PASTE_START)) {
    t.write('\u0015');
    t.write(first);
    await sleep(10);
    t.write(`${second}two\rlines${PASTE_END}`);
    await t.waitFor('rename: two lines');
    // Keys right behind a paste wait to see whether its end was pasted text (dispatcher.ts).
    await sleep(300);
  }
  for (const [first, second] of splits(PASTE_END)) {
    t.write(`\u0015${PASTE_START}three\rlines${first}`);
    await sleep(10);
    t.write(second);
    await t.waitFor('rename: three lines');
    await sleep(300);
  }
  assert.doesNotMatch(t.frame(), /renamed/);
  t.write('\r');
  await t.waitFor('renamed to three lines');
});

for (const terminalReads of [true, false]) {
  test(`a crafted end marker inside a paste whose real end comes in a later read: what lies between runs no key (${terminalReads ? 'terminal reads' : "Ink's reads"})`, async () => {
    const t = await home(terminalReads);
    await t.press('l');
    // `d` would ask to remove alice, `y` confirm it, `q` quit.
    t.write(`${PASTE_START}abc${PASTE_END}d`);
    await sleep(40);
    t.write(`y${PASTE_END}`);
    await sleep(40);
    t.write(`${PASTE_START}abc${PASTE_END}q`);
    await sleep(40);
    t.write(`more${PASTE_END.slice(0, 3)}`);
    await sleep(20);
    t.write(PASTE_END.slice(3));
    let quit = false;
    void t.exited.then(() => (quit = true));
    await sleep(400);
    assert.equal(quit, false, 'the pasted q quit');
    assert.doesNotMatch(t.frame(), /Remove/);
    assert.deepEqual(accounts(ccs!), ['alice@example.com', 'bob@example.com']);
    // Keys after the real end are keys again.
    t.write('j');
    await t.waitFor(/›[*★]? +bob@example\.com/);
  });
}
