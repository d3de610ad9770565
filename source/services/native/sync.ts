// Native mode: the agent's own credential file holds the chosen account, and no grant is ever lost.
//
// Refresh tokens rotate; whoever refreshes last holds the only live one. So:
// - `tui/native.json` records, per provider, every agent file an account was written into, which
//   account each holds (the mark that makes ccs-tui's refresher leave that account to the agent) and
//   what it held at the last sync, plus fingerprints of the tokens ccs-tui knows per account;
// - before any file is overwritten, every recorded file is synced (wherever the new file is): what an
//   agent wrote is saved into the account the tokens belong to (formats.ts says how each format is
//   attributed), never into the one the file "should" hold; a login that is no account's is kept and
//   written nowhere. While an account is native, the agents' changes are picked up the same way (the
//   TUI and the proxy watch the files, `use --native` and `native` sync on each call);
// - locks, always taken in this order: `native-<provider>` (one switch or sync at a time), then the
//   refresh lock of the grant the account's token file holds (the one services/refresh.ts holds while
//   it refreshes), so a refresh of the account and a sync of its file never interleave. The mark
//   moves away from an account only while that lock is held, so the refresher, inside it, can trust it.
// - the mark names the account's token file as well as its id (and the tokens it holds: `known`): an
//   unregistered file's id changes when a second file of its email appears, and a mark found by id
//   alone would then be lost and the agent's refresh token spent by the refresher. A switch registers
//   the account (its id is then kept in accounts.json and no longer derived).
// - the file is replaced only if the agent did not write it since it was read (checked just before
//   the rename), and its previous content stays beside it until the switch is complete.
import {createHash} from 'node:crypto';
import {existsSync, lstatSync, readFileSync, realpathSync, renameSync, rmSync, watch, type FSWatcher} from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import {accountLabel, healthWords, reloginAdvice} from '../../core/accounts.js';
import {tokenFingerprint} from '../../core/fingerprint.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {UserError, type Account, type TokenFile} from '../../core/types.js';
import type {AccountStore} from '../../store/accounts.js';
import {backupCorruptFile, CorruptFileError, ensureForeignDir, FILE_MODE, jsonText, keepTokenCopy, readRegularFile, readRegularFileSync, writeFileAtomic, writeTempBeside} from '../../store/files.js';
import {fileVersion, withFileLock} from '../../store/file-lock.js';
import type {CcsPaths} from '../../store/paths.js';
import {describeUserError} from '../../store/errors.js';
import {rememberFileSecrets} from '../credential-redactor.js';
import {handOffRefusal} from '../refresh-attempt.js';
import {withAccountGrantLock} from '../refresh-lock.js';
import {accessTokenOf, nativeFormat, refreshTokenOf, sameTokens, tokenFileUpdate, type NativeFormat, type NativeTokens} from './formats.js';

/** One agent file ccs-tui wrote an account into. */
export interface NativeFileEntry {
  /** The agent's file, absolute (a symlink's target when it was one). */
  file: string;
  /** Account id whose tokens the file holds, as last written or attributed. */
  account: string;
  /** That account's token file name (absent in entries of earlier versions): what stays when its id changes. */
  tokenFile?: string;
  /** Hash of the tokens in the file at the last sync (never the tokens themselves). */
  synced: string;
  /** Access-token expiry (ms since epoch) at the last sync: from then on the agent is due to refresh. */
  expiresAt?: number;
  /** True while the file holds a login that is no account's (`synced` is its hash). */
  foreign?: boolean;
  /**
   * Set while a switch is writing this account into the file (the mark is written first): `before` is
   * what the file held before (textPrint). The file's previous entry stays until the switch is confirmed.
   */
  pending?: {before: string};
  since: string;
}

/** One provider's entry in `tui/native.json`. */
export interface NativeHolder {
  /** Account id most recently switched in (what the TUI shows as the agent's login). */
  account: string;
  /** The file it was written into. */
  file: string;
  /** `account_id` (codex) of that account, when the format names the account. */
  accountKey?: string;
  since: string;
  /**
   * Every agent file an account was written into (an account may be native in two agent dirs, e.g.
   * two `CODEX_HOME`s): all are watched and synced, and each file's account stays native.
   */
  files: NativeFileEntry[];
  /** Per account, fingerprints of the last KNOWN_PER_ACCOUNT tokens ccs-tui wrote into or saved from a file. */
  known: {account: string; tokens: string[]}[];
}

export type NativeState = Record<string, NativeHolder>;

/** How many token fingerprints are remembered per account (a few rotations back is plenty). */
const KNOWN_PER_ACCOUNT = 8;
/**
 * An agent refreshes its access token shortly before it expires (or once it has); new tokens in a
 * file that names no account count as the agent's refresh only from this long before the expiry.
 */
export const REFRESH_DUE_MS = 10 * 60_000;

export const nativeStatePath = (paths: CcsPaths) => path.join(paths.state, 'native.json');
const nativeLockPath = (paths: CcsPaths, provider: string) => path.join(paths.locks, `native-${provider}`);
const backupPath = (file: string) => `${file}.ccs-tui-previous`;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** System trees that hold no agent's credential file (reading there may block or leak the process's memory). */
const SYSTEM_ROOTS = ['/proc', '/sys', '/dev'];

