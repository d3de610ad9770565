// A cross-process lock whose staleness is decided by its holder's liveness, not by a heartbeat.
//
// The store's lock (file-lock.ts, on the registry and ccs-tui's files) is stale when its mtime stops
// moving for a few seconds, so a holder that is merely suspended (Ctrl-Z, a debugger, a sleeping
// laptop) loses it while it still works (its writes are then refused). For a refresh that is fatal:
// a second process would present the same refresh token. This lock is a file `<name>.lock` holding {pid, host, nonce, at, start?, pidns?}; it is stale only when
//   - its holder is on this host and its pid no longer exists, or is now another process (its
//     recorded start, process-identity.ts, differs: Linux; elsewhere the pid alone decides), or
//   - it is older than `staleMs`, a bound longer than the longest possible piece of work.
// A holder in another pid namespace (a container sharing the dir under the same host name) is judged
// by the bound alone: its pid names no process here.
// A holder checks `stillHeld()` before it writes anything the lock protects: a lock taken over while
// its holder was suspended must not be followed by a write from that holder.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {nodeCrypto} from '../core/crypto.js';
import {CorruptFileError, ensurePrivateDir, FILE_MODE, parseJsonFile, readRegularFile, tempBeside} from './files.js';
import {processGone, recordedIdentity, thisProcess, type ProcessIdentity} from './process-identity.js';
import {reportWait, SAY_WAIT_AFTER_MS} from './lock-wait.js';

/** The holder (process-identity.ts ProcessIdentity) and its lock's nonce and time. */
export interface LockOwner extends ProcessIdentity {
  nonce: string;
  /** When the lock was taken, ms since the epoch. */
  at: number;
}

export interface OwnedLock {
  readonly owner: LockOwner;
  /** True while the lock file is still ours (nobody took it over as stale). */
  stillHeld(): Promise<boolean>;
}

export interface OwnedLockOptions {
  /** How long to wait for a live holder before giving up, ms. */
  waitMs: number;
  /** Age after which a lock is taken over even though its holder seems alive, ms. */
  staleMs: number;
  /** Says who holds the lock, for the error after `waitMs`. */
  describe?: string;
}

/** A live holder kept the lock longer than the caller would wait. Nothing was done. */
export class LockBusyError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockOwner | undefined,
    waitedMs: number,
    what: string,
    holderMtimeMs: number = Date.now(),
  ) {
    super(`${what} is in progress${heldByText(holder, holderMtimeMs)} (${lockFile}); waited ${Math.round(waitedMs / 1000)} s and did nothing`);
    this.name = 'LockBusyError';
  }
}

/** ` by process <pid> on <host> for <n> s`: who holds a lock and how long, as far as its file says. */
function heldByText(holder: LockOwner | undefined, holderMtimeMs: number = Date.now()): string {
  const held = holder && heldFor(holder, holderMtimeMs);
  return holder && held ? ` by process ${holder.pid} on ${holder.host} for ${Math.round(held.ms / 1000)} s${held.skewed ? ' (its clock is ahead of ours: clock skew)' : ''}` : '';
}

/** A takeover (stale lock replaced) takes milliseconds; a guard older than this was left by a crash. */
const TAKEOVER_GUARD_STALE_MS = 10_000;
/** A lock file that cannot be parsed (written by something else) counts as stale after this long. */
const UNREADABLE_LOCK_STALE_MS = 10_000;

/**
 * The lock file's owner (undefined owner: not a lock file we can read), or undefined when there is no
 * lock. Opened non-blocking and checked to be a regular file: a FIFO at the path would block the read
 * forever, a directory would fail with a bare EISDIR; both are a CorruptFileError naming the file.
 */
async function readOwner(lockFile: string): Promise<{owner?: LockOwner; mtimeMs: number} | undefined> {
  let file;
  try {
    file = await readRegularFile(lockFile);
  } catch (error) {
    if (error instanceof CorruptFileError) throw new CorruptFileError(lockFile, `${error.detail}; remove it so the lock can be taken`);
    throw new Error(`${lockFile}: ${(error as Error).message}`);
  }
  if (!file) return undefined;
  try {
    const data = parseJsonFile(lockFile, file.text) as Partial<LockOwner>;
    // pid 0 or below names a process group for kill(), never a holder: such a file is not a valid lock.
    const valid = Number.isInteger(data.pid) && data.pid! > 0 && typeof data.host === 'string' && typeof data.nonce === 'string' && typeof data.at === 'number';
    if (!valid) return {mtimeMs: file.mtimeMs};
    // The process identity is optional (older versions, other platforms): one that is no string is none.
    const {start: _start, pidns: _pidns, ...owner} = data as LockOwner;
    return {owner: {...owner, ...recordedIdentity(data)}, mtimeMs: file.mtimeMs};
  } catch {
    return {mtimeMs: file.mtimeMs};
  }
}

