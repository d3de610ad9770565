// An error about the one account the proxy serves alone (pinned), on the TUI's proxy screen: its way
// out names the TUI's keys (s or e pinned it, p resumes it, S serves the pool), never the command
// line's `--account` or `ccs-tui run`. The real proxy child under the real supervisor, a fake upstream.
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {serveOnRunningProxy} from '../../source/services/proxy/control.js';
import {runBin} from '../helpers/cli.js';
import {tokenFixture} from '../helpers/ccs.js';
import {waitForState} from '../helpers/wait.js';
import {askClaude, stopSupervised, supervisedProxy, type SupervisedProxy} from './supervised-proxy.js';

const API_KEY = 'pinned-keys-key-0123456789abcdef';

const started: Partial<SupervisedProxy> & {tui?: TuiHandle} = {};
afterEach(() => stopSupervised(started));

/** The proxy screen of a TUI whose proxy child runs and serves alice@example.com (work) alone. */
async function proxyScreenServingWork() {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 200, height: 40, route: {screen: 'proxy', params: {provider: 'claude'}}, services: {proxy: supervisor}}));
  await tui.press('s');
  await tui.waitFor('● running', 15_000);
  await serveOnRunningProxy(ccs.paths, supervisor.current.port!, 'claude', 'alice@example.com');
  await tui.waitFor(/Serving\s+claude \/ work\s/, 5000);
  return {ccs, supervisor, tui};
}

test('the pinned account paused: the proxy screen says which keys help (p resumes it, S serves the pool), never --account', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 200, height: 40, route: {screen: 'proxy', params: {provider: 'claude'}}, services: {proxy: supervisor}}));
  await tui.press('s');
  await tui.waitFor('● running', 15_000);
  const port = supervisor.current.port!;
  await serveOnRunningProxy(ccs.paths, port, 'claude', 'alice@example.com');
  await tui.waitFor(/Serving\s+claude \/ work\s/, 5000);
  assert.equal((await runBin(['pause', 'claude', 'alice@example.com'], ccs.env)).code, 0);
  const res = await askClaude(port, API_KEY);
  // The client reads the command line's words (it may be any program, started anywhere).
  assert.equal(res.status, 503);
  assert.match(await res.text(), /is paused \(pinned by --account, ccs-tui run or the TUI; resume it: ccs-tui resume claude work/);
  // The Error row (the 503's event), not the Serving row's line the status poll may bring first.
  const frame = await tui.waitFor(/error: Claude account work, which this proxy serves alone, is paused/, 5000);
  assert.match(frame, /error: Claude account work, which this proxy serves alone, is paused \(r on the proxy screen moves the pin; p on the accounts screen: resume it; or S there: serve the claude pool\)/);
  assert.doesNotMatch(frame, /--account|ccs-tui (run|resume)/);
});

test('s on a paused account says it is paused and how to resume it; no proxy starts', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  assert.equal((await runBin(['pause', 'claude', 'bob@example.com'], ccs.env)).code, 0);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 160, height: 40, services: {proxy: supervisor}}));
  await tui.waitFor(/bob@example\.com/, 5000);
  await tui.press('l');
  await tui.press('j');
  await tui.waitFor(/›.*bob@example\.com/, 5000);
  await tui.press('s');
  const frame = await tui.waitFor(/is paused: p resumes it, then s serves it/, 5000);
  assert.match(frame, /claude bob@example\.com is paused: p resumes it, then s serves it/);
  assert.equal(supervisor.current.phase, 'stopped', 'no proxy was started for it');
});

test('the account the proxy served alone was removed: s on the proxy screen serves the pool and says so (it failed on --account at every press)', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 200, height: 40, route: {screen: 'proxy', params: {provider: 'claude', accountId: 'alice@example.com'}}, services: {proxy: supervisor}}));
  // Named as the screens name it (its nickname), not by the id it was asked with.
  await tui.waitFor(/Serving\s+nothing \(s serves claude \/ work\)/, 5000);
  assert.equal((await runBin(['remove', 'claude', 'alice@example.com', '--yes'], ccs.env)).code, 0);
  // Before the press, the row already says what s will do instead.
  await tui.waitFor(/Serving\s+nothing \(s serves the claude pool: alice@example\.com, served alone before, was removed\)/, 5000);
  await tui.press('s');
  const frame = await tui.waitFor(/was removed: the claude pool instead/, 15_000);
  assert.match(frame, /proxy running on port \d+ for claude \(for root-URL clients too\) \(claude alice@example\.com was removed: the claude pool instead\)/);
  assert.equal(supervisor.current.phase, 'running');
  assert.equal(supervisor.current.target?.account, undefined, 'the pool, no account named');
  assert.equal((await askClaude(supervisor.current.port!, API_KEY)).status, 200, 'bob serves');
});

