// An account key pressed where no account is selected says how to get one: the accounts pane (the
// cursor on the providers pane), or the add key for a provider with none.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const statusLine = (frame: string) => frame.split('\n').at(-2) ?? '';

test('t and p on the providers pane name the accounts pane', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('t');
  let frame = await tui.waitFor('select an account to test');
  assert.match(statusLine(frame), /select an account to test \(l or Tab: the accounts pane\)/);
  await tui.press('p');
  frame = await tui.waitFor('no account selected');
  assert.match(statusLine(frame), /no account selected \(l or Tab: the accounts pane\)/);
  // Down to a provider with no account (Claude and Codex have them; Gemini has none).
  await tui.press('j', 'j');
  await tui.waitFor('No Gemini account yet');
  await tui.press('t');
  frame = await tui.waitFor('account yet: a adds one');
  assert.match(statusLine(frame), /select an account to test \(no gemini account yet: a adds one\)/);
});

test('n and L on the providers pane say the same as the other account keys, and an aistudio account is "an aistudio account"', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('alice@example.com');
  for (const key of ['n', 'L']) {
    await tui.press(key);
    const frame = await tui.waitFor('no account selected');
    assert.match(statusLine(frame), /no account selected \(l or Tab: the accounts pane\)/, key);
    await tui.press('escape');
  }
});
