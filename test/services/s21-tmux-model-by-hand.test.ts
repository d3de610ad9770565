// The TUI started as `OPENAI_MODEL=gemini-2.5-pro ccs-tui` (the way the refusal names for a provider
// whose model list cannot be had), `e` inside tmux: the launch took the model as named by hand, but
// the agent starts in tmux's own environment, which never had it, and only what ccs-tui sets reaches
// it (the env file). So the agent asked for its vendor's default model, which the proxy refuses. The
// model named by hand is one of what the launch sets.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {findProvider} from '../../source/providers/table.js';
import {clientProtocolProblem} from '../../source/proxy/client-support.js';
import {liveModelListForCommands} from '../../source/proxy/live-models.js';
import {planAgentRun} from '../../source/services/agents/launch.js';
import {launchInTmux} from '../../source/services/agents/tmux.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {hasTmux} from '../helpers/tmux.js';
import {API_KEY} from '../proxy/fixture.js';

test('e inside tmux with the model named in the TUI\'s environment: the agent gets it', {skip: !hasTmux() && 'no tmux', timeout: 60_000}, async () => {
  const upstream = await startFakeUpstream((_req, res) => sendJson(res, 403, {error: {message: 'API key not valid'}}));
  const ccs = makeTempCcs();
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-tmux-'));
  const socket = path.join(dir, 'sock');
  try {
    ccs.writeToken('aistudio-me.json', {type: 'aistudio', email: 'me@example.com', api_key: 'AIzaSyTestKeyDefault0123'});
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: upstream.url}}}));
    const marker = path.join(dir, 'agent-ran');
    const agent = path.join(dir, 'qwen');
    // Written beside and moved in: a look between the shell making the file and printf filling it read it empty.
    writeFileSync(agent, `#!/bin/sh\nprintf '%s' "\${OPENAI_MODEL-unset}" > '${marker}.tmp' && mv '${marker}.tmp' '${marker}'\nsleep 5\n`);
    chmodSync(agent, 0o755);
    // tmux's own environment: the test's, without the model.
    execFileSync('tmux', ['-S', socket, 'new-session', '-d', '-s', 'att', 'sleep 60'], {cwd: dir, env: {...process.env, OPENAI_MODEL: ''}});
    // The TUI's environment: the model named by hand.
    const env = {...ccs.env, OPENAI_MODEL: 'gemini-2.5-pro', CCS_TUI_AGENT_QWEN: agent, TMUX: `${socket},1,0`};
    const store = new AccountStore(ccs.paths);
    const plan = await planAgentRun({
      paths: ccs.paths,
      store,
      settings: (await loadSettings(ccs.paths)).settings,
      env,
      agent: 'qwen',
      target: {provider: findProvider('aistudio')!},
      protocolProblem: clientProtocolProblem,
      surface: 'tui',
      liveModels: await liveModelListForCommands(ccs.paths),
    });
    await launchInTmux(plan, ccs.paths, 'window', env);
    const deadline = Date.now() + 15_000;
    while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(readFileSync(marker, 'utf8'), 'gemini-2.5-pro');
  } finally {
    try {
      execFileSync('tmux', ['-S', socket, 'kill-server']);
    } catch {
      /* gone */
    }
    await runBin(['proxy', 'stop'], ccs.env);
    await upstream.close();
    ccs.cleanup();
    rmSync(dir, {recursive: true, force: true});
  }
});