/**
 * Whether `file` (from `tui/native.json`) is a path the agent's credential file can be: absolute,
 * normalised, outside /proc, /sys and /dev, and named as `format.file(env)` names it (formats.ts) —
 * or the target of such a name that is a symbolic link in one of its parent dirs (agentFilePath
 * records a link's target). Anything else is never read, written or removed.
 */
function isAgentFilePath(format: NativeFormat, file: string): boolean {
  if (file === '' || file.includes('\0') || !path.isAbsolute(file) || path.normalize(file) !== file || file.endsWith(path.sep)) return false;
  if (SYSTEM_ROOTS.some((root) => file === root || file.startsWith(`${root}${path.sep}`))) return false;
  const name = path.basename(format.file({}));
  if (path.basename(file) === name) return true;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const link = path.join(dir, name);
    try {
      if (lstatSync(link).isSymbolicLink() && realpathSync(link) === file) return true;
    } catch {
      // no such link here
    }
    if (path.dirname(dir) === dir) return false;
  }
}

/** A file entry of `tui/native.json` that is not an agent file (isAgentFilePath), as the problem names it. */
const badEntryProblem = (provider: string, value: unknown) =>
  `${nativeStateName} has a ${provider} entry whose file is not ${provider}'s agent credential file (${sanitizeLine(JSON.stringify(value)).slice(0, 200)}): ignored, nothing read, written or removed for it`;
const nativeStateName = 'tui/native.json';

/**
 * A state entry as written by this or the earlier layout (one file per provider, no `files`). File
 * entries whose path is not the agent's (isAgentFilePath) are left out and described in `problems`.
 */
function holderFrom(format: NativeFormat, provider: string, value: unknown, problems: string[]): NativeHolder | undefined {
  if (!isRecord(value) || typeof value.account !== 'string' || typeof value.file !== 'string') {
    if (value !== undefined) problems.push(`${nativeStateName} has a ${provider} entry that is not a native-mode record: ignored`);
    return undefined;
  }
  const since = typeof value.since === 'string' ? value.since : '';
  const listed: unknown[] = Array.isArray(value.files) ? value.files : [{file: value.file, account: value.account, synced: typeof value.synced === 'string' ? value.synced : '', since}];
  const files: NativeFileEntry[] = [];
  for (const e of listed) {
    if (!(isRecord(e) && typeof e.file === 'string' && typeof e.account === 'string' && typeof e.synced === 'string')) continue;
    if (!isAgentFilePath(format, e.file)) {
      problems.push(badEntryProblem(provider, {file: e.file, account: e.account}));
      continue;
    }
    const entry = e as unknown as NativeFileEntry;
    files.push(entry.tokenFile === undefined || typeof entry.tokenFile === 'string' ? entry : {...entry, tokenFile: undefined});
  }
  if (files.length === 0) return undefined;
  const known = Array.isArray(value.known)
    ? value.known.filter((k): k is NativeHolder['known'][number] => isRecord(k) && typeof k.account === 'string' && Array.isArray(k.tokens) && k.tokens.every((t) => typeof t === 'string'))
    : [];
  // The holder's own file is only what the TUI shows: one that is no agent file gives way to the latest entry's.
  const main = files.some((e) => e.file === value.file) ? {account: value.account, file: value.file} : {account: files.at(-1)!.account, file: files.at(-1)!.file};
  return {...main, ...(typeof value.accountKey === 'string' ? {accountKey: value.accountKey} : {}), since, files, known};
}

export interface CheckedNativeState {
  state: NativeState;
  /** What in `tui/native.json` was ignored (entries whose file is no agent file), one line each. */
  problems: string[];
}

/** `tui/native.json` and what in it was ignored (empty when missing or unreadable: no account is native then). */
export function readNativeStateChecked(paths: CcsPaths): CheckedNativeState {
  const problems: string[] = [];
  try {
    const data = JSON.parse(readFileSync(nativeStatePath(paths), 'utf8')) as unknown;
    if (!isRecord(data)) return {state: {}, problems};
    const state: NativeState = {};
    for (const [provider, value] of Object.entries(data)) {
      const format = nativeFormat(provider);
      const holder = format && holderFrom(format, provider, value, problems);
      if (holder) state[provider] = holder;
    }
    return {state, problems};
  } catch {
    return {state: {}, problems};
  }
}

/** `tui/native.json` without the entries readNativeStateChecked ignores. */
export function readNativeState(paths: CcsPaths): NativeState {
  return readNativeStateChecked(paths).state;
}

/**
 * Writes `provider`'s entry (undefined: removes it). Call holding the provider's native lock. The
 * file holds every provider's entry, each changed under its own provider's lock: the file's own lock
 * keeps another provider's entry, written meanwhile, from being written over.
 */
async function writeHolder(paths: CcsPaths, provider: string, holder: NativeHolder | undefined): Promise<void> {
  const file = nativeStatePath(paths);
  await withFileLock(file, async (lock) => {
    const version = await fileVersion(file);
    const state = readNativeState(paths);
    if (holder && holder.files.length > 0) state[provider] = holder;
    else delete state[provider];
    await lock.write(file, jsonText(state), version);
  });
}

