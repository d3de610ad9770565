// refresh-worker.ts (or, with `--cli` first, the built ccs-tui binary), suspending itself (SIGSTOP) or dying (SIGKILL) at one exact step of its refresh:
// the first file operation (fs.promises open/rename/link) whose "<op>:<path>" matches STOP_AT or
// KILL_AT. The code under test is not changed: only this process's file system calls are watched.
import fs from 'node:fs/promises';
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
}
if (process.argv[2] === '--cli') {
  process.argv.splice(2, 1);
  await import(binPath);
} else {
  await import('./refresh-worker.js');
}
