// One unusually long email does not cost every row its QUOTA column: where QUOTA fits beside every
// other name whole, it stays and that email alone is cut (its local part, the domain kept). Normal
// emails stay whole, and TOKEN is never cut while EMAIL has room (issue 13 "Text fits"). What the
// user sees at 80, 120 and 160 columns, with and without a 70-character email.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {cellWidth} from '../../source/core/cells.js';
import {AccountStore} from '../../source/store/accounts.js';
import {tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const LONG = 'maximilian.alexander.konstantinopoulos.platform-teams@example-corp.com';
const HOUR = 3600_000;

/** The UI fixture (claude: work = alice, bob) with cached quota for each claude account, plus `extra` emails. */
function quotaCcs(extra: readonly string[]): TempCcs {
  const dir = makeUiCcs();
  for (const email of extra) dir.writeToken(`claude-${email}.json`, tokenFixture('claude', email, {expired: new Date(Date.now() + 41 * HOUR + 30_000).toISOString()}));
  const now = Date.now();
  const windows = (five: number, week: number) => [quotaWindowFixture(now, '5h', five, 2 * HOUR, 18000), quotaWindowFixture(now, 'weekly', week, 80 * HOUR, 604800)];
  writeQuotaCache(dir, new Date(now - 60_000), {claude: Object.fromEntries([['alice@example.com', windows(11, 41)], ['bob@example.com', windows(22, 52)], ...extra.map((email, i) => [email, windows(33 + i, 63 + i)])])});
  return dir;
}

const rowOf = (frame: string, text: string) => frame.split('\n').find((l) => l.includes(text)) ?? '';
/** The account rows (the lines with an email: not the title bar's `@local`). */
const accountRows = (frame: string) => frame.split('\n').filter((l) => /\S@\S/.test(l));

async function accountsAt(dir: TempCcs, width: number): Promise<string> {
  tui = await renderTui({paths: dir.paths, width, height: 30, services: {quota: undefined}});
  await tui.waitFor('Claude accounts');
  await tui.press('l');
  // The cached numbers are read after the names: wait for them where QUOTA is shown.
  const frame = await tui.waitFor((f) => f.includes('▶ Claude accounts') && (!f.includes('QUOTA') || /week\s+41%/.test(f)));
  for (const line of frame.split('\n')) assert.ok(cellWidth(line) <= width, `${width}: line wider than the terminal: ${line}`);
  return frame;
}

test('a 70-character email: QUOTA stays at 120 columns (the email cut, its domain whole), everything whole at 160, no QUOTA at 80', async () => {
  ccs = quotaCcs([LONG]);
  for (const width of [80, 120, 160]) {
    const frame = await accountsAt(ccs, width);
    const long = rowOf(frame, 'maximilian.');
    // The other names whole, and their token times whole (`in 1h 59m` needs no cut where EMAIL has room).
    assert.match(rowOf(frame, 'alice@'), /work\s+·?\s*alice@example\.com /, `${width}:\n${frame}`);
    assert.match(rowOf(frame, 'bob@'), /bob@example\.com /, `${width}:\n${frame}`);
    // STATUS and TOKEN whole on every row (TOKEN is never cut while a name column has room).
    for (const text of ['alice@', 'bob@']) assert.match(rowOf(frame, text), /\.com +ok +in 1h /, `${width}:\n${frame}`);
    assert.match(long, /ok +in 41h /, `${width}: ${long}`);
    if (width === 80) {
      // Too narrow for QUOTA beside any name: one ACCOUNT column, the long email cut.
      assert.doesNotMatch(frame, /QUOTA|week/, frame);
      assert.match(long, /maximilian\.alexander\.\S*… /, long);
    } else {
      assert.match(rowOf(frame, 'NAME'), /NAME\s+EMAIL\s+STATUS\s+TOKEN\s+QUOTA/, `${width}:\n${frame}`);
      // Every row keeps its quota, the long email's too.
      assert.match(rowOf(frame, 'alice@'), /5h\s+11%\s+week\s+41%/, `${width}:\n${frame}`);
      assert.match(rowOf(frame, 'bob@'), /5h\s+22%\s+week\s+52%/, `${width}:\n${frame}`);
      assert.match(long, /5h\s+33%\S*\s+week\s+63%/, `${width}: ${long}`);
    }
    if (width === 120) assert.match(long, / maximilian\.alexa\S*…@example-corp\.com ok/, `the local part cut, the domain whole: ${long}`);
    if (width === 160) assert.ok(long.includes(`${LONG} `), `whole at 160: ${long}`);
    tui!.unmount();
    tui = undefined;
  }
});

test('normal emails: whole at 80, 120 and 160 columns, QUOTA beside them from 120', async () => {
  const usual = 'first.last@company-mail.com';
  ccs = quotaCcs([usual]);
  for (const width of [80, 120, 160]) {
    const frame = await accountsAt(ccs, width);
    assert.match(rowOf(frame, 'alice@'), /work\s+·?\s*alice@example\.com /, `${width}:\n${frame}`);
    assert.match(rowOf(frame, 'bob@'), /bob@example\.com /, `${width}:\n${frame}`);
    assert.ok(rowOf(frame, usual).includes(`${usual} `), `${width}:\n${frame}`);
    assert.doesNotMatch(frame, /…/, `${width}: nothing cut:\n${frame}`);
    if (width === 80) assert.doesNotMatch(frame, /QUOTA/);
    else for (const row of accountRows(frame)) assert.match(row, /5h\s+\d+%\s+week\s+\d+%/, `${width}: ${row}`);
    tui!.unmount();
    tui = undefined;
  }
});

test('a nickname and a normal email too wide side by side beside QUOTA: one ACCOUNT column shows them whole, not two cut columns', async () => {
  // A 19-cell nickname and a 32-character email: NAME and EMAIL beside QUOTA at 120 columns would cut
  // both; `nickname · email` in one column fits.
  const usual = 'thirty.two.characters@example.io';
  ccs = quotaCcs([usual]);
  await new AccountStore(ccs.paths).rename('claude', {id: 'alice@example.com'}, 'a twenty cell nickn');
  const frame = await accountsAt(ccs, 120);
  assert.match(rowOf(frame, 'ACCOUNT'), /ACCOUNT +STATUS +TOKEN +QUOTA/, frame);
  assert.ok(rowOf(frame, 'alice@').includes('a twenty cell nickn · alice@example.com '), frame);
  assert.ok(rowOf(frame, usual).includes(`${usual} `), frame);
  assert.doesNotMatch(frame, /…/, frame);
  for (const row of accountRows(frame)) assert.match(row, /5h\s+\d+%\s+week\s+\d+%/, row);
});

test('a long email and no nickname at all: QUOTA stays and the email gets the whole name room, not a blank NAME column beside it', async () => {
  // 52 characters: too long for the name room beside QUOTA at 120 columns, so it is cut either way;
  // an empty NAME column beside it would take cells the email needs.
  const long = 'firstname.middlename.lastname.department@example.com';
  ccs = quotaCcs([long]);
  await new AccountStore(ccs.paths).clearNickname('claude', {id: 'alice@example.com'});
  const frame = await accountsAt(ccs, 120);
  assert.match(rowOf(frame, 'ACCOUNT'), /ACCOUNT +STATUS +TOKEN +QUOTA/, frame);
  assert.doesNotMatch(frame, /NAME +EMAIL/, frame);
  // Its whole local part: beside an empty NAME column it would be cut (`firstname.middlename.lastna…@example.com`).
  assert.ok(rowOf(frame, 'firstname.').includes(' firstname.middlename.lastname.department@'), frame);
  for (const row of accountRows(frame)) assert.match(row, /5h\s+\d+%\s+week\s+\d+%/, row);
});

test('long STATUS words beside short emails: QUOTA stays at 120 columns, every name whole (EMAIL took its room)', async () => {
  ccs = quotaCcs(['c@example.com', 'd@example.com', 'e@example.com']);
  const store = new AccountStore(ccs.paths);
  ccs.writeToken('claude-bob@example.com.json', tokenFixture('claude', 'bob@example.com', {expired: '2020-01-01T00:00:00Z'}));
  const token = (await store.load()).accounts.find((a) => a.id === 'bob@example.com');
  await store.setRefreshFailed('claude', {id: 'bob@example.com'}, 'refused by the token endpoint (HTTP 404 from http://127.0.0.1:18999/token)', String((await store.readToken(token!))?.refresh_token));
  const frame = await accountsAt(ccs, 120);
  assert.match(frame, /QUOTA/, frame);
  assert.match(rowOf(frame, 'alice@'), /alice@example\.com .*week\s+41%/, frame);
  for (const email of ['bob@example.com', 'c@example.com', 'e@example.com']) assert.ok(rowOf(frame, email).includes(email), `${email}:\n${frame}`);
});
