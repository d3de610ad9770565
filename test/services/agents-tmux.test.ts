// Inside tmux the agent starts in a new window through tmux: tmux must exec it without a shell (a path
// with a space starts, a path with `;` runs nothing else) and the proxy key must not be on any
// command line (`ps` shows argv to every user). Review of issue 15.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {keepsFailedPanes, launchInTmux, tmuxLaunchArgs} from '../../source/services/agents/tmux.js';
import {findAgent} from '../../source/providers/agents.js';
import type {AgentPlan} from '../../source/services/agents/launch.js';
import {findProvider} from '../../source/providers/table.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {hasTmux} from '../helpers/tmux.js';

const SECRET = "ccs-proxy-key-0123456789abcdef'\"$x";

function planFor(command: string[]): AgentPlan {
  return {
    agent: findAgent('claude')!,
    target: {provider: findProvider('claude')!},
    command,
    env: {},
    changes: {ANTHROPIC_BASE_URL: 'http://127.0.0.1:1/api/provider/claude', ANTHROPIC_AUTH_TOKEN: SECRET, ANTHROPIC_API_KEY: undefined},
    port: 1,
    startedProxy: false,
    notes: [],
  } as unknown as AgentPlan;
}

test('tmux launch args: several arguments (no sh -c of the agent path), no secret', () => {
  const args = tmuxLaunchArgs(planFor(['/tmp/My Tools/claude']), 'window', '/state/launch-x.env');
  assert.ok(!args.some((a) => a.includes('0123456789abcdef')), `the key is not on tmux's command line: ${args.join(' ')}`);
  assert.deepEqual(args.slice(args.indexOf('--') + 1).slice(-2), ['/state/launch-x.env', '/tmp/My Tools/claude']);
  assert.ok(args.length - args.indexOf('--') - 1 > 1, 'tmux gets more than one argument, so it execs them');
});

/** A tmux server of its own (socket in a temp dir, one session `att`) and a temp CCS dir, for `work`; all gone after. */
async function inTmuxServer(work: (tmux: {dir: string; socket: string; ccs: ReturnType<typeof makeTempCcs>}) => Promise<void>, size: string[] = []): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-tmux-'));
  const ccs = makeTempCcs();
  const socket = path.join(dir, 'sock');
  try {
    execFileSync('tmux', ['-S', socket, 'new-session', '-d', '-s', 'att', ...size, 'sleep 60'], {cwd: dir});
    await work({dir, socket, ccs});
  } finally {
    try {
      execFileSync('tmux', ['-S', socket, 'kill-server']);
    } catch {
      /* gone */
    }
    ccs.cleanup();
    rmSync(dir, {recursive: true, force: true});
  }
}

for (const dirName of ['My Tools', 'x;touch pwned']) {
  test(`tmux launch of an agent in "${dirName}": it starts, sees the key, runs nothing else`, {skip: !hasTmux() && 'no tmux', timeout: 30_000}, async () => {
    await inTmuxServer(async ({dir, socket, ccs}) => {
      const agentDir = path.join(dir, dirName);
      mkdirSync(agentDir);
      const marker = path.join(dir, 'agent-ran');
      const agent = path.join(agentDir, 'claude');
      // Written beside and moved in: the shell makes the file before printf fills it, and a look in between read it empty.
      writeFileSync(agent, `#!/bin/sh\nprintf '%s|%s|%s' "$ANTHROPIC_AUTH_TOKEN" "\${ANTHROPIC_API_KEY-unset}" "$1" > '${marker}.tmp' && mv '${marker}.tmp' '${marker}'\nsleep 5\n`);
      chmodSync(agent, 0o755);
      await launchInTmux(planFor([agent, 'arg with space']), ccs.paths, 'window', {...process.env, TMUX: `${socket},1,0`});
      const deadline = Date.now() + 15_000; // a tmux window and a shell started on a busy machine
      while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(existsSync(marker), `"${agent}" did not start`);
      assert.equal(readFileSync(marker, 'utf8'), `${SECRET}|unset|arg with space`);
      assert.equal(existsSync(path.join(dir, 'pwned')), false, 'nothing after the ; ran');
      assert.deepEqual(readdirSync(ccs.paths.state).filter((f) => f.endsWith('.env')), [], 'the env file is gone once read');
    });
  });
}

// tmux reads an argument ending in `;` as the end of its command, even after `--`: an agents.<id>.command
// such as ["sh", "-c", "cd ~/work; exec claude;", …] failed with tmux's "ambiguous command", or ran
// what followed as a tmux command. Each argument reaches the agent as given.
test('tmux launch of an agent whose arguments end in ; or \\;: it gets them as given', {skip: !hasTmux() && 'no tmux', timeout: 30_000}, async () => {
  await inTmuxServer(async ({dir, socket, ccs}) => {
    const marker = path.join(dir, 'agent-ran');
    const agent = path.join(dir, 'claude');
    writeFileSync(agent, `#!/bin/sh\nprintf '%s|' "$@" > '${marker}.tmp' && mv '${marker}.tmp' '${marker}'\nsleep 5\n`);
    chmodSync(agent, 0o755);
    await launchInTmux(planFor([agent, 'one;', 'two\\;', 'kill-server', ';', 'last;']), ccs.paths, 'window', {...process.env, TMUX: `${socket},1,0`});
    const deadline = Date.now() + 15_000;
    while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(marker), 'the agent started');
    assert.equal(readFileSync(marker, 'utf8'), 'one;|two\\;|kill-server|;|last;|');
  });
});

