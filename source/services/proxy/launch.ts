// How a proxy process is started: the built-in one (`ccs-tui proxy serve`, this same program) or the
// CLIProxyAPI binary on the same config.yaml when the person asked for it and it is on PATH.
import {accessSync, closeSync, constants, openSync, readSync, statSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {CcsPaths} from '../../store/paths.js';
import {existsSync} from 'node:fs';

export interface ServeTarget {
  provider?: string;
  account?: string;
  port?: number;
}

export interface LaunchCommand {
  file: string;
  args: string[];
  kind: 'builtin' | 'cliproxy-binary';
}

/**
 * The `ccs-tui` binary's Node entry, which package.json's `bin` (bin/ccs-tui, a shell script) runs.
 * Found from the package root rather than relative to this module, because this module also runs
 * from the TUI bundle (dist/tui/).
 */
export const cliEntryPoint = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'source', 'cli', 'main.js');
})();

export const CLIPROXY_BINARY_NAMES = ['cli-proxy-api', 'CLIProxyAPI'] as const;

/** The first CLIProxyAPI binary on PATH, or undefined. */
export function findCliproxyBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findOnPath(CLIPROXY_BINARY_NAMES, env);
}

/** The first executable of `names` on PATH (directory by directory), or undefined. */
export function findOnPath(names: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (runnableProblem(candidate) === undefined) return candidate;
    }
  }
  return undefined;
}

/**
 * Why `file` cannot be executed (`does not exist`, `is a directory`, `is not executable`), or
 * undefined when it can: what spawn() would fail on (ENOENT, EACCES), asked before anything starts.
 */
export function runnableProblem(file: string): string | undefined {
  let stat;
  try {
    stat = statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
  }
  if (stat.isDirectory()) return 'is a directory';
  if (!stat.isFile()) return 'is not a regular file';
  try {
    accessSync(file, constants.X_OK);
  } catch {
    return 'is not executable';
  }
  return undefined;
}

/**
 * Why an executable script cannot start although it is there and executable: its `#!` line names an
 * interpreter that does not exist or cannot run, and spawn() then fails with ENOENT as if the script
 * itself were missing. `#!/usr/bin/env node` is not looked into: env runs and says what it lacks.
 * Undefined when there is no such line, or its interpreter can run.
 */
export function interpreterProblem(file: string): {interpreter: string; problem: string} | undefined {
  let head = '';
  try {
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(256);
      head = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const interpreter = /^#!\s*(\S+)/.exec(head)?.[1];
  if (!interpreter?.startsWith('/') || path.basename(interpreter) === 'env') return undefined;
  const problem = runnableProblem(interpreter);
  return problem ? {interpreter, problem} : undefined;
}

export function builtinServeArgs(target: ServeTarget): string[] {
  return [
    'proxy',
    'serve',
    ...(target.port !== undefined ? ['--port', String(target.port)] : []),
    ...(target.provider ? ['--provider', target.provider] : []),
    // As one word: an account id beginning with `-` (an email from a file) would read as an option.
    ...(target.account ? [`--account=${target.account}`] : []),
  ];
}

/**
 * The old generation's allocation limit never drops below this (MB; `--initial-old-space-size`),
 * so a full collection (mark-compact) waits until the JS heap plus the ArrayBuffer bytes allocated
 * since the last one reach it. V8 (Node 20's, and still 22's) counts those bytes against the old
 * generation's limit but sets the limit from the JS heap's growth alone. Relaying bulk bodies, the
 * proxy's ~10 MB heap barely grows, so V8 set the limit to the heap plus ~12 MB, while each 64 KB
 * socket read is a new ArrayBuffer and a scavenge comes only every ~16 MB of them: marking started
 * on garbage a scavenge was about to free, and each mark-compact promoted the buffers in flight,
 * which fed the next (12–40 mark-compacts per 48 answers of 16 MB at 16 connections, ~45 % of the
 * proxy's instructions, issue 14). A bare node:http relay escapes only because its 4 MB heap is
 * under V8's 8 MB threshold for starting incremental marking. At 48 MB the same run has 1–2; 40 MB
 * was not enough (~22). JSON traffic's own limit is already about this (4× its ~11 MB heap), so
 * its peak RSS barely moves (bench: 72.3 → 74.8 MB over 60,000 requests, one run each, loaded box).
 */
const OLD_SPACE_FLOOR_MB = 48;

/**
 * Node flags for the proxy child. A small young generation: the proxy's garbage is short-lived
 * request buffers, and V8's default 16 MB semi-spaces keep ~20 MB more RSS for nothing. Not too
 * small: at 2 MB a collection came every few requests, so the objects of requests still in flight
 * survived two of them and were promoted; measured over 60,000 JSON requests at 16 connections
 * (issue 14), 2 MB cost ~25 µs more CPU per request and ~25 MB more peak RSS than 4 MB (3 MB ≈ 4 MB,
 * 8 MB +8 MB RSS, default +18 MB).
 */
export const PROXY_NODE_FLAGS = ['--max-semi-space-size=4', `--initial-old-space-size=${OLD_SPACE_FLOOR_MB}`] as const;

/**
 * Set in the environment of a `proxy serve` run again with PROXY_NODE_FLAGS (rerun.ts): it is not
 * run again a second time, whatever its flags look like. Its value is the pid of the process that
 * ran it again, which it watches (proxy/serve.ts ServeOptions starterPid).
 */
export const PROXY_RERUN_MARK = 'CCS_TUI_PROXY_RERUN';

/** Passes a background proxy the pid of the process starting it (pid-file.ts ProxyPidFile startedBy). */
export const PROXY_STARTED_BY = 'CCS_TUI_PROXY_STARTED_BY';

/**
 * Whether a `proxy serve` in this process should run again with PROXY_NODE_FLAGS (rerun.ts): not
 * when its Node already has them (on its command line or in NODE_OPTIONS), not when it was run
 * again already, not under a supervisor (an IPC channel: the TUI chose its flags), and not when its
 * output is not this process's own stdout and stderr (a caller in the same process, such as a test).
 */
export function needsProxyNodeFlags(output: {stdout: unknown; stderr: unknown}, env: NodeJS.ProcessEnv, execArgv: readonly string[] = process.execArgv): boolean {
  if (env[PROXY_RERUN_MARK] !== undefined || process.send !== undefined) return false;
  const fd = (stream: unknown) => (stream as {fd?: unknown}).fd;
  if (fd(output.stdout) !== 1 || fd(output.stderr) !== 2) return false;
  const given = new Set([...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)]);
  return !PROXY_NODE_FLAGS.every((flag) => given.has(flag));
}

/**
 * What to run. The binary reads everything from config.yaml (`-config`, its only flag for this), so
 * provider, account and port choices apply to the built-in proxy only.
 */
export function launchCommand(paths: CcsPaths, target: ServeTarget, useCliproxyBinary: boolean, env: NodeJS.ProcessEnv = process.env): LaunchCommand {
  const binary = useCliproxyBinary ? findCliproxyBinary(env) : undefined;
  if (binary) return {file: binary, args: ['-config', paths.config], kind: 'cliproxy-binary'};
  return {file: process.execPath, args: [...PROXY_NODE_FLAGS, cliEntryPoint, ...builtinServeArgs(target)], kind: 'builtin'};
}
