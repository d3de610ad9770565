// Two logins of one email (two token files) are told apart by their labels: `carol@example.com#team`,
// or the id with its token file. A column too narrow for a label cuts the email's domain first, then
// the middle, so that what differs (the suffix, the file name's end) stays on screen: on the accounts
// list (EMAIL column, or the one ACCOUNT column) and in the quota screen's compact rows.
import {renderTui} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {tokenFixture} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

const rowsWith = (frame: string, text: string) => frame.split('\n').filter((line) => line.includes(text));

for (const width of [80, 100]) {
  test(`${width} columns: two logins of carol@example.com keep what tells them apart`, async () => {
    const ccs = makeUiCcs();
    ccs.writeToken('codex-carol@example.com-team.json', tokenFixture('codex', 'carol@example.com', {account_id: 'team'}));
    const tui = await renderTui({paths: ccs.paths, width, height: 24});
    try {
      await tui.waitFor('alice');
      await tui.press('j', 'l');
      let frame = await tui.waitFor('Codex accounts (2)');
      const rows = rowsWith(frame, 'carol@');
      assert.equal(rows.length, 2, frame);
      // At 100 columns both labels fit whole in one ACCOUNT column (never cut into a NAME and an EMAIL column).
      if (width === 100) assert.ok(rows.some((row) => row.includes('carol@example.com (codex-carol@example.com.json) ')), rows.join('\n'));
      assert.ok(rows.some((row) => /carol@\S*… \(\S*carol@example\.com\.json\)|carol@\S* \(c…\S*\.com\.json\)|carol@example\.com \(codex-carol@example\.com\.json\)/.test(row)), `the token file's end stays:\n${rows.join('\n')}`);
      assert.ok(rows.some((row) => /carol@\S*#team/.test(row)), `the #team suffix stays:\n${rows.join('\n')}`);
      await tui.press('2');
      frame = await tui.waitFor('pool serves next');
      const quota = rowsWith(frame, 'codex · ');
      assert.equal(quota.length, 2, frame);
      assert.ok(quota.some((row) => /\.com\.json\)/.test(row)), quota.join('\n'));
      assert.ok(quota.some((row) => /#team/.test(row)), quota.join('\n'));
    } finally {
      tui.unmount();
      ccs.cleanup();
    }
  });
}
