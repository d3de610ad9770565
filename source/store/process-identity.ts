// Whether a process recorded by its pid (a lock's holder, the proxy) is still that process.
//
// A pid alone is not enough: a process that exits leaves its pid free for the next one (in a
// container, a restarted program often gets the very same pid). On Linux, /proc says when a process
// started (field 22 of /proc/<pid>/stat, clock ticks after boot) and which boot this is
// (/proc/sys/kernel/random/boot_id): together they tell a pid's later process from the recorded one.
// Elsewhere nothing here can tell (services/proxy/pid-file.ts asks `ps`; this layer runs no programs).
import {readFileSync, readlinkSync} from 'node:fs';

/** Whether `pid` exists and has not exited (EPERM: it exists but is not ours; a zombie has exited). */
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
