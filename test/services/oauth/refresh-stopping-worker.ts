// refresh-worker.ts (or, with `--cli` first, the built ccs-tui binary), suspending itself (SIGSTOP)
// or dying (SIGKILL) at one exact step of its refresh: the first file operation whose "<op>:<path>"
// matches STOP_AT or KILL_AT (fs.promises open/rename/link; rename and utimes, sync or not; `made:`
// a dir once mkdir made it). With BUSY_POOL_AT, the file system thread pool is held up instead (by an
// open of the FIFO BUSY_FIFO, which waits for a writer, as a lookup of an unreachable DNS server does)
// from the moment the temp file it names is closed: the process runs on, but whatever it hands the
// pool from then waits. The code under test is not changed: only this process's file system calls
// are watched.
import fsCallback from 'node:fs';
import fs from 'node:fs/promises';
import {syncBuiltinESMExports} from 'node:module';
import {binPath} from '../../helpers/cli.js';

const pattern = process.env.STOP_AT ?? process.env.KILL_AT;
if (pattern) {
  const signal = process.env.STOP_AT ? 'SIGSTOP' : 'SIGKILL';
  const at = new RegExp(pattern);
  let done = false;
  const calls = fs as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const op of ['open', 'rename', 'link']) {
    const real = calls[op]!;
    calls[op] = function (this: unknown, file: unknown, ...rest: unknown[]) {
      if (!done && at.test(`${op}:${String(file)}`)) {
        done = true;
        process.stderr.write(`stopping at ${op} ${String(file)}\n`);
        process.kill(process.pid, signal);
      }
      return real.call(this, file, ...rest);
    };
  }
  const callbacks = fsCallback as unknown as Record<string, (...args: unknown[]) => unknown>;
  // A store write's rename is synchronous (made right after its check): watched as `rename:` too.
  for (const op of ['utimes', 'utimesSync', 'renameSync']) {
    const real = callbacks[op]!;
    callbacks[op] = function (this: unknown, file: unknown, ...rest: unknown[]) {
      if (!done && at.test(`${op.replace(/Sync$/, '')}:${String(file)}`)) {
        done = true;
        process.stderr.write(`stopping at ${op} ${String(file)}\n`);
        process.kill(process.pid, signal);
      }
      return real.call(this, file, ...rest);
    };
  }
  // A lock dir made: stopped once it is there, before its maker goes on (`made:<path>`).
  const realMkdir = callbacks.mkdir!;
  callbacks.mkdir = function (this: unknown, dir: unknown, ...rest: unknown[]) {
    const callback = rest.pop() as (error: unknown) => void;
    return realMkdir.call(this, dir, ...rest, (error: unknown) => {
      if (!error && !done && at.test(`made:${String(dir)}`)) {
        done = true;
        process.stderr.write(`stopping once ${String(dir)} is made\n`);
        process.kill(process.pid, signal);
      }
      callback(error);
    });
  };
  // Named imports of node:fs see the replaced sync calls too.
  syncBuiltinESMExports();
}

const busyAt = process.env.BUSY_POOL_AT;
if (busyAt) {
  // UV_THREADPOOL_SIZE=1 (set by the test): the close is handed over, then one open of the FIFO, which
  // takes the one thread as soon as the close is done.
  const at = new RegExp(busyAt);
  const realOpen = fs.open;
  let done = false;
  fs.open = async function (file: Parameters<typeof fs.open>[0], ...rest: unknown[]) {
    const handle = await (realOpen as (...args: unknown[]) => Promise<fs.FileHandle>)(file, ...rest);
    if (!done && at.test(String(file))) {
      done = true;
      const realClose = handle.close.bind(handle);
      handle.close = () => {
        const closed = realClose();
        void fs.readFile(process.env.BUSY_FIFO!).catch(() => undefined);
        process.stderr.write(`pool busy after closing ${String(file)}\n`);
        return closed;
      };
    }
    return handle;
  } as typeof fs.open;
}
if (process.argv[2] === '--cli') {
  process.argv.splice(2, 1);
  await import(binPath);
} else {
  await import('./refresh-worker.js');
}
