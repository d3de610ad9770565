// R on a provider (no account selected) reads every account's quota now, and says how it went: a
// read that failed is never reported as refreshed (it said "quota of 2 claude accounts refreshed"
// while every read had failed).
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {QuotaPoller} from '../../source/services/quota/service.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {FakeClock} from '../helpers/fake-clock.js';
import {sendJson, startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import {quotaToken} from '../services/quota/fixture.js';

const statusLine = (frame: string) => frame.split('\n').at(-2) ?? '';
let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** Two Claude accounts whose usage endpoint answers `answer(email)`: a status, or 200 with numbers. */
async function twoAccounts(answer: (email: string) => number): Promise<{tui: TuiHandle; upstream: FakeUpstream}> {
  const tokens = {'alice@example.com': quotaToken('claude', 'alice@example.com'), 'bob@example.com': quotaToken('claude', 'bob@example.com')};
  const upstream = await startFakeUpstream((req, res) => {
    const email = Object.entries(tokens).find(([, t]) => req.headers.authorization === `Bearer ${t.access_token}`)?.[0] ?? '';
    const status = answer(email);
    if (status === 200) return sendJson(res, 200, {five_hour: {utilization: 12, resets_at: null}, seven_day: {utilization: 34, resets_at: null}});
    sendJson(res, status, {error: {type: 'api_error', message: 'upstream is down'}});
  });
  const ccs: TempCcs = makeTempCcs();
  for (const [email, token] of Object.entries(tokens)) ccs.writeToken(`claude-${email}.json`, token);
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {usage: `${upstream.url}/usage`}}}));
  const clock = new FakeClock(Date.now());
  const quota = new QuotaPoller({paths: ccs.paths, store: new AccountStore(ccs.paths), clock});
  const tui = await renderTui({paths: ccs.paths, width: 200, height: 30, services: {clock, quota}});
  cleanups.push(() => upstream.close(), () => ccs.cleanup(), () => tui.unmount(), () => quota.stop());
  await tui.waitFor('Claude accounts');
  return {tui, upstream};
}

test('R on the provider, every read fails: an error naming an account and why, not "refreshed"', async () => {
  const {tui, upstream} = await twoAccounts(() => 500);
  await tui.waitFor(() => upstream.requests.length >= 2);
  const before = upstream.requests.length;
  await tui.press('R');
  const frame = await tui.waitFor((f) => /quota of 2 claude accounts not refreshed/.test(statusLine(f)));
  assert.match(statusLine(frame), /error: quota of 2 claude accounts not refreshed; (alice|bob)@example\.com: 127\.0\.0\.1:\d+\/usage answered 500: .*upstream is down.* \(and 1 more\)/);
  assert.equal(upstream.requests.length, before + 2, 'both asked now');
});

test('R on the provider, one read fails: how many were read, and the one that was not', async () => {
  const {tui} = await twoAccounts((email) => (email === 'bob@example.com' ? 503 : 200));
  await tui.press('R');
  const frame = await tui.waitFor((f) => /quota of 1 of 2 claude accounts refreshed/.test(statusLine(f)));
  assert.match(statusLine(frame), /error: quota of 1 of 2 claude accounts refreshed, 1 not; bob@example\.com: 127\.0\.0\.1:\d+\/usage answered 503: .*upstream is down/);
  assert.doesNotMatch(statusLine(frame), /and \d+ more/);
});

test('R on the provider, every read works: "refreshed"', async () => {
  const {tui} = await twoAccounts(() => 200);
  await tui.press('R');
  const frame = await tui.waitFor((f) => /quota of 2 claude accounts refreshed/.test(statusLine(f)));
  assert.doesNotMatch(statusLine(frame), /error/);
});
