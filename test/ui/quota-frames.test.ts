// Quota results for accounts the screen does not draw cause no frame (issue 14: with 1,000 accounts
// polled and ~25 rows on screen, most batches are off screen). Counted, not timed: the test renders
// with Ink's debug mode, where every React commit writes one frame.
import {renderTui, untilQuiet, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {FakeClock} from '../helpers/fake-clock.js';
import {quotaWindowFixture as w, writeQuotaCache} from '../helpers/quota.js';
import {AccountStore} from '../../source/store/accounts.js';
import {QuotaPoller, type QuotaSource} from '../../source/services/quota/service.js';
import {readQuotaCache, type QuotaCacheEntry} from '../../source/services/quota/cache.js';
import type {Account, QuotaWindow} from '../../source/core/types.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const HOUR = 3600_000;
const ACCOUNTS = 60;
const email = (i: number) => `user${String(i).padStart(2, '0')}@example.com`;

let tui: TuiHandle | undefined;
let ccs: TempCcs | undefined;
afterEach(() => {
  tui?.unmount();
  ccs?.cleanup();
  tui = undefined;
  ccs = undefined;
});

/** 60 Claude accounts, each with a cached 5 h window at 10 % used. */
function manyAccounts(): TempCcs {
  const dir = makeTempCcs();
  const accounts: Record<string, unknown> = {};
  for (let i = 0; i < ACCOUNTS; i++) {
    dir.writeToken(`claude-${email(i)}.json`, tokenFixture('claude', email(i), {expired: new Date(NOW + 30 * 24 * HOUR).toISOString()}));
    accounts[email(i)] = {email: email(i), tokenFile: `claude-${email(i)}.json`, createdAt: '2026-11-01T10:00:00Z'};
  }
  dir.writeRegistry({version: 1, providers: {claude: {default: email(0), accounts}}});
  writeQuotaCache(dir, new Date(NOW - 60_000), {claude: Object.fromEntries(Array.from({length: ACCOUNTS}, (_, i) => [email(i), [w(NOW, '5h', 10, 2 * HOUR, 18_000)]]))});
  return dir;
}

/**
 * This machine's cache file, with the usage endpoint's answer given by the test: `used` (account id
 * → percent) is what the next fetch of that account reads.
 */
function answeringSource(paths: TempCcs['paths'], used: Map<string, number>): QuotaSource {
  return {
    read: () => readQuotaCache(paths),
    reread: async () => undefined,
    fetch: async (_deps, account) => {
      const pct = used.get(account.id) ?? 10;
      return () => ({windows: [w(NOW, '5h', pct, 2 * HOUR, 18_000) as QuotaWindow], fetchedAt: new Date(NOW).toISOString()});
    },
    record: async (_provider, _id, change) => change({windows: []}),
    flush: async () => undefined,
  };
}

/** Real time past the poller's emit pacing (250 ms), so every batch has been heard. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 600));

/** A clock, a store and a poller over `dir` whose usage answers are what `used` gives, for renderTui's services. */
function pollerOver(dir: TempCcs): {store: AccountStore; used: Map<string, number>; quota: QuotaPoller; services: {clock: FakeClock; quota: QuotaPoller}} {
  const clock = new FakeClock(NOW);
  const store = new AccountStore(dir.paths);
  const used = new Map<string, number>();
  const quota = new QuotaPoller({paths: dir.paths, store, clock, source: answeringSource(dir.paths, used)});
  return {store, used, quota, services: {clock, quota}};
}

test('home screen: quota results for rows off screen draw no frame; visible ones draw one, and scrolled-to rows show theirs', async () => {
  ccs = manyAccounts();
  const {store, used, quota, services} = pollerOver(ccs);
  // 160 columns: the home screen draws the QUOTA column. 30 rows: about 25 account rows.
  tui = await renderTui({paths: ccs.paths, width: 160, height: 30, services});
  await tui.waitFor((f) => f.includes(email(0)) && /5h\s+10%/.test(f));
  await tui.press('l');
  await untilQuiet(tui);
  const accounts = (await store.load()).accounts;
  const byEmail = (i: number) => accounts.find((a: Account) => a.id === email(i))!;
  assert.ok(!tui.frame().includes(email(ACCOUNTS - 1)), 'the last accounts are off screen');

  // Twenty results for accounts below the window: the numbers change, nothing on screen does.
  const offScreen = Array.from({length: 20}, (_, k) => byEmail(ACCOUNTS - 20 + k));
  for (const a of offScreen) used.set(a.id, 77);
  const framesBefore = tui.frameCount();
  await quota.refresh(offScreen);
  await settle();
  await untilQuiet(tui);
  const entry = (i: number): QuotaCacheEntry | undefined => quota.snapshot.accounts.claude?.[email(i)];
  assert.equal(entry(ACCOUNTS - 1)?.windows[0]?.usedPct, 77, 'the poller has the new numbers');
  assert.equal(tui.frameCount() - framesBefore, 0, 'no frame for results nobody sees');

  // Results for two drawn rows: one batch, drawn.
  used.set(email(1), 55);
  used.set(email(2), 66);
  const framesBeforeVisible = tui.frameCount();
  await quota.refresh([byEmail(1), byEmail(2)]);
  await tui.waitFor((f) => new RegExp(`${email(1)}.*5h\\s+55%`).test(f) && new RegExp(`${email(2)}.*5h\\s+66%`).test(f));
  await untilQuiet(tui);
  const drawn = tui.frameCount() - framesBeforeVisible;
  assert.ok(drawn >= 1 && drawn <= 2, `results for drawn rows are drawn (${drawn} frames)`);
  assert.match(tui.frame(), new RegExp(`${email(1)}.*5h\\s+55%`));
  assert.match(tui.frame(), new RegExp(`${email(2)}.*5h\\s+66%`));

  // Scrolling to the bottom shows the numbers that arrived while those rows were off screen.
  await tui.press('G');
  const bottom = await tui.waitFor(email(ACCOUNTS - 1));
  assert.match(bottom, new RegExp(`${email(ACCOUNTS - 1)}.*5h\\s+77%`));
  assert.match(bottom, new RegExp(`${email(ACCOUNTS - 20)}.*5h\\s+77%`));
});

test('home screen, most-headroom pool: the ★ on an account off screen moves when that account runs out, though no row on screen changed', async () => {
  ccs = manyAccounts();
  ccs.writeRaw('tui.json', JSON.stringify({rotation: {strategy: 'most-headroom'}}));
  // The last account, off screen, has the most headroom: the ★ is its.
  writeQuotaCache(ccs, new Date(NOW - 60_000), {claude: Object.fromEntries(Array.from({length: ACCOUNTS}, (_, i) => [email(i), [w(NOW, '5h', i === ACCOUNTS - 1 ? 1 : 10, 2 * HOUR, 18_000)]]))});
  const {store, used, quota, services} = pollerOver(ccs);
  // 160 columns: the home screen draws the QUOTA column. 30 rows: about 25 account rows.
  tui = await renderTui({paths: ccs.paths, width: 160, height: 30, services});
  await tui.waitFor((f) => f.includes(email(0)) && /5h\s+10%/.test(f));
  await tui.press('l');
  await settle();
  assert.ok(!tui.frame().includes(email(ACCOUNTS - 1)), 'the last account is off screen');
  assert.ok(!tui.frame().includes('★'), 'the ★ is off screen with it');

  // It runs out: the pool would go on to one of the others, all on screen at 10 %.
  used.set(email(ACCOUNTS - 1), 100);
  const accounts = (await store.load()).accounts;
  await quota.refresh([accounts.find((a: Account) => a.id === email(ACCOUNTS - 1))!]);
  await tui.waitFor((f) => f.includes('★'), 5000);
});

/** The account on the selected (›) row of a quota screen frame. */
const selectedAccount = (frame: string) => /›.*?(user\d+@example\.com)/.exec(frame)?.[1];
/** The accounts in the order the rows show them. */
const order = (frame: string) => frame.split('\n').flatMap((l) => /user\d+@example\.com/.exec(l)?.[0] ?? []);

/** The quota screen over the 60 accounts, and `answer(id, used)`: a result for one account arrives. */
async function quotaScreen(): Promise<{tui: TuiHandle; answer: (id: string, usedPct: number) => Promise<void>; used: Map<string, number>}> {
  ccs = manyAccounts();
  const {store, used, quota, services} = pollerOver(ccs);
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'quota', params: {provider: 'claude'}}, services});
  await tui.waitFor((f) => f.includes(email(0)) && /10%/.test(f));
  const answer = async (id: string, usedPct: number) => {
    used.set(id, usedPct);
    const accounts = (await store.load()).accounts;
    await quota.refresh([accounts.find((a: Account) => a.id === id)!]);
  };
  return {tui, answer, used};
}