/** The account id the agent's file holds for `provider` (the one last switched in), if any is native. */
export function nativeAccount(paths: CcsPaths, provider: string): string | undefined {
  return readNativeState(paths)[provider]?.account;
}

const fingerprint = (tokens: NativeTokens | undefined) =>
  tokenFingerprint(`${tokens?.accessToken ?? ''}\n${tokens?.refreshToken ?? ''}`);
const printsOf = (tokens: NativeTokens) => [tokens.refreshToken, tokens.accessToken].filter((t): t is string => Boolean(t)).map(tokenFingerprint);

/** Remembers the tokens as `account`'s (newest first, the last KNOWN_PER_ACCOUNT). */
function remember(holder: NativeHolder, account: string, tokens: NativeTokens | undefined): void {
  if (!tokens) return;
  const entry = holder.known.find((k) => k.account === account) ?? holder.known[holder.known.push({account, tokens: []}) - 1]!;
  entry.tokens = [...new Set([...printsOf(tokens), ...entry.tokens])].slice(0, KNOWN_PER_ACCOUNT * 2);
}

type FileRead = {kind: 'missing'} | {kind: 'corrupt'; text: string} | {kind: 'ok'; text: string; json: Record<string, unknown>; tokens?: NativeTokens; mtimeMs: number};

/**
 * Reads the agent's file without ever blocking: a FIFO, directory or socket in its place is a
 * UserError naming the file (it would hang the switch while it holds the refresh locks).
 */
async function readAgentFile(format: NativeFormat, file: string): Promise<FileRead> {
  let found;
  try {
    found = await readRegularFile(file);
  } catch (error) {
    if (error instanceof CorruptFileError) throw new UserError(`${format.displayName}'s credential file ${error.message}; move it away and try again`);
    throw new UserError(`${format.displayName}'s credential file ${file} cannot be read: ${(error as Error).message}`);
  }
  if (!found) return {kind: 'missing'};
  const text = found.text;
  try {
    const json = JSON.parse(text) as unknown;
    if (!isRecord(json)) return {kind: 'corrupt', text};
    const mtimeMs = (await fs.stat(file).catch(() => undefined))?.mtimeMs ?? Date.now();
    const tokens = format.read(json);
    // The agent's own tokens (it refreshes them itself): masked in every output from now on, as a token file's are.
    if (tokens) rememberFileSecrets(file, [tokens.accessToken, tokens.refreshToken, tokens.idToken, tokens.apiKey]);
    return {kind: 'ok', text, json, tokens, mtimeMs};
  } catch {
    return {kind: 'corrupt', text};
  }
}

/** An agent in the middle of a plain (non-atomic) write leaves a partial file for a moment: read again. */
async function readSettled(format: NativeFormat, file: string, attempts = 10): Promise<FileRead> {
  let read = await readAgentFile(format, file);
  for (let i = 1; i < attempts && read.kind === 'corrupt'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    read = await readAgentFile(format, file);
  }
  return read;
}

/**
 * The agent's file path as the user means it, absolute: a symlink is followed to its target when that
 * is a regular file inside the agent's dir (written through), else refused rather than replaced.
 */
async function agentFilePath(format: NativeFormat, env: NodeJS.ProcessEnv): Promise<string> {
  const file = path.resolve(format.file(env));
  const link = await fs.lstat(file).catch(() => undefined);
  if (!link?.isSymbolicLink()) return file;
  const dir = await fs.realpath(path.dirname(file));
  const target = await fs.realpath(file).catch(() => undefined);
  const targetStat = target ? await fs.stat(target).catch(() => undefined) : undefined;
  if (target && targetStat?.isFile() && target.startsWith(`${dir}${path.sep}`)) return target;
  const where = target ?? (await fs.readlink(file));
  const why = !targetStat ? 'which does not exist' : !targetStat.isFile() ? 'which is not a regular file' : `outside ${dir}`;
  throw new UserError(`${format.displayName}'s credential file ${file} is a symbolic link to ${where}, ${why}: ccs-tui does not replace it. Replace the link with the file, or point it at a file in ${dir}`);
}

interface Candidate {
  account: Account;
  token: TokenFile;
}

async function candidates(store: AccountStore, provider: string): Promise<Candidate[]> {
  const snapshot = await store.load();
  const out: Candidate[] = [];
  for (const account of snapshot.accounts.filter((a) => a.provider === provider)) {
    const token = await store.readToken(account).catch(() => undefined);
    if (token) out.push({account, token});
  }
  return out;
}

/** Whose tokens these are: an account (`weak` when only continuity says so), or a foreign login. */
type Owner = {kind: 'account'; id: string; tokenFile: string; weak: boolean} | {kind: 'foreign'};

/** The account an entry names now: by its token file (ids change), else by the id it recorded. */
function entryAccount(all: readonly Candidate[], entry: Pick<NativeFileEntry, 'account' | 'tokenFile'>): Account | undefined {
  return (all.find((c) => entry.tokenFile !== undefined && c.account.tokenFile === entry.tokenFile) ?? all.find((c) => c.account.id === entry.account))?.account;
}

/**
 * Runs `work` holding the refresh lock of the grant the account's token file holds (found by token
 * file, else by id); without a lock when no such account exists any more (there is no grant of it).
 */
