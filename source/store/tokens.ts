// CLIProxyAPI token files (`cliproxy/auth/*.json`). Keys we do not know are kept on every rewrite.
import {lstatSync, readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {sanitizeLine} from '../core/sanitize.js';
import type {TokenFile} from '../core/types.js';
import {baseAdapter} from '../providers/adapters/base.js';
import {findProvider, normalizeTokenType, providerForTokenType} from '../providers/table.js';
import {fileStamp} from './file-stamp.js';
import {reportExposedSecret} from './secret-files.js';
import {CorruptFileError, jsonText, linkTargetWithin, parseJsonFile, readRegularFile, readRegularFileSync, type ReadOptions, type RegularFile} from './files.js';

export function validateTokenFile(file: string, data: unknown): TokenFile {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CorruptFileError(file, 'expected a JSON object at the top level');
  }
  const token = data as Record<string, unknown>;
  if (typeof token.type !== 'string' || normalizeTokenType(token.type) === '') {
    throw new CorruptFileError(file, 'field "type" (the provider) is missing');
  }
  // A provider id is a word (`claude`, `gemini-cli`, `github-copilot`): one with control or
  // invisible characters is shown with them stripped, as another provider (`cla\u001b[2Jude` read
  // `claude` in the table).
  if (!PROVIDER_TYPE.test(normalizeTokenType(token.type))) {
    throw new CorruptFileError(file, 'field "type" (the provider) holds characters no provider id has');
  }
  return token as TokenFile;
}

/** What a token file's `type` is, normalised (normalizeTokenType): letters, digits and `.`, `_`, `-`. */
const PROVIDER_TYPE = /^[a-z0-9._-]+$/;

/** The layout hooks of the file's provider (by its `type`), if it has a non-flat layout. */
const layoutOf = (token: TokenFile) => providerForTokenType(token.type)?.adapter.tokenLayout;

/** The file as the rest of ccs-tui reads it: flat credentials, whatever the file's layout. */
const toFlat = (token: TokenFile): TokenFile => layoutOf(token)?.toFlat(token) ?? token;

/**
 * The fields every reader takes as text: one of another kind (`"access_token": [...]`, `"expired":
 * 42`) is a broken file, said as such (it was listed `ok`, and failed later as "missing").
 */
const TEXT_FIELDS = ['access_token', 'refresh_token', 'api_key', 'expired', 'email'] as const;

