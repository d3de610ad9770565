// Native mode: the agent's own credential file holds the chosen account, and no grant is ever lost.
//
// Refresh tokens rotate; whoever refreshes last holds the only live one. So:
// - `tui/native.json` records, per provider, which account the agent's file holds (the mark that
//   makes ccs-tui's refresher leave that account to the agent) and what the file held at the last sync;
// - before the file is overwritten, what the agent refreshed into it is saved into the outgoing
//   account's token file; while an account is native, the agent's changes are picked up the same way
//   (the TUI and the proxy watch the file, `use --native` syncs on each call);
// - locks, always taken in this order: `native-<provider>` (one switch or sync at a time), then the
//   account's refresh lock (the one services/refresh.ts holds while it refreshes), so a refresh of the
//   account and a sync of its file never interleave. The mark moves away from an account only while
//   its refresh lock is held, so the refresher, inside that lock, can trust it.
// - the file is replaced only if the agent did not write it since it was read (checked just before
//   the rename), and its previous content stays beside it until the switch is complete.
import {createHash} from 'node:crypto';
import {existsSync, readFileSync, renameSync, rmSync, watch, type FSWatcher} from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import {accountLabel} from '../../core/accounts.js';
import {UserError, type Account, type TokenFile} from '../../core/types.js';
import type {AccountStore} from '../../store/accounts.js';
import {backupCorruptFile, ensurePrivateDir, FILE_MODE, withFileLock, writeFileAtomic, writeJsonAtomic} from '../../store/files.js';
import type {CcsPaths} from '../../store/paths.js';
import {withRefreshLock} from '../refresh-lock.js';
import {nativeFormat, refreshTokenOf, sameTokens, tokenFileUpdate, type NativeFormat, type NativeTokens} from './formats.js';

/** One provider's entry in `tui/native.json`. */
export interface NativeHolder {
  /** Account id whose tokens the agent's file holds. */
  account: string;
  /** The agent's file. */
  file: string;
  /** Hash of the tokens in the file at the last sync (never the tokens themselves). */
  synced: string;
  /** `account_id` (codex) or similar, when the format names the account. */
  accountKey?: string;
  since: string;
}

export type NativeState = Record<string, NativeHolder>;

export const nativeStatePath = (paths: CcsPaths) => path.join(paths.state, 'native.json');
const nativeLockPath = (paths: CcsPaths, provider: string) => path.join(paths.locks, `native-${provider}`);
const backupPath = (file: string) => `${file}.ccs-tui-previous`;

/** `tui/native.json` (empty when missing or unreadable: no account is native then). */
export function readNativeState(paths: CcsPaths): NativeState {
  try {
    const data = JSON.parse(readFileSync(nativeStatePath(paths), 'utf8')) as unknown;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return {};
    return Object.fromEntries(Object.entries(data).filter(([key, v]) => nativeFormat(key) && typeof (v as NativeHolder)?.account === 'string')) as NativeState;
  } catch {
    return {};
  }
}

async function writeNativeState(paths: CcsPaths, change: (state: NativeState) => void): Promise<void> {
  const state = readNativeState(paths);
  change(state);
  await writeJsonAtomic(nativeStatePath(paths), state);
}

/** The account id the agent's file holds for `provider`, if an account is native. */
export function nativeAccount(paths: CcsPaths, provider: string): string | undefined {
  return readNativeState(paths)[provider]?.account;
}

const fingerprint = (tokens: NativeTokens | undefined) =>
  createHash('sha256').update(`${tokens?.accessToken ?? ''}\n${tokens?.refreshToken ?? ''}`).digest('hex').slice(0, 16);

type FileRead = {kind: 'missing'} | {kind: 'corrupt'; text: string} | {kind: 'ok'; text: string; json: Record<string, unknown>; tokens?: NativeTokens};

async function readAgentFile(format: NativeFormat, file: string): Promise<FileRead> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {kind: 'missing'};
    throw error;
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return {kind: 'corrupt', text};
    return {kind: 'ok', text, json: json as Record<string, unknown>, tokens: format.read(json as Record<string, unknown>)};
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

/** Whether the file's tokens belong to the holder's account (false: the agent logged in as someone else). */
function belongsTo(holder: NativeHolder, tokens: NativeTokens): boolean {
  return !holder.accountKey || !tokens.accountKey || holder.accountKey === tokens.accountKey;
}

/**
 * Saves what the agent refreshed into `holder`'s token file, if anything. Call with the account's
 * refresh lock held. Returns the token file as it is afterwards.
 */
