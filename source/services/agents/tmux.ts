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
import {shellQuoted} from '../../core/quote.js';
import {cutText} from '../../core/redact.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {UserError} from '../../core/types.js';
import {writeFileAtomic} from '../../store/files.js';
import type {CcsPaths} from '../../store/paths.js';
import type {AgentPlan} from './launch.js';
import {addRunningAgent} from './running.js';
import {runningEntry} from './launch.js';

/**
 * `$1` is the env file; the rest is the agent's argv, exec'd as given. The empty first row: tmux
 * scrolls a dead pane up one row for its "Pane is dead" line, which would hide a one-line error
 * (an agent that is not installed) in the history.
 */
const LAUNCHER_SCRIPT = '. "$1" && rm -f -- "$1" && shift && echo && exec "$@"';
/** How long an env file the launcher never read may stay (tmux failed to start the pane). */
const ENV_FILE_TTL_MS = 60_000;

/** The env file's text: `export NAME='value'` for what ccs-tui sets, `unset NAME` for what it removes. */
export function launchEnvFile(changes: AgentPlan['changes']): string {
  return Object.entries(changes)
    .filter(([key]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    .map(([key, value]) => (value === undefined ? `unset ${key}\n` : `export ${key}=${shellQuoted(value)}\n`))
    .join('');
}

/** Whether this process runs inside tmux (tmux sets TMUX in every pane). */
export const insideTmux = (env: NodeJS.ProcessEnv) => Boolean(env.TMUX);

/**
 * The tmux command line that starts the plan's agent in a new window or pane and prints its pid:
 * several arguments (tmux execs them, no shell), the environment in `envFile`, no secret in argv.
 * `keepFailed`: the pane stays, dead, when the agent exits with an error (`remain-on-exit failed`,
 * tmux 3.2+), so what it said last can be read; a clean exit closes it. Set in the same command
 * sequence as the pane is made, before tmux can see the agent end (an agent that is not there fails
 * at once).
 */
export function tmuxLaunchArgs(plan: AgentPlan, where: 'window' | 'pane', envFile: string, keepFailed = false): string[] {
  const name = `${plan.agent.id}:${plan.target.provider.id}`;
  const open = where === 'pane' ? ['split-window', '-h'] : ['new-window', '-n', name];
  const command = ['/bin/sh', '-c', LAUNCHER_SCRIPT, 'ccs-tui-launch', envFile, ...plan.command].map(tmuxLiteral);
  const args = [...open, '-P', '-F', '#{pane_pid}', '--', ...command];
  // Without -t: the pane just made is the current one (neither command is given -d).
  return keepFailed ? [...args, ';', 'set-option', '-p', 'remain-on-exit', 'failed'] : args;
}

/**
 * An argument as tmux passes it on: tmux ends a command at any argument ending in `;` (even after
 * `--`), taking `\;` there for a literal `;`, so a `\` goes before that last `;`.
 */
const tmuxLiteral = (arg: string) => (arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg);

/**
 * Whether `tmux -V`'s line names a tmux that has `remain-on-exit failed` (3.2 and later; `master`
 * and `next-…` builds are newer). An older or unknown one gets nothing set: an option value it
 * refuses would fail the whole command after the agent had started.
 */
export function keepsFailedPanes(versionLine: string): boolean {
  if (/^tmux (master|next)\b/.test(versionLine.trim())) return true;
  const version = /(\d+)\.(\d+)/.exec(versionLine);
  if (!version) return false;
  const [major, minor] = [Number(version[1]), Number(version[2])];
  return major > 3 || (major === 3 && minor >= 2);
}

let tmuxVersionLine: Promise<string> | undefined;

/** `tmux -V`, asked once per process (empty when it cannot be run). */
function tmuxVersion(env: NodeJS.ProcessEnv): Promise<string> {
  return (tmuxVersionLine ??= new Promise((resolve) => execFile('tmux', ['-V'], {env, timeout: 5_000}, (error, stdout) => resolve(error ? '' : String(stdout)))));
}

/** Starts the agent through tmux; resolves with its pid once tmux reports it (recorded in agents.json). */
export async function launchInTmux(plan: AgentPlan, paths: CcsPaths, where: 'window' | 'pane', env: NodeJS.ProcessEnv): Promise<number> {
  const envFile = path.join(paths.state, `launch-${randomBytes(8).toString('hex')}.env`);
  await writeFileAtomic(envFile, launchEnvFile(plan.changes));
  const removeEnvFile = () => rmSync(envFile, {force: true});
  const keepFailed = keepsFailedPanes(await tmuxVersion(env));
  const output = await new Promise<string>((resolve, reject) => {
    execFile('tmux', tmuxLaunchArgs(plan, where, envFile, keepFailed), {env, timeout: 10_000}, (error, stdout, stderr) => {
      if (error) {
        removeEnvFile();
        reject(new UserError(`tmux could not open a ${where} for ${plan.agent.displayName}: ${(stderr || error.message).trim()}`));
      } else resolve(stdout);
    });
  });
  // The launcher deletes it at once; this only covers a pane that died before its shell ran.
  setTimeout(removeEnvFile, ENV_FILE_TTL_MS).unref();
  const pid = Number(output.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new UserError(`tmux did not report the agent's pid (it printed "${cutText(sanitizeLine(output.trim()), 40)}")`);
  await addRunningAgent(paths, runningEntry(plan, pid, 'tmux'));
  return pid;
}
