// A key pasted by mistake into a field that is no secret field (the accounts filter, the `:` jump,
// the rules editor) is drawn as bullets, as in the login and rename fields: never left on the screen.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const KEY = 'sk-ant-api03-Zq0123456789abcdefXYZ';
const SECRET_PART = '0123456789abcdef';

async function home(): Promise<TuiHandle> {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('enter');
  return tui;
}

test('the accounts filter: a key typed into it is bullets while typed and once kept', async () => {
  const t = await home();
  await t.type('/');
  await t.type(KEY);
  let frame = await t.waitFor((f) => f.includes(`/${'•'.repeat(10)}`));
  assert.ok(!frame.includes(SECRET_PART), frame);
  await t.press('enter');
  frame = await t.waitFor((f) => /\/•+ {2}\(Esc clears\)/.test(f));
  assert.ok(!frame.includes(SECRET_PART), frame);
});

test('the : jump field: a key typed into it is bullets', async () => {
  const t = await home();
  await t.type(':');
  await t.type(KEY);
  const frame = await t.waitFor((f) => f.includes(`:${'•'.repeat(10)}`));
  assert.ok(!frame.includes(SECRET_PART), frame);
});

test('a plain filter stays as typed', async () => {
  const t = await home();
  await t.type('/');
  await t.type('alice');
  await t.waitFor((f) => f.includes('/alice'));
});