async function saveBack(store: AccountStore, provider: string, holder: NativeHolder, read: FileRead): Promise<TokenFile | undefined> {
  if (read.kind !== 'ok' || !read.tokens?.refreshToken || !belongsTo(holder, read.tokens)) return undefined;
  if (fingerprint(read.tokens) === holder.synced) return undefined;
  const tokens = read.tokens;
  return store.updateToken(provider, {id: holder.account}, (current) => (sameTokens(current, tokens) ? current : tokenFileUpdate(current, tokens)));
}

/**
 * For the refresher, inside the account's refresh lock: when the account is native, the agent's
 * latest tokens (saved into the token file first) instead of a refresh. Undefined when it is not native.
 */
export async function nativeTokensInsteadOfRefresh(store: AccountStore, provider: string, accountId: string): Promise<TokenFile | undefined> {
  const holder = readNativeState(store.paths)[provider];
  if (!holder || holder.account !== accountId) return undefined;
  const format = nativeFormat(provider)!;
  const saved = await saveBack(store, provider, holder, await readSettled(format, holder.file));
  return saved ?? (await store.readToken(await store.loadAccount(provider, {id: accountId})));
}

export interface SyncResult {
  provider: string;
  account?: string;
  /** True when the agent's newer tokens were written into the token file. */
  saved: boolean;
  /** Why nothing could be taken from the file (corrupt, another login). */
  problem?: string;
}

/**
 * Picks up what the agent wrote into its file for the native account of `provider` (the watchers
 * and `use --native` call this). Nothing happens when no account is native or nothing changed.
 */
export async function syncNative(store: AccountStore, provider: string): Promise<SyncResult> {
  const format = nativeFormat(provider);
  if (!format) return {provider, saved: false};
  const paths = store.paths;
  return withFileLock(nativeLockPath(paths, provider), async () => {
    const holder = readNativeState(paths)[provider];
    if (!holder) return {provider, saved: false};
    return withRefreshLock(paths, provider, holder.account, async () => {
      const read = await readSettled(format, holder.file);
      if (read.kind === 'corrupt') return {provider, account: holder.account, saved: false, problem: `${holder.file} is not valid JSON (the agent may be writing it); left as it is`};
      if (read.kind === 'ok' && read.tokens && !belongsTo(holder, read.tokens)) {
        return {provider, account: holder.account, saved: false, problem: `${holder.file} now holds another login (${format.displayName} logged in itself); not saved into ${holder.account}`};
      }
      const saved = await saveBack(store, provider, holder, read);
      if (read.kind === 'ok' && read.tokens && fingerprint(read.tokens) !== holder.synced) {
        await writeNativeState(paths, (state) => {
          if (state[provider]?.account === holder.account) state[provider]!.synced = fingerprint(read.tokens);
        });
      }
      return {provider, account: holder.account, saved: Boolean(saved)};
    });
  }, {waitMs: 120_000});
}

export interface SwitchResult {
  provider: string;
  file: string;
  from?: string;
  to: Account;
  /** True when the outgoing account's newer tokens were saved from the agent's file first. */
  savedOutgoing: boolean;
  /** Where a file that could not be read was kept. */
  corruptBackup?: string;
  /** Where a login ccs-tui does not know (the agent's own, from before native mode) was kept. */
  foreignBackup?: string;
}

/**
 * Writes `accountRef`'s tokens into the agent's credential file (`use --native`). First saves what
 * the agent refreshed for the outgoing account; the file's unknown fields are kept; the previous file
 * is kept beside it (`<file>.ccs-tui-previous`) until the switch is complete.
 */
