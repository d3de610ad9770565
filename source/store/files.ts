// Safe file primitives: private dirs, atomic writes, and parse errors that say where a file is
// broken. Every writer in the store goes through these (under the store's lock: file-lock.ts).
import {nodeCrypto} from '../core/crypto.js';
import fs from 'node:fs/promises';
import {closeSync, constants as fsConstants, fstatSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, renameSync, statSync} from 'node:fs';
import path from 'node:path';
import {jsonErrorOffset} from '../core/json-error-position.js';
import {sanitizeLine} from '../core/sanitize.js';
import {isProcessAlive} from './process-identity.js';
import {shellWord} from '../core/quote.js';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** A file that exists but cannot be understood. Carries the file and the position of the fault. */
export class CorruptFileError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    const where = line === undefined ? '' : `:${line}${column === undefined ? '' : `:${column}`}`;
    super(`${file}${where}: ${detail}`);
    this.name = 'CorruptFileError';
  }
}

export async function ensurePrivateDir(dir: string): Promise<void> {
  // Synchronous (as the reads are: readRegularFile): called before every write and lock, and two
  // trips through the thread pool cost far more CPU than the two system calls.
  const created = mkdirSync(dir, {recursive: true, mode: DIR_MODE});
  // mkdir's mode is masked by umask and ignored for existing dirs; our dirs hold secrets. Changed
  // only when wrong: a chmod is heard by every watcher of the dir (the TUI, CCS) as a change.
  let mode: number | undefined;
  if (created === undefined) {
    try {
      mode = statSync(dir).mode & 0o777;
    } catch {
      mode = undefined;
    }
  }
  if (mode !== DIR_MODE) await fs.chmod(dir, DIR_MODE).catch(() => undefined);
}

/**
 * A dir that belongs to someone else's program (an agent's `$CODEX_HOME`, `$CLAUDE_CONFIG_DIR`): created
 * 0700 when missing, but an existing one keeps the mode its owner chose. Returns a warning when it is
 * open to group or others (the caller shows it), else undefined.
 */
export async function ensureForeignDir(dir: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(dir);
    const exposed = exposedMode(stat.mode & 0o777);
    return exposed && `${dir} is ${exposed}, and it holds credentials (chmod 700 ${shellWord(dir)})`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fs.mkdir(dir, {recursive: true, mode: DIR_MODE});
  // Created by us: private regardless of the umask.
  await fs.chmod(dir, DIR_MODE);
  return undefined;
}

/**
 * A new name for a temp file beside `file`: `.<name>.<pid>.<random>.tmp`. Every temp file ccs-tui
 * writes is named so: the pid says whose it is (removeAbandonedTemps; refresh.ts adoptInterruptedSave).
 */
