// The proxy screen follows tui/proxy.json: a proxy stopped and another started from another shell
// (`ccs-tui proxy stop; ccs-tui proxy start --provider codex`) shows up without reopening the screen.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {appendFileSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {proxyPidFilePath} from '../../source/services/proxy/pid-file.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
const children: ChildProcess[] = [];
afterEach(() => {
  [tui, ccs] = cleanUp(tui, ccs);
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A live process standing in for a proxy started from another shell (its pid is what counts). */
function otherProxy(): number {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {stdio: 'ignore'});
  children.push(child);
  return child.pid!;
}

function writePidFile(made: TempCcs, pid: number, port: number, provider: string): void {
  mkdirSync(made.paths.state, {recursive: true});
  const entry = {pid, port, provider, startedAt: new Date().toISOString(), owner: 'background', kind: 'cliproxy-binary'};
  writeFileSync(proxyPidFilePath(made.paths), JSON.stringify(entry));
}

test('proxy screen open: stop in another shell shows stopped; a new proxy started there is followed (pid, provider, exports)', async () => {
  ccs = makeUiCcs();
  const first = otherProxy();
  writePidFile(ccs, first, 18101, 'claude');
  const proxy = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy}});
  let frame = await tui.waitFor(`PID ${first}`);
  assert.match(frame, /Serving\s+claude \//);

  // `ccs-tui proxy stop`: the process ends and its pid file goes.
  children[0]!.kill('SIGKILL');
  rmSync(proxyPidFilePath(ccs.paths));
  frame = await tui.waitFor(/○ stopped/, 5000);
  assert.match(frame, /PID —/);
  assert.match(frame, /Serving\s+nothing/);
  assert.doesNotMatch(frame, /all providers/);

  // `ccs-tui proxy start --provider codex`.
  const second = otherProxy();
  writePidFile(ccs, second, 18102, 'codex');
  frame = await tui.waitFor(`PID ${second}`, 5000);
  assert.match(frame, /running · started elsewhere in the background, outlives this TUI/);
  assert.match(frame, /Serving\s+codex \//);
  await tui.waitFor('127.0.0.1:18102', 5000);

  // Replaced in one go (no stopped moment in between): followed too.
  const third = otherProxy();
  writePidFile(ccs, third, 18103, 'claude');
  frame = await tui.waitFor(`PID ${third}`, 5000);
  assert.match(frame, /Serving\s+claude \//);
  await proxy.dispose();
});

test('a followed proxy’s log tail shows its own lines: not the fatal lines of starts that failed before it', async () => {
  ccs = makeUiCcs();
  const pid = otherProxy();
  mkdirSync(ccs.paths.logs, {recursive: true});
  const before = new Date(Date.now() - 60_000).toISOString();
  const failed = Array.from({length: 10}, (_, i) => `${before} fatal: port 1810${i} is in use by another process`).join('\n');
  writePidFile(ccs, pid, 18104, 'claude');
  writeFileSync(path.join(ccs.paths.logs, 'proxy.log'), `${failed}\n${new Date().toISOString()} listening on http://127.0.0.1:18104 (pid ${pid}) serving claude / pool · now —\n`);
  const proxy = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy}});
  const frame = await tui.waitFor(`listening on http://127.0.0.1:18104 (pid ${pid})`, 5000);
  assert.doesNotMatch(frame, /fatal:/);
  await proxy.dispose();
});

test('a followed proxy stopped on request (proxy stop) shows its stop line in the log tail, not an error; one gone without a word is an error', async () => {
  ccs = makeUiCcs();
  const pid = otherProxy();
  writePidFile(ccs, pid, 18103, 'claude');
  const proxy = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy}});
  await tui.waitFor(`PID ${pid}`);
  // What `proxy stop` leaves: the proxy's last log line says why, then its pid file goes.
  mkdirSync(ccs.paths.logs, {recursive: true});
  appendFileSync(path.join(ccs.paths.logs, 'proxy.log'), `${new Date().toISOString()} stopped (pid ${pid}): SIGTERM from ccs-tui proxy stop (pid 4242)\n`);
  children[0]!.kill('SIGKILL');
  rmSync(proxyPidFilePath(ccs.paths));
  const frame = await tui.waitFor(/○ stopped/, 5000);
  await tui.waitFor('SIGTERM from ccs-tui proxy stop (pid 4242)', 5000);
  assert.doesNotMatch(tui.frame(), /Error\s+the proxy stopped/, frame);

  // Gone without a word (killed): said as an error, naming the log.
  const other = otherProxy();
  writePidFile(ccs, other, 18104, 'claude');
  await tui.waitFor(`PID ${other}`, 5000);
  children[1]!.kill('SIGKILL');
  rmSync(proxyPidFilePath(ccs.paths));
  await tui.waitFor(/the proxy stopped without saying why \(killed\?\)/, 5000);
});
