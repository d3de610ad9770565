// After a failed start (its port busy), the proxy screen still follows tui/proxy.json: a proxy
// started from another shell (`ccs-tui proxy start`) shows up as running there, as it does from the
// plain stopped state, and `r` then works on it.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:net';
import {afterEach, test} from 'node:test';
import {proxyPidFilePath} from '../../source/services/proxy/pid-file.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let busy: Server | undefined;
const children: ChildProcess[] = [];
afterEach(() => {
  [tui, ccs] = cleanUp(tui, ccs);
  busy?.close();
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

for (const away of [false, true]) test(`✗ stopped after an error: a proxy started elsewhere afterwards is followed (PID, running)${away ? ', found on coming back to the screen' : ''}`, async () => {
  ccs = makeUiCcs();
  busy = createServer();
  const port = await new Promise<number>((resolve) => busy!.listen(0, '127.0.0.1', () => resolve((busy!.address() as {port: number}).port)));
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "sk-test-key-0123456789"\n`);
  const proxy = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, services: {proxy}});
  await tui.waitFor('alice@example.com');
  await tui.press('4');
  await tui.waitFor('○ stopped');
  await tui.press('s');
  await tui.waitFor('stopped after an error', 15_000);
  // The port is freed and `ccs-tui proxy start` runs in another shell (a live process and its record).
  busy.close();
  if (away) {
    await tui.press('1');
    await tui.waitFor('alice@example.com');
  }
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {stdio: 'ignore'});
  children.push(other);
  mkdirSync(ccs.paths.state, {recursive: true});
  writeFileSync(proxyPidFilePath(ccs.paths), JSON.stringify({pid: other.pid, port, provider: 'claude', startedAt: new Date().toISOString(), owner: 'background', kind: 'cliproxy-binary'}));
  if (away) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    await tui.press('4');
  }
  const frame = await tui.waitFor(`PID ${other.pid}`, 6000);
  assert.match(frame, /running · started elsewhere in the background/);
  assert.doesNotMatch(frame, /stopped after an error/);
  await proxy.dispose();
});
