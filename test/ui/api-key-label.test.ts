// An API-key account without a nickname has no email either: the accounts list shows its label
// (`key-<hex>`, as `ccs-tui accounts`, the quota screen and the delete prompt name it), never a blank row.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const ID = 'key-443c8191a092';

for (const width of [120, 80, 60]) {
  test(`${width} columns: an API-key account without a nickname shows its label in the accounts list`, async () => {
    ccs = makeTempCcs();
    ccs.writeToken(`aistudio-${ID}.json`, {type: 'aistudio', api_key: 'AIzaSyTestKeyTestKeyTestKeyTestKey0001', account_id: ID});
    tui = await renderTui({paths: ccs.paths, width, height: 24});
    await tui.waitFor('IBM Bob');
    await tui.press('H');
    await tui.waitFor(/› Google AI/);
    await tui.press('l');
    const frame = await tui.waitFor(/▶ Google AI/);
    // The account's row: the one with its status.
    const row = frame.split('\n').find((line) => /›\*.* ok /.test(line));
    assert.ok(row, frame);
    assert.match(row, new RegExp(`›\\* +${ID.slice(0, width < 80 ? 8 : ID.length)}`), `the row names the account:\n${frame}`);
  });
}
