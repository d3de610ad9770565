// `s` and `S` on the accounts screen when what they would serve is resting. `s` on an account whose
// quota is used up (by the quota cache) asks first, naming when it resets and `S` (the pool); No
// starts nothing. `S` on a pool whose every usable account is cooling down or used up starts (the
// cache may be behind, the proxy still tries) and says so beside the start, with when the first is
// back; a pool with one free account says nothing more. Found by a newcomer whose `S` started
// without a word and whose first request got a 429.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';
import {builtinServeArgs} from '../../source/services/proxy/launch.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadSettings} from '../../source/store/settings.js';
import {binPath} from '../helpers/cli.js';
import {makeUiCcs} from './fixtures.js';
import {CLOCK_MINUTE, CLOCK_SECOND} from '../helpers/clock-text.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let supervisor: ProxySupervisor | undefined;
afterEach(async () => {
  [tui, ccs] = cleanUp(tui, ccs);
  await supervisor?.dispose();
  supervisor = undefined;
});

const HOUR = 3600_000;
const flat = (frame: string) => frame.replace(/\s+/g, ' ');

/** The accounts screen over makeUiCcs (claude alice "work" and bob), quota cached as given, with a supervisor that starts the real proxy. */
async function open(quota: Record<string, unknown[]>, cooling?: {id: string; untilMs: number}): Promise<TuiHandle> {
  ccs = makeUiCcs();
  writeQuotaCache(ccs, new Date(), {claude: quota});
  if (cooling) await new AccountStore(ccs.paths).setCooldown('claude', cooling.id, {until: new Date(Date.now() + cooling.untilMs).toISOString(), kind: 'quota', reason: 'usage limit reached'});
  const {settings} = await loadSettings(ccs.paths);
  supervisor = new ProxySupervisor({paths: ccs.paths, settings, env: ccs.env, command: (target) => ({file: process.execPath, args: [binPath, ...builtinServeArgs({...target, port: 0})], kind: 'builtin'})});
  tui = await renderTui({paths: ccs.paths, width: 170, height: 30, services: {proxy: supervisor}});
  await tui.waitFor('alice@example.com');
  return tui;
}

test('s on an account whose week is used up asks, naming the reset and S; No serves nothing', async () => {
  const now = Date.now();
  // Used up twice: the week, which resets last, is the one named.
  const tui = await open({'alice@example.com': [quotaWindowFixture(now, '5h', 100, 2 * HOUR, 18_000), quotaWindowFixture(now, 'weekly', 100, 50 * HOUR, 604_800)]});
  await tui.press('l');
  await tui.waitFor(/›.*alice/);
  await tui.press('s');
  let frame = flat(await tui.waitFor('Serve anyway?'));
  assert.match(frame, /claude work has used up its week quota \(resets in 2d 2h \(until [^)]+\)\): served alone, its requests would likely be refused until then; S serves the claude pool instead\. Serve anyway\? \[y\/N\]/, frame);
  await tui.press('n');
  frame = flat(await tui.waitFor('not served'));
  assert.match(frame, /not served: claude work has used up its week quota/);
  assert.equal(supervisor!.current.phase, 'stopped', 'nothing started');
});

test('s on such an account, Yes: it is served', async () => {
  const tui = await open({'alice@example.com': [quotaWindowFixture(Date.now(), '5h', 100, 2 * HOUR, 18_000)]});
  await tui.press('l');
  await tui.waitFor(/›.*alice/);
  await tui.press('s');
  assert.match(flat(await tui.waitFor('Serve anyway?')), /has used up its 5h quota \(resets in 2h \(until/);
  await tui.press('y');
  await tui.waitFor(/proxy running on port \d+ for claude \/ work/, 15_000);
  assert.equal(supervisor!.current.phase, 'running');
});

test('s on an account cooling down after a limit asks with the pool as the way out, not a login (no login ends a cooldown)', async () => {
  const tui = await open({}, {id: 'bob@example.com', untilMs: 30 * 60_000});
  await tui.press('l', 'j');
  await tui.waitFor(/›.*bob@example\.com/);
  await tui.press('s');
  const frame = flat(await tui.waitFor('Serve anyway?'));
  assert.match(frame, /claude bob@example\.com is cooling down .* \(usage limit reached\): served alone, its requests would be refused until then; S serves the claude pool instead\. Serve anyway\?/, frame);
  assert.doesNotMatch(frame, /L logs in again/);
  await tui.press('n');
  assert.equal(supervisor!.current.phase, 'stopped');
});

test('s on a cooling account when the rest of the pool rests too: the way out is the wait, not S', async () => {
  const tui = await open({'alice@example.com': [quotaWindowFixture(Date.now(), '5h', 100, 2 * HOUR, 18_000)]}, {id: 'bob@example.com', untilMs: 30 * 60_000});
  await tui.press('l', 'j');
  await tui.waitFor(/›.*bob@example\.com/);
  await tui.press('s');
  const frame = flat(await tui.waitFor('Serve anyway?'));
  assert.match(frame, /; the pool rests too \(all 2 usable claude accounts are cooling down or used up: the first is back in (?:30m|29m \d+s) \(until [^)]+\)\)\. Serve anyway\?/, frame);
  assert.doesNotMatch(frame, /S serves the claude pool/);
  await tui.press('n');
});

test('S on a pool whose accounts are one used up, one cooling: started, and the status says when the first is back', async () => {
  const tui = await open({'alice@example.com': [quotaWindowFixture(Date.now(), '5h', 100, 2 * HOUR, 18_000)]}, {id: 'bob@example.com', untilMs: 30 * 60_000});
  // The pane's title says it before any key: none can serve now, and until when (a clock time: no frame a minute).
  await tui.waitFor(new RegExp(String.raw`Claude accounts \(2\) · none free until ${CLOCK_MINUTE} · 1 cooling down`));
  await tui.press('S');
  const frame = flat(await tui.waitFor(/proxy running on port \d+ for claude/, 15_000));
  // The wait first: a status line cut at the terminal's width keeps it (the proxy screen shows the port;
  // the line's end is cut when the wait's end is tomorrow and carries its date).
  assert.match(frame, new RegExp(String.raw`all 2 usable claude accounts are cooling down or used up: the first is back in (?:30m|29m \d+s) \(until ${CLOCK_SECOND}\); proxy running on port \d+ for claude`), frame);
});

test('S on a pool with one account free: started, no note', async () => {
  const tui = await open({'alice@example.com': [quotaWindowFixture(Date.now(), '5h', 100, 2 * HOUR, 18_000)], 'bob@example.com': [quotaWindowFixture(Date.now(), '5h', 40, 2 * HOUR, 18_000)]});
  await tui.waitFor(/Claude accounts \(2\) · ok/);
  assert.doesNotMatch(tui.frame(), /none free/);
  await tui.press('S');
  const frame = flat(await tui.waitFor(/proxy running on port \d+ for claude/, 15_000));
  assert.doesNotMatch(frame, /usable claude account|back in/);
});

// Newcomer (s40): S on a provider with no account started a proxy serving "pool of 0" without a word.
test('S on a provider with no account: started (one added is picked up), and the status says every request gets a 503 until then', async () => {
  const tui = await open({});
  await tui.press('j', 'j');
  await tui.waitFor(/Gemini accounts \(0\)/);
  await tui.press('S');
  const frame = flat(await tui.waitFor(/proxy running on port \d+ for gemini/, 15_000));
  assert.match(frame, /no gemini account yet: requests get 503 until one can \(a adds one\); proxy running on port \d+ for gemini/, frame);
});
