import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {tokenFixture} from '../helpers/ccs.js';
import {FakeClock} from '../helpers/fake-clock.js';
import {quotaWindowFixture as w} from '../helpers/quota.js';
import {dashboardCcs} from './quota-fixtures.js';
import {makeUiCcs} from './fixtures.js';
import {makeQuotaFixture} from '../services/quota/fixture.js';
import {AccountStore} from '../../source/store/accounts.js';
import {QuotaPoller} from '../../source/services/quota/service.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const HOUR = 3600_000;

let tui: TuiHandle | undefined;
let cleanup: (() => unknown) | undefined;
afterEach(async () => {
  tui?.unmount();
  tui = undefined;
  await cleanup?.();
  cleanup = undefined;
});

const lines = (frame: string) => frame.split('\n');
const lineWith = (frame: string, text: string) => lines(frame).find((l) => l.includes(text)) ?? '';
/** The window line right under an account line. */
const windowLineOf = (frame: string, text: string) => lines(frame)[lines(frame).findIndex((l) => l.includes(text)) + 1] ?? '';

test('dashboard at 80 columns: sorted by headroom, ★ on the best account, pace and binding marks, ticking countdowns', async () => {
  const ccs = dashboardCcs(NOW);
  cleanup = ccs.cleanup;
  const clock = new FakeClock(NOW);
  tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'quota', params: {}}, services: {clock, quota: undefined}});
  // The accounts show before the cached numbers load: wait for the numbers, not only the names.
  const frame = await tui.waitFor((f) => f.includes('claude · dave') && f.includes('80% left'));
  if (process.env.DUMP) console.log(frame);
  for (const line of lines(frame)) assert.ok(line.length <= 80, `line wider than 80: ${line}`);
  // Sorted by headroom within the provider: dave (80 %), work (19 %), bob (0 %).
  const order = ['claude · dave', 'claude · work', 'claude · bob', 'codex · carol'].map((t) => frame.indexOf(t));
  assert.deepEqual([...order].sort((a, b) => a - b), order, frame);
  assert.match(lineWith(frame, 'claude · dave'), /★ claude · dave@example\.com\s+80% left ◆week · week lasts until reset\s+2m ago/);
  assert.match(lineWith(frame, 'claude · work'), /\* claude · work\s+19% left ◆week · week runs out in 19h/);
  assert.match(lineWith(frame, 'claude · bob'), /used up/);
  // Work's windows: 5 h at 42 % (under pace), week at 81 % over pace (▲) and binding (◆), opus on the next line.
  const work = windowLineOf(frame, 'claude · work');
  assert.match(work, /5h\s+[█░│]+\s+42%\s+2h 10m/);
  assert.match(work, /week\s+[█░│]+\s+81%▲◆3d|week\s+[█░│]+\s+81%▲◆ 3d/);
  assert.match(lines(frame)[lines(frame).findIndex((l) => l.includes('claude · work')) + 2]!, /week opus\s+[█░│]+\s+30%/);
  // Unknown is drawn as unknown: dots and ?%, never an empty or full bar.
  assert.match(windowLineOf(frame, 'codex · carol'), /week\s+[·│]+\s+\?%/);
  // The countdown ticks without a fetch.
  await clock.advance(60_000);
  await tui.waitFor((f) => /42%\s+2h 9m/.test(windowLineOf(f, 'claude · work')));
});

