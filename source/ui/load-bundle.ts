// Runs the TUI's bundle (dist/tui/launch-script.js, made by scripts/bundle-tui.mjs) with a V8 code
// cache. Node 20 has no compile cache for ES modules, so the bundle is one script, and compiling
// its ~1 MB and the functions the first frame runs was a fifth of the first frame. The cache holds
// what V8 compiled in an earlier start; it is only ever a shortcut: a cache that is missing, stale
// (another bundle, Node or V8), damaged, or not private to this user is not used, and the bundle
// is compiled as without one. The cache is code, so it is read only from a dir and file that this
// user alone owns and can write (0700, 0600), never from the token dirs.
// No node:crypto here: loading it took ~5 ms before the first frame, and hashing the bundle and the
// cache ~3 ms more. The bundle names itself (its build's SHA-256, BUNDLE_ID_MARK), the cache records
// the bundle file's size and time, and V8 checks the cache's own checksum (CHECKSUM_FLAG).
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

/** First field of a cache file's header line; a new layout changes the number. */
const MAGIC = 'ccs-tui v8 code cache 2';

/**
 * How the bundle's last line starts: then its build's SHA-256 of everything before that line, in hex
 * (scripts/bundle-tui.mjs). A bundle without it gets no cache.
 */
export const BUNDLE_ID_MARK = '//# ccs-tui-bundle ';

/**
 * V8 checks a code cache's checksum only under this flag (a release build does not by default, and
 * a damaged cache then crashes the process): set before the bundle is compiled, so the cache is made
 * and read under it. A damaged one is rejected, and the bundle compiled as without it.
 */
const CHECKSUM_FLAG = '--verify-snapshot-checksum';
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

/**
 * The cached data in `file` for the bundle whose header line is `header` (its build, Node's V8 and
 * CPU, and the bundle file's size and time), if it is this user's alone and its header is that one.
 * V8 checks the rest (CHECKSUM_FLAG).
 */
function readCache(file: string, header: string): Buffer | undefined {
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
    if (headerEnd < 0 || data.toString('latin1', 0, headerEnd) !== header) return undefined;
    return data.subarray(headerEnd + 1);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes the cache of what V8 compiled so far whole (a temp file renamed over), 0600, and drops all but the newest few others. */
function writeCache(dir: string, file: string, header: string, script: Script): void {
  let payload: Buffer;
  try {
    payload = script.createCachedData();
  } catch {
    return; // V8 declining: the next start compiles again
  }
  // A random name: two TUIs starting at once (a pid can repeat across containers sharing a home)
  // each write their own, and a failed write removes only its own.
  const temp = `${file}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o600);
  } catch {
    return; // a read-only or missing dir: the next start compiles again
  }
  try {
    try {
      writeFileSync(fd, Buffer.concat([Buffer.from(`${header}\n`, 'latin1'), payload]));
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

/** A cache file's name: `tui-<bundle id>-<V8 version>-<CPU>-<bundle file's inode>.v8` (and the older layout's names, pruned alike). */
const CACHE_NAME = /^tui-[0-9a-f]{64}(-[0-9a-z._-]+)?\.v8$/;

/** Drops all but the newest few cache files of other bundles. */
function pruneOthers(dir: string, file: string): void {
  // Only files named as ours; one another TUI removed meanwhile is skipped.
  const others = readdirSync(dir)
    .filter((name) => CACHE_NAME.test(name) && path.join(dir, name) !== file)
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
  const fd = openSync(bundle, 'r');
  let source: Buffer;
  let stat: ReturnType<typeof fstatSync>;
  try {
    source = readFileSync(fd);
    stat = fstatSync(fd);
  } finally {
    closeSync(fd);
  }
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
  // A V8 the checksum flag is not known for gets no cache: it might not check one, and V8 prints an unknown flag on stderr.
  const checked = checksumFlagKnown(process.versions.v8);
  if (checked) setFlagsFromString(CHECKSUM_FLAG);
  const id = checked ? bundleId(source) : undefined;
  // V8 takes a cache only from its own version and CPU: Node 20 and 22 (or an arm64 and an x64 Node
  // sharing a home) each have their own file, else they would reject and rewrite each other's at
  // every start; so does each copy of the bundle file (two checkouts of one build). The bundle
  // file's size, times and inode: a bundle edited in place (its id line kept) is another, whatever
  // its mtime is set back to (its ctime moves with any write, and no tool sets it).
  const runtime = `${process.versions.v8}-${process.arch}`.replace(/[^0-9a-z._-]/gi, '_');
  const header = id && `${MAGIC} | ${id} | ${runtime} | ${stat.size} ${stat.mtimeMs} ${stat.ctimeMs} ${stat.dev}:${stat.ino}`;
  const dir = header && cacheDir !== undefined ? privateDir(cacheDir) : undefined;
  const file = dir && path.join(dir, `tui-${id}-${runtime}-${stat.ino}.v8`);
  const cachedData = file && header ? readCache(file, header) : undefined;
  const script = new Script(source.toString('utf8'), {
    filename: bundle,
    cachedData,
  });
  if (dir && file && header && (!cachedData || script.cachedDataRejected)) {
    // Written once the first frame is drawn, or on the way out if the TUI is quit before that.
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      process.off('exit', write);
      writeCache(dir, file, header, script);
    };
    setTimeout(write, WRITE_AFTER_MS).unref();
    process.on('exit', write);
  }
  return (script.runInThisContext() as RunBundle)(createRequire(bundle), pathToFileURL(bundle).href, importModule);
}

/** Whether CHECKSUM_FLAG is known to the V8 of `v8Version` (process.versions.v8): V8 11 to 14 (Node 20 to 25). */
export function checksumFlagKnown(v8Version: string): boolean {
  const major = Number(v8Version.split('.')[0]);
  return major >= 11 && major <= 14;
}

/** The bundle's id from its last line (BUNDLE_ID_MARK and 64 hex digits), or undefined. */
export function bundleId(source: Buffer): string | undefined {
  const end = source.length > 0 && source[source.length - 1] === 10 ? source.length - 1 : source.length;
  const start = source.lastIndexOf(10, end - 1) + 1;
  const line = source.toString('latin1', start, end);
  if (!line.startsWith(BUNDLE_ID_MARK)) return undefined;
  const id = line.slice(BUNDLE_ID_MARK.length);
  return /^[0-9a-f]{64}$/.test(id) ? id : undefined;
}
