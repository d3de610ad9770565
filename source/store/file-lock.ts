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
// Every check and the step it allows (the rename; setting or removing the lock dir) are one
// synchronous step, and a process held up while it takes the lock never claims a dir it cannot be
// sure is its own: whatever held it up, it never acts on the lock or file of whoever came after it.
import fs, {lstatSync, rmdirSync, statSync, utimesSync, type Stats} from 'node:fs';
import path from 'node:path';
import {UserError} from '../core/types.js';
import {sameStamp, type StampedStat} from './file-stamp.js';
import {LockWait} from './lock-wait.js';
import {ensurePrivateDir, FILE_MODE, readRegularFile, writeFileAtomic, type RegularFile} from './files.js';

export interface LockOptions {
  /** How long to keep trying before giving up, in ms. */
  waitMs?: number;
  /** A lock whose mtime is older than this is taken over (its holder died); proper-lockfile's floor is 2 s. */
  staleMs?: number;
  /**
   * A path another program locks with proper-lockfile's synchronous API around each of its own
   * read-modify-writes of the same files: CCS takes `lockSync(<CCS dir>/cliproxy, {stale: 10000})`
   * (the lock dir `cliproxy.lock`) around every read and write of accounts.json and its token-file
   * moves. Each checked step here on a file inside that path (a write's rename, a move, a removal) is
   * made holding it too, so a change of the other program's lands wholly before the step (whose version
   * check then sees it, and the work runs again) or wholly after it. Held for that one synchronous step
   * only: the other program's lockSync does not wait, and would fail while it is held.
   */
  peerLock?: string;
  /**
   * Given, once the work ends (done or failed), the temp files of its writes that were refused
   * (written, never renamed into place), instead of their being removed: for a caller whose content
   * must stay on disk until it has kept it elsewhere (a refreshed grant that no token file took:
   * services/refresh.ts saveRefreshed). The caller removes them.
   */
  refusedTemps?: (temps: string[]) => void;
}

/** A file's version as read under the lock: its stat, or undefined when there was no file. */
export type FileVersion = StampedStat | undefined;

/**
 * A change of other files (`act`: a token file moved or removed) made in the step of a write's
 * rename (`along`), right before it: checked with it (`checks`: each file it touches and the version
 * read), so another program sees both changes or neither.
 */
export interface Step {
  checks: ReadonlyArray<readonly [file: string, read: FileVersion]>;
  act: () => void;
}

export interface FileLock {
  /** Reads `file` (readRegularFile: undefined when there is none); what it returns is the version `write` checks against. */
  read(file: string): Promise<RegularFile | undefined>;
  /**
   * Replaces `file` with `content` atomically (writeFileAtomic), only while this lock is still ours
   * and `file` is still the version `read` (undefined: still absent). Else nothing is written and
   * the read-modify-write is done again under a fresh lock (withFileLock).
   */
  write(file: string, content: string, read: FileVersion, options?: {mode?: number; keepDir?: boolean; along?: Step}): Promise<void>;
  /**
   * The check `write` makes before its rename, for a change written otherwise (a file moved or
   * removed; tui.json, written by conf). Synchronous: nothing of this process runs between it and the
   * caller's next step. Throws when the write must not be made (withFileLock then runs `work` again).
   */
  verify(file: string, read: FileVersion): void;
  /**
   * `act` (a move or removal of files; a write's rename) in one synchronous step with the checks
   * `verify` makes of each of `checks` (a file and the version read), holding the peer lock when one
   * of them is inside its path (LockOptions.peerLock; waited for while another program holds it).
   * Rejects when the step must not be made (withFileLock then runs `work` again).
   */
  step(checks: ReadonlyArray<readonly [file: string, read: FileVersion]>, act: () => void): Promise<void>;
}

/**
 * How many times a read-modify-write is done again after its lock was taken over; after a file was
 * changed by another process (a busy CCS, CLIProxyAPI refreshing a token) it is done again for as
 * long as the lock is waited for (`waitMs`), and at least this many times.
 */
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
/** A lock dir this process made but was held up before it knew the dir as its own: maybe another's by now; waited for as a held lock is. */
const heldUp = (lockDir: string) => Object.assign(new Error(`${lockDir}: held up while taking it; taken again`), {code: 'ELOCKED'});
const sameDir = (a: Pick<Stats, 'ino' | 'mtimeMs'> | undefined, b: Pick<Stats, 'ino' | 'mtimeMs'> | undefined) => a !== undefined && b !== undefined && a.ino === b.ino && a.mtimeMs === b.mtimeMs;

