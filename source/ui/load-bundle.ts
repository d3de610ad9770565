// Runs the TUI's bundle (dist/tui/launch-script.js, made by scripts/bundle-tui.mjs) with a V8 code
// cache. Node 20 has no compile cache for ES modules, so the bundle is one script, and compiling
// its ~1 MB and the functions the first frame runs was a fifth of the first frame. The cache holds
// what V8 compiled in an earlier start; it is only ever a shortcut: a cache that is missing, stale
// (another bundle, Node or V8), damaged, or not private to this user is not used, and the bundle
// is compiled as without one. The cache is code, so it is read only from a dir and file that this
// user alone owns and can write (0700, 0600), never from the token dirs.
import {createHash, randomBytes} from 'node:crypto';
import {chmodSync, closeSync, constants as fsConstants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {createRequire, Module} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {setFlagsFromString} from 'node:v8';
import {Script} from 'node:vm';
import {insideTokenDir} from '../store/paths.js';

/** What the bundle's function returns: launch.ts's exports. */
type LaunchModule = typeof import('./launch.js');
/** The bundle: a function of `require`, the bundle's URL (import.meta.url) and import(). */
type RunBundle = (require: NodeJS.Require, url: string, importModule: (specifier: string) => Promise<unknown>) => Promise<LaunchModule>;

/** First line of a cache file; a new layout changes the number. */
const MAGIC = 'ccs-tui v8 code cache 1';
/** Caches kept for other bundles (an upgrade, a second checkout) besides the one written now. */
const KEEP_OTHERS = 3;
/** When the cache is written if the TUI is still open: its first frame is drawn by then. */
const WRITE_AFTER_MS = 1000;
/** A cache file larger than this is not read (ccs-tui's is ~1.2 MB): a runaway file is no cache. */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Where the code cache lives: $XDG_CACHE_HOME/ccs-tui, else ~/.cache/ccs-tui (~/Library/Caches/ccs-tui
 * on macOS). None where files have no owner to check (Windows), nor without a home (HOME unset and
 * no passwd entry: os.homedir() throws, and a cache is not worth failing the start for), nor in or
 * under a token dir (store/paths.ts insideTokenDir).
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (typeof process.getuid !== 'function') return undefined;
  let home: string;
  try {
    home = env.HOME || os.homedir();
  } catch {
    return undefined;
  }
  if (!path.isAbsolute(home) && !(env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME))) return undefined;
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : process.platform === 'darwin' ? path.join(home, 'Library', 'Caches') : path.join(home, '.cache');
  const dir = path.join(base, 'ccs-tui');
  return insideTokenDir(dir, env) ? undefined : dir;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * The cache dir, made 0700 if it is not there; undefined when it is not this user's alone. Dirs are
 * made only inside a dir of this user's: `sudo ccs-tui` with the user's HOME would otherwise leave a
 * root-owned ~/.cache (or ~/.cache/ccs-tui) that the user's own starts can never use again.
 */
function privateDir(dir: string): string | undefined {
  try {
    let existing = dir;
    for (;;) {
      try {
        if (lstatSync(existing).uid !== process.getuid!()) return undefined;
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(existing) === existing) return undefined;
        existing = path.dirname(existing);
      }
    }
    mkdirSync(dir, {recursive: true, mode: 0o700});
    const stat = lstatSync(dir);
    if (!stat.isDirectory() || stat.uid !== process.getuid!()) return undefined;
    if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
    return dir;
  } catch {
    return undefined;
  }
}

/** The cached data in `file` for the bundle whose hash is `key`, if it is intact and this user's alone. */
function readCache(file: string, key: string): Buffer | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO of that name would otherwise hang the start until something wrote to it.
    fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.uid !== process.getuid!() || (stat.mode & 0o077) !== 0 || stat.size > MAX_CACHE_BYTES) return undefined;
    const data = readFileSync(fd);
    const headerEnd = data.indexOf(10);
    const [magic, bundle, payloadHash] = data.subarray(0, Math.max(0, headerEnd)).toString('latin1').split(' | ');
    const payload = data.subarray(headerEnd + 1);
    if (headerEnd < 0 || magic !== MAGIC || bundle !== key || payloadHash !== sha256(payload)) return undefined;
    return payload;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes the cache of what V8 compiled so far whole (a temp file renamed over), 0600, and drops all but the newest few others. */
