// Proxies the TUI cannot switch or restart itself are left alone, with a message saying why and what
// stops them: `s` beside a CLIProxyAPI binary started outside the TUI, `R` on a proxy run in a shell's
// foreground. And the cooling lines of the TUI's own child (its status over IPC) on the screen.
// Stand-in processes (only their pid counts) and the real supervisor.
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {isProcessAlive, proxyPidFilePath, type ProxyPidFile} from '../../source/services/proxy/pid-file.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import type {TempCcs} from '../helpers/ccs.js';
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let supervisor: ProxySupervisor | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  await supervisor?.dispose();
  [tui, ccs] = cleanUp(tui, ccs);
  supervisor = undefined;
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A live process standing in for a proxy started elsewhere, recorded in tui/proxy.json. */
function otherProxy(made: TempCcs, entry: Omit<ProxyPidFile, 'pid' | 'startedAt'>): ProxyPidFile {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {stdio: 'ignore'});
  children.push(child);
  const full = {...entry, pid: child.pid!, startedAt: new Date().toISOString()};
  mkdirSync(made.paths.state, {recursive: true});
  writeFileSync(proxyPidFilePath(made.paths), JSON.stringify(full));
  return full;
}

test('s on an account beside a CLIProxyAPI binary started outside the TUI: refused, naming it and the key that stops it', async () => {
  ccs = makeUiCcs();
  const other = otherProxy(ccs, {port: 18400, owner: 'background', kind: 'cliproxy-binary'});
  supervisor = new ProxySupervisor({paths: ccs.paths, env: ccs.env, command: () => ({file: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], kind: 'builtin'})});
  tui = await renderTui({paths: ccs.paths, width: 200, height: 30, services: {proxy: supervisor}});
  await tui.waitFor('bob@example.com');
  await tui.press('l', 's');
  const frame = await tui.waitFor(`the background proxy (pid ${other.pid}, port 18400) is running`, 10_000);
  assert.match(frame, /cannot switch accounts live; nothing was stopped \(x on the proxy screen stops it/);
  assert.ok(isProcessAlive(other.pid));
  assert.equal((JSON.parse(readFileSync(proxyPidFilePath(ccs.paths), 'utf8')) as ProxyPidFile).pid, other.pid, 'no TUI child took its place');
  assert.equal(supervisor.current.managed, 'adopted');
});

test('R on a proxy run in a shell: refused with where to restart it, before any question about its agents; it keeps running', async () => {
  ccs = makeUiCcs();
  const other = otherProxy(ccs, {port: 18401, owner: 'foreground', kind: 'cliproxy-binary', provider: 'claude'});
  // An agent on it: a restart that is refused asks nothing first (it asked, then refused a yes).
  ccs.writeRaw('tui/agents.json', JSON.stringify([{pid: process.pid, agent: 'claude', provider: 'claude', port: 18401, startedAt: new Date().toISOString(), where: 'foreground'}]));
  supervisor = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
  tui = await renderTui({paths: ccs.paths, width: 200, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy: supervisor}});
  await tui.waitFor(`PID ${other.pid}`, 5000);
  await tui.press('R');
  // TUI advice names its keys, not a command line.
  const frame = await tui.waitFor(`the proxy started in a shell (pid ${other.pid}, port 18401) runs in a shell’s foreground: restart it there, or stop it here (x) and start one in this TUI (s)`, 5000);
  assert.doesNotMatch(frame, /ccs-tui proxy serve/);
  assert.doesNotMatch(frame, /Restart\s+the\s+proxy\?/);
  assert.ok(isProcessAlive(other.pid));
  assert.equal(supervisor.current.phase, 'running');
});

test('the TUI’s own child: the cooling and tried-last accounts of its status show on the screen', async () => {
  ccs = makeUiCcs();
  const until = new Date(Date.now() + 119_000).toISOString();
  const child = `
const status = {pid: process.pid, port: 18998, startedAt: new Date().toISOString(), provider: 'claude', account: 'bob@example.com',
  requestsPerMinute: 0, totalRequests: 0, refusedPerMinute: 0, refusedRequests: 0,
  cooling: [{provider: 'claude', account: 'alice@example.com', until: ${JSON.stringify(until)}, reason: 'upstream error 500, 2 in a row', triedLast: true}]};
process.send({type: 'listening', port: 18998, pid: process.pid, provider: 'claude', account: 'bob@example.com'});
setInterval(() => process.send({type: 'status', status}), 200);
process.on('message', (m) => { if (m.type === 'shutdown') process.exit(0); });
`;
  supervisor = new ProxySupervisor({paths: ccs.paths, env: ccs.env, command: () => ({file: process.execPath, args: ['-e', child], kind: 'builtin'})});
  tui = await renderTui({paths: ccs.paths, width: 200, height: 30, route: {screen: 'proxy', params: {provider: 'claude'}}, services: {proxy: supervisor}});
  await tui.press('s');
  // One frame with both: the pool's size comes from the account list, which may load after the status under load.
  const frame = await tui.waitFor(/Serving\s+claude \/ pool of 2 · now bob@example\.com[\s\S]*Waiting\s+tried last: claude\/alice@example\.com /, 10_000);
  assert.match(frame, /\(upstream error 500, 2 in a row\), still serves when no other account can/);
});

test('the Error row says when the running proxy met its last error, and a restarted proxy (no error yet) clears it', async () => {
  ccs = makeUiCcs();
  const at = new Date(Date.now() - 180_000).toISOString();
  // Reports an error in its status until the test has seen it drawn (the cleared file), then a status
  // without one (as a restarted proxy would). A first second of errors was missed on a busy machine.
  const cleared = `${ccs.paths.root}/error-seen`;
  const child = `
const {existsSync} = require('node:fs');
const base = {pid: process.pid, port: 18997, startedAt: new Date().toISOString(), provider: 'claude', account: 'bob@example.com',
  requestsPerMinute: 0, totalRequests: 0, refusedPerMinute: 0, refusedRequests: 0, cooling: []};
process.send({type: 'listening', port: 18997, pid: process.pid, provider: 'claude', account: 'bob@example.com'});
setInterval(() => process.send({type: 'status', status: !existsSync(${JSON.stringify(cleared)}) ? {...base, lastError: {message: 'claude/bob@example.com: upstream 500', at: ${JSON.stringify(at)}}} : base}), 100);
process.on('message', (m) => { if (m.type === 'shutdown') process.exit(0); });
`;
  supervisor = new ProxySupervisor({paths: ccs.paths, env: ccs.env, command: () => ({file: process.execPath, args: ['-e', child], kind: 'builtin'})});
  tui = await renderTui({paths: ccs.paths, width: 160, height: 30, route: {screen: 'proxy', params: {provider: 'claude'}}, services: {proxy: supervisor}});
  await tui.press('s');
  await tui.waitFor(/Error\s+3m ago \(at (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\): claude\/bob@example\.com: upstream 500/, 10_000);
  writeFileSync(cleared, '');
  await tui.waitFor(/Error\s+—/, 10_000);
});
