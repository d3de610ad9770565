// `ccs-tui proxy serve` started by hand (from a shell, a service manager) runs with the Node flags
// the TUI's supervisor, `proxy start`, `run` and the bench give the proxy (launch.ts
// PROXY_NODE_FLAGS): V8 sizes its heap from flags read at start only, so a process started without
// them runs the command again, once, in a child that has them, and waits for it.
import {spawn} from 'node:child_process';
import {watchChild} from '../agents/launch.js';
import {cliEntryPoint, PROXY_NODE_FLAGS, PROXY_RERUN_MARK} from './launch.js';

/** Signals a person or a service manager stops a foreground proxy with. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `ccs-tui <args>` in a child with PROXY_NODE_FLAGS before this process's own Node flags,
 * sharing this process's stdin, stdout and stderr (file descriptors, so nothing is copied); resolves
 * with its exit code (128 + n when signal n ended it). A stop signal sent to this process is passed
 * on; a Ctrl-C reaches both from the terminal, and the proxy takes a repeated stop signal as one.
 * The child writes its own pid to the pid file, so `proxy stop` stops it and this process then
 * leaves with its code.
 */
export async function rerunWithProxyNodeFlags(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, [...PROXY_NODE_FLAGS, ...process.execArgv, cliEntryPoint, ...args], {
    stdio: 'inherit',
    // The mark carries this process's pid: the child stops when its parent is no longer this one.
    env: {...env, [PROXY_RERUN_MARK]: String(process.pid)},
  });
  const {spawned, exited} = watchChild(child);
  const forward = (signal: NodeJS.Signals) => void child.kill(signal);
  for (const signal of STOP_SIGNALS) process.on(signal, forward);
  try {
    await spawned;
    return await exited;
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, forward);
  }
}
