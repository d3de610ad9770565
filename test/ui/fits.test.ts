// Text is not cut while its row has free cells (issue 13 #8): the providers pane takes the width its
// names need when the terminal has room; help and message rows wrap at spaces and start flush.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {cellWidth, wrapWords} from '../../source/core/cells.js';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

test('wrapWords: rows within the width, none starting with a space, words whole where they fit, long words cut', () => {
  const text = 'Order the accounts: as registered, by name, by token expiry, by quota headroom';
  for (const width of [10, 17, 33, 60]) {
    const rows = wrapWords(text, width);
    for (const row of rows) {
      assert.ok(cellWidth(row) <= width, `${width}: ${row}`);
      assert.doesNotMatch(row, /^ /, `${width}: ${JSON.stringify(row)}`);
    }
    if (width >= 12) assert.equal(rows.join(' '), text, 'every word fits a row: only spaces are dropped');
  }
  assert.deepEqual(wrapWords('山田太郎の仕事用 ok', 6), ['山田太', '郎の仕', '事用', 'ok']);
});

for (const [width, height] of [[80, 24], [160, 45]] as const) {
  test(`${width}×${height}: every provider name is whole in the providers pane`, async () => {
    ccs = makeUiCcs();
    tui = await renderTui({paths: ccs.paths, width, height});
    const frame = await tui.waitFor('Claude');
    for (const name of ['Google AI Studio', 'GitHub Copilot', 'Antigravity']) assert.ok(frame.includes(name), `${name}\n${frame}`);
  });
}

for (const [width, height] of [[60, 20], [80, 24], [160, 45]] as const) {
  test(`${width}×${height}: ? wraps descriptions with continuation rows flush under the text`, async () => {
    ccs = makeUiCcs();
    tui = await renderTui({paths: ccs.paths, width, height});
    await tui.waitFor('Claude');
    await tui.press('l', '?');
    const frame = await tui.waitFor('Keys (');
    // Key column 11 cells after the border and its padding: text starts at cell 13 of the row.
    for (const line of frame.split('\n')) assert.doesNotMatch(line, /^│ {13}\S/, `a row starts with a space: ${line}`);
  });
}

for (const [width, height] of [[60, 20], [80, 24], [160, 45]] as const) {
  test(`${width}×${height}: the quota legend is whole (a second row rather than a cut)`, async () => {
    ccs = makeUiCcs();
    tui = await renderTui({paths: ccs.paths, width, height});
    await tui.waitFor('Claude');
    await tui.press('2');
    const frame = await tui.waitFor('serves next');
    const legend = frame.split('\n').slice(1, 3).join(' · ');
    for (const mark of ['pool serves next', '* default', 'binding window', 'over pace', 'used up', '│ even pace', '? unknown']) assert.ok(legend.includes(mark), `${mark}: ${legend}`);
    assert.doesNotMatch(legend, /…/);
    // Said to be the marks; a second row sits under the first, never at the edge (`│ even pace` there read as a border).
    const [first, second] = frame.split('\n').slice(1, 3);
    assert.match(first!, /^marks: /);
    if (!first!.includes('? unknown')) assert.match(second!, /^ {7}\S/, second);
  });
}

for (const [width, height] of [[60, 20], [80, 24], [160, 45]] as const) {
  test(`${width}×${height}: the stopped proxy screen says how to start, whole`, async () => {
    ccs = makeUiCcs();
    const proxy = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
    tui = await renderTui({paths: ccs.paths, width, height, route: {screen: 'proxy', params: {}}, services: {proxy}});
    const frame = await tui.waitFor('starts the proxy');
    assert.ok(frame.includes('a provider’s pool'), frame);
    assert.ok(frame.includes('serves an account'), frame);
    for (const line of frame.split('\n')) assert.ok(cellWidth(line) <= width, line);
  });
}

test('80×24: the models title keeps its match count whole (the list source, also in the header, gives way)', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 80, height: 24});
  await tui.waitFor('Claude');
  await tui.press('3');
  await tui.waitFor('Models ');
  await tui.press('/', 'z', 'z', 'z');
  const frame = await tui.waitFor('0 matches');
  assert.match(frame, /Models \d+\/\d+ visible · 0 matches/);
  assert.match(frame, /static list/, 'the source is still on the header line');
});
