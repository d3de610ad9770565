// How a reader that keeps what it parsed tells, from one stat, whether a file changed since.

/** The fields of a stat (or fstat) a stamp is made of. */
export interface StampedStat {
  /** Bytes. */
  size: number;
  /** Last write, ms since the epoch (a tool can set it back: `touch -d`, `cp -p`, utimes). */
  mtimeMs: number;
  /** Last change of content, name or mode, ms since the epoch: set by the kernel, never set back. */
  ctimeMs: number;
  ino: number;
}

/**
 * A file's version as a stat tells it: size, mtime, ctime, inode. The ctime is what catches a
 * rewrite in place of the same size whose old mtime was put back; the inode, a rename of another
 * file over it (every write of ours).
 */
export const fileStamp = (stat: StampedStat): string => `${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}`;

/** Whether two stats tell the same version (fileStamp's fields, without building strings: asked per proxied request). */
export const sameStamp = (a: StampedStat, b: StampedStat): boolean =>
  a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;

/** How long after its last change a file's stamp is not trusted (RECENT_CHANGE_MS). */
export const RECENT_CHANGE_MS = 1000;

/**
 * File times tick coarsely (a few ms on Linux), and a freed inode number is soon given out again, so
 * two writes in one tick can leave the same stamp. A file changed in the last second is read again
 * whatever its stamp says (git's "racily clean" rule).
 */
export const changedRecently = (stat: Pick<StampedStat, 'mtimeMs' | 'ctimeMs'>, now: number = Date.now()): boolean =>
  now - Math.max(stat.mtimeMs, stat.ctimeMs) < RECENT_CHANGE_MS;
