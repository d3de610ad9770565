// A few keys that arrive in one read outside a text field (`tmux send-keys j Enter`, fast typing
// over SSH) each count, in order; a longer run of text sent unbracketed (a terminal without
// bracketed paste pasting a URL or a token) is a paste that runs no command.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {binInTmuxSkipReason, startTmux} from '../helpers/tmux.js';
import {binPath} from '../helpers/cli.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

async function home(): Promise<TuiHandle> {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('alice@example.com');
  return tui;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('`j⏎` in one read on the accounts pane moves to bob and opens him', async () => {
  const t = await home();
  await t.press('l');
  await t.waitFor('▶ Claude accounts');
  t.write('j\r');
  const frame = await t.waitFor((f) => f.includes('· Account ·') && f.includes('bob@example.com'));
  assert.doesNotMatch(frame, /paste ignored/);
});

test('`lj⏎` in one read: the pane switch, the move and the Enter each count, in order', async () => {
  const t = await home();
  t.write('lj\r');
  const frame = await t.waitFor((f) => f.includes('· Account ·') && f.includes('bob@example.com'));
  assert.doesNotMatch(frame, /alice@example\.com/);
});

test('a longer unbracketed run (a pasted URL with its line end) still runs nothing', async () => {
  const t = await home();
  await t.press('l');
  await t.waitFor('▶ Claude accounts');
  const before = readFileSync(ccs!.paths.registry, 'utf8');
  t.write('https://example.com/qdy\r');
  await t.waitFor('paste ignored — press / to filter');
  await sleep(300);
  assert.match(t.frame(), /▶ Claude accounts/, 'no account opened, nothing quit');
  assert.match(t.frame(), /›[*★]? +work +alice@example\.com/, 'the cursor did not move');
  // Two pasted lines, short as they are, are no keys either.
  t.write('j\rjk');
  await sleep(300);
  assert.match(t.frame(), /›[*★]? +work +alice@example\.com/);
  assert.equal(readFileSync(ccs!.paths.registry, 'utf8'), before, 'nothing ran');
});

test('`dy` in one read: d asks, and the y read with it does not answer the prompt it never saw', async () => {
  const t = await home();
  await t.press('l');
  await t.waitFor('▶ Claude accounts');
  const before = readFileSync(ccs!.paths.registry, 'utf8');
  t.write('dy');
  await t.waitFor('Remove claude account');
  await sleep(400);
  assert.match(t.frame(), /Remove claude account/, 'the prompt is still open');
  assert.equal(readFileSync(ccs!.paths.registry, 'utf8'), before, 'nothing removed');
  await t.press('n');
  await t.waitFor((f) => !f.includes('Remove claude account'));
});

const skip = binInTmuxSkipReason();

test('tmux: `send-keys j Enter` opens the next account; `send-keys l j Enter` too', {skip}, async () => {
  const c = makeUiCcs();
  const t = startTmux([process.execPath, binPath], {env: c.env, width: 100, height: 24});
  try {
    await t.waitFor(/work\s+alice@example\.com/);
    t.keys(['l']);
    await t.waitFor('▶ Claude accounts');
    t.keys(['j', 'Enter']);
    await t.waitFor((s) => s.includes('· Account ·') && s.includes('bob@example.com'));
    t.keys(['Escape']);
    await t.waitFor('▶ Claude accounts');
    t.keys(['h']);
    await t.waitFor('▶ Providers');
    t.keys(['l', 'k', 'Enter']);
    const screen = await t.waitFor((s) => s.includes('· Account ·') && s.includes('alice@example.com'));
    assert.doesNotMatch(screen, /paste ignored/);
  } finally {
    t.kill();
    c.cleanup();
  }
});
