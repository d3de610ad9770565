// Status messages are flash messages: one says what the last key did, so the next key that does
// something clears it, and so does a screen change; an error stays through keys on its screen but
// not past a screen change. `?` and `M` only show things; `M` keeps every message.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const statusLine = (frame: string) => frame.split('\n').at(-2) ?? '';

async function bobPaused(): Promise<TuiHandle> {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('l', 'j', 'p');
  await tui.waitFor((f) => statusLine(f).includes('bob@example.com paused'));
  return tui;
}

test('a message goes with the next key that does something: a cursor move, or a screen switch', async () => {
  const t = await bobPaused();
  // `?` and `M` only show things: the message is still there when they close.
  await t.press('?');
  await t.waitFor('Keys (');
  await t.press('?');
  let frame = await t.waitFor((f) => !f.includes('Keys ('));
  assert.match(statusLine(frame), /bob@example\.com paused/);
  // The cursor on work: "bob paused" no longer says what is under it.
  await t.press('k');
  frame = await t.waitFor((f) => !statusLine(f).includes('paused'));
  assert.match(frame, /›\*?\s+work\s+alice@example\.com/);
  // On a screen switch too.
  await t.press('j', 'p');
  await t.waitFor((f) => statusLine(f).includes('bob@example.com resumed'));
  await t.press('4');
  frame = await t.waitFor('Proxy ·');
  assert.doesNotMatch(statusLine(frame), /resumed/);
  // Every one is still in the messages log.
  await t.press('M');
  frame = await t.waitFor('Messages, newest first');
  assert.match(frame, /bob@example\.com resumed[\s\S]*bob@example\.com paused/);
});

test('an error stays through keys on its screen, and goes with a screen change', async () => {
  const t = await bobPaused();
  await t.press('k', 'r');
  let frame = await t.waitFor((f) => statusLine(f).includes('error: no other usable claude account to rotate to'));
  await t.press('j');
  frame = await t.waitFor(/›\*?\s+bob@example\.com/);
  assert.match(statusLine(frame), /error: no other usable claude account/, 'still there after a cursor move');
  await t.press('enter');
  frame = await t.waitFor('Account id');
  assert.doesNotMatch(statusLine(frame), /no other usable/, 'gone with the screen it was about');
});
