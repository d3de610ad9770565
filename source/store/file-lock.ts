// The store's cross-process lock on a file, and the one way to write under it.
//
// The lock is proper-lockfile's (CCS uses the same scheme): a directory `<target>.lock` taken by
// mkdir, its mtime set every second by its holder, and taken over by another process once that mtime
// is `staleMs` old, so a holder that was killed blocks nobody for long.
//
// A holder that is merely suspended that long (Ctrl-Z, a debugger, a sleeping laptop) loses the lock
// while it still works: another process takes it over and writes. proper-lockfile tells the holder
// (onCompromised) only when its next mtime update runs, a timer that may well fire after the
// holder's own write; had the holder written what it computed from its older read, the other's change
// would be lost (a nickname, a rule, a refreshed grant). So this layer adds one check, made just
// before each write's rename: the lock dir is still the one proper-lockfile made for this holder (its
// inode, and the mtime proper-lockfile last gave it: the test its own update makes, made now) and the
// file is still the version read under the lock (file-stamp.ts). When either changed, nothing is
// written, and withFileLock runs the whole read-modify-write again under a fresh lock, on what is
// there now. What proper-lockfile made and set is seen through the `fs` it is given (`Observed`).
import fs, {lstatSync, statSync, type Stats} from 'node:fs';
import path from 'node:path';
import {sameStamp, type StampedStat} from './file-stamp.js';
import {ensurePrivateDir, FILE_MODE, readRegularFile, writeFileAtomic, type RegularFile} from './files.js';

export interface LockOptions {
  /** How long to keep trying before giving up, in ms. */
  waitMs?: number;
  /** A lock whose mtime is older than this is taken over (its holder died); proper-lockfile's floor is 2 s. */
  staleMs?: number;
}

/** A file's version as read under the lock: its stat, or undefined when there was no file. */
export type FileVersion = StampedStat | undefined;

export interface FileLock {
  /** Reads `file` (readRegularFile: undefined when there is none); what it returns is the version `write` checks against. */
  read(file: string): Promise<RegularFile | undefined>;
  /**
   * Replaces `file` with `content` atomically (writeFileAtomic), only while this lock is still ours
   * and `file` is still the version `read` (undefined: still absent). Else nothing is written and
   * the read-modify-write is done again under a fresh lock (withFileLock).
   */
  write(file: string, content: string, read: FileVersion, options?: {mode?: number; keepDir?: boolean}): Promise<void>;
  /**
   * The check `write` makes before its rename, for a change written otherwise (a file moved or
   * removed; tui.json, written by conf). Synchronous: nothing of this process runs between it and the
   * caller's next step. Throws when the write must not be made (withFileLock then runs `work` again).
   */
  verify(file: string, read: FileVersion): void;
}

/** How many times a read-modify-write is done again after its lock was taken over. */
const MAX_ATTEMPTS = 5;
/** How often proper-lockfile sets its lock's mtime (`update`). */
const UPDATE_EVERY_MS = 1000;
const TAKEN_OVER = 'its lock was taken over by another process while this one was held up (suspended?)';

/** A write refused: the lock is no longer ours, or the file changed since it was read. */
class LockLostError extends Error {
  constructor(
    readonly lock: object,
    readonly file: string,
    readonly why: string,
  ) {
    super(`${file}: ${why}`);
    this.name = 'LockLostError';
  }
}

