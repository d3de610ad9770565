// `tui/proxy.json`: which proxy is running, so `ccs-tui proxy status/stop`, another TUI, and the
// TUI after a restart find it. Written by the proxy itself once it listens, removed when it exits.
import {readFileSync, rmSync} from 'node:fs';
import path from 'node:path';
import {ensurePrivateDir, writeJsonAtomic} from '../../store/files.js';
import type {CcsPaths} from '../../store/paths.js';

export interface ProxyPidFile {
  pid: number;
  port: number;
  startedAt: string;
  provider?: string;
  account?: string;
  /** `tui`: a TUI's child (stops with it); `background`: `ccs-tui proxy start`; `foreground`: `proxy serve` in a shell. */
  owner: 'tui' | 'background' | 'foreground';
  /** `builtin` or `cliproxy-binary`. */
  kind: 'builtin' | 'cliproxy-binary';
  /**
   * The pid of the process that started a background proxy (`proxy start`, or a TUI's `e` / `R`),
   * so that TUI calls it its own (control.ts PROXY_STARTED_BY). Absent in files of older versions.
   */
  startedBy?: number;
}

export const proxyPidFilePath = (paths: CcsPaths) => path.join(paths.state, 'proxy.json');
export const proxyLogPath = (paths: CcsPaths) => path.join(paths.logs, 'proxy.log');

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * An exited process its parent has not reaped yet still answers signal 0; where the parent never
 * reaps (an orphan under a container init that does not), it would count as running for ever.
 * Linux's /proc/<pid>/stat says `Z` after the command name; elsewhere (no /proc) assume not.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold any character: the state follows the last `)`.
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
  } catch {
    return false;
  }
}

/** The running proxy, or undefined (a stale file of a dead process counts as none). */
export function readRunningProxy(paths: CcsPaths): ProxyPidFile | undefined {
  let data: ProxyPidFile;
  try {
    data = JSON.parse(readFileSync(proxyPidFilePath(paths), 'utf8')) as ProxyPidFile;
  } catch {
    return undefined;
  }
  if (typeof data?.pid !== 'number' || typeof data.port !== 'number') return undefined;
  return isProcessAlive(data.pid) ? data : undefined;
}

/** A recorded proxy as refusals name it: "pid 123, port 8317, claude". */
export const runningProxyText = (entry: ProxyPidFile) => `pid ${entry.pid}, port ${entry.port}${entry.provider ? `, ${entry.provider}` : ''}`;

/**
 * The refusal of `proxy start` and `proxy serve` while a proxy runs: a second one would take over
 * tui/proxy.json, and the first would go on serving unseen by `proxy status` and `proxy stop`.
 */
export const alreadyRunningText = (entry: ProxyPidFile) => `a proxy is already running (${runningProxyText(entry)}); stop it first: ccs-tui proxy stop`;

export async function writeProxyPidFile(paths: CcsPaths, entry: ProxyPidFile): Promise<void> {
  await ensurePrivateDir(paths.state);
  await writeJsonAtomic(proxyPidFilePath(paths), entry);
}

/** Removes the pid file if it still names `pid` (another proxy may have replaced it). */
export function removeProxyPidFile(paths: CcsPaths, pid: number): void {
  try {
    const data = JSON.parse(readFileSync(proxyPidFilePath(paths), 'utf8')) as ProxyPidFile;
    if (data.pid !== pid) return;
  } catch {
    return;
  }
  rmSync(proxyPidFilePath(paths), {force: true});
}