async function withAccountLock<T>(store: AccountStore, provider: string, entry: Pick<NativeFileEntry, 'account' | 'tokenFile'>, work: () => Promise<T>): Promise<T> {
  const account = entryAccount(await candidates(store, provider), entry);
  return account ? withAccountGrantLock(store, provider, {tokenFile: account.tokenFile}, () => work()) : work();
}

/**
 * Attributes the tokens in an agent's file to an account (the rule per format is in formats.ts):
 * tokens ccs-tui knows, then the login the format names, then, for formats that name none, the
 * file's account when the agent was due to refresh it. `entry` is the file's state entry, if any.
 */
async function ownerOf(store: AccountStore, holder: NativeHolder | undefined, provider: string, read: FileRead & {kind: 'ok'}, entry: NativeFileEntry | undefined): Promise<Owner> {
  const tokens = read.tokens!;
  const all = await candidates(store, provider);
  const owner = (account: Account, weak = false): Owner => ({kind: 'account', id: account.id, tokenFile: account.tokenFile, weak});
  const prints = printsOf(tokens);
  // The token file holding these very tokens first: ids in `known` may be ones an account had before.
  const holding = all.find((c) => (tokens.refreshToken && refreshTokenOf(c.token) === tokens.refreshToken) || sameTokens(c.token, tokens));
  if (holding) return owner(holding.account);
  const knownBy = holder?.known.find((k) => all.some((c) => c.account.id === k.account) && prints.some((p) => k.tokens.includes(p)));
  if (knownBy) return owner(all.find((c) => c.account.id === knownBy.account)!.account);
  if (tokens.accountKey || tokens.email) {
    let matches = tokens.accountKey ? all.filter((c) => c.token.account_id === tokens.accountKey) : all;
    if (tokens.email) {
      const email = tokens.email.toLowerCase();
      const byEmail = matches.filter((c) => (c.account.email ?? (typeof c.token.email === 'string' ? c.token.email : ''))?.toLowerCase() === email);
      if (byEmail.length > 0 || !tokens.accountKey) matches = byEmail;
    }
    if (matches.length === 1) return owner(matches[0]!.account);
    if (matches.length === 0) return {kind: 'foreign'};
  }
  const entryOwner = entry && entryAccount(all, entry);
  if (entry && entryOwner && !entry.foreign && entry.expiresAt !== undefined && read.mtimeMs >= entry.expiresAt - REFRESH_DUE_MS) {
    return owner(entryOwner, true);
  }
  return {kind: 'foreign'};
}

/**
 * Saves the tokens into `accountId`'s token file (call holding its refresh lock). When they are
 * attributed by continuity alone (`weak`), the token file's previous content is kept in
 * `tui/native-kept/` first. Returns whether anything changed.
 */
async function saveInto(store: AccountStore, provider: string, tokenFile: string, tokens: NativeTokens, weak: boolean): Promise<boolean> {
  const account = await store.loadAccount(provider, {tokenFile});
  const current = await store.readToken(account);
  if (!current || sameTokens(current, tokens)) return false;
  if (weak) await keepTokenCopy(store.paths.nativeKept, account.tokenFile, `${JSON.stringify(current, null, 2)}\n`);
  await store.updateToken(provider, {tokenFile}, (latest) => (sameTokens(latest, tokens) ? latest : tokenFileUpdate(latest, tokens)));
  return true;
}

/**
 * Whether `entry` marks the account whose token file is `tokenFile` and holds `token`: by token file,
 * or (an earlier version's entry, by id) by the id or by the tokens ccs-tui knows of that entry's
 * account, whichever id it has now.
 */
function marksAccount(holder: NativeHolder, entry: NativeFileEntry, account: Pick<Account, 'id' | 'tokenFile'>, token: TokenFile | undefined): boolean {
  if (entry.tokenFile !== undefined) return entry.tokenFile === account.tokenFile;
  if (entry.account === account.id) return true;
  const refreshToken = token?.refresh_token;
  if (typeof refreshToken !== 'string' || refreshToken === '') return false;
  return holder.known.some((k) => k.account === entry.account && k.tokens.includes(tokenFingerprint(refreshToken)));
}

/**
 * For the refresher, inside the refresh lock of the grant `token` (the account's token file's) holds:
 * when the account is native (in any agent file), the agents' latest tokens that are its own (saved
 * into the token file first) instead of a refresh. Undefined when it is not native.
 */
export async function nativeTokensInsteadOfRefresh(store: AccountStore, provider: string, account: Account, token: TokenFile | undefined): Promise<TokenFile | undefined> {
  const holder = readNativeState(store.paths)[provider];
  const entries = holder?.files.filter((e) => marksAccount(holder, e, account, token)) ?? [];
  if (entries.length === 0) return undefined;
  const format = nativeFormat(provider)!;
  for (const entry of entries) {
    const read = await readSettled(format, entry.file).catch(() => undefined);
    if (read?.kind !== 'ok' || !read.tokens?.refreshToken || fingerprint(read.tokens) === entry.synced) continue;
    const owner = await ownerOf(store, holder!, provider, read, entry);
    // Only this account's lock is held here: tokens of another account wait for the next sync.
    if (owner.kind === 'account' && owner.tokenFile === account.tokenFile) await saveInto(store, provider, account.tokenFile, read.tokens, owner.weak);
  }
  return store.readToken(await store.loadAccount(provider, {tokenFile: account.tokenFile}));
}

