// refresh-worker.ts (or, with `--cli` first, the built ccs-tui binary), suspending itself (SIGSTOP) or dying (SIGKILL) at one exact step of its refresh:
// the first file operation (fs.promises open/rename/link, the utimes a lock's holder sets its
// lock's mtime with, or `made:` a dir just made by mkdir) whose "<op>:<path>" matches STOP_AT or KILL_AT. The code under test is not changed:
// only this process's file system calls are watched.
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
  for (const op of ['utimes', 'utimesSync']) {
    const real = callbacks[op]!;
    callbacks[op] = function (this: unknown, file: unknown, ...rest: unknown[]) {
      if (!done && at.test(`utimes:${String(file)}`)) {
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
  // Named imports of node:fs see the replaced utimesSync too.
  syncBuiltinESMExports();
}

if (process.argv[2] === '--cli') {
  process.argv.splice(2, 1);
  await import(binPath);
} else {
  await import('./refresh-worker.js');
}