/** The flat token, its TEXT_FIELDS checked (null stands for absent, as Go's encoder may write it). */
function checkedFlat(file: string, token: TokenFile): TokenFile {
  for (const field of TEXT_FIELDS) {
    const value = token[field];
    if (value === undefined || value === null || typeof value === 'string') continue;
    throw new CorruptFileError(file, `field "${field}" is ${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`}, not a string`);
  }
  return token;
}

/** The token dirs, each CCS dir's `cliproxy/<name>` (paths.ts authDir, pausedDir). */
const TOKEN_DIR_NAMES = ['auth', 'auth-paused'];

/**
 * The largest token file read (bytes). CLIProxyAPI's are a few KB (a Vertex service account's key
 * too); a file of megabytes in a token dir is no token, and every listing would read it whole.
 */
export const TOKEN_FILE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * How a file of a token dir is read (files.ts ReadOptions): a symlink is followed only to a file
 * inside the token dirs (auth/, auth-paused/; a file of ccs-tui's own dirs, only inside its dir). A
 * link out is a problem naming it, never opened: a token read through it would be refreshed, and its
 * spent refresh token left out there for another tool to send again. At most TOKEN_FILE_MAX_BYTES.
 */
export function tokenReadOptions(file: string): ReadOptions {
  const dir = path.dirname(file);
  let options = readOptionsByDir.get(dir);
  if (options === undefined) {
    options = {linksWithin: TOKEN_DIR_NAMES.includes(path.basename(dir)) ? TOKEN_DIR_NAMES.map((name) => path.join(path.dirname(dir), name)) : [dir], maxBytes: TOKEN_FILE_MAX_BYTES};
    // A listing reads 1,000 files of one dir: its options are made once (a few dirs per process).
    if (readOptionsByDir.size < 64) readOptionsByDir.set(dir, options);
  }
  return options;
}
const readOptionsByDir = new Map<string, ReadOptions>();

/**
 * The path a token file's new content is written to: the file itself, or, when it is a symlink within
 * the token dirs, the file it leads to. The link stays and its target gets the new grant: a write
 * over the link would leave the target holding the refresh token just spent. A link out of the token
 * dirs is a CorruptFileError (tokenReadOptions): never written through, nor over. A dangling link: the file.
 */
export function tokenWriteTarget(file: string): string {
  if (!lstatSync(file, {throwIfNoEntry: false})?.isSymbolicLink()) return file;
  return linkTargetWithin(file, tokenReadOptions(file).linksWithin!) ?? file;
}

/** Reads a token file (flat, see toFlat); its listeners are told, as readTokenFileSync's are. */
export async function readTokenFile(file: string): Promise<TokenFile | undefined> {
  const found = await readRegularFile(file, tokenReadOptions(file));
  return found && parsedToken(file, found);
}

/** A (flat) token as its file's text, in the layout the file has. */
export const tokenFileText = (token: TokenFile): string => jsonText(layoutOf(token)?.toFile(token) ?? token);


/** Told of each token file readTokenFileSync parsed: its path, stamp (file-stamp.ts fileStamp of its read's fstat) and flat token. */
export type TokenReadListener = (file: string, stamp: string, token: TokenFile) => void;
const tokenReadListeners = new Set<TokenReadListener>();

/**
 * Tells `listener` of every token file this process reads (readTokenFile, readTokenFileSync) from
 * now on: a second reader of the same files (the credential masker after an account listing) need
 * not read and parse them again, and every version of a file this process held a credential of is
 * known to it, however soon the file changes again. Returns the function that stops it.
 */
export function onTokenFileRead(listener: TokenReadListener): () => void {
  tokenReadListeners.add(listener);
  return () => tokenReadListeners.delete(listener);
}

/**
 * Told when a reader listed a token dir and read every token file it listed, each just now (so each
 * was told to the TokenReadListeners): the dir, its stamp (fileStamp; '-' when it did not exist) and
 * the time, both taken before it was listed, and the files listed (absolute paths).
 */
export type TokenDirReadListener = (dir: string, stamp: string, at: number, files: readonly string[]) => void;
const tokenDirReadListeners = new Set<TokenDirReadListener>();

/**
 * Tells `listener` of every whole token dir this process reads from now on (AccountStore's full
 * load): the credential masker then takes that read for its own scan of the dir, instead of a stat
 * of each of its 1,000 files right after (`accounts` lists them, then prints through the masker).
 */
export function onTokenDirRead(listener: TokenDirReadListener): () => void {
  tokenDirReadListeners.add(listener);
  return () => tokenDirReadListeners.delete(listener);
}

/** The stamp and time a whole read of `dir` starts with (tokenDirRead), taken before it is listed. */
export function tokenDirReadStart(dir: string): {stamp: string; at: number} | undefined {
  if (!tokenDirReadListeners.size) return undefined;
  const at = Date.now();
  try {
    return {stamp: fileStamp(statSync(dir)), at};
  } catch {
    return {stamp: '-', at};
  }
}

/** Tells the TokenDirReadListeners that every one of `files`, listed in `dir` after `start`, was just read. */
export function tokenDirRead(dir: string, start: {stamp: string; at: number}, files: readonly string[]): void {
  for (const listener of tokenDirReadListeners) listener(dir, start.stamp, start.at, files);
}

/** A token file's text parsed and made flat, its listeners told. */
function parsedToken(file: string, found: RegularFile): TokenFile {
  const token = checkedFlat(file, toFlat(validateTokenFile(file, parseJsonFile(file, found.text))));
  // Any command that read a token file others may read warns of it (store/secret-files.ts).
  reportExposedSecret(file, found.mode);
  if (tokenReadListeners.size) {
    const stamp = fileStamp(found);
    for (const listener of tokenReadListeners) listener(file, stamp, token);
  }
  return token;
}

/**
 * The JSON a token file holds, unchecked (no type or field checks): for the credential masker, which
 * masks what a file holds even when it is refused as a token (a type no provider has, a field of the
 * wrong kind); undefined when it cannot be read or is no JSON.
 */
export function readTokenJsonLoose(file: string): unknown {
  try {
    const found = readRegularFileSync(file, tokenReadOptions(file));
    return found ? JSON.parse(found.text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a token file synchronously. Loading every account reads up to thousands of small files at
 * once, and sync reads are several times faster than as many promise round-trips through the pool.
 */
export function readTokenFileSync(file: string): ({token: TokenFile} & Omit<RegularFile, 'text'>) | undefined {
  const found = readRegularFileSync(file, tokenReadOptions(file));
  if (!found) return undefined;
  const token = parsedToken(file, found);
  // The fstat of the read: what a reader that keeps tokens stamps them with (AccountStore).
  return {token, mode: found.mode, mtimeMs: found.mtimeMs, ctimeMs: found.ctimeMs, size: found.size, ino: found.ino};
}

/**
 * A token file name as the registry may name it: one plain path segment ending in `.json`, without
 * control characters. `../elsewhere/x.json`, `/etc/x.json` or a name carrying terminal escapes is
 * data from a file, not a path to follow.
 */
export function isPlainTokenFileName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.endsWith('.json') &&
    !name.startsWith('.') &&
    !/[/\\]/.test(name) &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u001f\u007f-\u009f]/.test(name) &&
    path.basename(name) === name
  );
}

/** Names of the token files in a dir (none when the dir does not exist), and what was skipped and why. */
export function listJsonFiles(dir: string): {names: string[]; skipped: {file: string; message: string}[]} {
  let entries;
  try {
    entries = readdirSync(dir, {withFileTypes: true});
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {names: [], skipped: []};
    throw error;
  }
  const names: string[] = [];
  const skipped: {file: string; message: string}[] = [];
  // The path (shown, so sanitised) only for what is skipped: a listing of 1,000 files skips none.
  const skip = (name: string, why: string) => {
    const file = path.join(dir, sanitizeLine(name));
    skipped.push({file, message: `${file}: ${why}; skipped`});
  };
  for (const entry of entries) {
    if (!entry.name.endsWith('.json') || entry.name.startsWith('.')) continue;
    if (!isPlainTokenFileName(entry.name)) skip(entry.name, 'control characters in the file name');
    // A FIFO named *.json would block every read; directories and sockets are not token files either.
    // A symlink is listed: its read follows it only within the token dirs (tokenReadOptions), else says why not.
    else if (!entry.isFile() && !entry.isSymbolicLink()) skip(entry.name, 'not a regular file');
    else names.push(entry.name);
  }
  return {names: names.sort(), skipped};
}

/**
 * The file name CLIProxyAPI would give this account (PROVIDERS.md, "Token files"), so both tools
 * agree: the provider's adapter decides (adapters/base.ts for a provider without a rule).
 */
export function upstreamTokenFileName(provider: string, token: TokenFile, now: Date = new Date()): string {
  return (findProvider(provider)?.adapter ?? baseAdapter(provider)).tokenFileName(token, now);
}

/** `name.json` → `name-2.json`, `name-3.json`, … until `isTaken` says no. */
export function uniqueFileName(preferred: string, isTaken: (name: string) => boolean): string {
  if (!isTaken(preferred)) return preferred;
  const base = preferred.replace(/\.json$/, '');
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}.json`;
    if (!isTaken(candidate)) return candidate;
  }
}

export const tokenPath = (dir: string, name: string) => path.join(dir, name);
