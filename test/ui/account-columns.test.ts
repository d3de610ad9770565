// The accounts list's columns say what their cells are, and stay put: an account named by nothing
// but its id (a hand-copied token file, a key added without a name) shows that id under NAME, never
// under EMAIL (as `ccs-tui accounts` puts it under ACCOUNT); pausing an account does not move STATUS.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

/** The pane's lines without the borders (column positions kept). */
const pane = (frame: string) => frame.split('\n').map((l) => l.slice(l.indexOf('│', 2) + 1));

test('an account with no nickname and no email: its id under NAME, its EMAIL cell empty', async () => {
  ccs = makeTempCcs();
  const copied = tokenFixture('claude', 'x');
  delete copied.email;
  ccs.writeToken('claude-copied.json', copied);
  ccs.writeToken('claude-p@example.com.json', tokenFixture('claude', 'p@example.com'));
  tui = await renderTui({paths: ccs.paths, width: 120, height: 24});
  const frame = await tui.waitFor('p@example.com');
  const lines = pane(frame);
  const header = lines.find((l) => l.includes('STATUS'))!;
  assert.match(header, /NAME +EMAIL +STATUS/, header);
  const row = lines.find((l) => l.includes('copied'))!;
  assert.equal(row.indexOf('copied'), header.indexOf('NAME'), `the id is not under NAME:\n${header}\n${row}`);
  assert.equal(row.slice(header.indexOf('EMAIL'), header.indexOf('STATUS')).trim(), '', `the EMAIL cell holds something:\n${header}\n${row}`);
  // An email still goes under EMAIL.
  assert.equal(lines.find((l) => l.includes('p@example.com'))!.indexOf('p@example.com'), header.indexOf('EMAIL'));
});

test('pausing an account does not move the STATUS column', async () => {
  ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', tokenFixture('claude', 'a@example.com'));
  ccs.writeToken('claude-b@example.com.json', tokenFixture('claude', 'b@example.com'));
  tui = await renderTui({paths: ccs.paths, width: 120, height: 24});
  const before = pane(await tui.waitFor('b@example.com')).find((l) => l.includes('STATUS'))!;
  await new AccountStore(ccs.paths).setPaused('claude', {id: 'b@example.com'}, true);
  const after = pane(await tui.waitFor('⏸ paused')).find((l) => l.includes('STATUS'))!;
  assert.equal(after.indexOf('STATUS'), before.indexOf('STATUS'), `STATUS moved:\n${before}\n${after}`);
  assert.equal(after.indexOf('TOKEN'), before.indexOf('TOKEN'), `TOKEN moved:\n${before}\n${after}`);
});