test('the account the proxy served alone was paused: s on the proxy screen says how to resume it or serve the pool; no proxy starts', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  assert.equal((await runBin(['pause', 'claude', 'alice@example.com'], ccs.env)).code, 0);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 200, height: 40, route: {screen: 'proxy', params: {provider: 'claude', accountId: 'alice@example.com'}}, services: {proxy: supervisor}}));
  await tui.waitFor(/Serving\s+nothing \(claude \/ work is paused: s starts nothing until p on the accounts screen resumes it\)/, 5000);
  await tui.press('s');
  const frame = await tui.waitFor(/which the proxy served alone, is paused/, 5000);
  assert.match(frame, /claude work, which the proxy served alone, is paused: p on the accounts screen resumes it; S on the accounts screen serves the claude pool/, 'named by its nickname, as the screens name it');
  assert.doesNotMatch(frame, /--account/);
  assert.equal(supervisor.current.phase, 'stopped');
});

test('s on the proxy screen for an account asked by its email says the start with the name the screens give it (its nickname)', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 200, height: 40, route: {screen: 'proxy', params: {provider: 'claude', accountId: 'alice@example.com'}}, services: {proxy: supervisor}}));
  await tui.press('s');
  const frame = await tui.waitFor(/proxy running on port \d+ for claude \/ /, 15_000);
  assert.match(frame, /proxy running on port \d+ for claude \/ work /);
});

test('stopped after a run, the Serving row says what s serves again (the last target, by its nickname); with no run yet, every provider', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 200, height: 40, route: {screen: 'proxy', params: {}}, services: {proxy: supervisor}}));
  await tui.waitFor(/Serving\s+nothing \(s serves every provider, picked by the model asked for\)/, 5000);
  await supervisor.start({provider: 'claude', account: 'alice@example.com'});
  await tui.waitFor(/Serving\s+claude \/ work\s/, 15_000);
  await tui.press('x');
  await tui.waitFor(/Serving\s+nothing \(s serves claude \/ work\)/, 10_000);
  await tui.press('s');
  await tui.waitFor(/proxy running on port \d+ for claude \/ work /, 15_000);
  assert.equal(supervisor.current.target?.account, 'alice@example.com');
});

test('p and d on the account the running proxy serves alone say so (it answers 503 after), and the paused account loses its ★', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  await supervisor.start({provider: 'claude', account: 'alice@example.com'});
  await waitForState(supervisor, (s) => s.phase === 'running' && s.pinned === true, 15_000);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 200, height: 40, services: {proxy: supervisor}}));
  await tui.waitFor(/★\s*work\s+alice@example\.com/, 15_000);
  await tui.press('l');
  await tui.waitFor(/›★?\s*work\s+alice@example\.com/, 5000);
  await tui.press('p');
  // Asked first (as d asks): paused, the proxy would refuse every request.
  await tui.waitFor(/The running proxy serves work alone: paused, it answers every request 503\. Pause it\?/, 5000);
  await tui.press('n');
  await tui.waitFor(/work not paused/, 5000);
  await tui.press('p');
  await tui.waitFor(/Pause it\?/, 5000);
  await tui.press('y');
  const paused = await tui.waitFor(/work paused/, 5000);
  assert.match(paused, /work paused.*; the running proxy serves it alone and answers 503 \(S serves the claude pool\) until it is resumed/);
  const row = paused.split('\n').find((line) => line.includes('alice@example.com')) ?? '';
  assert.doesNotMatch(row, /★/, 'a paused account is served next by no one');
  await tui.press('d');
  const asked = await tui.waitFor(/Remove claude account work\?/, 5000);
  assert.match(asked, /and the running proxy serves it alone\./);
});

test('p asks about the account the proxy serves alone after it was renamed (followed by its id, not the name it was started with)', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  await supervisor.start({provider: 'claude', account: 'work'});
  await waitForState(supervisor, (s) => s.phase === 'running' && s.pinned === true && s.pinnedAccountId !== undefined, 15_000);
  assert.equal((await runBin(['rename', 'claude', 'alice@example.com', 'job'], ccs.env)).code, 0);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 200, height: 40, services: {proxy: supervisor}}));
  await tui.waitFor(/job\s+alice@example\.com/, 15_000);
  await tui.press('l');
  await tui.waitFor(/›★?\s*job\s+alice@example\.com/, 5000);
  await tui.press('p');
  await tui.waitFor(/The running proxy serves job alone: paused, it answers every request 503\. Pause it\?/, 5000);
  await tui.press('n');
  await tui.waitFor(/job not paused/, 5000);
});

