// While an alias entry is typed, its row names both fields (`alias: … ← model name: gran`), as the
// line under it names the one being typed: never a bare `… ←`.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

test('an exclusion being typed names its field too', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
  await tui.waitFor('Models 8/8 visible');
  await tui.press('a');
  await tui.type('kimi-k3*');
  await tui.waitFor(/^› ✕ pattern: kimi-k3\* /m);
  await tui.press('enter');
  await tui.waitFor(/^› ✕ kimi-k3\* /m);
});

test('an alias entry being typed shows which field is which and what each holds', async () => {
  ccs = makeTempCcs();
  ccs.writeToken('kimi-1.json', tokenFixture('kimi', 'k@example.com'));
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
  await tui.waitFor('Models 8/8 visible');
  await tui.press('A');
  await tui.type('kimi-k2');
  let frame = await tui.waitFor(/^› alias: … ← model name: kimi-k2 /m);
  assert.match(frame, /typing the model name/);
  assert.doesNotMatch(frame, /› … ←/);
  await tui.press('enter');
  await tui.type('k2');
  frame = await tui.waitFor(/^› alias: k2 +← model name: kimi-k2 /m);
  assert.match(frame, /typing the alias/);
  await tui.press('enter');
  // Done: the rule as every rule reads.
  frame = await tui.waitFor((f) => !f.includes('typing the'));
  assert.match(frame, /^› k2 ← kimi-k2 /m);
});
