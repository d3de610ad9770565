// Starting an agent beside the TUI when the TUI runs inside tmux: a new window (or a split pane,
// `agents.launchIn` in tui.json), so the TUI stays on screen.
// - tmux runs a command given as ONE argument through `sh -c` (a path with a space breaks, a `;` in it
//   runs a second command); given several, it execs them directly. The agent always goes through
//   the launcher below, so tmux always gets several arguments and no shell parses the agent's path.
// - tmux starts the command in its own environment, and `-e NAME=value` would put the proxy key on
//   tmux's command line (visible in `ps`). What ccs-tui sets or removes is written to a 0600 file
//   instead; the launcher (`sh` with a fixed script) sources it, deletes it and execs the agent, so
//   the pane's pid is the agent's.
import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {rmSync} from 'node:fs';
import path from 'node:path';
import {UserError} from '../../core/types.js';
import {writeFileAtomic} from '../../store/files.js';
import type {CcsPaths} from '../../store/paths.js';
import type {AgentPlan} from './launch.js';
import {addRunningAgent} from './running.js';
import {runningEntry} from './launch.js';

/** `$1` is the env file; the rest is the agent's argv, exec'd as given. */
const LAUNCHER_SCRIPT = '. "$1" && rm -f -- "$1" && shift && exec "$@"';
/** How long an env file the launcher never read may stay (tmux failed to start the pane). */
const ENV_FILE_TTL_MS = 60_000;

/** A value in single quotes for sh: `'` becomes `'\''`. */
const shQuote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/** The env file's text: `export NAME='value'` for what ccs-tui sets, `unset NAME` for what it removes. */
export function launchEnvFile(changes: AgentPlan['changes']): string {
  return Object.entries(changes)
    .filter(([key]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    .map(([key, value]) => (value === undefined ? `unset ${key}\n` : `export ${key}=${shQuote(value)}\n`))
    .join('');
}

/** Whether this process runs inside tmux (tmux sets TMUX in every pane). */
export const insideTmux = (env: NodeJS.ProcessEnv) => Boolean(env.TMUX);

/**
 * The tmux command line that starts the plan's agent in a new window or pane and prints its pid:
 * several arguments (tmux execs them, no shell), the environment in `envFile`, no secret in argv.
 */
export function tmuxLaunchArgs(plan: AgentPlan, where: 'window' | 'pane', envFile: string): string[] {
  const name = `${plan.agent.id}:${plan.target.provider.id}`;
  const open = where === 'pane' ? ['split-window', '-h'] : ['new-window', '-n', name];
  // remain-on-exit, in the same tmux command sequence (no gap an agent exiting at once could fall
  // into): the pane outlives the agent, so its exit status can be read and its output stays on screen.
  return [...open, '-P', '-F', '#{pane_pid} #{pane_id} #{window_index}', '--', '/bin/sh', '-c', LAUNCHER_SCRIPT, 'ccs-tui-launch', envFile, ...plan.command, ';', 'set-option', '-p', 'remain-on-exit', 'on'];
}

/** Where tmux started the agent: its pid, its pane (`%12`) and the window's index. */
export interface TmuxLaunch {
  pid: number;
  pane: string;
  window: string;
}

/** Starts the agent through tmux; resolves once tmux reports its pid (recorded in agents.json) and pane. */
export async function launchInTmux(plan: AgentPlan, paths: CcsPaths, where: 'window' | 'pane', env: NodeJS.ProcessEnv): Promise<TmuxLaunch> {
  const envFile = path.join(paths.state, `launch-${randomBytes(8).toString('hex')}.env`);
  await writeFileAtomic(envFile, launchEnvFile(plan.changes));
  const removeEnvFile = () => rmSync(envFile, {force: true});
  const output = await new Promise<string>((resolve, reject) => {
    execFile('tmux', tmuxLaunchArgs(plan, where, envFile), {env, timeout: 10_000}, (error, stdout, stderr) => {
      if (error) {
        removeEnvFile();
        reject(new UserError(`tmux could not open a ${where} for ${plan.agent.displayName}: ${(stderr || error.message).trim()}`));
      } else resolve(stdout);
    });
  });
  // The launcher deletes it at once; this only covers a pane that died before its shell ran.
  setTimeout(removeEnvFile, ENV_FILE_TTL_MS).unref();
  const [pidText = '', pane = '', window = ''] = output.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || !pane.startsWith('%')) throw new UserError(`tmux did not report the agent's pid and pane (it printed "${output.trim().slice(0, 40)}")`);
  await addRunningAgent(paths, runningEntry(plan, pid, 'tmux'));
  return {pid, pane, window};
}

/** How often an agent's pane is looked at: it is tmux's child, not ours, so no exit event reaches us. */
const PANE_POLL_MS = 500;

/**
 * Calls `onExit` once the agent in `pane` (launchInTmux, remain-on-exit) has exited, with its exit
 * code (128 + n for a signal). A clean exit (0) closes the pane, as without remain-on-exit; any other
 * leaves it open with the agent's output (`kept`). A pane closed by the person says nothing. Returns
 * a stop function; the timer never keeps the process alive.
 */
export function watchTmuxPane(pane: string, env: NodeJS.ProcessEnv, onExit: (exit: {code: number; kept: boolean}) => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const look = () =>
    execFile('tmux', ['display-message', '-p', '-t', pane, '#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}'], {env, timeout: 5000}, (error, stdout) => {
      if (stopped || error) return;
      const [dead, status, signal] = stdout.trim().split(':');
      // Dead is seen when the pane's terminal closes; the status only once tmux has reaped the process.
      if (dead !== '1' || (!status && !signal)) {
        timer = setTimeout(look, PANE_POLL_MS).unref();
        return;
      }
      stopped = true;
      const code = status ? Number(status) : 128 + (Number(signal) || 0);
      if (code === 0) execFile('tmux', ['kill-pane', '-t', pane], {env, timeout: 5000}, () => undefined);
      onExit({code, kept: code !== 0});
    });
  look();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