test('★ stays off every account once the one the proxy serves alone is paused, then removed (a third account is no stand-in)', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  ccs.writeToken('claude-carol.json', tokenFixture('claude', 'carol@example.com'));
  await supervisor.start({provider: 'claude', account: 'alice@example.com'});
  await waitForState(supervisor, (s) => s.phase === 'running' && s.pinned === true, 15_000);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 200, height: 40, services: {proxy: supervisor}}));
  const starred = (frame: string) => frame.split('\n').filter((line) => line.includes('★') && line.includes('@example.com'));
  await tui.waitFor(/★\s*work\s+alice@example\.com/, 15_000);
  await tui.press('l');
  await tui.waitFor(/›★?\s*work\s+alice@example\.com/, 5000);
  await tui.press('p');
  await tui.waitFor(/Pause it\?/, 5000);
  await tui.press('y');
  await tui.waitFor(/work paused/, 5000);
  // A request makes the proxy report again what it serves: the account it was pinned to, by its id.
  assert.equal((await askClaude(supervisor.current.port!, API_KEY)).status, 503);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.deepEqual(starred(tui.frame()), [], 'after p');
  await tui.press('d');
  await tui.waitFor(/Remove claude account work\?/, 5000);
  await tui.press('y');
  await tui.waitFor(/removed claude account/, 5000);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.deepEqual(starred(tui.frame()), [], 'after d');
});

test('ccs-tui pause and remove from a shell say so too when the running proxy serves that account alone; not for another account', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  await supervisor.start({provider: 'claude', account: 'alice@example.com'});
  await waitForState(supervisor, (s) => s.phase === 'running' && s.pinned === true, 15_000);
  const other = await runBin(['pause', 'claude', 'bob@example.com'], ccs.env);
  assert.equal(other.code, 0, other.stderr);
  assert.doesNotMatch(other.stdout, /serves it alone/);
  const paused = await runBin(['pause', 'claude', 'alice@example.com'], ccs.env);
  assert.equal(paused.code, 0, paused.stderr);
  assert.match(paused.stdout, new RegExp(`paused work.*; the running proxy \\(pid ${supervisor.current.pid}, port ${supervisor.current.port}\\) serves it alone and answers 503 until it is resumed: ccs-tui proxy switch --provider claude serves the claude pool`));
  const removed = await runBin(['remove', 'claude', 'alice@example.com', '--yes'], ccs.env);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /removed work.*; the running proxy \(pid \d+, port \d+\) serves it alone and answers 503: ccs-tui proxy switch --provider claude serves the claude pool/);
});

test('the account the running proxy serves alone is removed: the proxy screen says so under Serving before any request meets the 503, with the TUI\'s way out', async () => {
  const {ccs, supervisor, tui} = await proxyScreenServingWork();
  assert.doesNotMatch(tui.frame(), /requests get a 503/);
  assert.equal((await runBin(['remove', 'claude', 'alice@example.com', '--yes'], ccs.env)).code, 0);
  const frame = await tui.waitFor(/requests get a 503/, 10_000);
  assert.match(frame, /Serving\s+claude \/ work\s/, 'named as it was known, not by its id');
  assert.match(frame.replace(/[│┃]/g, ' ').replace(/\s+/g, ' '), /! requests get a 503: Claude account work, which this proxy serves alone, is gone \(removed, or its token file moved\) \(r on the proxy screen moves the pin; a on the accounts screen: log in again; or S there: serve the claude pool\)/);
  assert.doesNotMatch(frame, /--account|ccs-tui (run|login)/);
  assert.equal(supervisor.current.totalRequests ?? 0, 0, 'said before any request');
  // `proxy status` says it too, in the command line's words.
  const status = await runBin(['proxy', 'status'], ccs.env);
  assert.match(status.stdout, /^cannot serve: Claude account work, which this proxy serves alone, is gone \(removed, or its token file moved\) \(pinned by --account, ccs-tui run or the TUI; log in again: ccs-tui login claude; or serve the claude pool instead: ccs-tui proxy switch --provider claude\); requests get a 503$/m);
  const json = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {cannotServe: string | null};
  assert.match(json.cannotServe ?? '', /^Claude account work, which this proxy serves alone, is gone/);
});

test('r on a proxy serving one account alone moves the pin and says the next one serves alone (not "first", a pool\'s word)', async () => {
  const {ccs, supervisor, tui} = await proxyScreenServingWork();
  await tui.press('r');
  const frame = await tui.waitFor(/rotated: claude now serves \S+ (alone|first)/, 5000);
  assert.match(frame, /rotated: claude now serves \S+ alone/);
});