export interface SyncResult {
  provider: string;
  account?: string;
  /** True when the agent's newer tokens were written into a token file. */
  saved: boolean;
  /** Why nothing could be taken from a file (corrupt, a foreign login). */
  problem?: string;
}

const foreignProblem = (format: NativeFormat, file: string) =>
  `${file} holds a login that is no ccs-tui account's (${format.displayName} logged in itself?); left as it is, saved into no account`;

/**
 * Syncs one recorded file (call holding the provider's native lock): the tokens the agent wrote are
 * saved into the account they belong to, and the entry follows. Mutates `holder` and writes it.
 */
async function syncEntry(store: AccountStore, provider: string, format: NativeFormat, holder: NativeHolder, entry: NativeFileEntry): Promise<{saved: boolean; problem?: string}> {
  const paths = store.paths;
  return withAccountLock(store, provider, entry, async () => {
    const read = await readSettled(format, entry.file);
    if (read.kind === 'missing') {
      // The agent's file is gone (logout, dir removed): nobody holds the account there any more.
      holder.files = holder.files.filter((e) => e !== entry);
      await writeHolder(paths, provider, promoteLatest(holder));
      return {saved: false};
    }
    if (read.kind === 'corrupt') return {saved: false, problem: `${entry.file} is not valid JSON (the agent may be writing it); left as it is`};
    if (!read.tokens?.refreshToken) return {saved: false};
    const print = fingerprint(read.tokens);
    if (print === entry.synced) return entry.foreign ? {saved: false, problem: foreignProblem(format, entry.file)} : {saved: false};
    const owner = await ownerOf(store, holder, provider, read, entry);
    if (owner.kind === 'foreign') {
      // The entry's account stays marked: it may be the agent's own refresh we cannot attribute, so
      // ccs-tui's refresher must not spend a token the agent may have spent already.
      Object.assign(entry, {synced: print, foreign: true});
      await writeHolder(paths, provider, holder);
      return {saved: false, problem: foreignProblem(format, entry.file)};
    }
    const tokens = read.tokens;
    // The owner's grant lock (the same one, re-entered, when the owner is the entry's account).
    const saved = await withAccountLock(store, provider, {account: owner.id, tokenFile: owner.tokenFile}, () => saveInto(store, provider, owner.tokenFile, tokens, owner.weak));
    Object.assign(entry, {account: owner.id, tokenFile: owner.tokenFile, synced: print, expiresAt: tokens.expiresAt, foreign: undefined});
    if (holder.file === entry.file) Object.assign(holder, {account: owner.id, accountKey: tokens.accountKey});
    remember(holder, owner.id, tokens);
    await writeHolder(paths, provider, holder);
    return {saved};
  });
}

/** After the main entry went away, the most recent remaining one is what the TUI shows. */
function promoteLatest(holder: NativeHolder): NativeHolder {
  const latest = holder.files.at(-1);
  if (latest && !holder.files.some((e) => e.file === holder.file)) Object.assign(holder, {account: latest.account, file: latest.file, accountKey: undefined, since: latest.since});
  return holder;
}

/** What the agent's file held before a switch replaced it: its text's fingerprint, or 'missing'. */
const textPrint = (read: FileRead) => (read.kind === 'missing' ? 'missing' : tokenFingerprint(read.text));

/**
 * Records a switch's intent before the agent's file is replaced: `entry` (with `pending`) is added
 * beside the file's current entry, so both the outgoing and the incoming account are left to the
 * agent until the switch is confirmed (or settlePending finds it was not). Returns how to take the
 * intent back when the file was not replaced after all.
 */
async function markPending(paths: CcsPaths, provider: string, holder: NativeHolder, entry: NativeFileEntry): Promise<{withdraw(): Promise<void>}> {
  holder.files = [...holder.files.filter((e) => !(e.file === entry.file && e.pending)), entry];
  await writeHolder(paths, provider, holder);
  return {
    withdraw: async () => {
      holder.files = holder.files.filter((e) => e !== entry);
      await writeHolder(paths, provider, holder);
    },
  };
}

/**
 * Settles the intents of switches that never confirmed (killed between the file's replace and the
 * state write, or that write failed): a file holding the tokens the switch wrote was replaced (the
 * intent becomes the file's entry); a file still as it was before was not (the intent goes).
 * Anything else (the agent wrote the file since) cannot be told apart: both accounts stay left to the
 * agent and the problem says how to end it. Call holding the provider's native lock. Returns the problems.
 */
