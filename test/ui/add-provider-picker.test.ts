// `a` asks which provider to add an account to (as `gh auth login` asks), the cursor on the provider
// highlighted; Enter goes on to that provider's login as before, Esc goes back to the accounts.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const hintBar = (f: string) => f.split('\n').at(-1) ?? '';

test('a on an empty accounts screen opens a provider picker on Claude; j j Enter logs in to Gemini; Esc goes back', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('No Claude account yet');
  await tui.press('a');
  let frame = await tui.waitFor('Which provider?');
  assert.match(frame, /^› Claude/m, frame);
  assert.doesNotMatch(frame, /Claude — add an account/, 'no login started before the choice');
  assert.match(hintBar(frame), /Enter choose/);
  assert.match(hintBar(frame), /Esc back/);
  await tui.press('escape');
  frame = await tui.waitFor('No Claude account yet');
  assert.doesNotMatch(frame, /Which provider/);

  await tui.press('a');
  await tui.waitFor('Which provider?');
  await tui.press('j', 'j');
  await tui.waitFor(/^› Gemini/m);
  await tui.press('enter');
  await tui.waitFor('Gemini — add an account');
});

test('a with another provider highlighted starts the picker on it', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('No Claude account yet');
  await tui.press('j');
  await tui.waitFor('No Codex account yet');
  await tui.press('a');
  const frame = await tui.waitFor('Which provider?');
  assert.match(frame, /^› Codex/m, frame);
});