test('dashboard at 160 columns: wider bars, all of an account\'s windows on one line; NO_COLOR keeps every mark', async () => {
  const ccs = dashboardCcs(NOW);
  cleanup = ccs.cleanup;
  tui = await renderTui({paths: ccs.paths, width: 160, height: 30, env: {NO_COLOR: '1'}, route: {screen: 'quota', params: {}}, services: {clock: new FakeClock(NOW), quota: undefined}});
  const frame = await tui.waitFor('claude · dave');
  const work = windowLineOf(frame, 'claude · work');
  assert.match(work, /5h.*week.*week opus/, 'three windows side by side');
  const bar = /5h\s+([█░│·]+)/.exec(work)![1]!;
  assert.ok(bar.length >= 20, `bar of ${bar.length} cells at 160 columns`);
  assert.match(frame, /★ pool serves next · \* default · ◆ binding window · ▲ over pace/);
  assert.match(work, /81%▲◆/);
  assert.match(lineWith(frame, 'claude · work'), /headroom 19% ◆week · week runs out in 19h/);
  // No colour escapes with NO_COLOR (inverse marks the selection).
  assert.doesNotMatch(tui.rawFrame(), /\u001b\[3[0-7]m|\u001b\[9[0-7]m/);
});

test('the poller fills an empty cache on open, and R refreshes only the selected account now', async () => {
  const fx = await makeQuotaFixture();
  cleanup = fx.close;
  fx.ccs.writeToken('claude-second@example.com.json', tokenFixture('claude', 'second@example.com', {expired: new Date(Date.now() + 30 * 24 * HOUR).toISOString()}));
  fx.serve('claude', {five_hour: {utilization: 12, resets_at: null}, seven_day: {utilization: 34, resets_at: null}});
  const clock = new FakeClock(NOW);
  const store = new AccountStore(fx.ccs.paths);
  const quota = new QuotaPoller({paths: fx.ccs.paths, store, clock});
  tui = await renderTui({paths: fx.ccs.paths, width: 100, height: 30, route: {screen: 'quota', params: {provider: 'claude'}}, services: {clock, quota}});
  // Nothing cached: the poller fetches both accounts at once.
  await tui.waitFor((f) => (f.match(/34%/g) ?? []).length === 2);
  const before = fx.upstream.requests.length;
  fx.serve('claude', {five_hour: {utilization: 56, resets_at: null}, seven_day: {utilization: 78, resets_at: null}});
  await tui.press('R');
  await tui.waitFor(/quota of claude \S+ refreshed/);
  assert.equal(fx.upstream.requests.length, before + 1, 'only the selected account');
  await tui.waitFor('78%');
  quota.stop();
});

test('QuotaSummary: the 5 h and weekly windows in a few columns, unknown as ?%', async () => {
  const {renderToString} = await import('ink');
  const {createElement} = await import('react');
  const {stripAnsi} = await import('../helpers/ink.js');
  const {QuotaSummary, quotaSummaryWidth} = await import('../../source/ui/components/QuotaSummary.js');
  const draw = (props: Parameters<typeof QuotaSummary>[0]) => stripAnsi(renderToString(createElement(QuotaSummary, props), {columns: 80})).trimEnd();
  const windows = [w(NOW, '5h', 42, HOUR, 18000), w(NOW, 'weekly', 81, 84 * HOUR, 604800), w(NOW, 'weekly:opus', 10, HOUR, 604800)];
  const bars = draw({windows: windows as never, now: NOW, barWidth: 4});
  assert.equal(bars, '5h   ██░│  42%   week ██│░  81%▲');
  assert.ok(bars.length <= quotaSummaryWidth(4));
  assert.equal(draw({windows: [w(NOW, '5h', null, null, 18000)] as never, now: NOW, barWidth: 0}), '5h     ?%');
  assert.equal(draw({windows: [], now: NOW}), 'quota ?');
  assert.equal(draw({windows: undefined, now: NOW}), '');
});

test('home at 140 columns: each account row ends with its 5 h and weekly summary; at 80 columns the rows stay as they were', async () => {
  const ccs = dashboardCcs(NOW);
  cleanup = ccs.cleanup;
  tui = await renderTui({paths: ccs.paths, width: 140, height: 30, services: {clock: new FakeClock(NOW)}});
  const frame = await tui.waitFor((f) => /QUOTA/.test(f) && /81%▲/.test(f));
  assert.match(lineWith(frame, 'alice@example.com'), /5h\s+42%\s+week\s+81%▲/);
  assert.match(lineWith(frame, 'bob@example.com'), /5h\s+0%\s+week 100%!/);
  await tui.resize(80, 24);
  const narrow = await tui.waitFor(/work\s+alice@example\.com/);
  assert.doesNotMatch(narrow, /QUOTA|42%/);
});

test('an account whose provider has no quota source is listed as unknown (no quota source), like the CLI', async () => {
  const ccs = dashboardCcs(NOW);
  ccs.writeToken('qwen-q@example.com.json', tokenFixture('qwen', 'q@example.com'));
  cleanup = ccs.cleanup;
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'quota', params: {}}, services: {clock: new FakeClock(NOW), quota: undefined}});
  const frame = await tui.waitFor('qwen · q@example.com');
  assert.match(lineWith(frame, 'qwen · q@example.com'), /unknown \(no quota source\)/);
});