async function settlePending(store: AccountStore, provider: string, format: NativeFormat, holder: NativeHolder): Promise<string[]> {
  const problems: string[] = [];
  for (const entry of holder.files.filter((e) => e.pending)) {
    const read = await readSettled(format, entry.file).catch(() => undefined);
    if (read?.kind === 'ok' && read.tokens && fingerprint(read.tokens) === entry.synced) {
      // Each mark moves away from its account only while that account's refresh lock is held.
      for (const old of holder.files.filter((e) => e.file === entry.file && e !== entry)) {
        await withAccountLock(store, provider, old, async () => {
          holder.files = holder.files.filter((e) => e !== old);
          await writeHolder(store.paths, provider, holder);
        });
      }
      delete entry.pending;
      Object.assign(holder, {account: entry.account, file: entry.file, accountKey: read.tokens.accountKey, since: entry.since});
      await writeHolder(store.paths, provider, holder);
      rmSync(backupPath(entry.file), {force: true});
    } else if (read && textPrint(read) === entry.pending?.before) {
      await withAccountLock(store, provider, entry, async () => {
        holder.files = holder.files.filter((e) => e !== entry);
        await writeHolder(store.paths, provider, promoteLatest(holder));
      });
    } else {
      problems.push(`a switch of ${entry.file} to ${provider} account ${entry.account} was interrupted and the file changed since: its accounts stay left to ${format.displayName} until \`ccs-tui use --native ${provider} <account>\` names the one it should hold`);
    }
  }
  return problems;
}

/** Syncs every file the state records for `provider` (call holding its native lock). */
async function syncAll(store: AccountStore, provider: string, format: NativeFormat): Promise<SyncResult> {
  const holder = readNativeState(store.paths)[provider];
  if (!holder) return {provider, saved: false};
  let saved = false;
  const problems = await settlePending(store, provider, format, holder);
  for (const entry of [...holder.files]) {
    // A switch's intent the settling above could not confirm: the file's other entry is synced.
    if (entry.pending) continue;
    // One unreadable file (it became a FIFO or a directory) must not stop the others' sync.
    const result = await syncEntry(store, provider, format, holder, entry).catch((error: unknown) => {
      if (error instanceof UserError) return {saved: false, problem: error.message};
      throw error;
    });
    saved ||= result.saved;
    if (result.problem) problems.push(result.problem);
  }
  return {provider, account: holder.account, saved, ...(problems.length > 0 ? {problem: problems.join('; ')} : {})};
}

/**
 * Picks up what the agents wrote into every file of `provider` that holds a native account (the
 * watchers and `use --native` call this). Nothing happens when no account is native or nothing changed.
 */
export async function syncNative(store: AccountStore, provider: string): Promise<SyncResult> {
  const format = nativeFormat(provider);
  if (!format) return {provider, saved: false};
  return withFileLock(nativeLockPath(store.paths, provider), () => syncAll(store, provider, format), {waitMs: 120_000});
}

export interface SwitchResult {
  provider: string;
  file: string;
  from?: string;
  to: Account;
  /** True when the agents' newer tokens (of any file) were saved into their accounts first. */
  savedOutgoing: boolean;
  /** Where a file that could not be read was kept. */
  corruptBackup?: string;
  /** Where a login ccs-tui does not know (the agent's own, from before native mode) was kept. */
  foreignBackup?: string;
  /** Things the user should know (an agent dir open to others, a file's problem). */
  warnings: string[];
}

/**
 * Writes `accountRef`'s tokens into the agent's credential file (`use --native`). First saves what
 * the agents refreshed, from every file the state records (wherever the new file is), each into the
 * account the tokens belong to; the file's unknown fields are kept; the previous file is kept beside
 * it (`<file>.ccs-tui-previous`) until the switch is complete.
 */
