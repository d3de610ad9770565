// The agents started through the proxy (`ccs-tui run`, the TUI's launch key): `tui/agents.json`,
// one entry per agent process, added when it starts and removed when it exits. Entries of processes
// that died without cleaning up are dropped on read, so the proxy screen shows only live ones.
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileVersion, withFileLock} from '../../store/file-lock.js';
import {jsonText} from '../../store/files.js';
import type {CcsPaths} from '../../store/paths.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {isProcessAlive, processStartToken, ProcessStarts, recordedProcessGone} from '../proxy/pid-file.js';

export interface RunningAgent {
  pid: number;
  /** Agent id from providers/agents.ts. */
  agent: string;
  provider: string;
  /** Account label when one account was asked for; absent for the provider's pool. */
  account?: string;
  /** Port of the proxy it talks to. */
  port: number;
  startedAt: string;
  /** Its process's processStartToken, when it can be told: a later process given the pid is not the agent. */
  processStart?: string;
  /** `tmux` when it runs in a tmux window or pane the TUI opened. */
  where?: 'foreground' | 'tmux';
}

export const runningAgentsPath = (paths: CcsPaths) => path.join(paths.state, 'agents.json');

function readEntries(paths: CcsPaths): RunningAgent[] {
  try {
    const data = JSON.parse(readFileSync(runningAgentsPath(paths), 'utf8')) as unknown;
    return Array.isArray(data) ? data.flatMap((e: unknown) => wellFormed(e) ?? []) : [];
  } catch {
    return [];
  }
}

/**
 * An entry as this file's writer (addRunningAgent) makes it, its names made safe to show (they are
 * shown on the proxy screen, in `run`'s warnings and in `proxy stop`'s note); undefined for anything
 * else: a pid or port that is no whole number in range, a name that is no string.
 */
function wellFormed(entry: unknown): RunningAgent | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  const whole = (value: unknown, max: number) => typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= max;
  if (!whole(e.pid, 2 ** 31) || !whole(e.port, 65535) || typeof e.agent !== 'string' || typeof e.provider !== 'string') return undefined;
  if (e.account !== undefined && typeof e.account !== 'string') return undefined;
  return {
    pid: e.pid as number,
    agent: sanitizeLine(e.agent),
    provider: sanitizeLine(e.provider),
    ...(typeof e.account === 'string' ? {account: sanitizeLine(e.account)} : {}),
    port: e.port as number,
    startedAt: typeof e.startedAt === 'string' ? sanitizeLine(e.startedAt) : '',
    ...(typeof e.processStart === 'string' ? {processStart: e.processStart} : {}),
    ...(e.where === 'tmux' || e.where === 'foreground' ? {where: e.where} : {}),
  };
}

// The proxy screen reads the list every second: where starts come from `ps`, it is not run each time for each entry.
const agentStarts = new ProcessStarts();

/**
 * Live agents, oldest first (an entry left by a run killed outright goes once its pid is another
 * process's; one whose process exited goes at the next read).
 */
export function readRunningAgents(paths: CcsPaths, starts: ProcessStarts = agentStarts): RunningAgent[] {
  const entries = readEntries(paths);
  starts.prime(entries.map((entry) => entry.pid).filter(isProcessAlive));
  return entries.filter((entry) => recordedProcessGone(entry, (pid) => starts.token(pid)) === undefined);
}

/** The live agents given the proxy on `port` (what stopping that proxy leaves without one). */
export function agentsOnPort(paths: CcsPaths, port: number): RunningAgent[] {
  return readRunningAgents(paths).filter((agent) => agent.port === port);
}

async function edit(paths: CcsPaths, change: (entries: RunningAgent[]) => RunningAgent[]): Promise<void> {
  const file = runningAgentsPath(paths);
  await withFileLock(file, async (lock) => {
    // Taken before the read: a change after it, by a process that took the lock over, is never written over.
    const version = await fileVersion(file);
    await lock.write(file, jsonText(change(readRunningAgents(paths))), version);
  });
}

export async function addRunningAgent(paths: CcsPaths, entry: RunningAgent): Promise<void> {
  const processStart = entry.processStart ?? processStartToken(entry.pid);
  await edit(paths, (entries) => [...entries.filter((e) => e.pid !== entry.pid), {...entry, ...(processStart === undefined ? {} : {processStart})}]);
}

export async function removeRunningAgent(paths: CcsPaths, pid: number): Promise<void> {
  await edit(paths, (entries) => entries.filter((e) => e.pid !== pid));
}