// "quota ?" always says why (issue 13, screens #6): never fetched, fetching…, the last error's short
// cause, no quota source, on the detail screen and the quota screen.
/** The detail screen's Quota row (not the title bar's tab). */
const quotaRow = (frame: string) => frame.split('\n').find((l) => /│\s+Quota\s/.test(l)) ?? '';

test('detail: never fetched and no quota source are said, not a bare ?', async () => {
  const ccs = makeUiCcs();
  ccs.writeToken('qwen-q@example.com.json', tokenFixture('qwen', 'q@example.com'));
  cleanup = ccs.cleanup;
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'detail', params: {provider: 'claude', accountId: 'alice@example.com'}}, services: {quota: undefined}});
  let frame = await tui.waitFor((f) => quotaRow(f) !== '');
  if (process.env.DUMP) console.log(frame);
  assert.match(quotaRow(frame), /Quota\s+\? never fetched \(R reads it\)/);
  tui.unmount();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'detail', params: {provider: 'qwen', accountId: 'q@example.com'}}, services: {quota: undefined}});
  frame = await tui.waitFor((f) => quotaRow(f) !== '');
  assert.match(quotaRow(frame), /Quota\s+\? no quota source for qwen/);
});

test('detail and quota screen: a 401 from the usage endpoint reads "401 re-login", a hanging fetch "fetching…"', async () => {
  const fx = await makeQuotaFixture();
  cleanup = fx.close;
  fx.serve('claude', {error: 'unauthorized'}, 401);
  const store = new AccountStore(fx.ccs.paths);
  const quota = new QuotaPoller({paths: fx.ccs.paths, store});
  tui = await renderTui({paths: fx.ccs.paths, width: 100, height: 30, route: {screen: 'detail', params: {provider: 'claude', accountId: 'user@example.com'}}, services: {quota}});
  const frame = await tui.waitFor((f) => /Quota\s+\? 401 re-login/.test(f));
  assert.doesNotMatch(quotaRow(frame), /never fetched/);
  tui.unmount();
  tui = await renderTui({paths: fx.ccs.paths, width: 100, height: 30, route: {screen: 'quota', params: {provider: 'claude'}}, services: {quota}});
  await tui.waitFor((f) => /^\s+\? 401 re-login/m.test(f));
  quota.stop();
});

test('detail: while the usage request hangs the row says fetching…', async () => {
  const fx = await makeQuotaFixture();
  const {createServer} = await import('node:http');
  // A usage endpoint that accepts the request and never answers.
  const sockets = new Set<import('node:net').Socket>();
  const hang = createServer(() => undefined);
  hang.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
  const port = (hang.address() as import('node:net').AddressInfo).port;
  fx.ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {usage: `http://127.0.0.1:${port}/usage`}}}));
  const quota = new QuotaPoller({paths: fx.ccs.paths, store: new AccountStore(fx.ccs.paths)});
  cleanup = async () => {
    quota.stop();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => hang.close(resolve));
    await fx.close();
  };
  tui = await renderTui({paths: fx.ccs.paths, width: 100, height: 30, route: {screen: 'detail', params: {provider: 'claude', accountId: 'user@example.com'}}, services: {quota}});
  await tui.waitFor((f) => /Quota\s+\? fetching…/.test(f));
});