/**
 * How long a lock has been held, ms, never negative: a holder whose clock is ahead of ours (another
 * host, clock skew) wrote an `at` in the future; the lock file's mtime (our file system's clock) is
 * used instead.
 */
export function heldFor(owner: LockOwner, mtimeMs: number, now: number = Date.now()): {ms: number; skewed: boolean} {
  if (owner.at <= now) return {ms: now - owner.at, skewed: false};
  return {ms: Math.max(0, now - mtimeMs), skewed: true};
}

/** Why a lock may be taken over, or undefined while its holder may still be working. */
export function staleReason(found: {owner?: LockOwner; mtimeMs: number}, staleMs: number, now: number = Date.now()): string | undefined {
  const {owner} = found;
  if (!owner) return now - found.mtimeMs > UNREADABLE_LOCK_STALE_MS ? 'unreadable lock file' : undefined;
  const gone = processGone(owner);
  if (gone) return gone;
  if (heldFor(owner, found.mtimeMs, now).ms > staleMs) return `held for more than ${Math.round(staleMs / 1000)} s`;
  return undefined;
}

/** Links a fully written owner file into place: the lock appears atomically, with its content. */
async function tryCreate(lockFile: string, owner: LockOwner): Promise<boolean> {
  const temp = tempBeside(lockFile);
  // 'wx' (O_EXCL): never written through a file or symlink already at the name.
  await fs.writeFile(temp, JSON.stringify(owner), {mode: FILE_MODE, flag: 'wx'});
  try {
    await fs.link(temp, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.rm(temp, {force: true});
  }
}

/**
 * Removes a stale lock, but only the one that was judged stale: under a short guard directory, the
 * lock is re-read and removed only if its nonce is unchanged (two waiters judging the same stale
 * lock must not remove each other's new lock).
 */
async function removeIfStill(lockFile: string, nonce: string | undefined, mtimeMs: number): Promise<void> {
  const guard = `${lockFile}.takeover`;
  try {
    await fs.mkdir(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const stat = await fs.stat(guard).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > TAKEOVER_GUARD_STALE_MS) await fs.rm(guard, {recursive: true, force: true});
    return;
  }
  try {
    const again = await readOwner(lockFile);
    if (again && again.owner?.nonce === nonce && again.mtimeMs === mtimeMs) await fs.rm(lockFile, {force: true});
  } finally {
    await fs.rm(guard, {recursive: true, force: true});
  }
}

/**
 * Runs `work` holding the lock `<target>.lock`. Waits (polling) while a live holder has it, takes it
 * over when stale, and throws LockBusyError after `waitMs` without running `work`.
 */
export async function withOwnedLock<T>(target: string, work: (lock: OwnedLock) => Promise<T>, options: OwnedLockOptions): Promise<T> {
  const lockFile = `${target}.lock`;
  await ensurePrivateDir(path.dirname(lockFile));
  const owner: LockOwner = {...thisProcess(), nonce: nodeCrypto().randomBytes(8).toString('hex'), at: Date.now()};
  const started = Date.now();
  let said = false;
  let last: {owner?: LockOwner; mtimeMs: number} | undefined;
  for (let attempt = 0; ; attempt++) {
    owner.at = Date.now();
    if (await tryCreate(lockFile, owner)) break;
    const found = await readOwner(lockFile);
    if (found) {
      last = found;
      if (staleReason(found, options.staleMs)) {
        await removeIfStill(lockFile, found.owner?.nonce, found.mtimeMs);
        continue;
      }
    }
    if (Date.now() - started > options.waitMs) throw new LockBusyError(lockFile, last?.owner, Date.now() - started, options.describe ?? 'work', last?.mtimeMs);
    // Said once past a second (lock-wait.ts): a command waiting here (a suspended process's refresh)
    // printed nothing for up to the whole wait.
    if (!said && Date.now() - started >= SAY_WAIT_AFTER_MS) {
      said = true;
      reportWait(`waiting: ${options.describe ?? 'work'} is in progress${heldByText(last?.owner, last?.mtimeMs)}; this goes on once it ends (or gives up after ${Math.round(options.waitMs / 1000)} s, doing nothing)`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(200, 10 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random())));
  }
  const lock: OwnedLock = {
    owner,
    async stillHeld() {
      const found = await readOwner(lockFile);
      return found?.owner?.nonce === owner.nonce;
    },
  };
  try {
    return await work(lock);
  } finally {
    // Never remove a lock that is no longer ours.
    if (await lock.stillHeld().catch(() => false)) await fs.rm(lockFile, {force: true});
  }
}
