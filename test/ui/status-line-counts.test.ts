// The status line at 80 columns with a message: the counts stay whole; the CCS dir is what gets cut
// (from its start), then left out.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

for (const width of [80, 100]) {
  test(`${width} columns: a message beside the counts leaves them whole`, async () => {
    ccs = makeUiCcs();
    tui = await renderTui({paths: ccs.paths, width, height: 24});
    await tui.waitFor('alice@example.com');
    tui.write('workq');
    const frame = await tui.waitFor('paste ignored');
    const status = frame.split('\n').at(-2) ?? '';
    assert.match(status, /paste ignored/);
    assert.match(status, /3 accounts · 2\/12 providers/, status);
    assert.doesNotMatch(status, /…counts|…\d* ?providers/, status);
  });
}

test('a paste where nothing takes text names the filter key only on a screen that filters (the proxy screen has none)', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'proxy', params: {}}});
  await tui.waitFor('Serving');
  tui.write(':bob1');
  const frame = await tui.waitFor('paste ignored');
  assert.match(frame, /paste ignored: nothing here takes typed text/);
  assert.doesNotMatch(frame, /press \/ to filter/);
});