export async function switchNative(store: AccountStore, provider: string, accountRef: string, env: NodeJS.ProcessEnv): Promise<SwitchResult> {
  const format = nativeFormat(provider);
  if (!format) throw new UserError(`native mode knows no credential file for ${provider}'s agent (it does: claude, codex, gemini, qwen)`, 2);
  const paths = store.paths;
  // Its id is kept from now on (registered): the TUI and `native` name the agent's account by it.
  // (A registry that cannot be written, a corrupt one, leaves the id derived: the switch goes on.)
  const target = await store.keepId(provider, accountRef).catch(() => store.loadAccount(provider, accountRef));
  if (target.health === 'missing-token' || target.health === 'unreadable') {
    throw new UserError(`${provider} account ${accountLabel(target, (await store.load()).accounts)} cannot be used: ${healthWords(target)}`);
  }
  // The agent refreshes the tokens it is given: it would send the refresh token ccs-tui never sends
  // again, or one the provider refused (needs-login).
  const refuseHandOff = async (account: Account, token: TokenFile | undefined) => {
    const refused = await handOffRefusal(paths.state, provider, account, token);
    if (refused) throw new UserError(`${provider} account ${accountLabel(target, (await store.load()).accounts)} is not put in ${format.displayName}'s credential file: ${refused}`, 1, reloginAdvice(provider));
  };
  await refuseHandOff(target, await store.readToken(target).catch(() => undefined));
  const file = await agentFilePath(format, env);
  // Refuse a FIFO or a directory before any lock is taken.
  await readAgentFile(format, file);
  return withFileLock(nativeLockPath(paths, provider), async () => {
    const synced = await syncAll(store, provider, format);
    const warnings = synced.problem ? [synced.problem] : [];
    const holder = readNativeState(paths)[provider] ?? {account: target.id, file, since: '', files: [], known: []};
    const entry = holder.files.find((e) => e.file === file && !e.pending);
    const all = await candidates(store, provider);
    const outgoingAccount = entry && entryAccount(all, entry);
    const outgoing = outgoingAccount?.id;
    const lockIn = (account: Account | undefined, work: () => Promise<SwitchResult>) =>
      account ? withAccountGrantLock(store, provider, {tokenFile: account.tokenFile}, () => work()) : work();
    // Both refresh locks: the outgoing account's while the file is replaced, the incoming one's while
    // its tokens are copied into the file (one lock, re-entered, when both hold one grant).
    return lockIn(outgoingAccount, () =>
      lockIn(target, async () => {
        let savedOutgoing = synced.saved;
        let corruptBackup: string | undefined;
        let foreignBackup: string | undefined;
        const dirWarning = await ensureForeignDir(path.dirname(file));
        if (dirWarning) warnings.push(dirWarning);
        for (let attempt = 0; ; attempt++) {
          const read = await readSettled(format, file);
          if (read.kind === 'corrupt') corruptBackup = await backupCorruptFile(file);
          if (read.kind === 'ok' && read.tokens?.refreshToken && (!entry || entry.foreign || fingerprint(read.tokens) !== entry.synced)) {
            // Written since the sync above (the agent just refreshed), or never recorded: whose is it?
            const owner = await ownerOf(store, holder, provider, read, entry);
            if (owner.kind === 'account') {
              const tokens = read.tokens;
              if (await withAccountLock(store, provider, {account: owner.id, tokenFile: owner.tokenFile}, () => saveInto(store, provider, owner.tokenFile, tokens, owner.weak))) savedOutgoing = true;
              remember(holder, owner.id, tokens);
            } else {
              foreignBackup = (await keepForeignLogin(file, read.text)) ?? foreignBackup;
            }
          }
          // An API key (Codex's OPENAI_API_KEY) is no account's and the write clears it: kept as a foreign login is.
          if (read.kind === 'ok' && read.tokens?.apiKey) foreignBackup = await keepForeignLogin(file, read.text);
          // So is a live access token with no refresh token beside it that no account holds.
          if (read.kind === 'ok' && (await unheldAccessOnly(store, provider, holder, read.tokens))) foreignBackup = await keepForeignLogin(file, read.text);
          const current = await store.loadAccount(provider, {tokenFile: target.tokenFile});
          const token = await store.readToken(current);
          if (!token) throw new UserError(`${provider} account ${accountLabel(target, (await store.load()).accounts)}: token file not found`);
          // Asked again under the grant's lock, of what is handed now: a copy of the grant refreshed while
          // this waited for the lock spent the refresh token the check above let through.
          await refuseHandOff(current, token);
          const previous = read.kind === 'ok' ? read.json : undefined;
          const same = outgoing === target.id;
          const content = `${JSON.stringify(format.write(previous, token, same), null, 2)}\n`;
          if (read.kind !== 'missing') await writeFileAtomic(backupPath(file), read.text, FILE_MODE, {keepDir: true});
          const written = format.read(JSON.parse(content) as Record<string, unknown>);
          const since = new Date().toISOString();
          const fresh: NativeFileEntry = {file, account: target.id, tokenFile: target.tokenFile, synced: fingerprint(written), ...(written?.expiresAt !== undefined ? {expiresAt: written.expiresAt} : {}), since};
          // The mark before the file: once the file holds the grant, ccs-tui must already leave it alone.
          // The tokens are remembered as the target's in the same write (what a later sync attributes by).
          remember(holder, target.id, written);
          const intent = await markPending(paths, provider, holder, {...fresh, pending: {before: textPrint(read)}});
          // Marked, and only now is the token's attempt record read again: a refresh that took this
          // lock over while this switch was held up (suspended past its bound) claims the token before
          // it reads the mark (services/refresh.ts), so either it leaves the account to the agent or
          // this sees its claim. A token file refreshed meanwhile is read again; a token in flight stays here.
          const now = await store.readToken(await store.loadAccount(provider, {tokenFile: target.tokenFile})).catch(() => undefined);
          if (now?.refresh_token !== token.refresh_token) {
            await intent.withdraw();
            if (attempt < 20) continue;
            throw new UserError(`${store.tokenPath(target)} keeps changing (another process is refreshing it); try again`);
          }
          await refuseHandOff(current, token).catch(async (error: unknown) => {
            await intent.withdraw();
            throw error;
          });
          const replaced = await replaceIfUnchanged(file, read.kind === 'missing' ? undefined : read.text, content).catch(async (error: unknown) => {
            await intent.withdraw().catch(() => undefined);
            throw error;
          });
          if (!replaced) {
            // The agent wrote its file between our read and now: save that too, then try again.
            await intent.withdraw();
            if (attempt < 20) continue;
            throw new UserError(`${file} keeps changing (is ${format.displayName} refreshing in a loop?); try again`);
          }
          holder.files = [...holder.files.filter((e) => e.file !== file), fresh];
          Object.assign(holder, {account: target.id, file, accountKey: written?.accountKey, since});
          await writeHolder(paths, provider, holder).catch((error: unknown) => {
            throw new UserError(`${file} now holds ${provider} account ${accountLabel(target, [target])}, but the switch could not be recorded: ${describeUserError(error)?.text ?? (error as Error).message}. The account stays left to ${format.displayName} (its mark was written first); once the file is fixed, \`ccs-tui native\` completes the switch`);
          });
          rmSync(backupPath(file), {force: true});
          return {provider, file, from: outgoing, to: target, savedOutgoing, corruptBackup, foreignBackup, warnings};
        }
      }),
    );
  }, {waitMs: 120_000});
}

