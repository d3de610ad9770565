// `r` on a proxy serving every provider rotates the provider selected on the accounts screen, and
// the status line says the proxy's own answer: the account now first, or why none (one account
// only). The real proxy child under the real supervisor, a fake upstream.
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

const API_KEY = 'rotate-all-key-0123456789abcdef';

const started: {tui?: TuiHandle; ccs?: TempCcs; supervisor?: ProxySupervisor; upstream?: FakeUpstream} = {};
afterEach(async () => {
  started.tui?.unmount();
  await started.supervisor?.dispose();
  await started.upstream?.close();
  cleanUp(undefined, started.ccs);
});

test('every provider served: `r` rotates the selected provider and says so; a provider of one account gets the proxy\'s refusal', async () => {
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
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 160, height: 40, services: {proxy: supervisor}}));
  await tui.waitFor('alice@example.com');
  await tui.press('4');
  await tui.waitFor('○ stopped');
  await tui.press('s');
  await tui.waitFor('● running', 15_000);
  assert.equal(supervisor.current.target.provider, undefined, 'serving every provider');
  // Claude is selected on the accounts screen (the first provider): its pool moves on.
  await tui.press('r');
  let frame = await tui.waitFor('rotated: claude now serves bob@example.com first', 5000);
  assert.doesNotMatch(frame, /error:/);
  assert.match(frame, /claude now serves bob@example\.com/, 'the log tail says the same');
  // Codex (one account) selected: the proxy's answer, not a success.
  await tui.press('1', 'j');
  await tui.waitFor(/› Codex/);
  await tui.press('4', 'r');
  // On the status line (the log tail has the proxy's line too).
  const statusLine = (f: string) => f.split('\n').at(-2) ?? '';
  frame = await tui.waitFor((f) => statusLine(f).includes('codex: no other healthy account to rotate to'), 5000);
  assert.doesNotMatch(statusLine(frame), /rotated:/);
});