test('remain-on-exit failed only for a tmux that has it (3.2 and later)', () => {
  for (const line of ['tmux 3.2', 'tmux 3.3a', 'tmux 3.5a\n', 'tmux 4.0', 'tmux next-3.6', 'tmux master', 'tmux openbsd-7.5']) assert.equal(keepsFailedPanes(line), true, line);
  for (const line of ['tmux 3.1c', 'tmux 3.0a', 'tmux 2.9', '', 'tmux: not found', 'tmux']) assert.equal(keepsFailedPanes(line), false, line);
  const args = tmuxLaunchArgs(planFor(['/bin/claude']), 'pane', '/state/launch-x.env', true);
  assert.deepEqual(args.slice(-5), [';', 'set-option', '-p', 'remain-on-exit', 'failed'], 'set on the new pane, in the same command sequence');
  assert.deepEqual(tmuxLaunchArgs(planFor(['/bin/claude']), 'pane', '/state/launch-x.env').slice(-1), ['/bin/claude']);
});

/** Panes of the session's windows: `window_index pane_dead pane_dead_status`. */
const panes = (socket: string) =>
  execFileSync('tmux', ['-S', socket, 'list-panes', '-s', '-F', '#{window_index} #{pane_dead} #{pane_dead_status}'], {encoding: 'utf8'}).trim().split('\n');

for (const [where, exitCode] of [['window', 3], ['window', 0], ['pane', 127]] as const) {
  test(`an agent in a tmux ${where} that exits ${exitCode}: ${exitCode === 0 ? 'its pane closes' : 'its pane stays, with what it said'}`, {skip: !hasTmux() && 'no tmux', timeout: 30_000}, async () => {
    const version = execFileSync('tmux', ['-V'], {encoding: 'utf8'});
    if (!keepsFailedPanes(version)) return;
    await inTmuxServer(async ({dir, socket, ccs}) => {
      // 127: the agent's program is not there (the launcher's exec fails at once).
      const agent = exitCode === 127 ? path.join(dir, 'no-such-agent') : path.join(dir, 'claude');
      if (exitCode !== 127) {
        writeFileSync(agent, `#!/bin/sh\necho "agent says: out of credits"\nexit ${exitCode}\n`);
        chmodSync(agent, 0o755);
      }
      await launchInTmux(planFor([agent]), ccs.paths, where, {...process.env, TMUX: `${socket},1,0`});
      const deadline = Date.now() + 15_000;
      const settled = () => (exitCode === 0 ? panes(socket).length === 1 : panes(socket).some((line) => line.endsWith(` 1 ${exitCode}`)));
      // A tmux built with libutempter (Debian's) can miss the SIGCHLD of a child that ends while
      // utempter's own handler is in place, and then never reaps it: the pane stays dead with no
      // status, whatever remain-on-exit says (tmux/tmux#311, #2679; seen here on a loaded machine).
      // It reaps every ended child on the next SIGCHLD, which is sent as that workaround.
      const server = Number(execFileSync('tmux', ['-S', socket, 'display-message', '-p', '#{pid}'], {encoding: 'utf8'}).trim());
      for (let tick = 0; !settled() && Date.now() < deadline; tick++) {
        if (tick % 10 === 9) process.kill(server, 'SIGCHLD');
        await new Promise((r) => setTimeout(r, 100));
      }
      if (exitCode === 0) assert.deepEqual(panes(socket), ['0 0'], 'only the first pane is left');
      else {
        const dead = panes(socket).find((line) => line.endsWith(` 1 ${exitCode}`));
        assert.ok(dead, `a dead pane with status ${exitCode}: ${panes(socket).join(' | ')}`);
        const target = `att:${dead.split(' ')[0]}.${where === 'pane' ? 1 : 0}`;
        // On screen, not only in the history: what the user sees in the dead pane.
        const text = execFileSync('tmux', ['-S', socket, 'capture-pane', '-p', '-t', target], {encoding: 'utf8'});
        assert.match(text, exitCode === 127 ? /no-such-agent/ : /agent says: out of credits/);
        // The TUI's own pane (the first) is not kept when it ends: the option is the agent pane's alone.
        assert.equal(execFileSync('tmux', ['-S', socket, 'show-options', '-p', '-v', '-t', 'att:0.0', 'remain-on-exit'], {encoding: 'utf8'}).trim(), '');
      }
    }, ['-x', '120', '-y', '30']);
  });
}