/**
 * Whether `tokens` are an access token alone (no refresh token) that no account holds and ccs-tui
 * never wrote: the only copy of a login that grants until it expires. One whose stated expiry has
 * passed grants nothing any more (nothing can renew it), so it is not worth keeping.
 */
async function unheldAccessOnly(store: AccountStore, provider: string, holder: NativeHolder, tokens: NativeTokens | undefined): Promise<boolean> {
  if (!tokens?.accessToken || tokens.refreshToken || (tokens.expiresAt !== undefined && tokens.expiresAt <= Date.now())) return false;
  const access = tokens.accessToken;
  if (holder.known.some((k) => k.tokens.includes(tokenFingerprint(access)))) return false;
  return !(await candidates(store, provider)).some((c) => accessTokenOf(c.token) === access);
}

/**
 * A login in the agent's file that is no account's (the person's own, from before native mode, or one
 * the agent made itself) is the only copy of that grant: it is kept beside the file,
 * `<file>.ccs-tui-kept-<hash>`, for good. Returns where.
 */
async function keepForeignLogin(file: string, text: string): Promise<string> {
  const kept = `${file}.ccs-tui-kept-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
  await writeFileAtomic(kept, text, FILE_MODE, {keepDir: true});
  return kept;
}

/**
 * Renames `content` over `file` only if the file still holds `expected` (undefined: still absent).
 * The temp file (writeTempBeside) is written and synced first, so the check and the rename are a few µs apart.
 */
async function replaceIfUnchanged(file: string, expected: string | undefined, content: string): Promise<boolean> {
  // Random name, O_EXCL: a symlink planted in the agent's dir is never written through.
  const temp = await writeTempBeside(file, content);
  let now: string | undefined;
  try {
    now = readRegularFileSync(file)?.text;
  } catch {
    now = '';
  }
  if (now !== expected) {
    rmSync(temp, {force: true});
    return false;
  }
  renameSync(temp, file);
  await fs.chmod(file, FILE_MODE).catch(() => undefined);
  return true;
}

/** Leaves native mode for `provider`: every file's latest tokens are saved, the marks removed, the files left as they are. */
export async function releaseNative(store: AccountStore, provider: string): Promise<string | undefined> {
  const format = nativeFormat(provider);
  if (!format) return undefined;
  return withFileLock(nativeLockPath(store.paths, provider), async () => {
    const result = await syncAll(store, provider, format);
    const holder = readNativeState(store.paths)[provider];
    // Each mark moves away from its account only while that account's refresh lock is held.
    for (const entry of [...(holder?.files ?? [])]) {
      await withAccountLock(store, provider, entry, async () => {
        holder!.files = holder!.files.filter((e) => e !== entry);
        await writeHolder(store.paths, provider, promoteLatest(holder!));
      });
    }
    return result.account;
  }, {waitMs: 120_000});
}

/**
 * Watches the agents' files of every native account (the TUI and the proxy child run this) and syncs
 * on each change; also every `pollMs`, since some editors and agents replace files in ways a watch
 * misses. Returns the stop function.
 */
export function watchNativeFiles(store: AccountStore, onResult: (result: SyncResult) => void = () => undefined, pollMs = 5000): () => void {
  const watchers = new Map<string, FSWatcher>();
  const pending = new Map<string, NodeJS.Timeout>();
  let stopped = false;
  const sync = (provider: string) => {
    if (stopped || pending.has(provider)) return;
    // Debounced: an agent's write is often several events (temp file, rename, chmod).
    pending.set(provider, setTimeout(() => {
      pending.delete(provider);
      void syncNative(store, provider).then((result) => (result.saved || result.problem) && onResult(result), () => undefined);
    }, 100));
  };
  const refreshWatches = () => {
    const state = readNativeState(store.paths);
    for (const [provider, {file}] of Object.entries(state).flatMap(([p, holder]) => holder.files.map((e) => [p, e] as const))) {
      const dir = path.dirname(file);
      const key = `${provider}:${file}`;
      if (watchers.has(key) || !existsSync(dir)) continue;
      try {
        const watcher = watch(dir, (_event, name) => {
          if (!name || name === path.basename(file)) sync(provider);
        });
        watcher.on('error', () => watchers.delete(key));
        watchers.set(key, watcher);
      } catch {
        // the poll covers it
      }
    }
    for (const provider of Object.keys(state)) sync(provider);
  };
  refreshWatches();
  const timer = setInterval(refreshWatches, pollMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    for (const t of pending.values()) clearTimeout(t);
    for (const w of watchers.values()) w.close();
  };
}

/**
 * After `rotate` (or quota-based rotation) moved a provider's default: when the provider is in native
 * mode, the agent's file follows to the new account. Undefined when the provider is not native.
 */
export async function followRotationNatively(store: AccountStore, provider: string, accountId: string, env: NodeJS.ProcessEnv): Promise<SwitchResult | undefined> {
  const holder = readNativeState(store.paths)[provider];
  if (!holder || holder.account === accountId) return undefined;
  return switchNative(store, provider, accountId, env);
}
