// The proxy screen while the proxy changes state (issue 13 screens #4): `x` says "stopping…" in the
// panel at once, `x` during a restart stops it for good, and keys pressed meanwhile say what they did.
// The real supervisor, with a child that takes 1.5 s to stop after it is asked (or, with HOLD_FILE
// set, stops once that file exists: what is shown while it stops is checked with no race against it).
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {isProcessAlive} from '../../source/store/process-identity.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import type {TempCcs} from '../helpers/ccs.js';
import {waitFor as until} from '../helpers/wait.js';
import {makeUiCcs} from './fixtures.js';

const SLOW_CHILD = `
const fs = require('node:fs');
const held = process.env.HOLD_FILE;
const exitWhenReleased = () => (fs.existsSync(held) ? process.exit(0) : setTimeout(exitWhenReleased, 20));
process.on('message', (m) => { if (m.type === 'shutdown') held ? exitWhenReleased() : setTimeout(() => process.exit(0), 1500); });
process.send({type: 'listening', port: 18996, pid: process.pid, provider: 'claude', account: 'alice@example.com'});
setInterval(() => {}, 1000);
`;

let tui: TuiHandle | undefined;
let ccs: TempCcs | undefined;
let supervisor: ProxySupervisor | undefined;
afterEach(async () => {
  tui?.unmount();
  await supervisor?.dispose();
  ccs?.cleanup();
  [tui, ccs, supervisor] = [undefined, undefined, undefined];
});

const panel = (frame: string) => frame.split('\n')[2] ?? '';

/** `holdFile` (a name in the CCS dir): the child stops once the test writes it. */
async function runningProxy(holdFile?: string) {
  ccs = makeUiCcs();
  if (holdFile) holdFile = path.join(ccs.paths.root, holdFile);
  supervisor = new ProxySupervisor({paths: ccs.paths, env: {...ccs.env, ...(holdFile ? {HOLD_FILE: holdFile} : {})}, command: () => ({file: process.execPath, args: ['-e', SLOW_CHILD], kind: 'builtin'})});
  tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'proxy', params: {provider: 'claude'}}, services: {proxy: supervisor}});
  await tui.press('s');
  await tui.waitFor('● running', 10_000);
  return tui;
}

test('x: the panel says stopping… at once, x again says it is already stopping, then stopped', async () => {
  // The child stops only when the test lets it: "stopping…" is shown while it runs, however slow the machine.
  const tui = await runningProxy('release-child');
  const pid = supervisor!.current.pid!;
  await tui.press('x');
  const frame = await tui.waitFor((f) => panel(f).includes('stopping…'));
  assert.ok(isProcessAlive(pid), 'before the child is gone');
  assert.doesNotMatch(frame, /● running/);
  assert.match(frame.split('\n').at(-1)!, /^s start/, 'the way out of stopping first: start');
  await tui.press('x');
  await tui.waitFor('already under way: stopping the proxy…');
  await tui.press('r');
  await tui.waitFor('the proxy is stopping; rotation works once it is running');
  writeFileSync(path.join(ccs!.paths.root, 'release-child'), '');
  await tui.waitFor((f) => panel(f).includes('○ stopped'), 5000);
});

test('x during a restart stops the proxy for good; the restart says it was called off', async () => {
  // The old child stops only when let: x comes during the restart however slow the machine.
  const tui = await runningProxy('release-child');
  await tui.press('R');
  await tui.waitFor((f) => panel(f).includes('restarting…'));
  await tui.press('x');
  await tui.waitFor((f) => panel(f).includes('stopping…') && !panel(f).includes('restarting'));
  writeFileSync(path.join(ccs!.paths.root, 'release-child'), '');
  await tui.waitFor('restart called off: the proxy was stopped meanwhile', 5000);
  await tui.waitFor((f) => panel(f).includes('○ stopped'), 5000);
  // It stays stopped: the restart did not start a new child after the stop.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.match(panel(tui.frame()), /○ stopped/);
  assert.equal(supervisor!.current.phase, 'stopped');
});

test('x during a start: the start says it was called off, never "proxy running" after "stopping"', async () => {
  ccs = makeUiCcs();
  const release = path.join(ccs.paths.root, 'release-child');
  // Says it listens once the test lets it (after x: a fixed 400 ms raced the key on a busy machine),
  // whatever it was asked meanwhile; exits 600 ms after a shutdown, once it has said so.
  const lateChild = `
const fs = require('node:fs');
let listening = false, asked = false;
const exitLater = () => listening && asked && setTimeout(() => process.exit(0), 600);
const listenWhenLet = () => {
  if (!fs.existsSync(${JSON.stringify(release)})) return setTimeout(listenWhenLet, 20);
  process.send({type: 'listening', port: 18997, pid: process.pid, provider: 'claude', account: 'alice@example.com'});
  listening = true;
  exitLater();
};
listenWhenLet();
process.on('message', (m) => { if (m.type === 'shutdown') { asked = true; exitLater(); } });
setInterval(() => {}, 1000);
`;
  supervisor = new ProxySupervisor({paths: ccs.paths, env: ccs.env, command: () => ({file: process.execPath, args: ['-e', lateChild], kind: 'builtin'})});
  const phases: string[] = [];
  supervisor.subscribe((state) => {
    if (phases.at(-1) !== state.phase) phases.push(state.phase);
  });
  tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'proxy', params: {provider: 'claude'}}, services: {proxy: supervisor}});
  await tui.press('s');
  await tui.waitFor((f) => panel(f).includes('starting'), 5000);
  await tui.press('x');
  await until(() => phases.includes('stopping'), 'the stop under way');
  writeFileSync(release, '');
  await tui.waitFor((f) => panel(f).includes('○ stopped'), 5000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  // The message log (M) in order: the start ends called off, the stop ends stopped.
  await tui.press('M');
  const log = await tui.waitFor('proxy stopped');
  assert.match(log, /start called off: the proxy was stopped meanwhile/);
  assert.doesNotMatch(log, /proxy running on port/);
  assert.ok(!phases.slice(phases.indexOf('stopping')).includes('running'), `no "running" once stopping: ${phases.join(' → ')}`);
  assert.equal(supervisor.current.phase, 'stopped');
});

test('s on an account says root-URL clients use that account too (serving one narrows the whole proxy); a restart moves nothing and says nothing of it', async () => {
  ccs = makeUiCcs();
  supervisor = new ProxySupervisor({paths: ccs.paths, env: ccs.env, command: () => ({file: process.execPath, args: ['-e', SLOW_CHILD], kind: 'builtin'})});
  tui = await renderTui({paths: ccs.paths, width: 140, height: 30, services: {proxy: supervisor}});
  await tui.waitFor('bob@example.com');
  await tui.press('l', 'j', 's');
  await tui.waitFor('proxy running on port 18996 for claude / bob@example.com (for root-URL clients too)', 10_000);
  await tui.press('R');
  const frame = await tui.waitFor((f) => f.includes('proxy running on port 18996 for claude / bob@example.com') && !f.includes('root-URL'), 10_000);
  assert.match(frame, /● running/);
});
