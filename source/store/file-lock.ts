// The store's cross-process lock on a file: proper-lockfile's `<target>.lock` directory (CCS uses
// the same scheme).
import path from 'node:path';
import {ensurePrivateDir} from './files.js';

export interface LockOptions {
  /** How long to keep trying before giving up, in ms. */
  waitMs?: number;
  /** A lock older than this is taken over (its holder died). */
  staleMs?: number;
}

/**
 * Runs `work` while holding a cross-process lock on `target` (which need not exist). The lock is a
 * `<target>.lock` directory (proper-lockfile), so it also excludes CCS processes that use the same scheme.
 */
export async function withFileLock<T>(target: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await ensurePrivateDir(path.dirname(target));
  const waitMs = options.waitMs ?? 30_000;
  const started = Date.now();
  // Loaded on first use: read-only commands never pay for it.
  const {default: lockfile} = await import('proper-lockfile');
  let release: (() => Promise<void>) | undefined;
  for (let attempt = 0; !release; attempt++) {
    try {
      release = await lockfile.lock(target, {
        realpath: false,
        // A holder refreshes the lock's mtime every second; one killed mid-write leaves a lock that
        // others take over after 5 s, so a SIGKILLed process blocks nobody for long.
        stale: options.staleMs ?? 5_000,
        update: 1_000,
        onCompromised: () => undefined,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || Date.now() - started > waitMs) {
        if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
          throw new Error(`${target} is locked by another process (waited ${Math.round(waitMs / 1000)} s)`);
        }
        throw error;
      }
      const backoff = Math.min(100, 5 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}
