// The accounts list marks with ★ (in the default's `*` place, as the quota screen does) the account the
// running proxy serves, only while one runs, following it as it rotates; the help says what ★ is.
// 80×24, a frame only when the served account changes. The real proxy child under the real supervisor.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {builtinServeArgs} from '../../source/services/proxy/launch.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {loadSettings} from '../../source/store/settings.js';
import type {TempCcs} from '../helpers/ccs.js';
import {binPath} from '../helpers/cli.js';
import {anthropicMessage, sendJson, startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {makeUiCcs} from './fixtures.js';

const API_KEY = 'home-serves-key-0123456789abcdef';
const started: {tui?: TuiHandle; ccs?: TempCcs; supervisor?: ProxySupervisor; upstream?: FakeUpstream} = {};
afterEach(async () => {
  started.tui?.unmount();
  await started.supervisor?.dispose();
  await started.upstream?.close();
  cleanUp(undefined, started.ccs);
});
const lineWith = (frame: string, text: string) => frame.split('\n').find((line) => line.includes(text)) ?? '';
/** The two mark cells (cursor, then `*` default or ★) of the account row naming `email`. */
const marks = (frame: string, email: string) => /┃ (..)/.exec(lineWith(frame, email))?.[1];

test('★ marks the account the running proxy serves on the accounts list, moves when it rotates, and goes when the proxy stops', async () => {
  started.upstream = await startFakeUpstream((req, res) => sendJson(res, 200, anthropicMessage(String(req.body?.model), 'pong')));
  const ccs = (started.ccs = makeUiCcs());
  ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {api: started.upstream.url}}}));
  const {settings} = await loadSettings(ccs.paths);
  const supervisor = (started.supervisor = new ProxySupervisor({
    paths: ccs.paths,
    settings,
    env: ccs.env,
    command: (target) => ({file: process.execPath, args: [binPath, ...builtinServeArgs({...target, port: 0})], kind: 'builtin'}),
  }));
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 80, height: 24, services: {proxy: supervisor}}));
  await tui.press('l');
  let frame = await tui.waitFor('bob@example.com');
  // No proxy: no ★, the default keeps its `*`.
  assert.doesNotMatch(frame, /★/);
  assert.equal(marks(frame, 'alice@example.com'), '›*');

  await supervisor.start({provider: 'claude'});
  frame = await tui.waitFor((f) => marks(f, 'alice@example.com') === '›★', 15_000);
  assert.equal(marks(frame, 'bob@example.com'), '  ');
  // Nothing else moved: the rows still fit 80 columns (the frame is 80 wide, its right border whole).
  for (const line of frame.split('\n')) assert.ok(line.length <= 80, line);

  // The proxy's own news (its status every second, with its traffic) draws nothing here, once the
  // start has settled (the files it writes are read again).
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = tui.frameCount();
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal(tui.frameCount(), before, 'the running proxy\'s status drew frames on the accounts list with nothing changed');
  // Its next account moves the ★.
  await supervisor.rotate();
  frame = await tui.waitFor((f) => marks(f, 'bob@example.com') === ' ★', 5000);
  // alice is still the default: its `*` is back.
  assert.equal(marks(frame, 'alice@example.com'), '›*');

  await supervisor.stop();
  frame = await tui.waitFor((f) => !f.includes('★'), 5000);
  // The help says what ★ is (scrolled to, at 80×24).
  await tui.press('?');
  await tui.waitFor('Keys (Esc or ? closes)');
  for (let i = 0; i < 30 && !tui.frame().includes('★ marks what it serves'); i++) await tui.press('j');
  assert.match(tui.frame(), /s +Serve this account with the proxy \(★ marks what it serves\)/);
});
