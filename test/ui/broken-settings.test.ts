// The TUI on a broken tui.json: the banner and `M` name the file, its line:col and what waits; the
// quota poller sends nothing to the gateway the file named (nor, with the defaults, to the public
// host: the loopback guard names any), and polls again once the file is fixed. Breaking the file
// while the TUI runs shows the same.
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, rmSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {guardLoopback} from '../helpers/loopback-guard.js';
import {makeQuotaFixture} from '../services/quota/fixture.js';
import {AccountStore} from '../../source/store/accounts.js';
import {QuotaPoller} from '../../source/services/quota/service.js';
import {makeUiCcs} from './fixtures.js';

let tui: TuiHandle | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  tui?.unmount();
  tui = undefined;
  await cleanup?.();
  cleanup = undefined;
});

const flat = (frame: string) => frame.replace(/[\s│]+/g, ' ');

/**
 * The quota screen over a quota fixture whose tui.json `breakSettings` makes unusable, with the poller
 * following tui.json as app-services.ts wires it (renderTui's own poller is replaced); the loopback
 * guard names any request that leaves 127.0.0.1.
 */
async function quotaScreenOn(breakSettings: (fx: Awaited<ReturnType<typeof makeQuotaFixture>>) => void) {
  const fx = await makeQuotaFixture();
  const guard = guardLoopback();
  const working = readFileSync(fx.ccs.paths.settings, 'utf8');
  fx.serve('claude', {five_hour: {utilization: 12, resets_at: null}, seven_day: {utilization: 34, resets_at: null}});
  breakSettings(fx);
  const quota = new QuotaPoller({paths: fx.ccs.paths, store: new AccountStore(fx.ccs.paths)});
  cleanup = async () => {
    quota.stop();
    guard.restore();
    await fx.close();
  };
  tui = await renderTui({paths: fx.ccs.paths, width: 140, height: 30, route: {screen: 'quota', params: {provider: 'claude'}}, services: {quota}});
  tui.services.settings.subscribe(({settings}) => quota.updateSettings(settings));
  return {fx, guard, working, tui};
}

test('a broken tui.json: banner and M say it, no quota read goes out until it is fixed', async () => {
  const {fx, guard, working, tui} = await quotaScreenOn((made) => made.ccs.writeRaw('tui.json', '{"endpoints": {'));
  // The banner: the file relative to the CCS dir, its position and what waits.
  const banner = /^(?!.*unexpected).*tui\.json:1:16: invalid JSON \(Expected property name or '\}'\); no token is sent/m;
  await tui.waitFor((f) => banner.test(f));
  await tui.press('M');
  const messages = flat(await tui.waitFor('Messages, newest first'));
  assert.match(messages, /error: tui\.json:1:16: invalid JSON \(Expected property name or '\}'\); no token is sent to any provider until it is fixed \(its endpoint overrides are unknown\): quota reads, token refreshes, live model lists, logins and the proxy wait/);
  // Where the broken version is kept, and that copies do not pile up (store/files.ts CORRUPT_COPIES).
  assert.match(messages, /\(copy: \S*tui\.json\.corrupt-[0-9a-f]{8}; only the newest 5 broken versions are kept\)/);
  await tui.press('escape');
  // The account says why its numbers do not move, briefly (the banner and M say where): no path, no `unexpected:`.
  const frame = await tui.waitFor(/user@example\.com {2}! quota polls paused until tui\.json is fixed \(M shows why\)$/m);
  assert.doesNotMatch(frame, /unexpected/);
  const rows = frame.split('\n').filter((line) => line.includes('user@example.com'));
  assert.ok(rows.length > 0 && rows.every((line) => !line.includes(fx.ccs.paths.root)), rows.join('\n'));
  assert.deepEqual(fx.upstream.requests.map((r) => r.path), []);
  assert.deepEqual(guard.blocked, []);

  // Fixed: the banner goes, the poller asks the gateway the file names.
  fx.ccs.writeRaw('tui.json', working);
  await tui.waitFor((f) => !/invalid JSON/.test(f) && /12%/.test(f), 8000);
  assert.deepEqual(fx.upstream.requests.map((r) => r.path), ['/claude/usage']);

  // Broken while it runs: said again, nothing more sent.
  fx.ccs.writeRaw('tui.json', '{\n  "endpoints": {\n');
  await tui.waitFor((f) => /^(?!.*unexpected).*tui\.json:3:1: invalid JSON/m.test(f), 8000);
  await tui.press('R');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(fx.upstream.requests.map((r) => r.path), ['/claude/usage']);
  assert.deepEqual(guard.blocked, []);
});

test('a tui.json that cannot be read at all (a directory): the TUI starts and its banner says so, as for a file that does not parse; no quota read goes out', async () => {
  // Before, the TUI stopped at its first frame: "unexpected error: CorruptFileError: …tui.json: is a directory, not a file".
  const {fx, guard, tui} = await quotaScreenOn((made) => (rmSync(made.ccs.paths.settings), mkdirSync(made.ccs.paths.settings)));
  const frame = await tui.waitFor((f) => /^(?!.*unexpected).*tui\.json: is a directory, not a file; no token is sent/m.test(f));
  assert.match(frame, /user@example\.com/);
  await tui.press('R');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(fx.upstream.requests.map((r) => r.path), []);
  assert.deepEqual(guard.blocked, []);
});

test('a tui.json setting of the wrong kind: the TUI starts, its banner warns naming the field, `r` rotates on the default strategy, quota reads go on', async () => {
  const ccs = makeUiCcs();
  cleanup = async () => ccs.cleanup();
  const text = '{"quota": [], "rotation": {"strategy": "roundrobin"}}';
  ccs.writeRaw('tui.json', text);
  tui = await renderTui({paths: ccs.paths, env: {HOME: ccs.env.HOME!}, width: 220, height: 30});
  const frame = await tui.waitFor('alice@example.com');
  await tui.waitFor((f) => /tui\.json: "rotation\.strategy" must be one of most-headroom, fill-first, round-robin \(it is "roundrobin"\); "quota" must be an object \(it is an array\); those settings are their defaults/.test(flat(f)));
  assert.doesNotMatch(frame, /unexpected|TypeError|Cannot read|no token is sent/);
  await tui.press('r');
  const rotated = await tui.waitFor(/default work → bob@example\.com/);
  assert.doesNotMatch(rotated, /no other usable|unexpected|TypeError/);
  // The quota screen too: its staleness reads the defaults.
  await tui.press('2');
  await tui.waitFor((f) => /Quota · @local/.test(f));
  assert.doesNotMatch(tui.frame(), /unexpected|TypeError|Cannot read|wait until tui\.json is fixed/);
  assert.equal(readFileSync(ccs.paths.settings, 'utf8'), text);
});