function writeCache(dir: string, file: string, key: string, script: Script): void {
  let payload: Buffer;
  try {
    payload = script.createCachedData();
  } catch {
    return; // V8 declining: the next start compiles again
  }
  // A random name: two TUIs starting at once (a pid can repeat across containers sharing a home)
  // each write their own, and a failed write removes only its own.
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o600);
  } catch {
    return; // a read-only or missing dir: the next start compiles again
  }
  try {
    try {
      writeFileSync(fd, Buffer.concat([Buffer.from(`${MAGIC} | ${key} | ${sha256(payload)}\n`, 'latin1'), payload]));
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch {
    // No cache this time (a full disk): the next start compiles again.
    rmSync(temp, {force: true});
    return;
  }
  try {
    pruneOthers(dir, file);
  } catch {
    // The dir went away meanwhile: nothing to prune.
  }
}

/** Drops all but the newest few cache files of other bundles. */
function pruneOthers(dir: string, file: string): void {
  // Only files named as ours; one another TUI removed meanwhile is skipped.
  const others = readdirSync(dir)
    .filter((name) => /^tui-[0-9a-f]{64}\.v8$/.test(name) && path.join(dir, name) !== file)
    .flatMap((name) => {
      try {
        return [{name, at: lstatSync(path.join(dir, name)).mtimeMs}];
      } catch {
        return [];
      }
    })
    .sort((a, b) => b.at - a.at);
  for (const {name} of others.slice(KEEP_OTHERS)) rmSync(path.join(dir, name), {force: true});
}

/**
 * The V8 flag that lets a function of the TUI run eight times as long as V8's default before its
 * optimizing compiler (TurboFan) takes it up, for the V8 of `v8Version` (process.versions.v8);
 * undefined for a V8 it is not known for. V8's default suits a page or a server whose code runs hot
 * for long. Most of the TUI's runs in short bursts (a redraw, a quota result), and in the first
 * seconds of a 1,000-account quota poll TurboFan's background threads used as much CPU as the TUI
 * itself, compiling ~400 functions. Four times the budget brought the window's CPU to about three
 * quarters of V8's default on Node 20 and 22; eight times, once frames had become cheaper, to ~0.9 of
 * that again (Node 20, 0.94 on Node 22), with key press → frame unchanged within its 16 ms budget
 * (docs/benchmarks.md). Code that stays hot is optimized all the same, a little later. V8 11.3
 * (Node 20) counts bytecode run (`--interrupt-budget`, 66 KiB); V8 12 and later count calls
 * (`--invocation-count-for-turbofan`, 3,000). An unknown flag is not an error, but V8 prints it on
 * stderr, which is the user's terminal: so none for a V8 not listed here.
 */
export function tuiTieringFlag(v8Version: string): string | undefined {
  const [major = Number.NaN, minor = Number.NaN] = v8Version.split('.').map(Number);
  if (major === 11 && minor === 3) return '--interrupt-budget=540672';
  if (major >= 12 && major <= 14) return '--invocation-count-for-turbofan=24000';
  return undefined;
}

/**
 * Whether `execArgv` sets the V8 flag of `flag` (`--name=value`) as V8 reads it: one dash or two, `_`
 * or `-` between words (`--interrupt_budget=…` is V8's `--interrupt-budget`), and that name whole
 * (`--interrupt-budget-for-feedback-allocation` is another flag).
 */
export function givenOnCommandLine(flag: string, execArgv: readonly string[]): boolean {
  const name = (arg: string) => arg.split('=')[0]!.replace(/^--?/, '').replace(/_/g, '-');
  return execArgv.some((arg) => arg.startsWith('-') && name(arg) === name(flag));
}

/**
 * Compiles and runs the bundle at `bundle` (a function expression of `require`, the bundle's URL and
 * `import`, that resolves to launch.ts's exports), with the code cache in `cacheDir` (undefined: none).
 */
export async function loadBundle(bundle: string, cacheDir: string | undefined = codeCacheDir()): Promise<LaunchModule> {
  const source = readFileSync(bundle);
  // Before the bundle is compiled: a code cache is V8's for one set of flags, so it is made and
  // taken under the same. V8 reads the budget each time it resets a function's, so setting it now
  // (Node's warning on flags changed at run time) takes effect for the code that runs from here.
  // A budget given on the command line is the user's and stays.
  const tiering = tuiTieringFlag(process.versions.v8);
  if (tiering && !givenOnCommandLine(tiering, process.execArgv)) setFlagsFromString(tiering);
  // import() for the ES modules the bundle leaves out (open): a script's own needs a Node flag.
  const importModule = (specifier: string) => import(specifier);
  if (process.sourceMapsEnabled) {
    // --enable-source-maps: Node 20 maps the traces of CommonJS modules, not of vm scripts, so the
    // bundle runs as one (no cache), and a stack trace names the source files.
    const module = new Module(bundle) as Module & {_compile(code: string, file: string): void};
    module.filename = bundle;
    module.paths = (Module as unknown as {_nodeModulePaths(dir: string): string[]})._nodeModulePaths(path.dirname(bundle));
    module._compile(`module.exports = ${source.toString('utf8')}`, bundle);
    return (module.exports as RunBundle)(createRequire(bundle), pathToFileURL(bundle).href, importModule);
  }
  // V8 takes a cache only from its own version and CPU: Node 20 and 22 (or an arm64 and an x64 Node
  // sharing a home) would otherwise each reject and rewrite the other's at every start.
  // Hashed in two updates: a concatenated copy of the ~1 MB bundle was a fresh allocation whose page
  // faults alone took milliseconds before the first frame.
  const key = createHash('sha256').update(source).update(`\0${process.versions.v8} ${process.arch}`, 'latin1').digest('hex');
  const dir = cacheDir === undefined ? undefined : privateDir(cacheDir);
  const file = dir && path.join(dir, `tui-${key}.v8`);
  const cachedData = file ? readCache(file, key) : undefined;
  const script = new Script(source.toString('utf8'), {
    filename: bundle,
    cachedData,
  });
  if (dir && file && (!cachedData || script.cachedDataRejected)) {
    // Written once the first frame is drawn, or on the way out if the TUI is quit before that.
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      process.off('exit', write);
      writeCache(dir, file, key, script);
    };
    setTimeout(write, WRITE_AFTER_MS).unref();
    process.on('exit', write);
  }
  return (script.runInThisContext() as RunBundle)(createRequire(bundle), pathToFileURL(bundle).href, importModule);
}