/**
 * Runs `act` (a synchronous step on the lock dir) and tells `callback` its outcome on the next tick,
 * as the asynchronous call proper-lockfile made would. Each check of the dir and the step it allows
 * are one synchronous step: an asynchronous one waits its turn in libuv's thread pool, which other
 * work (DNS lookups of an unreachable server, slow fsyncs) may hold up past the stale bound, and would
 * then be made on the dir of whoever took the lock over meanwhile.
 */
function syncStep(callback: Callback, act: () => void): void {
  let failed: NodeJS.ErrnoException | null = null;
  try {
    act();
  } catch (error) {
    failed = error as NodeJS.ErrnoException;
  }
  process.nextTick(callback, failed);
}

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
  /** When our mkdir was asked for (Date.now()). */
  private madeAt = 0;
  /** Our lock dir's inode, and the mtime proper-lockfile last set. */
  private ino?: number;
  private mtime?: number;
  /** Set when proper-lockfile finds the lock compromised (onCompromised), or we do (stillOurs): for good. */
  lost = false;

  constructor(
    readonly lockDir: string,
    private readonly staleMs: number,
  ) {}

  /** Whether the lock dir is still ours: proper-lockfile's own test (the mtime it set) and its inode. */
  stillOurs(): boolean {
    if (this.phase !== 'held' || this.lost) return false;
    const now = lstatSync(this.lockDir, {throwIfNoEntry: false});
    // A lock lost is lost for good: proper-lockfile's next update is refused too (utimes below), so
    // it never keeps another's lock fresh.
    this.lost = !now?.isDirectory() || now.ino !== this.ino || now.mtime.getTime() !== this.mtime;
    return !this.lost;
  }

  /**
   * Whether the dir we made may be another's by now: nobody takes a lock over before its mtime (at
   * least the time of our mkdir) is staleMs old, so until half that has passed since, it is ours. A
   * process held up longer (suspended, its probe waiting in a busy thread pool) cannot tell whose it
   * is: it neither sets its mtime nor removes it, and takes the lock again (a dir of its own that it
   * leaves goes stale like a killed holder's).
   */
  private madeLongAgo(): boolean {
    return Date.now() - this.madeAt >= this.staleMs / 2;
  }

  readonly fs = {
    ...fs,
    mkdir: (dir: string, callback: Callback) => {
      const asked = Date.now();
      fs.mkdir(dir, (error) => {
        if (!error && dir === this.lockDir) [this.phase, this.madeAt] = ['probing', asked];
        callback(error);
      });
    },
    stat: (file: string, callback: Callback) =>
      fs.stat(file, (error, stat) => {
        if (file !== this.lockDir) return callback(error, stat);
        if (this.phase === 'probing') {
          // The probe's read-back after our mkdir: the mtime proper-lockfile keeps as its own.
          if (this.madeLongAgo()) return callback(heldUp(file));
          if (!error) [this.phase, this.ino, this.mtime] = ['held', stat.ino, stat.mtime.getTime()];
        } else if (this.phase === 'acquiring' && !error) {
          this.seen = stat;
          // An mtime further ahead than any holder on this host sets (its clock at most a second on):
          // a killed holder's, the clock set back since (a VM restored, an RTC on local time). Never
          // stale by its age, it would block every write until the clock caught up: stale now. A live
          // holder sets its mtime again within a second, and finds its lock taken over (stillOurs).
          if (stat.mtimeMs - Date.now() > this.staleMs) return callback(null, {...stat, mtime: new Date(0)});
        }
        callback(error, stat);
      }),
    utimes: (file: string, atime: Date, mtime: Date, callback: Callback) => {
      if (file !== this.lockDir || this.phase === 'acquiring') return fs.utimes(file, atime, mtime, callback);
      if (this.phase === 'probing') {
        if (this.madeLongAgo()) return process.nextTick(callback, heldUp(file));
        return syncStep(callback, () => utimesSync(file, atime, mtime));
      }
      // proper-lockfile looked at the mtime just before; a dir put in its place since is not ours to
      // keep fresh. Refused with ENOENT, the lock is compromised for proper-lockfile too: it stops.
      syncStep(callback, () => {
        if (!this.stillOurs()) throw gone(file);
        utimesSync(file, atime, mtime);
        this.mtime = mtime.getTime();
      });
    },
    rmdir: (dir: string, callback: Callback) => {
      if (dir !== this.lockDir) return fs.rmdir(dir, callback);
      // A failed probe's dir, removed only while it is surely ours.
      if (this.phase === 'probing') return syncStep(callback, () => !this.madeLongAgo() && rmdirSync(dir));
      if (this.phase === 'held') return syncStep(callback, () => this.stillOurs() && rmdirSync(dir));
      // A stale lock is removed only while it is the one judged stale: another waiter may have taken it
      // over meanwhile, and its lock stays (proper-lockfile then finds the dir there and waits).
      syncStep(callback, () => {
        if (!sameDir(statSync(dir, {throwIfNoEntry: false}), this.seen)) return;
        try {
          rmdirSync(dir);
        } catch (error) {
          const {code, message} = error as NodeJS.ErrnoException;
          if (code === 'ENOENT') return;
          throw Object.assign(new Error(`${dir}: a stale lock that cannot be removed (${code ?? message}); remove it`), {code});
        }
      });
    },
    /** proper-lockfile's exit handler: a lock no longer ours is another process's now, and stays. */
    rmdirSync: (dir: string) => {
      if (dir !== this.lockDir || this.stillOurs()) fs.rmdirSync(dir);
    },
  };
}