test('home at 140 columns: a row whose quota read failed says why in its QUOTA cell', async () => {
  const fx = await makeQuotaFixture();
  cleanup = fx.close;
  fx.serve('claude', {error: 'unauthorized'}, 401);
  const quota = new QuotaPoller({paths: fx.ccs.paths, store: new AccountStore(fx.ccs.paths)});
  tui = await renderTui({paths: fx.ccs.paths, width: 140, height: 30, services: {quota}});
  await tui.waitFor('QUOTA');
  await tui.press('l');
  const frame = await tui.waitFor((f) => /user@example\.com.*\? 401 re-login/.test(f));
  assert.doesNotMatch(frame, /quota \?/);
  quota.stop();
});

test('★ is on the account the pool serves next: the default with the most room, not the best of the others', async () => {
  const ccs = makeUiCcs();
  cleanup = ccs.cleanup;
  // A newcomer's pool: work (alice, the default) has 70 % of its 5 hours left, bob 8 %.
  const {writeQuotaCache} = await import('../helpers/quota.js');
  writeQuotaCache(ccs, new Date(NOW - 60_000), {claude: {'alice@example.com': [w(NOW, '5h', 30, 2 * HOUR, 18000)], 'bob@example.com': [w(NOW, '5h', 92, 2 * HOUR, 18000)]}});
  tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'quota', params: {}}, services: {clock: new FakeClock(NOW), quota: undefined}});
  const frame = await tui.waitFor((f) => f.includes('claude · work') && f.includes('70% left') && f.includes('8% left'));
  assert.match(lineWith(frame, 'claude · work'), /★ claude · work/, frame);
  assert.doesNotMatch(lineWith(frame, 'claude · bob'), /★/, frame);
  // One account serves alone: no mark to tell it apart from others.
  assert.doesNotMatch(lineWith(frame, 'codex · carol'), /★/, frame);
  assert.match(frame, /★ pool serves next · \* default/);
});

test('★ is never an account whose quota is unknown while one with known room can serve', async () => {
  const ccs = makeUiCcs();
  cleanup = ccs.cleanup;
  // work (the default) has known room; bob's quota was never read (an API-key account has none to read).
  const {writeQuotaCache} = await import('../helpers/quota.js');
  writeQuotaCache(ccs, new Date(NOW - 60_000), {claude: {'alice@example.com': [w(NOW, '5h', 30, 2 * HOUR, 18000), w(NOW, 'weekly', 40, 84 * HOUR, 604800)]}});
  tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'quota', params: {}}, services: {clock: new FakeClock(NOW), quota: undefined}});
  const frame = await tui.waitFor((f) => f.includes('claude · work') && f.includes('60% left'));
  assert.match(lineWith(frame, 'claude · bob'), /^\S*\s*claude · bob/);
  assert.doesNotMatch(lineWith(frame, 'claude · bob'), /★/, frame);
  assert.match(lineWith(frame, 'claude · work'), /★ claude · work/, 'the pool serves the default, whose room is known');
});

test('C on this machine ends the local proxy\'s stored wait of the selected account (quota screen as accounts screen): its row is ok again', async () => {
  const ccs = makeUiCcs();
  cleanup = ccs.cleanup;
  await new AccountStore(ccs.paths).setCooldown('claude', 'alice@example.com', {until: new Date(Date.now() + 3600_000).toISOString(), kind: 'quota', reason: 'usage limit reached', met: new Date(Date.now() - 1000).toISOString()});
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor(/work\s+alice@example\.com\s+⏳ cooldown/);
  await tui.press('2');
  await tui.waitFor('claude · work');
  await tui.press('C');
  // It said nothing at all on the quota screen (never handled there), and locally only "no server cooldown".
  await tui.waitFor('ended the wait of claude work: a proxy started now tries it at once');
  const stored = (await new AccountStore(ccs.paths).load()).accounts.find((a) => a.id === 'alice@example.com');
  assert.ok(!stored?.coolingUntil || Date.parse(stored.coolingUntil) <= Date.now(), `stored wait ended: ${stored?.coolingUntil}`);
  await tui.press('1');
  await tui.waitFor(/work\s+alice@example\.com\s+ok/);
});
