// `s` (serve this account) on an account marked `! key rejected`: asked first, as a launch on it is
// and as `d` asks, the question saying why it will likely fail and the way out (L replaces the key);
// No (the default) starts nothing and says so.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {builtinServeArgs} from '../../source/services/proxy/launch.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {loadSettings} from '../../source/store/settings.js';
import {binPath} from '../helpers/cli.js';

const KEY = 'bob-secret-key-0123456789abcdef';
let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let server: Server | undefined;
let supervisor: ProxySupervisor | undefined;
afterEach(async () => {
  [tui, ccs] = cleanUp(tui, ccs);
  await supervisor?.dispose();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = supervisor = undefined;
});

test('s on an IBM Bob account whose key was refused asks first, naming why and L; No serves nothing', async () => {
  server = createServer((_req, res) => res.writeHead(401, {'content-type': 'application/json'}).end(JSON.stringify({error: {message: 'Invalid API key'}})));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  ccs = makeTempCcs();
  ccs.writeToken('bob-spare.json', {type: 'bob', api_key: KEY, base_url: base});
  const {settings} = await loadSettings(ccs.paths);
  supervisor = new ProxySupervisor({paths: ccs.paths, settings, env: ccs.env, command: (target) => ({file: process.execPath, args: [binPath, ...builtinServeArgs({...target, port: 0})], kind: 'builtin'})});
  tui = await renderTui({paths: ccs.paths, width: 170, height: 30, services: {proxy: supervisor}});
  await tui.waitFor('Claude accounts');
  await tui.press('H');
  await tui.waitFor('IBM Bob accounts');
  await tui.press('l');
  await tui.waitFor(/›.*spare/);
  await tui.press('t');
  await tui.waitFor('! key rejected');
  await tui.press('s');
  let frame = await tui.waitFor('Serve anyway?');
  // The prompt wraps over the rows it needs: read as one line.
  const flat = (f: string) => f.replace(/\s+/g, ' ');
  assert.match(flat(frame), /bob spare has its key refused \(key rejected.*\): the proxy rests it 30 min after a refusal, and a new key ends the rest at once; L replaces the key\. Serve anyway\? \[y\/N\]/, frame);
  await tui.press('n');
  frame = await tui.waitFor('not served');
  assert.match(flat(frame), /not served \(L replaces the key\): bob spare has its key refused \(key rejected/);
  assert.equal(supervisor.current.phase, 'stopped', 'nothing started');
  assert.doesNotMatch(frame, /Proxy — /);
});

test('s on an account that cannot serve (its token file gone) is refused, naming L; nothing starts', async () => {
  ccs = makeTempCcs();
  ccs.writeRegistry({version: 1, providers: {claude: {default: 'alice@example.com', accounts: {'alice@example.com': {email: 'alice@example.com', tokenFile: 'claude-alice@example.com.json'}}}}});
  const {settings} = await loadSettings(ccs.paths);
  supervisor = new ProxySupervisor({paths: ccs.paths, settings, env: ccs.env, command: (target) => ({file: process.execPath, args: [binPath, ...builtinServeArgs({...target, port: 0})], kind: 'builtin'})});
  tui = await renderTui({paths: ccs.paths, width: 170, height: 30, services: {proxy: supervisor}});
  await tui.waitFor('alice@example.com');
  await tui.press('l');
  await tui.waitFor(/›.*alice/);
  await tui.press('s');
  const frame = (await tui.waitFor('not served')).replace(/\s+/g, ' ');
  assert.match(frame, /not served \(L logs in again, then s serves it\): claude alice@example\.com cannot serve \(/, frame);
  assert.equal(supervisor.current.phase, 'stopped', 'nothing started');
});
