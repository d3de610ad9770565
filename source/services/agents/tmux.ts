// Starting an agent beside the TUI when the TUI runs inside tmux: a new window (or a split pane,
// `agents.launchIn` in tui.json), so the TUI stays on screen. tmux starts the command in its own
// environment, so what ccs-tui sets is passed with `-e NAME=value` (tmux 3.0+); a variable ccs-tui
// removes is passed empty.
import {execFile} from 'node:child_process';
import {UserError} from '../../core/types.js';
import type {CcsPaths} from '../../store/paths.js';
import type {AgentPlan} from './launch.js';
import {addRunningAgent} from './running.js';
import {runningEntry} from './launch.js';

/** Whether this process runs inside tmux (tmux sets TMUX in every pane). */
export const insideTmux = (env: NodeJS.ProcessEnv) => Boolean(env.TMUX);

/** The tmux command line that starts the plan's agent in a new window or pane and prints its pid. */
export function tmuxLaunchArgs(plan: AgentPlan, where: 'window' | 'pane'): string[] {
  const name = `${plan.agent.id}:${plan.target.provider.id}`;
  const env = Object.entries(plan.changes).flatMap(([key, value]) => ['-e', `${key}=${value ?? ''}`]);
  const open = where === 'pane' ? ['split-window', '-h'] : ['new-window', '-n', name];
  return [...open, '-P', '-F', '#{pane_pid}', ...env, '--', ...plan.command];
}

/** Starts the agent through tmux; resolves with its pid once tmux reports it (recorded in agents.json). */
export async function launchInTmux(plan: AgentPlan, paths: CcsPaths, where: 'window' | 'pane', env: NodeJS.ProcessEnv): Promise<number> {
  const output = await new Promise<string>((resolve, reject) => {
    execFile('tmux', tmuxLaunchArgs(plan, where), {env, timeout: 10_000}, (error, stdout, stderr) => {
      if (error) reject(new UserError(`tmux could not open a ${where} for ${plan.agent.displayName}: ${(stderr || error.message).trim()}`));
      else resolve(stdout);
    });
  });
  const pid = Number(output.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new UserError(`tmux did not report the agent's pid (it printed "${output.trim().slice(0, 40)}")`);
  await addRunningAgent(paths, runningEntry(plan, pid, 'tmux'));
  return pid;
}
