// An agent whose executable passed the check before the run started but cannot be spawned when the
// run gets to it (made non-executable meanwhile): the proxy the run started for it is stopped again,
// and the error names the path, the reason and the settings that choose it (attack 11, F9).
import assert from 'node:assert/strict';
import {chmodSync, rmSync} from 'node:fs';
import {test} from 'node:test';
import {planAgentRun, resolveRunTarget, runAgentForeground} from '../../source/services/agents/launch.js';
import {stopRunningProxy} from '../../source/services/proxy/control.js';
import {readRunningProxy} from '../../source/services/proxy/pid-file.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {freePort} from '../helpers/fake-upstreams.js';

test('a spawn that fails after the check stops the proxy this run started', {timeout: 60_000}, async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-a@x.com.json', tokenFixture('claude', 'a@x.com'));
    const port = await freePort();
    ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys: ["sk-local-0123456789"]\n`);
    const agent = ccs.writeRaw('agent.sh', '#!/bin/sh\nexit 0\n');
    chmodSync(agent, 0o700);
    const store = new AccountStore(ccs.paths);
    const plan = await planAgentRun({
      paths: ccs.paths,
      store,
      settings: (await loadSettings(ccs.paths)).settings,
      env: {...ccs.env, CCS_TUI_AGENT_CLAUDE: agent},
      target: await resolveRunTarget(store, 'claude'),
      protocolProblem: () => undefined,
      port,
    });
    assert.equal(plan.startedProxy, true);
    const started = readRunningProxy(ccs.paths);
    assert.equal(started?.pid, plan.startedProxyPid);
    chmodSync(agent, 0o600);
    await assert.rejects(runAgentForeground(plan, ccs.paths), (error: Error) => {
      assert.equal(
        error.message,
        `could not start Claude Code: ${agent} is not executable (the command is set by CCS_TUI_AGENT_CLAUDE, agents.claude.command in tui.json, or found on PATH); stopped the proxy this run started (pid ${started!.pid})`,
      );
      return true;
    });
    assert.equal(readRunningProxy(ccs.paths), undefined, 'the proxy is stopped');
  } finally {
    await stopRunningProxy(ccs.paths).catch(() => undefined);
    ccs.cleanup();
  }
});

test('a script whose #! interpreter went missing after the check: the error names the interpreter, never a bare ENOENT', {timeout: 60_000}, async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-a@x.com.json', tokenFixture('claude', 'a@x.com'));
    const port = await freePort();
    ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys: ["sk-local-0123456789"]\n`);
    const interpreter = ccs.writeRaw('interp.sh', '#!/bin/sh\nexit 0\n');
    chmodSync(interpreter, 0o700);
    const agent = ccs.writeRaw('agent.sh', `#!${interpreter}\nexit 0\n`);
    chmodSync(agent, 0o700);
    const store = new AccountStore(ccs.paths);
    const plan = await planAgentRun({
      paths: ccs.paths,
      store,
      settings: (await loadSettings(ccs.paths)).settings,
      env: {...ccs.env, CCS_TUI_AGENT_CLAUDE: agent},
      target: await resolveRunTarget(store, 'claude'),
      protocolProblem: () => undefined,
      port,
    });
    rmSync(interpreter);
    await assert.rejects(runAgentForeground(plan, ccs.paths), (error: Error) => {
      assert.match(error.message, new RegExp(`^could not start Claude Code: ${agent.replace(/[.]/g, '\\.')} starts with #!${interpreter.replace(/[.]/g, '\\.')}, which does not exist; install that interpreter or reinstall Claude Code`));
      assert.doesNotMatch(error.message, /ENOENT/);
      return true;
    });
  } finally {
    await stopRunningProxy(ccs.paths).catch(() => undefined);
    ccs.cleanup();
  }
});
