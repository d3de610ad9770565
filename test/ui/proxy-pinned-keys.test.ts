// An error about the one account the proxy serves alone (pinned), on the TUI's proxy screen: its way
// out names the TUI's keys (s or e pinned it, p resumes it, S serves the pool), never the command
// line's `--account` or `ccs-tui run`. The real proxy child under the real supervisor, a fake upstream.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {serveOnRunningProxy} from '../../source/services/proxy/control.js';
import {builtinServeArgs} from '../../source/services/proxy/launch.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {loadSettings} from '../../source/store/settings.js';
import type {TempCcs} from '../helpers/ccs.js';
import {binPath, runBin} from '../helpers/cli.js';
import {anthropicMessage, sendJson, startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {makeUiCcs} from './fixtures.js';

const API_KEY = 'pinned-keys-key-0123456789abcdef';

const started: {tui?: TuiHandle; ccs?: TempCcs; supervisor?: ProxySupervisor; upstream?: FakeUpstream} = {};
afterEach(async () => {
  started.tui?.unmount();
  await started.supervisor?.dispose();
  await started.upstream?.close();
  cleanUp(undefined, started.ccs);
});

test('the pinned account paused: the proxy screen says which keys help (p resumes it, S serves the pool), never --account', async () => {
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
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 200, height: 40, route: {screen: 'proxy', params: {provider: 'claude'}}, services: {proxy: supervisor}}));
  await tui.press('s');
  await tui.waitFor('● running', 15_000);
  const port = supervisor.current.port!;
  await serveOnRunningProxy(ccs.paths, port, 'claude', 'alice@example.com');
  await tui.waitFor(/Serving\s+claude \/ work\s/, 5000);
  assert.equal((await runBin(['pause', 'claude', 'alice@example.com'], ccs.env)).code, 0);
  const res = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: {'content-type': 'application/json', 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: 'claude-opus-5', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
  });
  // The client reads the command line's words (it may be any program, started anywhere).
  assert.equal(res.status, 503);
  assert.match(await res.text(), /is paused \(pinned by --account or ccs-tui run; resume it: ccs-tui resume claude work/);
  const frame = await tui.waitFor(/which this proxy serves alone, is paused/, 5000);
  assert.match(frame, /error: Claude account work, which this proxy serves alone, is paused \(pinned by s or e; p on the accounts screen: resume it; or S there: serve the claude pool\)/);
  assert.doesNotMatch(frame, /--account|ccs-tui (run|resume)/);
});
