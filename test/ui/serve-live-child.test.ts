// `s` / `S` on the accounts screen while the TUI's own built-in proxy runs: switched to the new
// target live, as a proxy started elsewhere is (same process, same port), so an agent's requests
// under way go on; it used to stop the child and start another. A crash afterwards restarts it on
// the new target. Every provider (a start with none named) and the CLIProxyAPI binary still restart.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {builtinServeArgs} from '../../source/services/proxy/launch.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {readRunningProxy} from '../../source/services/proxy/pid-file.js';
import {loadSettings} from '../../source/store/settings.js';
import {binPath} from '../helpers/cli.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let supervisor: ProxySupervisor | undefined;
afterEach(async () => {
  [tui, ccs] = cleanUp(tui, ccs);
  await supervisor?.dispose();
  supervisor = undefined;
});

/** A supervisor whose child is the built proxy on any free port. */
async function childSupervisor(dir: TempCcs): Promise<ProxySupervisor> {
  const {settings} = await loadSettings(dir.paths);
  return new ProxySupervisor({paths: dir.paths, settings, env: dir.env, command: (target) => ({file: process.execPath, args: [binPath, ...builtinServeArgs({...target, port: 0})], kind: 'builtin'})});
}

const flat = (frame: string) => frame.replace(/\s+/g, ' ');

test('S starts the child; s on bob then switches it live: same pid and port, the record and the proxy screen say bob', async () => {
  ccs = makeUiCcs();
  supervisor = await childSupervisor(ccs);
  tui = await renderTui({paths: ccs.paths, width: 170, height: 30, services: {proxy: supervisor}});
  await tui.waitFor('alice@example.com');
  await tui.press('S');
  await tui.waitFor(/proxy running on port \d+ for claude/, 15_000);
  const {pid, port} = supervisor.current;
  assert.ok(pid && port);
  await tui.press('escape');
  await tui.waitFor('bob@example.com');
  await tui.press('l', 'j');
  await tui.waitFor(/›.*bob@example\.com/);
  await tui.press('s');
  const frame = flat(await tui.waitFor(/now serves claude \/ bob/, 15_000));
  assert.match(frame, new RegExp(`proxy on port ${port} now serves claude / bob@example\\.com \\(switched live: same port, no restart; for root-URL clients too\\)`), frame);
  assert.equal(supervisor.current.pid, pid, 'the same process: nothing was restarted');
  assert.equal(supervisor.current.phase, 'running');
  assert.equal(supervisor.current.target.account, 'bob@example.com');
  // What `proxy status`, env and a restart go by.
  const record = readRunningProxy(ccs.paths);
  assert.equal(record?.pid, pid);
  assert.equal(record?.account, 'bob@example.com');
  await tui.waitFor((f) => /Serving\s+claude \/ bob@example\.com/.test(f), 10_000);

  // S again: back to the pool, live too.
  await tui.press('escape');
  await tui.waitFor('alice@example.com');
  await tui.press('S');
  assert.match(flat(await tui.waitFor(/now serves claude \/ its pool/, 15_000)), /switched live: same port, no restart/);
  assert.equal(supervisor.current.pid, pid);
  assert.equal(supervisor.current.target.account, undefined);
});

test('s / S with an agent on the proxy started for something else ask before moving it; n leaves the proxy as it was, y switches', async () => {
  ccs = makeUiCcs();
  supervisor = await childSupervisor(ccs);
  tui = await renderTui({paths: ccs.paths, width: 170, height: 30, services: {proxy: supervisor}});
  await tui.waitFor('alice@example.com');
  await tui.press('S');
  await tui.waitFor(/proxy running on port \d+ for claude/, 15_000);
  const {port} = supervisor.current;
  // `ccs-tui run claude` in another shell (this test's process stands in for the agent): the pool.
  ccs.writeRaw('tui/agents.json', JSON.stringify([{pid: process.pid, agent: 'claude', provider: 'claude', port, startedAt: new Date().toISOString(), where: 'foreground'}]));
  await tui.press('escape');
  await tui.waitFor('bob@example.com');
  await tui.press('l', 'j');
  await tui.waitFor(/›.*bob@example\.com/);
  await tui.press('s');
  let frame = flat(await tui.waitFor(/Switch\?/, 5000));
  assert.match(frame, new RegExp(`1 running agent \\(claude pid ${process.pid}, started for claude / its pool\\) uses this proxy: switching it serves that agent from claude / bob@example\\.com\\. Switch\\?`));
  await tui.press('n');
  await tui.waitFor('not switched: the proxy serves what it served');
  assert.equal(supervisor.current.target.account, undefined, 'still the pool');
  // S: the pool, what the agent was started for: no question.
  await tui.press('S');
  frame = flat(await tui.waitFor(/now serves claude \/ its pool|proxy running on port/, 15_000));
  assert.doesNotMatch(frame, /Switch\?/);
  await tui.press('escape');
  await tui.waitFor('bob@example.com');
  await tui.press('s');
  await tui.waitFor(/Switch\?/, 5000);
  await tui.press('y');
  await tui.waitFor(/now serves claude \/ bob/, 15_000);
  assert.equal(supervisor.current.target.account, 'bob@example.com');
  // The proxy screen's Agents row: what it was started for, and what serves it now.
  frame = flat(await tui.waitFor(/Agents\s+claude pid/, 5000));
  assert.match(frame, new RegExp(`Agents claude pid ${process.pid} \\(claude pool; now served from bob@example\\.com\\)`));
});