/** How long a peer's lock (LockOptions.peerLock) stays fresh without a heartbeat: CCS's bound. */
const PEER_STALE_MS = 10_000;

/** Whether `file` lies inside `dir`: a step on it is one the peer makes under its lock too. */
function inside(dir: string, file: string): boolean {
  const relative = path.relative(path.resolve(dir), path.resolve(file));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** Failures to make or clear the peer's lock dir for want of permission (its parent not writable). */
const DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);
const PEER_DENIED = 'EPEERDENIED';
/** A file where the peer's lock dir goes. */
const PEER_NOT_DIR = 'EPEERNOTDIR';

/**
 * The `fs` the peer's lock is taken through (proper-lockfile's lockSync calls the *Sync methods of
 * what it is given; it stats, makes and removes nothing but the lock dir).
 */
const peerFs = {
  ...fs,
  statSync: (file: string) => {
    const stat = statSync(file);
    // A file in its place never goes away by itself (proper-lockfile's rmdir fails on it once stale).
    if (!stat.isDirectory()) throw Object.assign(new Error(`${file}: not a directory`), {code: PEER_NOT_DIR, path: file});
    // Dated further ahead than any holder on this host sets it (a killed holder's, the clock set back
    // since): stale now, as the store's own lock judges it (Observed), not after the clock catches up.
    if (stat.mtimeMs - Date.now() > PEER_STALE_MS) return {...stat, mtime: new Date(0)};
    return stat;
  },
  mkdirSync: (dir: string) => denied(() => fs.mkdirSync(dir)),
  rmdirSync: (dir: string) => denied(() => fs.rmdirSync(dir)),
};

/** Runs `act` on the lock dir; a permission refusal is told apart (PEER_DENIED) from any other failure. */
function denied(act: () => void): void {
  try {
    act();
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.code && DENIED.has(err.code)) err.code = PEER_DENIED;
    throw err;
  }
}

/**
 * Runs `act` holding the peer's lock (LockOptions.peerLock), taken as the peer takes it
 * (proper-lockfile's lockSync, the same staleness) and let go in the same synchronous step. While the
 * peer holds it, waits (backing off) up to `waitMs`, then fails naming the lock (`file`: the file
 * the step was for). A lock dir that cannot be made or removed for want of permission (its parent is
 * read-only to us, so to CCS running as us too: no change of CCS's can be under way) is done without.
 */
async function withPeerLock(peerLock: string, file: string, waitMs: number, act: () => void): Promise<void> {
  const {default: lockfile} = await import('proper-lockfile');
  const wait = new LockWait(waitMs, 'CCS (or another program)');
  for (;;) {
    let release: () => void;
    try {
      release = lockfile.lockSync(peerLock, {stale: PEER_STALE_MS, fs: peerFs});
    } catch (error) {
      const err = error as NodeJS.ErrnoException & {file?: string};
      // proper-lockfile resolves the path (realpath) as CCS does: the lock dir named is the one both take.
      const lockDir = `${err.file ?? peerLock}.lock`;
      if (err.code === PEER_DENIED) {
        act();
        return;
      }
      if (err.code === PEER_NOT_DIR) {
        throw new UserError(`${file}: not saved: ${err.path ?? lockDir} is a file, where CCS keeps its registry lock (a directory) while it changes its accounts; remove it and try again`);
      }
      if (err.code !== 'ELOCKED') throw error;
      await wait.again(lockDir, () => new UserError(`${file}: not saved: ${lockDir} is held by another program (CCS?): waited ${Math.round(waitMs / 1000)} s; if no CCS command is running, remove ${lockDir} and try again`));
      continue;
    }
    try {
      act();
    } finally {
      // Taken a moment ago and never left to its timer: nobody else can have taken it over. A lock dir
      // that cannot be removed goes stale as a killed holder's does; the step it guarded stands (made,
      // or refused for its own reason), so its outcome is what is told.
      try {
        release();
      } catch {}
    }
    return;
  }
}

