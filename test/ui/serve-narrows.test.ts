// `s` on an account (and `S` on a provider) serves it with the whole proxy: clients on the root URL
// move with it (documented pinning), and the status line says so, where a person sees the change.
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

// A stand-in child: says it listens, then idles until told to stop.
const CHILD = `
process.on('message', (m) => { if (m.type === 'shutdown') process.exit(0); });
process.send({type: 'listening', port: 18995, pid: process.pid, provider: 'claude', account: 'bob@example.com'});
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

test('s on an account: the status line says root-URL clients use that account too', async () => {
  ccs = makeUiCcs();
  supervisor = new ProxySupervisor({paths: ccs.paths, env: ccs.env, command: () => ({file: process.execPath, args: ['-e', CHILD], kind: 'builtin'})});
  tui = await renderTui({paths: ccs.paths, width: 140, height: 30, services: {proxy: supervisor}});
  await tui.waitFor('bob@example.com');
  await tui.press('l', 'j', 's');
  await tui.waitFor('proxy running on port 18995 for claude / bob@example.com (for root-URL clients too)', 10_000);
  // A restart serves the same account: nothing moved, nothing to warn about.
  await tui.press('R');
  const frame = await tui.waitFor((f) => f.includes('proxy running on port 18995 for claude / bob@example.com') && !f.includes('root-URL'), 10_000);
  assert.match(frame, /● running/);
});
