// Whether a process recorded by its pid (a lock's holder, the proxy) is still that process.
//
// A pid alone is not enough: a process that exits leaves its pid free for the next one (in a
// container, a restarted program often gets the very same pid). On Linux, /proc says when a process
// started (field 22 of /proc/<pid>/stat, clock ticks after boot) and which boot this is
// (/proc/sys/kernel/random/boot_id): together they tell a pid's later process from the recorded one.
// Elsewhere nothing here can tell (services/proxy/pid-file.ts asks `ps`; this layer runs no programs).
import {readFileSync, readlinkSync} from 'node:fs';
import os from 'node:os';

/** Whether `pid` exists and has not exited (EPERM: it exists but is not ours; a zombie has exited). */
export function isProcessAlive(pid: number): boolean {
  // Signal 0 to 0 or a negative pid reaches a whole process group (-1: every process): always "alive".
  if (!Number.isInteger(pid) || pid <= 0) return false;
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
  return procState(pid) === 'Z';
}

/**
 * The state letter of /proc/<pid>/stat (`R`, `S`, `T` stopped, `Z` exited…), or undefined when the
 * process is gone or there is no /proc (Linux only).
 */
export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold any character: the state follows the last `)`.
    return stat.charAt(stat.lastIndexOf(')') + 2) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * When process `pid` started, from /proc: `<boot id> <start ticks>`, the same for that process and
 * different for a later one given its pid. Undefined when the process is gone or there is no /proc
 * (or it hides other users' processes: mounted with hidepid).
 */
export function procStartToken(pid: number): string | undefined {
  const ticks = procStartTicks(pid);
  return ticks === undefined ? undefined : `${bootId()} ${ticks}`;
}

/** Field 22 of /proc/<pid>/stat (start time, clock ticks after boot), or undefined. */
function procStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (in parentheses, any character): state is field 3, start time 22.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[22 - 3]);
    return Number.isInteger(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

let bootIdCache: string | undefined;
/** This boot's id (a sandbox may hide it: `-`, then the start ticks alone tell processes apart). */
function bootId(): string {
  try {
    bootIdCache ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    bootIdCache = '-';
  }
  return bootIdCache;
}

/**
 * Whether two procStartTokens name one process start: the same start ticks, and the same boot where
 * both know it (a sandbox that hides the boot id from one of them must not make a live process "another").
 */
export function sameProcessStart(a: string, b: string): boolean {
  const [bootA, ticksA] = a.split(' ');
  const [bootB, ticksB] = b.split(' ');
  return ticksA === ticksB && (bootA === bootB || bootA === '-' || bootB === '-');
}

let ownPidNamespace: string | undefined | null = null;
/**
 * This process's pid namespace (`pid:[4026531836]`), or undefined where there is none to read: a
 * pid recorded in another namespace (another container on a shared dir) names no process here.
 */
export function pidNamespace(): string | undefined {
  if (ownPidNamespace === null) {
    try {
      ownPidNamespace = readlinkSync('/proc/self/ns/pid');
    } catch {
      ownPidNamespace = undefined;
    }
  }
  return ownPidNamespace;
}

/** A process as a record names it (a lock's holder, a refresh's sender): pid and host, and where this host can tell, its start and pid namespace. */
export interface ProcessIdentity {
  pid: number;
  host: string;
  /** When it started (procStartToken). */
  start?: string;
  /** Its pid namespace (pidNamespace). */
  pidns?: string;
}

let ownStart: string | undefined | null = null;
/** This process, as a record names it. */
export function thisProcess(): ProcessIdentity {
  if (ownStart === null) ownStart = procStartToken(process.pid);
  const pidns = pidNamespace();
  return {pid: process.pid, host: os.hostname(), ...(ownStart !== undefined ? {start: ownStart} : {}), ...(pidns !== undefined ? {pidns} : {})};
}

/**
 * Why the recorded process is certainly gone, or undefined while it may be alive: its pid has no
 * live process, or the process with its pid started at another time (the pid was given to another
 * process after it died: common in containers, where a restarted program gets the same pid). Only
 * for a process on this host in this pid namespace (a container sharing the dir under the same host
 * name has pids that name no process here); one that recorded no start (an older version, no /proc)
 * is judged by its pid alone.
 */
export function processGone(recorded: ProcessIdentity): string | undefined {
  if (recorded.host !== os.hostname()) return undefined;
  const here = pidNamespace();
  if (recorded.pidns !== undefined && here !== undefined && recorded.pidns !== here) return undefined;
  if (recorded.pid !== process.pid && !isProcessAlive(recorded.pid)) return `process ${recorded.pid} is gone`;
  if (recorded.start === undefined) return undefined;
  const now = procStartToken(recorded.pid);
  if (now !== undefined && !sameProcessStart(now, recorded.start)) return `process ${recorded.pid} is gone (its pid is now another process's)`;
  return undefined;
}

/** The identity fields of a parsed record, those that are well formed (older versions and other platforms record fewer). */
export function recordedIdentity(data: {start?: unknown; pidns?: unknown}): Pick<ProcessIdentity, 'start' | 'pidns'> {
  return {...(typeof data.start === 'string' ? {start: data.start} : {}), ...(typeof data.pidns === 'string' ? {pidns: data.pidns} : {})};
}
