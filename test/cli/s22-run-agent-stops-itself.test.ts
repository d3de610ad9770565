// An agent started by `ccs-tui run` that stops only itself (`kill -TSTP $$`, a shell's `suspend`, an
// agent that handles Ctrl+Z itself in raw mode) left ccs-tui waiting on it, so the user's shell,
// waiting on ccs-tui, hung with nothing running. Now ccs-tui stops too, as a shell job does: the shell
// gets the terminal back, and a SIGCONT to the job (`fg`) resumes both. Where this test's process
// group is orphaned (no parent of it in the session), the kernel discards stop signals: checked
// first, and the test skipped there.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {chmodSync, existsSync, readFileSync} from 'node:fs';
import {after, test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {binPath, runBin} from '../helpers/cli.js';
import {startTmux, tmuxSkipReason} from '../helpers/tmux.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

const state = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return undefined;
  }
};

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether a process of this process group can stop itself here (the group is not orphaned). */
async function stopsHere(): Promise<boolean> {
  const probe = spawn('/bin/sh', ['-c', 'kill -TSTP $$; exit 0'], {stdio: 'ignore'});
  const exited = new Promise((resolve) => probe.once('exit', resolve));
  const stopped = await until('the probe to stop', () => state(probe.pid!) === 'T', 2000).then(() => true, () => false);
  probe.kill('SIGCONT');
  await exited;
  return stopped;
}

test('an agent that stops itself stops ccs-tui run too; SIGCONT resumes both', {skip: !existsSync('/proc/self/stat'), timeout: 90_000}, async (t) => {
  if (!(await stopsHere())) return t.skip('stop signals are discarded in this process group');
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  });
  const agent = ccs.writeRaw('suspend.sh', '#!/bin/sh\necho "agent-started $$"\nkill -TSTP $$\necho agent-resumed\n');
  chmodSync(agent, 0o755);
  const run = spawn(process.execPath, [binPath, 'run', 'claude'], {env: {...ccs.env, CCS_TUI_AGENT_CLAUDE: agent}, stdio: ['ignore', 'pipe', 'pipe']});
  let out = '';
  run.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  run.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => run.once('exit', (code) => resolve(code)));
  let agentPid: number | undefined;
  try {
    await until('the agent to start', () => out.includes('agent-started'));
    agentPid = Number(/agent-started (\d+)/.exec(out)?.[1]);
    // Before: the agent stopped, and ccs-tui went on waiting for it (its shell hung).
    await until('ccs-tui to stop with its agent', () => state(run.pid!) === 'T', 20_000);
    assert.ok(!out.includes('agent-resumed'));
    // `fg` continues the job's process group; a continue sent to ccs-tui alone reaches the agent too.
    run.kill('SIGCONT');
    assert.equal(await exited, 0, out);
    assert.match(out, /agent-resumed/);
  } finally {
    // A stopped agent left behind would hold this test's pipes open.
    for (const pid of [agentPid, run.pid]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
});

// As a person meets it: an interactive shell with job control in a terminal (tmux), where this
// process's own group does not matter (the test above is skipped where its group is orphaned, as
// under a CI runner's background job).
test('in a shell: the agent suspends itself, the shell says Stopped and has the terminal; fg resumes the agent', {skip: tmuxSkipReason(), timeout: 90_000}, async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
  const agent = ccs.writeRaw('suspend.sh', '#!/bin/sh\necho agent-started\nkill -TSTP $$\necho agent-resumed\n');
  chmodSync(agent, 0o755);
  const shell = startTmux(['bash', '--norc', '--noprofile', '-i'], {env: {...ccs.env, CCS_TUI_AGENT_CLAUDE: agent, PS1: '$ '}, width: 160, height: 30});
  try {
    shell.keys([`'${process.execPath}' '${binPath}' run claude`, 'Enter']);
    await shell.waitFor('agent-started', 30_000);
    // Before: ccs-tui went on waiting for its stopped agent, and the shell never came back.
    await shell.waitFor(/Stopped.*run claude\n\$/, 20_000);
    shell.keys(['fg', 'Enter']);
    await shell.waitFor(/agent-resumed\n\$/, 20_000);
    shell.keys(['echo "status=$?"', 'Enter']);
    await shell.waitFor('status=0');
  } finally {
    shell.kill();
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  }
});