export async function switchNative(store: AccountStore, provider: string, accountRef: string, env: NodeJS.ProcessEnv): Promise<SwitchResult> {
  const format = nativeFormat(provider);
  if (!format) throw new UserError(`native mode knows no credential file for ${provider}'s agent (it does: claude, codex, gemini, qwen)`, 2);
  const paths = store.paths;
  const target = await store.loadAccount(provider, accountRef);
  if (target.health === 'missing-token' || target.health === 'unreadable' || target.health === 'needs-login') {
    throw new UserError(`${provider} account ${accountLabel(target)} cannot be used: ${target.healthDetail ?? target.health}`);
  }
  const file = format.file(env);
  return withFileLock(nativeLockPath(paths, provider), async () => {
    const holder = readNativeState(paths)[provider];
    // An outgoing account removed since is nobody's any more: its login is kept like a stranger's.
    const exists = holder ? await store.loadAccount(provider, {id: holder.account}).then(() => true, () => false) : false;
    const outgoing = holder && exists && holder.file === file ? holder : undefined;
    const lockIn = (id: string | undefined, work: () => Promise<SwitchResult>) =>
      id ? withRefreshLock(paths, provider, id, work) : work();
    // Both refresh locks: the outgoing account's while its tokens are saved back and the file is
    // replaced, the incoming one's while its tokens are copied into the file.
    return lockIn(outgoing?.account, () =>
      lockIn(outgoing?.account === target.id ? undefined : target.id, async () => {
        let savedOutgoing = false;
        let corruptBackup: string | undefined;
        let foreignBackup: string | undefined;
        for (let attempt = 0; ; attempt++) {
          const read = await readSettled(format, file);
          if (outgoing && (await saveBack(store, provider, outgoing, read))) savedOutgoing = true;
          if (read.kind === 'corrupt') corruptBackup = await backupCorruptFile(file);
          if (read.kind === 'ok' && (!outgoing || (read.tokens && !belongsTo(outgoing, read.tokens)))) {
            foreignBackup = (await keepForeignLogin(store, provider, file, read)) ?? foreignBackup;
          }
          const token = await store.readToken(await store.loadAccount(provider, {id: target.id}));
          if (!token) throw new UserError(`${provider} account ${accountLabel(target)}: token file not found`);
          const previous = read.kind === 'ok' ? read.json : undefined;
          const same = outgoing?.account === target.id;
          const content = `${JSON.stringify(format.write(previous, token, same), null, 2)}\n`;
          if (read.kind !== 'missing') await writeFileAtomic(backupPath(file), read.text);
          const replaced = await replaceIfUnchanged(file, read.kind === 'missing' ? undefined : read.text, content);
          if (!replaced) {
            // The agent wrote its file between our read and now: save that too, then try again.
            if (attempt < 20) continue;
            throw new UserError(`${file} keeps changing (is ${format.displayName} refreshing in a loop?); try again`);
          }
          const written = format.read(JSON.parse(content) as Record<string, unknown>);
          await writeNativeState(paths, (state) => {
            state[provider] = {account: target.id, file, synced: fingerprint(written), ...(written?.accountKey ? {accountKey: written.accountKey} : {}), since: new Date().toISOString()};
          });
          rmSync(backupPath(file), {force: true});
          return {provider, file, from: outgoing?.account, to: target, savedOutgoing, corruptBackup, foreignBackup};
        }
      }),
    );
  }, {waitMs: 120_000});
}

/**
 * A login in the agent's file that no account of ccs-tui holds (the person's own, from before native
 * mode, or one the agent made itself) is the only copy of that grant: it is kept beside the file,
 * `<file>.ccs-tui-kept-<hash>`, for good. Returns where, or undefined when ccs-tui knows the tokens.
 */
async function keepForeignLogin(store: AccountStore, provider: string, file: string, read: FileRead & {kind: 'ok'}): Promise<string | undefined> {
  const refresh = read.tokens?.refreshToken;
  if (!refresh) return undefined;
  const snapshot = await store.load();
  for (const account of snapshot.accounts.filter((a) => a.provider === provider)) {
    const token = await store.readToken(account).catch(() => undefined);
    if (token && refreshTokenOf(token) === refresh) return undefined;
  }
  const kept = `${file}.ccs-tui-kept-${createHash('sha256').update(read.text).digest('hex').slice(0, 8)}`;
  await writeFileAtomic(kept, read.text);
  return kept;
}

/**
 * Renames `content` over `file` only if the file still holds `expected` (undefined: still absent).
 * The temp file is written and synced first, so the check and the rename are a few µs apart.
 */
async function replaceIfUnchanged(file: string, expected: string | undefined, content: string): Promise<boolean> {
  await ensurePrivateDir(path.dirname(file));
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.ccs-tui-${process.pid}.tmp`);
  const handle = await fs.open(temp, 'w', FILE_MODE);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  let now: string | undefined;
  try {
    now = readFileSync(file, 'utf8');
  } catch {
    now = undefined;
  }
  if (now !== expected) {
    rmSync(temp, {force: true});
    return false;
  }
  renameSync(temp, file);
  await fs.chmod(file, FILE_MODE).catch(() => undefined);
  return true;
}

/** Leaves native mode for `provider`: the file's latest tokens are saved, the mark removed, the file left as it is. */
export async function releaseNative(store: AccountStore, provider: string): Promise<string | undefined> {
  const result = await syncNative(store, provider);
  await withFileLock(nativeLockPath(store.paths, provider), async () => {
    const holder = readNativeState(store.paths)[provider];
    if (!holder) return;
    await withRefreshLock(store.paths, provider, holder.account, () => writeNativeState(store.paths, (state) => void delete state[provider]));
  });
  return result.account;
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
    for (const [provider, holder] of Object.entries(state)) {
      const dir = path.dirname(holder.file);
      const key = `${provider}:${dir}`;
      if (watchers.has(key) || !existsSync(dir)) continue;
      try {
        const watcher = watch(dir, (_event, name) => {
          if (!name || name === path.basename(holder.file)) sync(provider);
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
