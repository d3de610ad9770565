// Whether anything in the auth dir changed since the proxy last looked, so that the look at the
// chosen account's token file can be skipped. Every request checks that the account list and the
// chosen account's token are still what is on disk (accounts.ts: a stat of the dir, a stat of the
// token file): two stat calls and their Stats objects were ~4 % of a small answer's CPU (issue 14).
// A watch of the dir (inotify) reports every file created, removed, moved in or out, rewritten or
// chmod-ed there, and the kernel queues that report before the call that made the change returns.
// That report may still reach the proxy after a request sent after the change: libuv's epoll is
// level-triggered, so a client's socket handed out in one poll phase stays ahead, in the next, of
// the watch that became ready meanwhile, and the request is read before the report. So the dir's
// stat stays on every request (a pause, a removal, a login or a token renamed into place changes
// its mtime), and only the token file's is skipped while neither changed. Wherever the watch cannot
// vouch, that stat stays too: no watch (the dir missing, no inotify watches left, an error), a file
// system whose changes may not all pass through this kernel (NFS, SMB, FUSE, 9p:
// LOCAL_FILE_SYSTEMS), a dir at the path that is no longer the one watched, a token file that is a
// link.
import {lstatSync, statfsSync, watch, type FSWatcher, type Stats} from 'node:fs';
import path from 'node:path';

/**
 * statfs magic numbers of local Linux file systems, where every change to a file is made by this
 * kernel and reported to inotify (linux/magic.h): ext2/3/4, xfs, btrfs, tmpfs, overlayfs, f2fs, zfs.
 */
const LOCAL_FILE_SYSTEMS = new Set([0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x794c7630, 0xf2f52010, 0x2fc12fc1]);

export class AuthDirWatch {
  /** Bumped by every change the watch reports (and when the watch ends). */
  generation = 0;
  private watcher: FSWatcher | undefined;
  /** The device and inode of the dir watched. */
  private dev = -1;
  private ino = -1;
  /** The generation at which the dir at the path was last confirmed to be the one watched (-1: not confirmed). */
  private confirmed = -1;

  constructor(private readonly dir: string) {}

  /**
   * The generation when the watch is confirmed and nothing changed since (a look taken at this
   * generation still holds); undefined when a look must be taken.
   */
  current(): number | undefined {
    return this.watcher !== undefined && this.confirmed === this.generation ? this.generation : undefined;
  }

  /**
   * After a look at the dir (`stat`, taken when the generation was `generation`): whether the watch
   * covered that look (it watched the dir at the path before the look, and nothing changed since).
   * Starts a watch when there is none or the dir at the path is another one (a look then is not
   * covered yet: the next one is).
   */
  confirm(stat: Stats | undefined, generation: number): boolean {
    if (!stat) {
      this.stop();
      return false;
    }
    if (this.watcher !== undefined && stat.ino === this.ino && stat.dev === this.dev) {
      this.confirmed = generation;
      return generation === this.generation;
    }
    this.stop();
    this.start(stat);
    return false;
  }

  /** Whether the watch sees every change of `file` (a link's target may change elsewhere). */
  static covers(file: string): boolean {
    try {
      const stat = lstatSync(file);
      return stat.isFile() && stat.nlink === 1;
    } catch {
      return false;
    }
  }

  close(): void {
    this.stop();
  }

  private start(stat: Stats): void {
    try {
      if (!LOCAL_FILE_SYSTEMS.has(statfsSync(this.dir).type)) return;
      // The dir itself removed or moved (inotify's IN_DELETE_SELF, IN_MOVE_SELF, IN_IGNORED, which
      // libuv names by the dir's own name): the watch reports nothing more, yet a dir made again at
      // the path may get the same inode (ext4 reuses it at once), and confirm would trust it.
      const self = path.basename(this.dir);
      const watcher = watch(this.dir, {persistent: false}, (_event, name) => {
        this.generation++;
        if (name === self && this.watcher === watcher) this.stop();
      });
      watcher.on('error', () => {
        if (this.watcher === watcher) this.stop();
      });
      this.watcher = watcher;
      this.dev = stat.dev;
      this.ino = stat.ino;
    } catch {
      // No watch (no inotify watches left, the dir gone meanwhile): every request looks, as before.
    }
  }

  private stop(): void {
    if (!this.watcher) return;
    this.watcher.close();
    this.watcher = undefined;
    this.confirmed = -1;
    this.generation++;
  }
}