/** The version of `file` now (stat, following a link as a read does); undefined when there is none. */
export async function fileVersion(file: string): Promise<FileVersion> {
  try {
    return await fs.promises.stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

type Callback = (error: NodeJS.ErrnoException | null, ...results: unknown[]) => void;
const gone = (lockDir: string) => Object.assign(new Error(`${lockDir}: no longer this process's lock`), {code: 'ENOENT'});
const sameDir = (a: Pick<Stats, 'ino' | 'mtimeMs'> | undefined, b: Pick<Stats, 'ino' | 'mtimeMs'> | undefined) => a !== undefined && b !== undefined && a.ino === b.ino && a.mtimeMs === b.mtimeMs;

/**
 * One attempt at the lock, as proper-lockfile takes and keeps it, seen through the `fs` it is given:
 * the calls it makes (lib/lockfile.js, lib/mtime-precision.js: mkdir, stat, utimes, rmdir, and
 * rmdirSync on exit) go to node:fs, and what they made and set is recorded. A new one for each
 * attempt: proper-lockfile then probes the mtime precision anew, setting the mtime it reads back.
 */
class Observed {
  /** acquiring: before our mkdir; probing: ours made, mtime not read yet; held: the lock is ours. */
  private phase: 'acquiring' | 'probing' | 'held' = 'acquiring';
  /** The lock dir as last seen while acquiring: a stale one proper-lockfile removes only while it is still that one. */
  private seen?: Stats;
  /** Our lock dir's inode, and the mtimes proper-lockfile last set (and is setting: its utimes in flight). */
  private ino?: number;
  private mtime?: number;
  private setting?: number;
  /** Set when proper-lockfile finds the lock compromised (onCompromised), or we do (stillOurs): for good. */
  lost = false;

  constructor(private readonly lockDir: string) {}

  /** Whether the lock dir is still ours: proper-lockfile's own test (the mtime it set) and its inode. */
  stillOurs(): boolean {
    if (this.phase !== 'held' || this.lost) return false;
    const now = lstatSync(this.lockDir, {throwIfNoEntry: false});
    const mtime = now?.mtime.getTime();
    // A lock lost is lost for good: proper-lockfile's next update is refused too (utimes below), so
    // it never keeps another's lock fresh.
    this.lost = !now?.isDirectory() || now.ino !== this.ino || (mtime !== this.mtime && mtime !== this.setting);
    return !this.lost;
  }

  readonly fs = {
    ...fs,
    mkdir: (dir: string, callback: Callback) =>
      fs.mkdir(dir, (error) => {
        if (!error && dir === this.lockDir) this.phase = 'probing';
        callback(error);
      }),
    stat: (file: string, callback: Callback) =>
      fs.stat(file, (error, stat) => {
        if (!error && file === this.lockDir) {
          if (this.phase === 'acquiring') this.seen = stat;
          // The probe's read-back after our mkdir: the mtime proper-lockfile keeps as its own.
          else if (this.phase === 'probing') [this.phase, this.ino, this.mtime] = ['held', stat.ino, stat.mtime.getTime()];
        }
        callback(error, stat);
      }),
    utimes: (file: string, atime: Date, mtime: Date, callback: Callback) => {
      if (this.phase !== 'held' || file !== this.lockDir) return fs.utimes(file, atime, mtime, callback);
      // proper-lockfile looked at the mtime just before; a dir put in its place since is not ours to
      // keep fresh. Refused with ENOENT, the lock is compromised for proper-lockfile too: it stops.
      if (this.lost) return callback(gone(file));
      fs.lstat(file, (error, stat) => {
        if (error || !stat.isDirectory() || stat.ino !== this.ino) {
          this.lost = true;
          return callback(error ?? gone(file));
        }
        this.setting = mtime.getTime();
        fs.utimes(file, atime, mtime, (error) => {
          if (!error) this.mtime = this.setting;
          this.setting = undefined;
          callback(error);
        });
      });
    },
    rmdir: (dir: string, callback: Callback) => {
      if (dir !== this.lockDir || this.phase === 'probing') return fs.rmdir(dir, callback);
      if (this.phase === 'held') return this.stillOurs() ? fs.rmdir(dir, callback) : callback(null);
      // A stale lock is removed only while it is the one judged stale: another waiter may have taken it
      // over meanwhile, and its lock stays (proper-lockfile then finds the dir there and waits).
      fs.stat(dir, (error, now) => {
        if (!sameDir(now, this.seen)) return callback(error?.code === 'ENOENT' ? null : error);
        fs.rmdir(dir, (error) => {
          if (!error || error.code === 'ENOENT') return callback(null);
          callback(Object.assign(new Error(`${dir}: a stale lock that cannot be removed (${error.code ?? error.message}); remove it`), {code: error.code}));
        });
      });
    },
    /** proper-lockfile's exit handler: a lock no longer ours is another process's now, and stays. */
    rmdirSync: (dir: string) => {
      if (dir !== this.lockDir || this.stillOurs()) fs.rmdirSync(dir);
    },
  };
}

/** Takes `<target>.lock` (proper-lockfile): waits while a fresh one is held, takes over a stale one, gives up after `waitMs`. */
async function acquire(target: string, staleMs: number, waitMs: number): Promise<{observed: Observed; release: () => Promise<void>}> {
  // Loaded on first use: read-only commands never pay for it.
  const {default: lockfile} = await import('proper-lockfile');
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    // The dir proper-lockfile locks (realpath: false resolves the path, nothing more).
    const observed = new Observed(`${path.resolve(target)}.lock`);
    try {
      const release = await lockfile.lock(target, {
        realpath: false,
        // A holder sets the lock's mtime every second; one killed mid-write leaves a lock that others
        // take over after 5 s, so a SIGKILLed process blocks nobody for long.
        stale: staleMs,
        update: UPDATE_EVERY_MS,
        fs: observed.fs,
        // Called from proper-lockfile's timer: it must not throw (the process would crash). The
        // writes made under the lock are refused from now on (stillOurs), and the work done again.
        onCompromised: () => {
          observed.lost = true;
        },
      });
      return {observed, release};
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (Date.now() - started > waitMs) throw new Error(`${target} is locked by another process (waited ${Math.round(waitMs / 1000)} s)`);
      const backoff = Math.min(100, 5 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }
}

/**
 * Runs `work` while holding a cross-process lock on `target` (which need not exist). Every write
 * `work` makes goes through the FileLock it is given; when one is refused (the lock was taken over
 * while this process was held up, or the file changed), `work` runs again under a fresh lock, and
 * after MAX_ATTEMPTS an error names the file: nothing is ever written over a change made meanwhile.
 * `work` may therefore run more than once: it reads what it changes inside, under the lock.
 */
export async function withFileLock<T>(target: string, work: (lock: FileLock) => Promise<T>, options: LockOptions = {}): Promise<T> {
  await ensurePrivateDir(path.dirname(target));
  const staleMs = options.staleMs ?? 5_000;
  const waitMs = options.waitMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    const {observed, release} = await acquire(target, staleMs, waitMs);
    const lock: FileLock = {
      read: (file) => readRegularFile(file),
      verify(file, read) {
        if (!observed.stillOurs()) throw new LockLostError(lock, file, TAKEN_OVER);
        const now = statSync(file, {throwIfNoEntry: false});
        if (read === undefined ? now !== undefined : now === undefined || !sameStamp(now, read)) {
          throw new LockLostError(lock, file, `it was ${now === undefined ? 'removed' : read === undefined ? 'created' : 'changed'} by another process meanwhile`);
        }
      },
      write: (file, content, read, {mode = FILE_MODE, keepDir = false} = {}) =>
        writeFileAtomic(file, content, mode, {keepDir, beforeRename: () => lock.verify(file, read)}),
    };
    try {
      return await work(lock);
    } catch (error) {
      if (!(error instanceof LockLostError) || error.lock !== lock) throw error;
      if (attempt >= MAX_ATTEMPTS) {
        throw new Error(`${error.file}: not saved: ${error.why}, ${MAX_ATTEMPTS} times in a row (nothing was written over the other process's change); try again`);
      }
    } finally {
      // A lock no longer ours is another process's now: not removed (proper-lockfile stops keeping
      // it at its next update, finding the mtime or the dir not its own).
      if (observed.stillOurs()) await release().catch(() => undefined);
    }
  }
}