test('a on the proxy screen switches a proxy serving one account back to every provider live (asking when an agent started for that account moves), says so when it already does, and starts a stopped one so', async () => {
  ccs = makeUiCcs();
  supervisor = await childSupervisor(ccs);
  tui = await renderTui({paths: ccs.paths, width: 170, height: 30, services: {proxy: supervisor}});
  await tui.waitFor('alice@example.com');
  await tui.press('l', 'j');
  await tui.waitFor(/›.*bob@example\.com/);
  await tui.press('s');
  await tui.waitFor(/proxy running on port \d+ for claude \/ bob/, 15_000);
  const {pid, port} = supervisor.current;
  assert.ok(pid && port);
  // The proxy screen offers the way back where it changes what is served.
  let frame = flat(await tui.waitFor(/Serving\s+claude \/ bob@example\.com/, 10_000));
  assert.match(frame, /a every provider/);
  // `ccs-tui run claude bob` in another shell (this test's process stands in for the agent).
  ccs.writeRaw('tui/agents.json', JSON.stringify([{pid: process.pid, agent: 'claude', provider: 'claude', account: 'bob@example.com', port, startedAt: new Date().toISOString(), where: 'foreground'}]));
  await tui.press('a');
  frame = flat(await tui.waitFor(/Switch\?/, 5000));
  assert.match(frame, new RegExp(`1 running agent \\(claude pid ${process.pid}, started for claude / bob@example\\.com\\) uses this proxy: switching it serves that agent from its provider’s pool, by the model asked for\\. Switch\\?`));
  await tui.press('n');
  await tui.waitFor('not switched: the proxy serves what it served');
  assert.equal(supervisor.current.target.provider, 'claude');
  await tui.press('a');
  await tui.waitFor(/Switch\?/, 5000);
  await tui.press('y');
  // The status line's answer, not the log's line of the same switch (which may come first).
  frame = flat(await tui.waitFor(/proxy on port \d+ now serves every provider/, 15_000));
  assert.match(frame, new RegExp(`proxy on port ${port} now serves every provider, picked by the model asked for \\(switched live: same port, no restart\\)`), frame);
  assert.equal(supervisor.current.pid, pid, 'the same process: nothing was restarted');
  assert.deepEqual(supervisor.current.target, {});
  // What `proxy status`, env and a restart go by: no provider, no account.
  const record = readRunningProxy(ccs.paths);
  assert.equal(record?.pid, pid);
  assert.equal(record?.provider, undefined);
  assert.equal(record?.account, undefined);
  frame = flat(await tui.waitFor((f) => /Serving\s+every provider/.test(f) && !/a every provider/.test(f), 10_000));
  await tui.press('a');
  await tui.waitFor('the proxy already serves every provider, picked by the model asked for');
  assert.equal(supervisor.current.pid, pid);

  // Stopped after serving claude's pool: `s` would serve the pool again, `a` starts it for every provider.
  ccs.writeRaw('tui/agents.json', '[]');
  await tui.press('escape');
  await tui.waitFor('alice@example.com');
  await tui.press('S');
  await tui.waitFor(/now serves claude \/ its pool/, 15_000);
  await tui.press('x');
  await tui.waitFor(/proxy stopped/, 15_000);
  await tui.waitFor((f) => /s serves the claude pool/.test(flat(f)) && /a every provider/.test(f), 5000);
  await tui.press('a');
  await tui.waitFor((f) => /Serving\s+every provider/.test(f) && /serving every provider/.test(f), 15_000);
  assert.equal(supervisor.current.phase, 'running');
  assert.deepEqual(supervisor.current.target, {});
  assert.notEqual(supervisor.current.pid, pid);
});
