// The UI fixture's accounts (makeUiCcs) served by the real proxy child under the real supervisor,
// its Claude upstream a fake that answers every message with `pong`: for screens that follow a
// running proxy. Nothing started here is stopped here: the caller's afterEach stops all of it.
import {builtinServeArgs} from '../../source/services/proxy/launch.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {loadSettings} from '../../source/store/settings.js';
import type {TempCcs} from '../helpers/ccs.js';
import {binPath} from '../helpers/cli.js';
import {anthropicMessage, sendJson, startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {makeUiCcs} from './fixtures.js';

export interface SupervisedProxy {
  ccs: TempCcs;
  supervisor: ProxySupervisor;
  upstream: FakeUpstream;
}

/** Sets up (not starts) the supervisor; `started` gets each part as soon as it exists, for the caller's cleanup. */
export async function supervisedProxy(apiKey: string, started: Partial<SupervisedProxy>): Promise<SupervisedProxy> {
  const upstream = (started.upstream = await startFakeUpstream((req, res) => sendJson(res, 200, anthropicMessage(String(req.body?.model), 'pong'))));
  const ccs = (started.ccs = makeUiCcs());
  ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${apiKey}"\n`);
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
  const {settings} = await loadSettings(ccs.paths);
  const supervisor = (started.supervisor = new ProxySupervisor({
    paths: ccs.paths,
    settings,
    env: ccs.env,
    command: (target) => ({file: process.execPath, args: [binPath, ...builtinServeArgs({...target, port: 0})], kind: 'builtin'}),
  }));
  return {ccs, supervisor, upstream};
}

/** For afterEach: unmounts the TUI, stops the supervisor's proxy and the upstream, removes the CCS dir. */
export async function stopSupervised(started: Partial<SupervisedProxy> & {tui?: {unmount(): void}}): Promise<void> {
  started.tui?.unmount();
  await started.supervisor?.dispose();
  await started.upstream?.close();
  started.ccs?.cleanup();
}

/** A one-message Claude request to the proxy on `port`, as a client sends it. */
export const askClaude = (port: number, apiKey: string): Promise<Response> =>
  fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: {'content-type': 'application/json', 'x-api-key': apiKey, 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: 'claude-opus-5', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
  });
