// The rules screen key (3) opens the rules of what the person was looking at: the provider selected
// on the accounts screen, the account when the accounts pane (or its detail, or a quota row) has it;
// not claude's global rules whatever was selected.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const header = (frame: string) => frame.split('\n')[1]!;

test('from the accounts screen: the selected provider, or the selected account', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('j');
  await tui.waitFor('carol@example.com');
  await tui.press('3');
  let frame = await tui.waitFor((f) => /Provider \w+ \[p\].*static list \[L\]$/.test(header(f)));
  assert.match(header(frame), /Provider codex \[p\] · Rules: global \(config\.yaml\)/);

  await tui.press('1');
  await tui.waitFor('carol@example.com');
  await tui.press('enter');
  await tui.press('3');
  frame = await tui.waitFor((f) => /Provider \w+ \[p\].*static list \[L\]$/.test(header(f)));
  assert.match(header(frame), /Provider codex \[p\] · Rules: carol@example\.com \(token file\)/);
});

test('from an account\'s detail, and from a quota row: that account', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('enter');
  await tui.press('j');
  await tui.press('enter');
  await tui.waitFor('Account id      bob@example.com');
  await tui.press('3');
  let frame = await tui.waitFor((f) => /Provider \w+ \[p\].*static list \[L\]$/.test(header(f)));
  assert.match(header(frame), /Provider claude \[p\] · Rules: bob@example\.com \(token file\)/);

  await tui.press('2');
  await tui.waitFor('carol@example.com');
  await tui.press('G');
  const quota = await tui.waitFor((f) => /›.*carol/.test(f));
  assert.ok(quota);
  await tui.press('3');
  frame = await tui.waitFor((f) => /Provider \w+ \[p\].*static list \[L\]$/.test(header(f)));
  assert.match(header(frame), /Provider codex \[p\] · Rules: carol@example\.com \(token file\)/);
});

test('from the proxy screen: the provider it serves or was opened for, else the one selected on the accounts screen', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('j');
  await tui.waitFor('carol@example.com');
  await tui.press('4');
  await tui.waitFor('Serving');
  await tui.press('3');
  let frame = await tui.waitFor((f) => /Provider \w+ \[p\].*static list \[L\]$/.test(header(f)));
  assert.match(header(frame), /Provider codex \[p\] · Rules: global/);
  tui.unmount();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'proxy', params: {provider: 'claude', accountId: 'bob@example.com'}}});
  await tui.waitFor('3 accounts');
  await tui.press('3');
  frame = await tui.waitFor((f) => /Provider \w+ \[p\].*static list \[L\]$/.test(header(f)));
  assert.match(header(frame), /Provider claude \[p\] · Rules: bob@example\.com \(token file\)/);
});