/** Takes `<target>.lock` (proper-lockfile): waits while a fresh one is held, takes over a stale one, gives up after `waitMs`. */
async function acquire(target: string, staleMs: number, waitMs: number): Promise<{observed: Observed; release: () => Promise<void>}> {
  // Loaded on first use: read-only commands never pay for it.
  const {default: lockfile} = await import('proper-lockfile');
  const wait = new LockWait(waitMs, 'another process (a ccs-tui command, its TUI or proxy)');
  for (;;) {
    // The dir proper-lockfile locks (realpath: false resolves the path, nothing more).
    const observed = new Observed(`${path.resolve(target)}.lock`, staleMs);
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
      await wait.again(observed.lockDir, () => new UserError(`${target} is locked by another process (waited ${Math.round(waitMs / 1000)} s)`));
    }
  }
}

/**
 * Runs `work` while holding a cross-process lock on `target` (which need not exist). Every write
 * `work` makes goes through the FileLock it is given; when one is refused (the lock was taken over
 * while this process was held up, or the file changed), `work` runs again under a fresh lock, and
 * after MAX_ATTEMPTS (or `waitMs` of changes) an error names the file: nothing is ever written over a
 * change made meanwhile.
 * `work` may therefore run more than once: it reads what it changes inside, under the lock.
 */
export async function withFileLock<T>(target: string, work: (lock: FileLock) => Promise<T>, options: LockOptions = {}): Promise<T> {
  await ensurePrivateDir(path.dirname(target));
  const staleMs = options.staleMs ?? 5_000;
  const waitMs = options.waitMs ?? 30_000;
  // A refused write's temp file stays until the work ends: while this process waits to take the lock
  // again it may be the only copy on disk of what it wrote (a refreshed grant: a process killed
  // meanwhile leaves it for the next to adopt, services/refresh.ts adoptInterruptedSave).
  const refusedTemps: string[] = [];
  try {
    return await workUnderLock(target, work, {staleMs, waitMs, peerLock: options.peerLock}, (temp) => refusedTemps.push(temp));
  } finally {
    if (options.refusedTemps) options.refusedTemps(refusedTemps);
    else await Promise.all(refusedTemps.map((temp) => fs.promises.rm(temp, {force: true})));
  }
}

async function workUnderLock<T>(
  target: string,
  work: (lock: FileLock) => Promise<T>,
  {staleMs, waitMs, peerLock}: Required<Pick<LockOptions, 'staleMs' | 'waitMs'>> & Pick<LockOptions, 'peerLock'>,
  keepRefused: (temp: string) => void,
): Promise<T> {
  const started = Date.now();
  let takenOver = 0;
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
      async step(checks, act) {
        const checkedAct = () => {
          for (const [file, read] of checks) lock.verify(file, read);
          act();
        };
        // Only a step on the peer's files: a file of ccs-tui's own (account-state.json) written holding
        // it would only make a CCS command fail the more often, and wait whenever CCS holds it.
        const peers = peerLock === undefined ? [] : checks.filter(([file]) => inside(peerLock, file));
        if (peers.length > 0) await withPeerLock(peerLock!, peers[0]![0], waitMs, checkedAct);
        else checkedAct();
      },
      write: (file, content, read, {mode = FILE_MODE, keepDir = false, along} = {}) =>
        writeFileAtomic(file, content, mode, {
          keepDir,
          commit: (rename) =>
            lock.step([[file, read], ...(along?.checks ?? [])], () => {
              along?.act();
              rename();
            }),
          keepRefused,
        }),
    };
    try {
      return await work(lock);
    } catch (error) {
      if (!(error instanceof LockLostError) || error.lock !== lock) throw error;
      if (error.why === TAKEN_OVER) takenOver++;
      if (takenOver >= MAX_ATTEMPTS || (attempt >= MAX_ATTEMPTS && Date.now() - started >= waitMs)) {
        throw new Error(`${error.file}: not saved: ${error.why}, ${attempt} times in a row (nothing was written over the other process's change); try again`);
      }
    } finally {
      // A lock no longer ours is another process's now: not removed (proper-lockfile stops keeping
      // it at its next update, finding the mtime or the dir not its own).
      if (observed.stillOurs()) await release().catch(() => undefined);
    }
  }
}
