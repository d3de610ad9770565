// `ccs-tui run` when the agent on PATH is a script whose #! interpreter is missing (an npm install
// whose node is gone): refused before any proxy starts with one line naming the script, the missing
// interpreter and the ways out, exit 1 (README: 1 failure), never a raw ENOENT. A missing agent is
// said the same way: not found on PATH, how to install or point at it.
import assert from 'node:assert/strict';
import {chmodSync, existsSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';

test('run: the agent on PATH is a script whose #! interpreter does not exist: one clear line, exit 1, no proxy started', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-a@x.com.json', tokenFixture('claude', 'a@x.com'));
    const port = await freePort();
    ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys: ["sk-local-0123456789"]\n`);
    const bin = path.join(ccs.paths.root, 'bin');
    mkdirSync(bin);
    const claude = ccs.writeRaw('bin/claude', '#!/nonexistent/node\nconsole.log("hi")\n');
    chmodSync(claude, 0o755);
    const env: NodeJS.ProcessEnv = {...ccs.env, PATH: `${bin}${path.delimiter}/usr/bin${path.delimiter}/bin`};
    delete env.CCS_TUI_AGENT_CLAUDE;
    const run = await runBin(['run', 'claude', '--port', String(port)], env);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      run.stderr,
      `ccs-tui: cannot run Claude Code: ${claude} (found on PATH) starts with #!/nonexistent/node, which does not exist; install that interpreter or reinstall Claude Code, or set agents.claude.command in tui.json or CCS_TUI_AGENT_CLAUDE\n`,
    );
    assert.ok(!existsSync(path.join(ccs.paths.root, 'tui', 'proxy.json')), 'no proxy was started');
    // No claude anywhere on PATH: said as not found, with the ways out.
    const none = await runBin(['run', 'claude', '--port', String(port)], {...env, PATH: `/usr/bin${path.delimiter}/bin`});
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'ccs-tui: Claude Code not found: no claude on PATH (install it, or set agents.claude.command in tui.json or CCS_TUI_AGENT_CLAUDE)\n');
  } finally {
    ccs.cleanup();
  }
});

test('run codex with no --agent and no claude on PATH: the refusal says Claude Code was only the default, and how to run Codex CLI', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('codex-d@x.com.json', tokenFixture('codex', 'd@x.com', {account_id: 'acct-d'}));
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys: ["sk-local-0123456789"]\n`);
    const env: NodeJS.ProcessEnv = {...ccs.env, PATH: `/usr/bin${path.delimiter}/bin`};
    delete env.CCS_TUI_AGENT_CLAUDE;
    const run = await runBin(['run', 'codex'], env);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'ccs-tui: Claude Code not found: no claude on PATH (install it, or set agents.claude.command in tui.json or CCS_TUI_AGENT_CLAUDE); Claude Code is the default agent: --agent codex runs Codex CLI\n');
    // Asked for by name: no hint.
    const asked = await runBin(['run', 'codex', '--agent', 'claude'], env);
    assert.equal(asked.stderr, 'ccs-tui: Claude Code not found: no claude on PATH (install it, or set agents.claude.command in tui.json or CCS_TUI_AGENT_CLAUDE)\n');
  } finally {
    ccs.cleanup();
  }
});