test('quota screen: the cursor stays on its account when a result moves the rows (sorted by headroom), and j goes on from there', async () => {
  const {tui: t, answer} = await quotaScreen();
  await t.press('j');
  await t.press('j');
  const before = await t.waitFor((f) => selectedAccount(f) === order(f)[2]);
  const chosen = selectedAccount(before)!;
  const above = order(before);
  const rowOf = (frame: string, id: string) => order(frame).indexOf(id);
  // A result gives the chosen account the most headroom: its row goes to the top.
  await answer(chosen, 1);
  const moved = await t.waitFor((f) => rowOf(f, chosen) < rowOf(f, above[0]!), 5000);
  assert.equal(selectedAccount(moved), chosen, 'the cursor went with its account');
  // j goes to the row below it now: the account that was at the top.
  await t.press('j');
  await t.waitFor((f) => selectedAccount(f) === above[0]);
});

test('quota screen: a cursor no one moved stays on the top row when a result moves the top account down', async () => {
  const {tui: t, answer} = await quotaScreen();
  const top = order(t.frame())[0]!;
  assert.equal(selectedAccount(t.frame()), top);
  // The top account runs out: it goes to the bottom of the list, off screen.
  await answer(top, 95);
  const after = await t.waitFor((f) => !order(f).includes(top), 5000);
  assert.equal(selectedAccount(after), order(after)[0], 'the cursor is on the new top row, the top of the list in view');
});

test('quota screen: R on the top row no one moved to: its result moves the account down, and the cursor goes with it (it was left on the next account)', async () => {
  const {tui: t, used} = await quotaScreen();
  const top = order(t.frame())[0]!;
  assert.equal(selectedAccount(t.frame()), top);
  used.set(top, 95);
  await t.press('R');
  const after = await t.waitFor((f) => order(f)[0] !== top && selectedAccount(f) !== undefined, 5000);
  assert.equal(selectedAccount(after), top, 'the cursor is on the account R refreshed');
  assert.match(after, /95%/);
});