export const tempBeside = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${nodeCrypto().randomBytes(4).toString('hex')}.tmp`);

/** A name tempBeside gives: the file it was for, and the pid of its writer. */
const TEMP_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * How old a temp file is before it counts as abandoned: a write renames its temp file within
 * milliseconds of making it; one held up longer than this (suspended) finds its rename fail, and says so.
 */
export const ABANDONED_TEMP_MS = 10 * 60_000;

/**
 * Removes the temp files (tempBeside) in `dir` whose writer is gone: its pid has no process on this
 * host (a killed write: SIGKILL between the temp file and its rename), and the file is older than
 * ABANDONED_TEMP_MS (a writer in another pid namespace sharing the dir is never racing then). Returns
 * the names removed. Never for a dir whose temp files may hold a grant: the token dirs, where a
 * killed refresh's answer waits to be adopted (services/refresh.ts adoptInterruptedSave) and a killed
 * login's is the only copy of its grant, or the dirs of kept grants.
 */
export async function removeAbandonedTemps(dir: string, now: number = Date.now()): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[2]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || isProcessAlive(pid)) continue;
    const stat = await fs.lstat(path.join(dir, name)).catch(() => undefined);
    if (!stat?.isFile() || now - stat.mtimeMs < ABANDONED_TEMP_MS) continue;
    if (await fs.unlink(path.join(dir, name)).then(() => true, () => false)) removed.push(name);
  }
  return removed;
}

/**
 * Writes `content` into a new temp file beside `file` (tempBeside), synced, and returns its path:
 * the first half of an atomic replace, for a caller that checks something before its own rename.
 * O_EXCL with a random name: a file or symlink planted at the name is never written through (O_EXCL
 * fails on an existing path, symlink or not). Errors name `file`, not the temp file.
 */
export async function writeTempBeside(file: string, content: string, mode: number = FILE_MODE): Promise<string> {
  const temp = tempBeside(file);
  const handle = await fs.open(temp, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY | fsConstants.O_NOFOLLOW, mode).catch((error: unknown) => {
    throw namingFile(error, temp, file);
  });
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (error) {
    await fs.rm(temp, {force: true});
    throw namingFile(error, temp, file);
  } finally {
    await handle.close();
  }
  return temp;
}

/**
 * A failed write of `temp` told as one of `file`, the file the person knows (the temp file's random
 * name means nothing to them and is gone by the time they read it): `path` and the message name it.
 */
function namingFile(error: unknown, temp: string, file: string): unknown {
  const err = error as NodeJS.ErrnoException;
  if (typeof err?.message !== 'string') return error;
  if (err.path === temp) err.path = file;
  if ((err as {dest?: string}).dest === file) delete (err as {dest?: string}).dest;
  err.message = err.message.replace(` -> '${file}'`, '').split(temp).join(file);
  return err;
}

/**
 * Writes a file so that readers only ever see the old or the new content: temp file in the same
 * dir (writeTempBeside), fsync, rename. The file is 0600 from its first byte. Its dir is made private
 * (ensurePrivateDir) unless `keepDir` (a dir that is not ccs-tui's, which must exist already).
 * `commit`: given the rename once the temp file is written, it makes its checks and the rename in
 * one synchronous step (nothing else in this process runs, nor waits, between them; file-lock.ts: the
 * lock is still ours, the file as read). When it throws before renaming, nothing is written and the
 * temp file is removed, unless `keepRefused` takes it (its path): the caller removes it once the
 * write is made again.
 * Errors name `file` (a directory in its place: EISDIR with `path` = file).
 */
export async function writeFileAtomic(
  file: string,
  content: string,
  mode: number = FILE_MODE,
  {keepDir = false, commit, keepRefused}: {keepDir?: boolean; commit?: (rename: () => void) => Promise<void>; keepRefused?: (temp: string) => void} = {},
): Promise<void> {
  if (!keepDir) await ensurePrivateDir(path.dirname(file));
  const temp = await writeTempBeside(file, content, mode);
  let renameFailed = false;
  // Synchronous: `commit` makes its checks and the rename one step. An asynchronous rename waits its
  // turn in libuv's thread pool, which other work (lookups of an unreachable DNS server) may hold up
  // past the lock's bound, and would then land over what the lock's next holder wrote meanwhile.
  const rename = () => {
    try {
      renameSync(temp, file);
    } catch (error) {
      renameFailed = true;
      throw error;
    }
  };
  try {
    if (commit) await commit(rename);
    else await fs.rename(temp, file);
  } catch (error) {
    // Refused by `commit` (not renamed): the temp file may be the only copy on disk of what it holds.
    if (commit && !renameFailed && keepRefused) keepRefused(temp);
    else await fs.rm(temp, {force: true});
    throw namingFile(error, temp, file);
  }
}

/**
 * Creates `file` with `content` only if nothing is at its name (a complete file appears, atomically:
 * written beside, then hard-linked into place); false when something already is. A claim that two
 * processes may race for: exactly one creates it.
 */
export async function createFileExclusive(file: string, content: string): Promise<boolean> {
  await ensurePrivateDir(path.dirname(file));
  const temp = await writeTempBeside(file, content);
  try {
    await fs.link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw namingFile(error, temp, file);
  } finally {
    await fs.rm(temp, {force: true});
  }
}

/** A value as the store writes JSON files: indented, a newline at the end. */
export const jsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, jsonText(value));
}

/** What a path that should be a file is instead, for the "file: reason" line. */
function notAFile(stat: {isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean}): string {
  if (stat.isDirectory()) return 'is a directory, not a file';
  if (stat.isFIFO()) return 'is a named pipe (FIFO), not a file';
  if (stat.isSocket()) return 'is a socket, not a file';
  return 'is not a regular file';
}

/** An open that failed: undefined when the file does not exist, else a clear error. */
function missingOrThrow(file: string, error: unknown): undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return undefined;
  // O_NONBLOCK opens of a socket fail with ENXIO.
  if (code === 'ENXIO') throw new CorruptFileError(file, 'is a socket or device, not a file');
  throw error;
}

export interface RegularFile {
  text: string;
  /** Permission bits (mode & 0o777). */
  mode: number;
  /** Last modification, ms since the epoch. */
  mtimeMs: number;
  /** Last change (content, name or mode), ms since the epoch: see file-stamp.ts. */
  ctimeMs: number;
  /** Bytes. */
  size: number;
  /** Inode number. */
  ino: number;
}

/**
 * How a read treats a symlink at the path. `linksWithin`: the dirs (the token dirs, auth/ and
 * auth-paused/) a link may lead into; a link whose target, fully resolved (realpath), lies outside
 * them is a CorruptFileError saying so, its target never opened. Without it, links are followed.
 */
export interface ReadOptions {
  linksWithin?: readonly string[];
  /**
   * The largest file read (bytes): a larger one is a CorruptFileError saying so, never read (a token
   * file is a few KB; hundreds of MB there is no token, and reading it takes that much memory).
   */
  maxBytes?: number;
}

/** The largest file any read takes whole (bytes): past Node's longest string a read cannot say which file it was. */
const READ_MAX_BYTES = 256 * 1024 * 1024;

/** Refuses a file over `maxBytes` (ReadOptions), or over what any read takes, naming it and its size. */
function checkSize(file: string, size: number, maxBytes = READ_MAX_BYTES): void {
  if (size > Math.min(maxBytes, READ_MAX_BYTES)) throw new CorruptFileError(file, `is ${(size / 1024 / 1024).toFixed(1)} MB, too large for what it should hold (at most ${Math.min(maxBytes, READ_MAX_BYTES) / 1024 / 1024} MB); not read`);
}

/**
 * Where the symlink `file` leads, fully resolved: undefined when nothing is there (a dangling link,
 * read as a missing file), a CorruptFileError when that is outside every dir of `dirs` (each resolved
 * too: a token dir may itself be a link to another dir).
 */
export function linkTargetWithin(file: string, dirs: readonly string[]): string | undefined {
  let target: string;
  try {
    target = realpathSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const inside = dirs.some((dir) => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      return false;
    }
    const relative = path.relative(real, target);
    return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
  });
  // Where it points is a name from the disk: shown sanitised, and nothing of what is there.
  if (!inside) throw new CorruptFileError(file, `is a symlink to ${sanitizeLine(target)}, outside the token dirs; not read (a token file may only link within ${dirs.map((dir) => `${path.basename(dir)}/`).join(' and ')})`);
  return target;
}

/**
 * Opens `file` read-only and non-blocking (a FIFO's open returns at once); undefined when it does not
 * exist. With `linksWithin`, a link is never followed by the open itself (O_NOFOLLOW): its target is
 * resolved and checked (linkTargetWithin), then that path opened, again without following a link
 * put there since, so a link swapped meanwhile is refused rather than followed out.
 */
function openForRead(file: string, {linksWithin}: ReadOptions): number | undefined {
  const flags = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK;
  if (!linksWithin) {
    try {
      return openSync(file, flags);
    } catch (error) {
      return missingOrThrow(file, error);
    }
  }
  try {
    return openSync(file, flags | fsConstants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOOP') return missingOrThrow(file, error);
  }
  const target = linkTargetWithin(file, linksWithin);
  if (target === undefined) return undefined;
  try {
    return openSync(target, flags | fsConstants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new CorruptFileError(file, 'is a symlink that changed while it was read; not read');
    return missingOrThrow(file, error);
  }
}

/**
 * Reads a regular file; undefined when it does not exist. Anything else at the path (a directory, a
 * FIFO that would block the read forever, a socket or device) is a CorruptFileError saying what it is.
 * Opened non-blocking, so even a FIFO's open returns at once. Read synchronously (readRegularFileSync):
 * the store's files are small and local, and on Node 20 the same read through fs/promises (open, stat,
 * read, close: four trips through the thread pool) costs ten times the CPU; a 1,000-account quota poll
 * reads several per result. `options`: ReadOptions (links out of the token dirs).
 */
export async function readRegularFile(file: string, options: ReadOptions = {}): Promise<RegularFile | undefined> {
  return readRegularFileSync(file, options);
}

/** readRegularFile for a caller that cannot wait (bulk token-file reads). */
export function readRegularFileSync(file: string, options: ReadOptions = {}): RegularFile | undefined {
  const fd = openForRead(file, options);
  if (fd === undefined) return undefined;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new CorruptFileError(file, notAFile(stat));
    checkSize(file, stat.size, options.maxBytes);
    return {text: readOpenFileSync(fd, stat.size), mode: stat.mode & 0o777, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, size: stat.size, ino: stat.ino};
  } finally {
    closeSync(fd);
  }
}

/** A regular file's bytes, as readRegularFileSync finds it (undefined: missing; else it throws as that does). */
function readRegularBytesSync(file: string, options: ReadOptions): Buffer | undefined {
  const fd = openForRead(file, options);
  if (fd === undefined) return undefined;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new CorruptFileError(file, notAFile(stat));
    checkSize(file, stat.size, options.maxBytes);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** readOpenFileSync's buffer, reused: a listing reads 1,000 token files of a few hundred bytes each. */
const smallFileBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * The text of an open file its fstat says is `size` bytes long: one read of a byte more than that,
 * which comes back short at the end of the file (readFileSync reads again to see the end: a second
 * system call per token file). A file that grew since its fstat is read on to its end.
 */
function readOpenFileSync(fd: number, size: number): string {
  if (size >= smallFileBuffer.length) return readFileSync(fd, 'utf8');
  const read = readSync(fd, smallFileBuffer, 0, size + 1, null);
  if (read <= size) return smallFileBuffer.toString('utf8', 0, read);
  return Buffer.concat([smallFileBuffer.subarray(0, read), readFileSync(fd)]).toString('utf8');
}

/** Reads a file, or undefined when it does not exist (CorruptFileError when it is not a regular file). */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  return (await readRegularFile(file))?.text;
}

/** "readable by group and others (mode 0644)" when a secret file is not private, else undefined. */
export function exposedMode(mode: number): string | undefined {
  if ((mode & 0o077) === 0) return undefined;
  const who = [mode & 0o070 ? 'group' : '', mode & 0o007 ? 'others' : ''].filter(Boolean).join(' and ');
  return `readable by ${who} (mode 0${mode.toString(8)})`;
}

/** Line and column (1-based) of a character offset. */
export function lineAndColumn(text: string, offset: number): {line: number; column: number} {
  const before = text.slice(0, Math.max(0, offset));
  const lines = before.split('\n');
  return {line: lines.length, column: lines[lines.length - 1]!.length + 1};
}

/** JSON.parse that throws CorruptFileError naming the file, line and column of the fault. */
export function parseJsonFile(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (text.trim() === '') throw new CorruptFileError(file, 'empty file');
    // V8 quotes the start of the text (`Unexpected token 'h', "hello…" is not valid JSON`): that may
    // be a secret, so the quote goes; the reason itself is kept whole.
    const reason = (error as Error).message.replace(/, (?:\.\.\.)?".*is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
    const {line, column} = lineAndColumn(text, jsonErrorOffset(text) ?? text.length);
    throw new CorruptFileError(file, `invalid JSON (${reason})`, line, column);
  }
}

/** Reads and parses a JSON file; undefined when missing; CorruptFileError when broken. */
export async function readJsonFile(file: string): Promise<unknown | undefined> {
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  return parseJsonFile(file, text);
}

/**
 * Keeps `text`, a token file's content about to be replaced whose grant would otherwise be lost, in
 * `dir` as `<token file name>-<content hash>.json` (0600, dir 0700). `dir` is under tui/, never an
 * auth dir (CCS and CLIProxyAPI would take a copy there for an account). Returns its path.
 */
export async function keepTokenCopy(dir: string, tokenFile: string, text: string): Promise<string> {
  const hash = nodeCrypto().createHash('sha256').update(text).digest('hex').slice(0, 8);
  const copy = path.join(dir, `${path.basename(tokenFile, '.json')}-${hash}.json`);
  await writeFileAtomic(copy, text);
  return copy;
}

/**
 * How many `<name>.corrupt-<hash>` copies of one file stay (backupCorruptFile): the newest broken
 * versions read. A file saved broken again and again (a person editing tui.json or accounts.json by
 * hand, an editor saving every few seconds) leaves no pile of copies.
 */
export const CORRUPT_COPIES = 5;

/**
 * Copies a broken file aside (`<name>.corrupt-<content hash>`) before anything could replace it, so
 * nothing is lost to a bad file; the one way every reader keeps a broken file (tui.json, accounts.json,
 * account-state.json, the quota cache, refresh-attempt records, an agent's credential file). Named by
 * content, so reading the same broken file twice makes one copy. At most CORRUPT_COPIES copies of the
 * file stay, the newest by when their version was last read broken (the one just read always among
 * them). Returns the copy's path; undefined when `file` is no regular file (or a link `options` refuses:
 * ReadOptions).
 */
export async function backupCorruptFile(file: string, options: ReadOptions = {}): Promise<string | undefined> {
  // Only a regular file has content to keep (a directory or FIFO in its place is reported as such;
  // with `options.linksWithin`, a link out of those dirs is never opened). One open: the bytes kept
  // are the ones of the file checked.
  let content: Buffer | undefined;
  try {
    content = readRegularBytesSync(file, options);
  } catch {
    content = undefined;
  }
  if (!content) return undefined;
  const hash = nodeCrypto().createHash('sha256').update(content).digest('hex').slice(0, 8);
  const backup = `${file}.corrupt-${hash}`;
  const made = await fs.writeFile(backup, content, {mode: FILE_MODE, flag: 'wx'}).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
      return false;
    },
  );
  // A version read broken again is as new as a new one: its copy's time says when.
  if (!made) await fs.utimes(backup, new Date(), new Date()).catch(() => undefined);
  await pruneCorruptCopies(file, backup, CORRUPT_COPIES);
  return backup;
}

/** Removes `file`'s `.corrupt-<8 hex>` copies beyond the `keep` newest (by mtime); `kept` (just made or read) stays. */
async function pruneCorruptCopies(file: string, kept: string, keep: number): Promise<void> {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.corrupt-`;
  const isCopy = (name: string) => name.startsWith(prefix) && /^[0-9a-f]{8}$/.test(name.slice(prefix.length));
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((name) => isCopy(name) && name !== path.basename(kept));
  if (names.length < keep) return;
  const dated = await Promise.all(
    names.map(async (name) => {
      const stat = await fs.lstat(path.join(dir, name)).catch(() => undefined);
      return {name, mtimeMs: stat?.isFile() ? stat.mtimeMs : undefined};
    }),
  );
  const older = dated.filter((d) => d.mtimeMs !== undefined).sort((a, b) => b.mtimeMs! - a.mtimeMs! || a.name.localeCompare(b.name));
  // Another process pruning at once may have removed one already: ENOENT is no failure.
  await Promise.all(older.slice(keep - 1).map((d) => fs.unlink(path.join(dir, d.name)).catch(() => undefined)));
}
