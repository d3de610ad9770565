// Runs the built `ccs-tui` binary (dist/) as a user would, capturing what it prints.
import {spawn, type ChildProcess, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {killOnInterrupt, stopProxyOnInterrupt} from './interrupt.js';

/** The repository root, found from this file whether it runs compiled (dist/test) or from source. */
export const repoRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();
export const binPath = path.join(repoRoot, 'dist', 'source', 'cli', 'main.js');
/** The `ccs-tui` command npm installs (a shell script that runs binPath on PATH's node). */
export const commandPath = path.join(repoRoot, 'bin', 'ccs-tui');
/** `env` with this test's node first on PATH: the one commandPath runs. */
export const withThisNode = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}`});

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Spawns the binary. It, and any proxy it starts in its CCS dir (`proxy start`, `run`), are stopped
 * if this test process is interrupted (helpers/interrupt.ts).
 */
function spawnBin(args: string[], env: NodeJS.ProcessEnv, options: {detached?: boolean; stdin?: 'ignore'; viaCommand?: boolean} = {}): ChildProcessWithoutNullStreams {
  const stdio = [options.stdin ?? 'pipe', 'pipe', 'pipe'] as const;
  const child = options.viaCommand
    ? spawn(commandPath, args, {env: withThisNode(env), stdio: [...stdio], detached: options.detached})
    : spawn(process.execPath, [binPath, ...args], {env, stdio: [...stdio], detached: options.detached});
  const forget = killOnInterrupt(child.pid);
  child.once('exit', forget);
  stopProxyOnInterrupt(env.CCS_DIR);
  // Its stdout and stderr are pipes; its stdin too unless `stdin: 'ignore'` (then it is not used).
  return child as ChildProcessWithoutNullStreams;
}

/** Runs the binary (`viaCommand`: through the `ccs-tui` command, bin/ccs-tui, as installed). */
export function runBin(args: string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 20_000, options: {viaCommand?: boolean} = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawnBin(args, env, options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr});
    });
    // A command that exits without reading its input (an error at once) closes the pipe first: EPIPE here is no failure of the command.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/**
 * Runs the binary, calling `onOutput` with stdout (or, `watch: 'stderr'`, stderr) so far until it
 * returns true (once); stdin stays open for it.
 */
/**
 * A runInteractive watcher for a device-code login: once the address and the code are on stdout,
 * `approve(address)` does the browser's part, and the watch is over.
 */
export const approveDeviceLogin = (approve: (url: string) => unknown) => (stdout: string): boolean => {
  const url = /Open: +(\S+)/.exec(stdout)?.[1];
  if (!url || !/Code: +\S+/.test(stdout)) return false;
  void approve(url);
  return true;
};

export function runInteractive(
  args: string[],
  env: NodeJS.ProcessEnv,
  onOutput: (output: string, stdin: NodeJS.WritableStream) => boolean | Promise<boolean>,
  {watch = 'stdout'}: {watch?: 'stdout' | 'stderr'} = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawnBin(args, env);
    let stdout = '';
    let stderr = '';
    let handled = false;
    const heard = async () => {
      if (!handled && (await onOutput(watch === 'stdout' ? stdout : stderr, child.stdin))) handled = true;
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      if (watch === 'stdout') void heard();
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (watch === 'stderr') void heard();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr});
    });
  });
}

/** A `ccs-tui proxy serve` started as a shell starts a job, once it listens. */
export interface ServedByHand {
  shell: ChildProcess;
  /** The pid the listening line names (the process that serves). */
  pid: number;
  port: number;
  output: {stdout: string; stderr: string};
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
}

/**
 * Runs `ccs-tui proxy serve <args>` as a shell starts it (its own process group, a terminal's job;
 * no IPC channel) and resolves once its listening line is out; rejects when it exits first. Both
 * pids (the command's and the serving one's) are pushed to `started` for the test's cleanup.
 */
export async function serveByHand(args: string[], env: NodeJS.ProcessEnv, started: number[]): Promise<ServedByHand> {
  const shell = spawnBin(['proxy', 'serve', ...args], env, {stdin: 'ignore', detached: true});
  started.push(shell.pid!);
  const output = {stdout: '', stderr: ''};
  shell.stderr!.on('data', (d) => (output.stderr += d));
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => shell.once('exit', (code, signal) => resolve({code, signal})));
  const listening = await new Promise<RegExpExecArray>((resolve, reject) => {
    shell.stdout!.on('data', (d) => {
      output.stdout += d;
      const line = /listening on http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/.exec(output.stdout);
      if (line) resolve(line);
    });
    void exited.then(({code}) => reject(new Error(`exited ${code} before listening: ${output.stderr}`)));
  });
  started.push(Number(listening[2]));
  killOnInterrupt(Number(listening[2]));
  return {shell, port: Number(listening[1]), pid: Number(listening[2]), output, exited};
}

/** SIGKILLs every pid of `pids` still running (a test's cleanup: a failed test must not leave one serving). */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
