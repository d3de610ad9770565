// Column widths shared by need (issue 13 screens #3): the names (what identifies an account) get room
// first; STATUS and TOKEN lose padding, then take short words (`re-login`, `in 4h`) before a name is
// cut (but an unusually long email is cut to keep QUOTA where it fits). At 60, 80, 120 and 160
// columns, with a long email and a CJK nickname; and the built binary in tmux at 60×20.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {cellWidth} from '../../source/core/cells.js';
import {tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {binInTmux, binInTmuxSkipReason} from '../helpers/tmux.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const LONG = 'maximilian.sebastian.longname@some-company-example.com';
const CJK = '山田太郎の仕事用';

/** The UI fixture plus bob marked re-login and an account with a long email and a CJK nickname, token in 4h 5m. */
async function crowdedCcs(): Promise<TempCcs> {
  const dir = makeUiCcs();
  dir.writeToken('claude-long.json', tokenFixture('claude', LONG, {expired: new Date(Date.now() + 4 * 3600_000 + 5 * 60_000 + 30_000).toISOString()}));
  const store = new AccountStore(dir.paths);
  await store.setNeedsLogin('claude', 'bob@example.com', 'refresh token revoked');
  const id = (await store.load()).accounts.find((a) => a.email === LONG)!.id;
  await store.rename('claude', {id}, CJK);
  return dir;
}

const rowOf = (frame: string, text: string) => frame.split('\n').find((l) => l.includes(text)) ?? '';

test('60, 80, 120, 160 columns: names whole first, then STATUS and TOKEN shrink; no line wider than the terminal', async () => {
  ccs = await crowdedCcs();
  for (const width of [60, 80, 120, 160]) {
    tui = await renderTui({paths: ccs.paths, width, height: 24});
    await tui.waitFor('Claude accounts (3)');
    await tui.press('l');
    const frame = await tui.waitFor('▶ Claude accounts');
    for (const line of frame.split('\n')) assert.ok(cellWidth(line) <= width, `${width}: line wider than the terminal: ${line}`);
    // The identifying text of every row is whole: bob's email, the CJK nickname, alice's nickname.
    assert.match(rowOf(frame, 'bob@example.com'), /bob@example\.com /, `${width}: ${rowOf(frame, 'bob')}`);
    assert.ok(rowOf(frame, CJK).includes(`${CJK} `), `${width}: ${rowOf(frame, CJK)}`);
    assert.match(rowOf(frame, 'work'), /›[*★] work /);
    if (width === 120) {
      // The long email (54 characters, unusually long) cannot be whole below 160; at 120 QUOTA fits
      // beside every other name whole, so QUOTA stays and that email alone is cut (long-email-quota.test.ts).
      assert.match(rowOf(frame, 'NAME'), /NAME +EMAIL +STATUS +TOKEN +QUOTA/);
      assert.match(rowOf(frame, 'bob@example.com'), /bob@example\.com +! re-login +in 1h/);
      assert.match(rowOf(frame, CJK), /maximilian\.\S*… +ok +in 4h 5m/);
    } else if (width < 160) {
      // The long email cannot be whole below 160: short words give the names the most room there is
      // (`re-login`, the same word without its marker; `in 4h`; single padding).
      assert.match(rowOf(frame, 'bob@example.com'), /bob@example\.com +re-login +in 1h/);
      assert.match(rowOf(frame, CJK), /ok +in 4h /);
      if (width <= 80) assert.match(rowOf(frame, 'ACCOUNT'), /ACCOUNT {10,}STATUS/, 'the ACCOUNT column is at least 17 cells');
    } else {
      assert.match(rowOf(frame, 'bob@example.com'), /! re-login +in 1h/);
      assert.match(rowOf(frame, CJK), /in 4h 5m/);
    }
    if (width === 160) assert.ok(rowOf(frame, CJK).includes(LONG), 'the long email whole beside its nickname');
    tui.unmount();
    tui = undefined;
  }
});

const skip = binInTmuxSkipReason();

test('tmux 60×20: the built binary shares the columns by need (names whole, short status words)', {skip}, async () => {
  const dir = await crowdedCcs();
  const t = binInTmux()(dir, {width: 60, height: 20});
  try {
    await t.waitFor('Claude accounts (3)');
    t.keys(['l']);
    const screen = await t.waitFor(/bob@example\.com +re-login +in 1h/);
    assert.ok(screen.includes(`${CJK} `), screen);
    assert.match(screen, /work · alice@\S*/);
    t.keys(['q']);
    assert.equal(await t.waitForExit(), 0);
  } finally {
    t.kill();
    dir.cleanup();
  }
});
