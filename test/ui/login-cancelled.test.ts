// Leaving a login before anything was stored says so on the status line: the screen it returns to
// (the accounts, or the provider picker) shows no change, and a newcomer who pressed `L` then Esc
// saw no word. Every way out: Esc at a login step, a text field's own Esc (an API key's), and back
// through the provider picker that `a` opens. Never said once the login stored an account
// (test/ui/login.test.ts, the device login's Esc after it is done).
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const CANCELLED = /login cancelled: nothing was stored/;

test('L on an API-key account (a new key for it), then Esc in the key field: back on the accounts, said', async () => {
  ccs = makeTempCcs();
  ccs.writeToken('bob-spare.json', {type: 'bob', api_key: 'bob-secret-key-0123456789abcdef', base_url: 'http://127.0.0.1:9/v1'});
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('Claude accounts');
  await tui.press('H');
  await tui.waitFor('IBM Bob accounts');
  await tui.press('l');
  await tui.waitFor(/›.*spare/);
  await tui.press('L');
  await tui.waitFor(/new IBM Bob API key for spare/);
  await tui.press('escape');
  const frame = await tui.waitFor(CANCELLED);
  assert.match(frame, /IBM Bob login cancelled: nothing was stored/);
  assert.match(frame, /IBM Bob accounts/);
});

test('a (the provider picker), a provider, then Esc back to the picker: said there', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('a');
  await tui.waitFor(/Add an account|Choose the provider|provider/i);
  await tui.press('enter');
  await tui.waitFor(/Claude — add an account/);
  await tui.press('escape');
  const frame = await tui.waitFor(CANCELLED);
  assert.match(frame, /Claude login cancelled: nothing was stored/);
  assert.doesNotMatch(frame, /Claude — add an account/);
});
