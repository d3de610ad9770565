// The account store: the CCS registry merged with the token files on disk. This is the one place
// that decides what an "account" is; the TUI, the command line, logins and the proxy all use it.
//
// Rules kept here:
// - token files in auth/ that the registry does not list are accounts too (registered on first edit);
// - a token file is found in auth/ or auth-paused/ whatever the registry says, so a crash between
//   moving a file and writing the registry loses nothing;
// - every mutation re-reads what it decides on under one cross-process lock (everything; a token
//   rewrite of a registered account: the registry, the state and that one file), then writes atomically;
// - a corrupt registry is backed up and rebuilt from the token files; a corrupt token file is never
//   written over.
import {randomBytes} from 'node:crypto';
import {lstatSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync} from 'node:fs';
import {tokenFingerprint} from '../core/fingerprint.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import {isDeepStrictEqual} from 'node:util';
import {ACCOUNT_ID_FIELDS, accountLabel, accountProject, effectiveDefault, type LoginOutcome, type NicknameChange, AmbiguousAccountError, ccsAccountId, matchedAs, defaultAfterLeaving, defaultProblem, findAccount, healthWords, canServeNow, nextInTurn, nicknameProblem, type AccountRef} from '../core/accounts.js';
import {credentialsOf, joinWrappedBase64, Redactor, SHOWN_TEXT} from '../core/redact.js';
import {shellCommand} from '../core/quote.js';
import {maskedUrl, sanitizeLine, sanitizeText} from '../core/sanitize.js';
import type {Account, AccountHealth, TokenFile} from '../core/types.js';
import {UserError} from '../core/types.js';
import {clampProviderWait} from '../core/provider-wait.js';
import {setOwn} from '../core/id-map.js';
import {asksForLabel, baseAdapter} from '../providers/adapters/base.js';
import {normalizeTokenType, PROVIDERS, providerForRegistryKey, providerForTokenType, registryKeysOf, tokenFilePrefixesOf, type ProviderRow} from '../providers/table.js';
import {changedRecently, fileStamp, type StampedStat} from './file-stamp.js';
import {backupCorruptFile, CorruptFileError, ensurePrivateDir, jsonText, keepTokenCopy, linkTargetWithin, parseJsonFile, readRegularFile, readRegularFileSync, removeAbandonedTemps, readTextIfExists, type RegularFile} from './files.js';
import {fileVersion, withFileLock, type FileLock, type FileVersion, type LockOptions, type Step} from './file-lock.js';
import type {AccountOperation, AccountService, AccountsSnapshot, ProviderAccounts, StoreProblem} from './account-service.js';
import {abandonedTempDirs, type CcsPaths} from './paths.js';
import {readSnapshotCache, snapshotSourceStamps, writeSnapshotCache} from './snapshot-cache.js';
import {withAccountGrantLock, type RefreshLockBounds} from './grant-lock.js';
import {exposedConfigWarning, exposedProxyRecordWarning, exposedSecretWarning} from './secret-files.js';
import {emptyRegistry, idMap, parseRegistry, salvageRegistry, validateRegistry, type RegistryAccount, type RegistryFile, type RegistryProvider} from './registry.js';
import {isPlainTokenFileName, listJsonFiles, readTokenFile, readTokenFileSync, tokenDirRead, tokenDirReadStart, tokenFileText, tokenReadOptions, tokenWriteTarget, uniqueFileName, upstreamTokenFileName} from './tokens.js';
import {countOf} from '../core/wording.js';

export type {AccountsSnapshot, ProviderAccounts, StoreProblem} from './account-service.js';

/** Per-account state that belongs to ccs-tui, not to CCS: `tui/account-state.json`. */
interface AccountState {
  /** `fingerprint`: of the refresh token refused (absent in older versions' marks, which hold under their id only). */
  needsLogin?: {reason: string; at: string; fingerprint?: string};
  /**
   * A refresh of the refresh token with this fingerprint (core/fingerprint.ts) was sent and its
   * answer lost: it is never sent again. Shown while the token file still holds that token (a new
   * login, or another tool's refresh, moves on).
   */
  refreshUnknown?: {reason: string; at: string; fingerprint: string};
  /**
   * A test (`t`) or the proxy's own refresh found the provider refusing a refresh of the refresh token with this fingerprint
   * (an answer, not invalid_grant): shown while the token file still holds that token, until a refresh is granted.
   */
  refreshFailed?: {reason: string; at: string; fingerprint: string};
  /**
   * The upstream refused the API key with this fingerprint (the proxy's request, `t`'s models list:
   * services/key-check.ts): shown while the token file holds that key, until a request with it succeeds.
   */
  keyRejected?: {reason: string; at: string; fingerprint: string};
  /**
   * The local proxy's quota or rate-limit cooldown of the account (the provider's own wait): kept
   * here so that a restarted proxy still waits it out. `until`: RFC 3339.
   */
  cooldown?: AccountCooldown;
  /**
   * When the local proxy last had a request on this account answered (RFC 3339; written at most once
   * a minute per account, proxy/server.ts noteServed): the "last used" the TUI shows beside the
   * registry's `lastUsedAt` (made the default) and the token's `last_refresh`.
   */
  served?: string;
}

/** A provider's wait on an account, as the local proxy met it (AccountState `cooldown`). */
export interface AccountCooldown {
  until: string;
  kind: 'quota' | 'rate-limit';
  reason: string;
  /** When the proxy met it (RFC 3339): a success on a request sent earlier does not end it (endCooldown). */
  met?: string;
}

/**
 * A cooldown from the account state as it may be used: a known kind and an instant still ahead, no
 * later than a provider may impose (MAX_PROVIDER_WAIT_MS: a hand edit or another version's value
 * cannot bench an account for years); undefined otherwise. The file is the user's: any shape.
 */
function cooldownAhead(value: unknown, now: number): AccountCooldown | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const {until, kind, reason} = value as Record<string, unknown>;
  if (kind !== 'quota' && kind !== 'rate-limit') return undefined;
  const at = clampProviderWait(now, typeof until === 'string' ? Date.parse(until) : undefined);
  if (at === undefined || at <= now) return undefined;
  return {until: new Date(at).toISOString(), kind, reason: typeof reason === 'string' ? reason : 'cooling down'};
}

/** A mark of the account state as it is used: its reason, when and (for most) the credential it names. */
interface Mark {
  reason: string;
  at?: string;
  fingerprint?: string;
}

/**
 * A mark of the account state (needsLogin, refreshUnknown, refreshFailed, keyRejected) as it may be
 * used: the file is the user's, any shape. `null`, a number or a list is no mark, nor is one whose
 * fingerprint is not text (it names no credential); a reason or time of another type is read as missing.
 */
function markOf(value: unknown): Mark | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const {reason, at, fingerprint} = value as Record<string, unknown>;
  // A fingerprint that is not text names no credential: the mark holds for none (absent, a needsLogin
  // of older versions holds under the account's id).
  if (fingerprint !== undefined && typeof fingerprint !== 'string') return undefined;
  return {reason: typeof reason === 'string' ? reason : 'no reason recorded', ...(typeof at === 'string' ? {at} : {}), ...(typeof fingerprint === 'string' ? {fingerprint} : {})};
}

/**
 * Removes the cooldowns whose `until` is past from the account state (and an account's entry left
 * empty): they are ignored once past, and would otherwise stay in the file for good. One whose
 * `until` does not parse is left as it is (the file is the user's).
 */
function dropPastCooldowns(state: Record<string, AccountState>, now: number): void {
  for (const [key, entry] of Object.entries(state)) {
    const until = (entry?.cooldown as {until?: unknown} | undefined)?.until;
    if (typeof until !== 'string' || !(Date.parse(until) <= now)) continue;
    dropMark(state, key, 'cooldown');
  }
}

/** Removes one mark from an account's state, and the account's entry when nothing is left in it. */
function dropMark(state: Record<string, AccountState>, key: string, mark: keyof AccountState): void {
  const entry = state[key];
  if (!entry) return;
  delete entry[mark];
  if (Object.keys(entry).length === 0) delete state[key];
}

/** A name from the registry or a token file as one line: escapes removed, a wrapped base64 block joined (joinWrappedBase64), other line breaks spaces. */
const oneLineName = (name: string) => sanitizeLine(joinWrappedBase64(sanitizeText(name)));

/** An account's `baseUrl` from its token file's `base_url`, when it names one, as shown (core/sanitize.ts maskedUrl: no user info, query or fragment). */
const baseUrlOf = (token: TokenFile | undefined): Pick<Account, 'baseUrl'> => {
  const url = stringField(token?.base_url);
  return url ? {baseUrl: maskedUrl(url)} : {};
};

/** The API key a token file holds when it holds no OAuth grant beside it (AI Studio, IBM Bob): nothing of it expires or is refreshed. */
export const heldApiKey = (token: TokenFile | undefined): string | undefined => (stringField(token?.refresh_token) ? undefined : stringField(token?.api_key));

/** `apiKey` for a token file that holds an API key and no OAuth grant (heldApiKey). */
const apiKeyOf = (token: TokenFile | undefined): Pick<Account, 'apiKey'> => (heldApiKey(token) ? {apiKey: true} : {});

/** How long before its storing a login's own `last_refresh` may be and still be the login's moment. */
const LOGIN_STORED_WITHIN_MS = 10 * 60_000;

/**
 * When a login's account was created: the moment its token was made (`last_refresh`, which the
 * detail's "Last used" also reads), so the two agree to the second; the store's `now` when the token
 * holds none, or one that is no moment of this login (in the future, or older than
 * LOGIN_STORED_WITHIN_MS: a token file brought from elsewhere).
 */
function loginMoment(token: TokenFile, now: Date): string {
  const made = Date.parse(stringField(token.last_refresh) ?? '');
  return made <= now.getTime() && now.getTime() - made <= LOGIN_STORED_WITHIN_MS ? new Date(made).toISOString() : now.toISOString();
}

/**
 * A reason kept in the account state (a server's words) with the account's own credentials masked:
 * reasons are masked before they are stored, but one stored by an older version may hold them.
 */
function ownCredentialsMasked(text: string, token: TokenFile | undefined): string {
  const secrets = credentialsOf(token);
  return secrets.length === 0 ? text : new Redactor(secrets).redact(text, SHOWN_TEXT);
}

/** A token file as read, with the stat stamp (file-stamp.ts, and its mode) it had. */
type TokenRead = {stamp: string; found: NonNullable<ReturnType<typeof readTokenFileSync>>};

/** The stamp of a TokenRead, from a stat of the path or the read's own fstat (`mode`: permission bits, or the whole mode of a regular file). */
const readStamp = (stat: StampedStat & {mode: number}) => `${fileStamp(stat)}:${stat.mode & 0o777}`;

/** CCS dirs whose abandoned temp files this process has removed (AccountStore.mutate). */
const sweptCcsDirs = new Set<string>();

/** The fields of a read's fstat that make its version (file-lock.ts): the read keeps no more than these. */
const versionOf = ({size, mtimeMs, ctimeMs, ino}: StampedStat): StampedStat => ({size, mtimeMs, ctimeMs, ino});

/** The version of a file that was read but not understood: its stat now (under the lock, the one read). */
function statVersion(file: string): FileVersion {
  try {
    return versionOf(statSync(file));
  } catch {
    return undefined;
  }
}

/** readRegularFile, its version put in `versions` (a file that is no regular file: its stat). */
async function readVersioned(file: string, versions: Map<string, FileVersion>): Promise<RegularFile | undefined> {
  try {
    const read = await readRegularFile(file);
    versions.set(file, read && versionOf(read));
    return read;
  } catch (error) {
    versions.set(file, await fileVersion(file).catch(() => undefined));
    throw error;
  }
}

/**
 * What a corrupt registry's problem says after the parse error: the list shown is read from the token
 * files, and nothing on disk was rebuilt (an edit refuses until --force; the store's mutate).
 */
const LISTED_FROM_TOKEN_FILES = '; the accounts are listed from the token files';

/**
 * The file a token file's symlink leads to (within the token dirs: linkTargetWithin refuses any other)
 * when the link names it relatively; undefined for a plain file, an absolute link, or a dangling one.
 */
function relativeLinkTarget(file: string): string | undefined {
  if (!lstatSync(file, {throwIfNoEntry: false})?.isSymbolicLink() || path.isAbsolute(readlinkSync(file))) return undefined;
  return linkTargetWithin(file, tokenReadOptions(file).linksWithin!);
}

/** Whether `from` is a symlink leading to the file at `to` itself. */
function linksTo(from: string, to: string): boolean {
  if (!lstatSync(from, {throwIfNoEntry: false})?.isSymbolicLink()) return false;
  try {
    return realpathSync(from) === realpathSync(to);
  } catch {
    return false;
  }
}

/**
 * Moves the relative link `from` to `to` (another dir) as a link to `target` named from there: made
 * beside `to` under a temp name and renamed into place, then `from` removed.
 */
function moveRelativeLink(from: string, to: string, target: string): void {
  const temp = `${to}.${randomBytes(6).toString('hex')}.tmp`;
  // From the dir as the kernel resolves the link (the token dir may be reached through a link itself).
  symlinkSync(path.relative(realpathSync(path.dirname(to)), target), temp);
  try {
    renameSync(temp, to);
  } catch (error) {
    rmSync(temp, {force: true});
    throw error;
  }
  rmSync(from);
}

/** A token file as read from auth/ or auth-paused/: its content, or the reason it is unreadable. */
type TokenDirEntry = {dir: 'auth' | 'auth-paused'; token?: TokenFile; error?: string};

interface LoadedFiles {
  registry: RegistryFile;
  registryRebuilt: boolean;
  /** Token file name → dir it was found in and its content (or the reason it is unreadable). */
  tokens: Map<string, TokenDirEntry>;
  state: Record<string, AccountState>;
  problems: StoreProblem[];
  /** Each file read (registry, account state, token files) by path: the version a write under the lock checks against (file-lock.ts). */
  versions: Map<string, FileVersion>;
}

export interface LoginResult {
  provider: string;
  token: TokenFile;
  /** Extra registry fields (tier, projectId). */
  tier?: string;
  projectId?: string;
  nickname?: string;
  /**
   * The account this login was started for (logging in again as it): `nickname` is that account's,
   * so it is applied only when the login turns out to be that account, never to another identity.
   */
  relogin?: string;
  /**
   * An API key (`token` an API-key token, apiKeyAccountId): when the key is no account's yet and
   * `nickname` names an API-key account of the provider (its nickname, or the email older versions
   * stored it as), that account's key is replaced instead of a second account being added.
   */
  replacesKeyOfNickname?: boolean;
  /**
   * An API key given for this account id (`L` on an API-key account): its key is replaced in place
   * (same token file, nickname, default and paused state). A key another account holds already is
   * refused (two accounts would hold one key); the key it holds already is stored as the same key.
   */
  replacesKeyOf?: string;
  /**
   * `token` holds a key the person gave (an API key, a service-account key file), not a grant a login
   * got: stored again, it is the same key or a replaced one (LoginOutcome), never a login.
   */
  keyGiven?: boolean;
}

/**
 * The account a login stored, and what storing it did (a remote server's login: what it shows of
 * that); `nicknameNotGiven`: why the login's nickname was not given to the account it turned out to be
 * (another account has it); `nicknameChanged`: the account was there already and the login's
 * nickname replaced its own (`from`, absent when it had none); `corrupt`: the key replaced was an
 * account's whose token file could not be read (`error`), its bytes copied to `copy`
 * (store/files.ts backupCorruptFile) before the new key was written over it.
 */
/** `madeDefault`: the login made it its provider's default (it was not before): "(default)" is said only then, as every message says a change of the default. */
export type StoredLogin = Account & {
  outcome: LoginOutcome;
  madeDefault: boolean;
  nicknameNotGiven?: string;
  nicknameChanged?: NicknameChange;
  corrupt?: {file: string; error: string; copy: string};
  /** Where the grant the login replaced was kept (keepReplacedGrant: one that may be another account's), when it was. */
  keptGrant?: string;
};

/** Token-file fields every OAuth grant comes with; the provider's own are its adapter's `grantFields`. */
const GRANT_FIELDS = ['access_token', 'refresh_token', 'expired', 'id_token'] as const;

/** The token-file fields that are `row`'s grant (GRANT_FIELDS and its adapter's `grantFields`), and when it was last refreshed. */
export function grantFieldNames(row: ProviderRow | undefined): string[] {
  return [...GRANT_FIELDS, ...(row?.adapter.grantFields ?? []), 'last_refresh'];
}

/**
 * The token file a new OAuth login leaves over the account's `current` one: the login's fields, and
 * of the file's only what is not the previous grant's (the account's options such as `priority`,
 * `note`, and keys ccs-tui does not know). A grant field the login did not bring (an expiry, an
 * id_token, qwen's `resource_url`, copilot's API host) would describe the previous grant, and for a
 * provider whose accounts are only the person's label (asksForLabel) maybe another account's. Only a
 * refresh token of an account the provider names stays when the login brought none: it is that same
 * account's, and still refreshes it.
 */
function tokenAfterLogin(row: ProviderRow, current: TokenFile, given: TokenFile): TokenFile {
  const byLabel = asksForLabel(row);
  const next: TokenFile = {...current};
  for (const field of [...GRANT_FIELDS, ...(row.adapter.grantFields ?? [])]) {
    if (field === 'refresh_token' && !byLabel && given.refresh_token === undefined) continue;
    delete next[field];
  }
  return {...next, ...given};
}

const stateKey = (provider: string, id: string) => `${provider}/${id}`;

/** The marks that name a credential (a refresh token, an API key), which must survive a change of the account's id. */
type GrantMarks = Pick<AccountState, 'needsLogin' | 'refreshUnknown' | 'refreshFailed' | 'keyRejected'>;
const GRANT_MARKS = ['needsLogin', 'refreshUnknown', 'refreshFailed', 'keyRejected'] as const;
const grantMarkKey = (provider: string, fingerprint: string) => `${provider}\u0000${fingerprint}`;

/**
 * Every mark that names a refresh token (by its fingerprint), by provider and fingerprint, whatever
 * account id it was written under: an unregistered token file's id is derived and changes when a
 * second file of its email appears or goes, and a mark lost with the old id would let a refresh
 * token known to be spent (or revoked) be sent again.
 */
function marksByGrant(state: Record<string, AccountState>): Map<string, GrantMarks> {
  const found = new Map<string, GrantMarks>();
  for (const [key, entry] of Object.entries(state)) {
    const provider = key.slice(0, key.indexOf('/'));
    for (const mark of GRANT_MARKS) {
      const fingerprint = (entry?.[mark] as {fingerprint?: unknown} | undefined)?.fingerprint;
      if (typeof fingerprint !== 'string') continue;
      const at = grantMarkKey(provider, fingerprint);
      found.set(at, {...found.get(at), [mark]: entry[mark]});
    }
  }
  return found;
}

/** A provider row for a token `type` the table does not know (shown as is, no logins or quota). */
export function syntheticProvider(type: string): ProviderRow {
  return {
    id: type,
    // The type comes from a token file: data, shown on terminals (issue 11).
    displayName: sanitizeLine(type),
    tokenType: type,
    logins: [],
    endpoints: {},
    scopes: [],
    models: {default: []},
    quotaSource: null,
    refreshLeadSeconds: 300,
    api: [],
    adapter: baseAdapter(type),
  };
}

/** The provider a registry key stands for (`agy` → antigravity); an unknown key is its own provider. */
const providerOfRegistryKey = (key: string) => providerForRegistryKey(key)?.id ?? key;

/** The keys of the registry standing for `provider` (`agy` and `antigravity`), in the file's order. */
const registryKeysIn = (registry: RegistryFile, provider: string) => Object.keys(registry.providers).filter((key) => providerOfRegistryKey(key) === provider);

/**
 * The entry an account list takes for `id` of `provider` (toSnapshot: registeredAccountsOf): under
 * the keys standing for it in the file's order, the first that names a plain token file name. A
 * look-up of one account (registeredEntry) goes by it too, or it reads another file than the list's.
 */
function listedEntry(registry: RegistryFile, provider: string, id: string): RegistryAccount | undefined {
  for (const key of registryKeysIn(registry, provider)) {
    const accounts = registry.providers[key]!.accounts;
    if (Object.hasOwn(accounts, id) && isPlainTokenFileName(accounts[id]!.tokenFile)) return accounts[id];
  }
  return undefined;
}

/**
 * The registry's account entries of `provider` as an account list takes them: each id's listedEntry,
 * in the file's order. `ignored`: entries naming no plain token file name (they claim no id).
 */
function registeredAccountsOf(registry: RegistryFile, provider: string): {accounts: [string, RegistryAccount][]; ignored: [string, RegistryAccount][]} {
  const accounts: [string, RegistryAccount][] = [];
  const ignored: [string, RegistryAccount][] = [];
  const taken = new Set<string>();
  for (const key of registryKeysIn(registry, provider)) {
    for (const [id, entry] of Object.entries(registry.providers[key]!.accounts)) {
      if (taken.has(id)) continue;
      if (!isPlainTokenFileName(entry.tokenFile)) {
        ignored.push([id, entry]);
        continue;
      }
      taken.add(id);
      accounts.push([id, entry]);
    }
  }
  return {accounts, ignored};
}

/** The registry entries of one provider under every key CCS may use for it (`antigravity` and `agy`). */
function registryEntriesOf(registry: RegistryFile, provider: string): RegistryProvider[] {
  return registryKeysOf(provider).flatMap((key) => (Object.hasOwn(registry.providers, key) ? [registry.providers[key]!] : []));
}

/**
 * The key this provider's accounts are written under: the one the file already uses (the one
 * holding `accountId` first), else the provider's id.
 */
function registryKeyFor(registry: RegistryFile, provider: string, accountId?: string): string {
  const present = registryKeysOf(provider).filter((key) => Object.hasOwn(registry.providers, key));
  return present.find((key) => accountId !== undefined && Object.hasOwn(registry.providers[key]!.accounts, accountId)) ?? present[0] ?? provider;
}

/**
 * The id CCS gives an account found only as a token file (core/accounts.ts ccsAccountId: the email,
 * else the file name after its provider prefix; `email#<rest>` when `shared` or the email is taken),
 * made unique among `taken` with the file name.
 */
export function deriveAccountId(fileName: string, email: string | undefined, taken: ReadonlySet<string>, prefixes: readonly string[], shared = false): string {
  const id = ccsAccountId(fileName, email, prefixes, shared || (email !== undefined && taken.has(email)));
  return taken.has(id) ? `${id}#${fileName.replace(/\.json$/, '')}` : id;
}

export class AccountStore implements AccountService {
  /**
   * Whether a mutation may replace a corrupt registry with one rebuilt from the token files (the
   * command line's `--force`). Without it, mutations refuse and say where the backup is.
   */
  rebuildCorruptRegistry = false;
  /** Told the registry's path once an edit has written a corrupt registry anew from the token files (rebuildCorruptRegistry). */
  onRegistryRebuilt?: (registry: string) => void;

  constructor(
    readonly paths: CcsPaths,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get location(): string {
    return this.paths.root;
  }

  get stateFile(): string {
    return this.paths.accountState;
  }

  /** Reads everything. Never writes, except a backup beside a corrupt registry. */
  async load(): Promise<AccountsSnapshot> {
    // Before anything is read: a file changed during the load changes them (snapshot-cache.ts).
    const stamps = snapshotSourceStamps(this.paths);
    // Read-only: the registry as parsed while unchanged, and token files unchanged since the last
    // load are not read again (a TUI re-reads after every refresh of a 1,000-account poll).
    const registry = await this.registryForReading().catch(() => undefined);
    const snapshot = this.toSnapshot(await this.readFiles(undefined, registry, this.lastTokenReads));
    this.lastLoad = stamps && {stamps, snapshot};
    this.tokenFileById.clear();
    for (const account of snapshot.accounts) this.tokenFileById.set(`${account.provider}\u0000${account.id}`, account.tokenFile);
    return snapshot;
  }

  /** The last full load, with the stamps its sources had (snapshot-cache.ts). */
  private lastLoad: {stamps: string[]; snapshot: AccountsSnapshot} | undefined;

  /**
   * Keeps the last full load for the next TUI's first frame (snapshot-cache.ts); nothing when there
   * was none. A TUI calls it as it quits.
   */
  async keepSnapshotForNextStart(): Promise<void> {
    if (!this.lastLoad) return;
    // Read whole again: what the TUI shows last may have been patched in (loadChanged) from writes
    // the stamps do not see (a token file rewritten in place, a write through a link into a subdir).
    // Unchanged token files are not read again (lastTokenReads): a stat each.
    await this.load();
    const last = this.lastLoad;
    if (last) await writeSnapshotCache(this.paths, last.stamps, last.snapshot);
  }

  /** The accounts as the last TUI read them, while their files' stamps say they still are (snapshot-cache.ts); else undefined. */
  cachedSnapshot(): AccountsSnapshot | undefined {
    return readSnapshotCache(this.paths, (id) => PROVIDERS.find((row) => row.id === id) ?? syntheticProvider(id));
  }

  /**
   * provider + account id → token file, from the last full load: an account that is not in the
   * registry (a CLIProxyAPI token file) is then found by one file read, not by reading all of them
   * (quota and refresh ask per account: with 1,000 accounts that was a million reads per poll round).
   */
  private readonly tokenFileById = new Map<string, string>();

  /**
   * One account, by provider and `<account>` reference. A registered account named by its id costs
   * one token file read instead of all of them (refresh and quota do this per account, per request).
   */
  async loadAccount(provider: string, ref: AccountRef): Promise<Account> {
    // Only a program's exact id may skip reading the others: a person's text may match several.
    if (typeof ref !== 'string') {
      const {registry, entry, id} = await this.registeredEntry(provider, ref);
      if (entry) return findAccount(this.toSnapshot(await this.readFiles(entry.tokenFile, registry), provider, id).accounts, provider, ref);
      if (!('id' in ref)) return findAccount((await this.load()).accounts, provider, ref);
      const seen = this.tokenFileById.get(`${provider}\u0000${ref.id}`);
      if (seen !== undefined) {
        const found = this.toSnapshot(await this.readFiles(seen, registry)).accounts.find((a) => a.provider === provider && a.id === ref.id);
        if (found) return found;
      }
    }
    return findAccount((await this.load()).accounts, provider, ref);
  }

  /**
   * The accounts after the files in `changed` (absolute paths a watch heard since `previous` was
   * read) changed. When each is the token file of one account `previous` lists, still in the same
   * dir, still readable and still the same account, only those files are read again and their
   * accounts replaced in `previous` (every other object kept): a refresh during a 1,000-account poll
   * rewrites one file at a time, and a full load stats every file and rebuilds every account.
   * Anything else (the registry, the account state, a new, moved, removed or broken file, a changed
   * email) is a full load().
   */
  async loadChanged(previous: AccountsSnapshot, changed: ReadonlySet<string>): Promise<AccountsSnapshot> {
    const replaced = new Map<Account, Account>();
    for (const file of changed) {
      const account = await this.reloadOne(previous, file);
      if (!account) return this.load();
      replaced.set(account.before, account.after);
    }
    if (replaced.size === 0) return previous;
    const swap = (a: Account) => replaced.get(a) ?? a;
    return {
      ...previous,
      accounts: previous.accounts.map(swap),
      providers: previous.providers.map((entry) => (entry.accounts.some((a) => replaced.has(a)) ? {...entry, accounts: entry.accounts.map(swap)} : entry)),
    };
  }

  /** loadChanged's one file: its account before and as now read, or undefined when a full load must tell. */
  private async reloadOne(previous: AccountsSnapshot, file: string): Promise<{before: Account; after: Account} | undefined> {
    const name = path.basename(file);
    const dir = path.dirname(file);
    if ((dir !== this.paths.authDir && dir !== this.paths.pausedDir) || !isPlainTokenFileName(name)) return undefined;
    const holders = previous.accounts.filter((a) => a.tokenFile === name);
    const before = holders[0];
    // One account per file, in the dir it was in, with no problem said of the file.
    if (holders.length !== 1 || before!.paused !== (dir === this.paths.pausedDir) || previous.problems.some((p) => p.file === file)) return undefined;
    const registry = await this.registryForReading().catch(() => undefined);
    if (!registry) return undefined;
    const read = this.toSnapshot(await this.readFiles(name, registry), before!.provider);
    const now = read.accounts.filter((a) => a.tokenFile === name);
    const after = now[0];
    // An unregistered file's id depends on every file's email (read alone, a shared email's is not
    // the full read's): the same id and email, or a full load.
    const same = now.length === 1 && after!.provider === before!.provider && after!.id === before!.id && after!.email === before!.email && after!.paused === before!.paused && after!.registered === before!.registered;
    if (!same || after!.health === 'unreadable' || after!.health === 'missing-token' || read.problems.some((p) => p.file === file)) return undefined;
    // The default is the provider's, told by the full read (this one built only this provider's registered accounts).
    return {before: before!, after: {...after!, default: before!.default}};
  }

  /** The account's registry entry by exact id or token file (and the registry it is in), from the registry as now on disk. */
  private async registeredEntry(provider: string, ref: Exclude<AccountRef, string>): Promise<{registry?: RegistryFile; entry?: RegistryAccount; id?: string}> {
    const registry = await this.registryForReading().catch(() => undefined);
    if (!registry) return {};
    if ('id' in ref) {
      const entry = listedEntry(registry, provider, ref.id);
      return {registry, entry, id: entry && ref.id};
    }
    for (const key of registryKeysIn(registry, provider)) {
      for (const [id, entry] of Object.entries(registry.providers[key]!.accounts)) {
        if (entry.tokenFile === ref.tokenFile && listedEntry(registry, provider, id) === entry) return {registry, entry, id};
      }
    }
    return {registry};
  }

  /**
   * The registry as last parsed while the file is unchanged (size, mtime, inode), for reading only:
   * at 1,000 accounts it is ~0.3 MB, and quota and refresh look up one account at a time. `text`:
   * the bytes it was parsed from (undefined: no file, or not read).
   */
  private parsedRegistry: {stamp: string; text?: string; registry: Promise<RegistryFile>} | undefined;
  private async registryForReading(): Promise<RegistryFile> {
    // One stat per look-up (each quota fetch and refresh): synchronous, as the store's reads are (files.ts readRegularFile).
    let stamp: string | undefined;
    try {
      const stat = statSync(this.paths.registry);
      stamp = changedRecently(stat) ? undefined : fileStamp(stat);
    } catch {
      stamp = 'missing';
    }
    if (stamp === undefined || this.parsedRegistry?.stamp !== stamp) {
      let text: string | undefined;
      let failed: {error: unknown} | undefined;
      try {
        text = readRegularFileSync(this.paths.registry)?.text;
      } catch (error) {
        failed = {error};
      }
      // A stamp not to be trusted (written in the last second) or changed, but the same bytes: the
      // same parse. A CCS dir written just before the TUI starts was parsed again on every look-up
      // of its first second (~15 parses of 0.3 MB), and a rewrite of unchanged content is kept too.
      if (!failed && text !== undefined && text === this.parsedRegistry?.text) this.parsedRegistry.stamp = stamp ?? '';
      else {
        const registry = failed ? Promise.reject(failed.error) : Promise.resolve().then(() => parseRegistry(this.paths.registry, text));
        void registry.then((parsed) => this.readOnlyRegistries.set(parsed, new Map()), () => undefined);
        this.parsedRegistry = {stamp: stamp ?? '', text, registry};
      }
    }
    return this.parsedRegistry.registry;
  }

  /**
   * registryForReading's registries (never changed by a caller), with each provider's registered
   * accounts as toSnapshot lists them: a one-account read (every quota fetch and refresh) would
   * otherwise list all the provider's entries again, several times per result of a 1,000-account poll.
   */
  private readonly readOnlyRegistries = new WeakMap<RegistryFile, Map<string, ReturnType<typeof registeredAccountsOf>>>();

  private registeredAccounts(registry: RegistryFile, provider: string): ReturnType<typeof registeredAccountsOf> {
    const kept = this.readOnlyRegistries.get(registry);
    if (!kept) return registeredAccountsOf(registry, provider);
    let listed = kept.get(provider);
    if (!listed) kept.set(provider, (listed = registeredAccountsOf(registry, provider)));
    return listed;
  }

  /** Token files as the last full read (load(), tokenFilesHolding) found them, by path, with their stat stamp; never changed by a caller. */
  private readonly lastTokenReads = new Map<string, TokenRead>();

  /**
   * The token files (names in auth/ or auth-paused/) holding each of `refreshTokens` as now on disk:
   * the copies of a grant (services/refresh.ts markSpentCopies). A file unchanged since the last full
   * read is not read again, so after each refresh of a 1,000-account poll this is a stat per file,
   * not a read and parse of each. Unreadable files hold nothing.
   */
  async tokenFilesHolding(refreshTokens: readonly string[]): Promise<Map<string, string[]>> {
    const holding = new Map(refreshTokens.map((token) => [token, [] as string[]]));
    for (const [name, {token}] of this.readTokenDirs(undefined, this.lastTokenReads).tokens) {
      const refreshToken = token?.refresh_token;
      if (typeof refreshToken === 'string') holding.get(refreshToken)?.push(name);
    }
    return holding;
  }

  /**
   * Every refresh token the token files of auth/ and auth-paused/ hold now (a stat per file unchanged
   * since the last full read), or undefined when a file or dir could not be read: it may hold any.
   * The files no account is made of count too (readTokenDirs `unlisted`): they come back.
   */
  async refreshTokensHeld(): Promise<Set<string> | undefined> {
    const held = new Set<string>();
    try {
      const {tokens, unlisted} = this.readTokenDirs(undefined, this.lastTokenReads);
      for (const {token, error} of [...tokens.values(), ...unlisted]) {
        if (error !== undefined) return undefined;
        const refreshToken = token?.refresh_token;
        if (typeof refreshToken === 'string' && refreshToken !== '') held.add(refreshToken);
      }
    } catch {
      return undefined;
    }
    return held;
  }

  /**
   * Reads the token files of auth/ and auth-paused/ (all of them, or only `onlyTokenFile`), with
   * readFiles' `reuse`: what each file holds, or why it cannot be read, and the problems met.
   */
  private readTokenDirs(onlyTokenFile?: string, reuse?: Map<string, TokenRead>): Pick<LoadedFiles, 'tokens' | 'problems' | 'versions'> & {unlisted: TokenDirEntry[]} {
    const kept = new Map<string, TokenRead>();
    const versions = new Map<string, FileVersion>();
    const readToken = (file: string) => {
      if (!reuse) return readTokenFileSync(file);
      // Only a file read before is looked at first: a file read now is stamped by its read's own
      // fstat (one stat per file less when nothing was read before, as in a one-off listing).
      const before = reuse.get(file);
      if (before !== undefined) {
        try {
          const stat = statSync(file);
          if (stat.isFile() && !changedRecently(stat) && before.stamp === readStamp(stat)) {
            kept.set(file, before);
            return before.found;
          }
        } catch {
          // Missing or unreadable: the read below says so.
        }
      }
      const found = readTokenFileSync(file);
      if (found && !changedRecently(found)) kept.set(file, {stamp: readStamp(found), found});
      return found;
    };
    const problems: StoreProblem[] = [];
    const tokens: LoadedFiles['tokens'] = new Map();
    // Token files listed that make no account, yet may hold a refresh token that comes back: a paused
    // file of a name auth/ has too, one gone when read (a link to storage not there now).
    const unlisted: TokenDirEntry[] = [];
    const set = (name: string, read: TokenDirEntry) => {
      const before = tokens.get(name);
      if (before) unlisted.push(before);
      tokens.set(name, read);
    };
    const readDir = (dirName: 'auth' | 'auth-paused', dir: string) => {
      let names: string[];
      // A whole dir whose every file is read now is told so (tokenDirRead): the credential masker
      // takes it for its own scan of the dir (`accounts` prints right after, through the masker).
      const whole = onlyTokenFile === undefined ? tokenDirReadStart(dir) : undefined;
      if (onlyTokenFile !== undefined) names = isPlainTokenFileName(onlyTokenFile) ? [onlyTokenFile] : [];
      else {
        const listed = listJsonFiles(dir);
        problems.push(...listed.skipped.map((skipped) => ({...skipped, severity: 'error' as const})));
        names = listed.names;
      }
      const files: string[] = [];
      let everyFileReadNow = true;
      for (const name of names) {
        const file = path.join(dir, name);
        files.push(file);
        try {
          const found = readToken(file);
          versions.set(file, found && versionOf(found));
          // Taken again from an earlier read (not told to the masker now), or gone.
          if (!found || found === reuse?.get(file)?.found) everyFileReadNow = false;
          if (!found) {
            if (onlyTokenFile === undefined) unlisted.push({dir: dirName, error: `${file}: not found`});
            continue;
          }
          set(name, {dir: dirName, token: found.token});
          const exposed = exposedSecretWarning(file, found.mode);
          if (exposed) problems.push({file, message: exposed, severity: 'warning', provider: providerForTokenType(found.token.type)?.id});
        } catch (error) {
          everyFileReadNow = false;
          set(name, {dir: dirName, error: (error as Error).message});
          versions.set(file, statVersion(file));
        }
      }
      if (whole && everyFileReadNow) tokenDirRead(dir, whole, files);
    };
    // auth-paused first, so a file present in both (a crash mid-move) resolves to auth/.
    readDir('auth-paused', this.paths.pausedDir);
    readDir('auth', this.paths.authDir);
    if (reuse) {
      reuse.clear();
      for (const [file, read] of kept) reuse.set(file, read);
    }
    return {tokens, problems, versions, unlisted};
  }

  /**
   * Reads the registry, account state and token files (all of them, or only `onlyTokenFile`).
   * `parsedRegistry`: one already read (never changed by the caller), for read-only look-ups.
   * `reuse`: token files read before (replaced by this read's), taken again while their size,
   * mtime, inode and mode are unchanged; for read-only look-ups too.
   */
  private async readFiles(onlyTokenFile?: string, parsedRegistry?: RegistryFile, reuse?: Map<string, TokenRead>): Promise<LoadedFiles> {
    const {tokens, problems, versions} = this.readTokenDirs(onlyTokenFile, reuse);
    let registry: RegistryFile;
    let registryRebuilt = false;
    try {
      if (parsedRegistry) registry = parsedRegistry;
      else {
        const read = await readVersioned(this.paths.registry, versions);
        registry = read === undefined ? emptyRegistry() : validateRegistry(this.paths.registry, parseJsonFile(this.paths.registry, read.text));
      }
    } catch (error) {
      if (!(error instanceof CorruptFileError)) throw error;
      const backup = await backupCorruptFile(this.paths.registry);
      registry = emptyRegistry();
      const kept = await this.mergeSalvaged(registry, tokens);
      problems.push({
        file: this.paths.registry,
        message: `${error.message}${LISTED_FROM_TOKEN_FILES}${kept ? ` and the ${countOf(kept, 'account entry', 'account entries')} the file still held` : ''}`,
        severity: 'error',
        backup,
      });
      registryRebuilt = true;
    }

    let state: Record<string, AccountState> = idMap();
    try {
      const read = await readVersioned(this.stateFile, versions);
      state = idMap((read && parseJsonFile(this.stateFile, read.text)) as Record<string, AccountState> | undefined);
    } catch (error) {
      problems.push({file: this.stateFile, message: (error as Error).message, severity: 'error'});
    }
    // config.yaml's api-keys are secrets as the tokens are: warned of on a full read, as token files are.
    const configExposed = onlyTokenFile === undefined ? await exposedConfigWarning(this.paths.config) : undefined;
    if (configExposed) problems.push({file: this.paths.config, message: configExposed, severity: 'warning'});
    // So is the running proxy's nonce in tui/proxy.json (it proves the proxy before the API key is sent to it).
    const recordExposed = onlyTokenFile === undefined ? await exposedProxyRecordWarning(this.paths.proxyRecord) : undefined;
    if (recordExposed) problems.push({file: this.paths.proxyRecord, message: recordExposed, severity: 'warning'});
    return {registry, registryRebuilt, tokens, state, problems, versions};
  }

  /**
   * Puts what a corrupt registry still holds (entries that parse on their own, each provider's
   * default) into the rebuilt one, for token files that exist. Returns how many entries were kept.
   */
  private async mergeSalvaged(registry: RegistryFile, tokens: LoadedFiles['tokens']): Promise<number> {
    const text = await readTextIfExists(this.paths.registry).catch(() => undefined);
    if (!text) return 0;
    // Under every key CCS uses too (`agy`, `ghcp`); what is kept is filed under the provider's id.
    const salvaged = salvageRegistry(text, PROVIDERS.flatMap((row) => registryKeysOf(row.id)));
    let kept = 0;
    for (const {id, entry} of salvaged.accounts) {
      const type = isPlainTokenFileName(entry.tokenFile) ? tokens.get(entry.tokenFile)?.token?.type : undefined;
      if (!type) continue;
      const provider = providerForTokenType(type)?.id ?? type;
      if (!Object.hasOwn(registry.providers, provider)) registry.providers[provider] = {accounts: idMap()};
      registry.providers[provider]!.accounts[id] = entry;
      kept++;
    }
    // Other tools' fields survive the rebuild; ours (version, providers) come from the rebuild.
    for (const [key, value] of Object.entries(salvaged.topLevel)) if (key !== 'version' || typeof value === 'number') setOwn(registry, key, value);
    const providerOf = (id: string) => {
      if (!Object.hasOwn(registry.providers, id)) registry.providers[id] = {accounts: idMap()};
      return registry.providers[id]!;
    };
    for (const [provider, fields] of salvaged.providerFields) for (const [key, value] of Object.entries(fields)) setOwn(providerOf(provider), key, value);
    // The default is kept while the provider still has a token file: an account whose own entry is
    // damaged still exists from its token file (under the id it had, its email or file name).
    const hasTokenFile = (provider: string) => [...tokens.values()].some((found) => found.token?.type && (providerForTokenType(found.token.type)?.id ?? found.token.type) === provider);
    for (const [key, id] of salvaged.defaults) {
      const provider = providerOfRegistryKey(key);
      if (Object.hasOwn(registry.providers, provider) && Object.hasOwn(registry.providers[provider]!.accounts, id)) registry.providers[provider]!.default = id;
      else if (hasTokenFile(provider)) providerOf(provider).default = id;
    }
    return kept;
  }

  /**
   * `onlyProvider`: build only that provider's registered accounts (a one-account look-up: its
   * account comes out the same, and 1,000 registry entries of other providers are not built).
   */
  /**
   * `onlyProvider`: only that provider's accounts. `onlyId` (with it): only the account of that id
   * and those whose token file was read (a one-file read: the others would all be "missing"); the
   * default is still told among every entry (by the registry's pause flags, as a one-file read always did).
   */
  private toSnapshot(files: LoadedFiles, onlyProvider?: string, onlyId?: string): AccountsSnapshot {
    const now = this.now().getTime();
    const problems = [...files.problems];
    const byProvider = new Map<string, Account[]>();
    const rows = new Map<string, ProviderRow>(PROVIDERS.map((row) => [row.id, row]));
    const claimed = new Set<string>();
    /** Each provider's accounts in order, as id and paused, with those onlyId leaves out: which is the default. */
    const listed = new Map<string, {id: string; paused: boolean}[]>();
    const list = (provider: string, id: string, paused: boolean) => {
      if (!listed.has(provider)) listed.set(provider, []);
      listed.get(provider)!.push({id, paused});
    };
    const push = (account: Account) => {
      if (!byProvider.has(account.provider)) byProvider.set(account.provider, []);
      byProvider.get(account.provider)!.push(account);
      list(account.provider, account.id, account.paused);
    };

    const grantMarks = marksByGrant(files.state);
    const health = (provider: string, id: string, entry: {token?: TokenFile; error?: string} | undefined) => {
      const own = files.state[stateKey(provider, id)];
      // Every mark is the account's own (state) or its grant's: without either, no fingerprint (a
      // sha256 each) can match one, and a listing of 1,000 accounts without marks computes none.
      const anyMark = own !== undefined || grantMarks.size > 0;
      const refreshToken = entry?.token?.refresh_token;
      const held = anyMark && typeof refreshToken === 'string' && refreshToken !== '' ? tokenFingerprint(refreshToken) : undefined;
      // Marks of the refresh token the file holds, under whatever id they were written.
      const ofGrant = held === undefined ? undefined : grantMarks.get(grantMarkKey(provider, held));
      // A mark that names a refresh token holds while the file holds that token: a login by another
      // tool (CCS, CLIProxyAPI) or its refresh replaced it, and the new one was never refused.
      const ownNeedsLogin = markOf(own?.needsLogin);
      const needsLogin = (ownNeedsLogin?.fingerprint === undefined || ownNeedsLogin.fingerprint === held ? ownNeedsLogin : undefined) ?? markOf(ofGrant?.needsLogin);
      const holds = (mark: Mark | undefined) => mark !== undefined && mark.fingerprint === held;
      const ownUnknown = markOf(own?.refreshUnknown);
      const ownFailed = markOf(own?.refreshFailed);
      const unknown = holds(ownUnknown) ? ownUnknown : markOf(ofGrant?.refreshUnknown);
      const failed = holds(ownFailed) ? ownFailed : markOf(ofGrant?.refreshFailed);
      // An API-key account's mark names its key the same way (apiKeyOf: a key and no refresh token).
      const apiKey = heldApiKey(entry?.token);
      const key = apiKey === undefined || !anyMark ? undefined : tokenFingerprint(apiKey);
      const ownKeyMark = markOf(own?.keyRejected);
      const keyMark = key === undefined ? undefined : ownKeyMark?.fingerprint === key ? ownKeyMark : markOf(grantMarks.get(grantMarkKey(provider, key))?.keyRejected);
      let value: AccountHealth = 'ok';
      let detail: string | undefined;
      let since: string | undefined;
      if (!entry) [value, detail] = ['missing-token', 'token file not found in auth/ or auth-paused/'];
      else if (entry.error) [value, detail] = ['unreadable', entry.error];
      else if (needsLogin) [value, detail, since] = ['needs-login', needsLogin.reason, needsLogin.at];
      else if (holds(unknown)) [value, detail, since] = ['refresh-unknown', unknown!.reason, unknown!.at];
      else if (holds(failed)) [value, detail, since] = ['refresh-failed', failed!.reason, failed!.at];
      else if (keyMark) [value, detail, since] = ['key-rejected', keyMark.reason, keyMark.at];
      else if (entry.token?.expired && Date.parse(entry.token.expired) < now) value = 'expired';
      // The local proxy's cooldown (still ahead) is shown, not a health: the account stays in the pool.
      const cooldown = cooldownAhead(files.state[stateKey(provider, id)]?.cooldown, now);
      const cooling = cooldown ? {coolingUntil: cooldown.until, coolingReason: cooldown.reason === undefined ? undefined : ownCredentialsMasked(cooldown.reason, entry?.token), coolingKind: cooldown.kind} : {};
      if (detail !== undefined && value !== 'missing-token' && value !== 'unreadable') detail = ownCredentialsMasked(detail, entry?.token);
      const marked = typeof since === 'string' && !Number.isNaN(Date.parse(since)) ? {healthSince: since} : {};
      return {health: value, healthDetail: detail, ...marked, ...cooling, ...usedAt(provider, id, entry)};
    };
    /** When the account was last used besides being made the default: the proxy's last answered request, its token's last refresh. */
    const usedAt = (provider: string, id: string, entry: {token?: Record<string, unknown>} | undefined): Pick<Account, 'servedAt' | 'refreshedAt'> => {
      const served = files.state[stateKey(provider, id)]?.served;
      const refreshed = stringField(entry?.token?.last_refresh);
      return {
        ...(typeof served === 'string' && !Number.isNaN(Date.parse(served)) ? {servedAt: served} : {}),
        ...(refreshed !== undefined && !Number.isNaN(Date.parse(refreshed)) ? {refreshedAt: refreshed} : {}),
      };
    };

    for (const providerId of new Set(Object.keys(files.registry.providers).map(providerOfRegistryKey))) {
      if (onlyProvider !== undefined && providerId !== onlyProvider) continue;
      // The same account under both spellings (`antigravity` and `agy`) is one account.
      const {accounts: entries, ignored} = this.registeredAccounts(files.registry, providerId);
      for (const [id, entry] of ignored) {
        problems.push({
          file: this.paths.registry,
          message: `${this.paths.registry}: account "${sanitizeLine(id)}" of ${sanitizeLine(providerId)} names the token file "${sanitizeLine(entry.tokenFile)}", which is not a plain file name in auth/; ignored`,
          severity: 'error',
          provider: providerId,
        });
      }
      for (const [id, entry] of entries) {
        const found = files.tokens.get(entry.tokenFile);
        if (onlyId !== undefined && id !== onlyId && !found) {
          list(providerId, id, Boolean(entry.paused));
          continue;
        }
        // Named as the person named it (a nickname), with the id the registry keeps it by.
        const named = entry.nickname ? `${entry.nickname} (${id})` : id;
        if (found?.error) problems.push({file: path.join(found.dir === 'auth' ? this.paths.authDir : this.paths.pausedDir, entry.tokenFile), message: `${found.error}; ${sanitizeLine(providerId)} account ${sanitizeLine(named)} cannot serve until it is fixed`, severity: 'error', provider: providerId});
        claimed.add(entry.tokenFile);
        push({
          provider: providerId,
          id,
          email: entry.email ?? stringField(found?.token?.email),
          nickname: entry.nickname,
          tokenFile: entry.tokenFile,
          default: false,
          paused: found ? found.dir === 'auth-paused' : Boolean(entry.paused),
          pausedAt: entry.pausedAt,
          createdAt: entry.createdAt,
          lastUsedAt: entry.lastUsedAt,
          tier: entry.tier,
          projectId: accountProject(found?.token, entry.projectId),
          ...baseUrlOf(found?.token),
          ...apiKeyOf(found?.token),
          expiresAt: stringField(found?.token?.expired),
          registered: true,
          ...health(providerId, id, found),
        });
      }
    }

    // Token files nobody registered: accounts of their `type` (written by CLIProxyAPI or by hand),
    // named as CCS names them (core/accounts.ts ccsAccountId).
    const unregistered: {name: string; found: {dir: 'auth' | 'auth-paused'; token: TokenFile}; providerId: string; prefixes: string[]; email?: string}[] = [];
    for (const [name, found] of files.tokens) {
      if (claimed.has(name)) continue;
      if (found.error || !found.token) {
        const file = path.join(found.dir === 'auth' ? this.paths.authDir : this.paths.pausedDir, name);
        // Nothing else says which account this was: it is left out of every list until the file is fixed.
        problems.push({file, message: `${found.error ?? `${file}: unreadable`}; its account is ignored until it is fixed`, severity: 'error'});
        continue;
      }
      const row = providerForTokenType(found.token.type);
      const providerId = row?.id ?? normalizeTokenType(found.token.type);
      if (!row && !rows.has(providerId)) rows.set(providerId, syntheticProvider(providerId));
      const prefixes = tokenFilePrefixesOf(row ?? {id: providerId, tokenType: providerId});
      unregistered.push({name, found: {dir: found.dir, token: found.token}, providerId, prefixes, email: stringField(found.token.email)});
    }
    const emailKey = (provider: string, email: string) => `${provider}\u0000${email.toLowerCase()}`;
    const emailCount = new Map<string, number>();
    const count = (providerId: string, email: string | undefined) => {
      if (email) emailCount.set(emailKey(providerId, email), (emailCount.get(emailKey(providerId, email)) ?? 0) + 1);
    };
    // Only an unregistered file's id asks (most reads have none). Two loops over objects of one shape
    // each: one loop over both shapes made V8 throw away and compile again this whole function.
    if (unregistered.length > 0) {
      for (const {providerId, email} of unregistered) count(providerId, email);
      for (const accounts of byProvider.values()) for (const account of accounts) count(account.provider, account.email);
    }
    for (const {name, found, providerId, prefixes, email} of unregistered) {
      const taken = new Set((listed.get(providerId) ?? []).map((a) => a.id));
      const shared = email !== undefined && (emailCount.get(emailKey(providerId, email)) ?? 0) > 1;
      const id = deriveAccountId(name, email, taken, prefixes, shared);
      push({
        provider: providerId,
        id,
        email,
        tokenFile: name,
        default: false,
        paused: found.dir === 'auth-paused',
        projectId: accountProject(found.token),
        ...baseUrlOf(found.token),
        ...apiKeyOf(found.token),
        expiresAt: stringField(found.token.expired),
        registered: false,
        ...health(providerId, id, found),
      });
    }

    // A provider the table does not know, known only from registry entries, is listed (and given its default) like the others.
    for (const providerId of byProvider.keys()) if (!rows.has(providerId)) rows.set(providerId, syntheticProvider(providerId));
    const providers: ProviderAccounts[] = [];
    for (const [providerId, row] of rows) {
      const accounts = byProvider.get(providerId) ?? [];
      const order = listed.get(providerId) ?? [];
      const effective = effectiveDefault(order, namedDefault(files.registry, providerId))?.id;
      for (const account of accounts) if (account.id === effective) account.default = true;
      providers.push({provider: row, accounts});
    }
    for (const account of providers.flatMap((p) => p.accounts)) {
      // One line, but a token's wrapped base64 in a name joined first (joinWrappedBase64): the
      // output's masker then finds it, where folded to spaces it would be pieces it cannot match.
      account.email = account.email === undefined ? undefined : oneLineName(account.email);
      account.nickname = account.nickname === undefined ? undefined : oneLineName(account.nickname);
      if (account.projectId !== undefined) account.projectId = oneLineName(account.projectId);
      if (account.baseUrl !== undefined) account.baseUrl = oneLineName(account.baseUrl);
    }
    return {
      providers,
      accounts: providers.flatMap((p) => p.accounts),
      problems,
      registryRebuilt: files.registryRebuilt,
    };
  }

  /** Absolute path of an account's token file where it is now. */
  tokenPath(account: Pick<Account, 'tokenFile' | 'paused'>): string {
    if (!isPlainTokenFileName(account.tokenFile)) throw new UserError(`"${sanitizeLine(account.tokenFile)}" is not a plain token file name; refusing to use it as a path`);
    return path.join(account.paused ? this.paths.pausedDir : this.paths.authDir, account.tokenFile);
  }

  /** AccountService's display location: the path itself. */
  tokenLocation(account: Pick<Account, 'tokenFile' | 'paused'>): string {
    return this.tokenPath(account);
  }

  /** Local files offer every operation. */
  unavailable(_operation: AccountOperation): string | undefined {
    return undefined;
  }

  /**
   * Ends the account's stored cooldown (account state, the local proxy's wait kept for a restart), as
   * the person asks (they know its limit has reset). A running proxy's own wait is ended by asking it
   * (services/proxy/control.ts clearCooldownOnRunningProxy). Returns the account.
   */
  async clearCooldown(provider: string, ref: AccountRef): Promise<Account> {
    const account = await this.loadAccount(provider, ref);
    // Whenever the wait was met (a proxy's answer after this moment too): the person asked.
    await this.endCooldown(provider, account.id, Number.POSITIVE_INFINITY);
    return account;
  }

  async readToken(account: Pick<Account, 'tokenFile' | 'paused'>): Promise<TokenFile | undefined> {
    return readTokenFile(this.tokenPath(account));
  }

  /**
   * The one way to change anything: under the registry lock, re-read every file, let `change` edit
   * the registry (and move or write token files), then write the registry atomically.
   */
  private async mutate<T>(
    change: (context: MutationContext) => Promise<T>,
    /**
     * `account`: the mutation touches only this account and never the registry (a token rewrite, a
     * needs-login mark): when it is registered under that exact id, only its token file is read
     * (a refresh during a 1,000-account poll read all 1,000 files under the lock for one), and the
     * registry is the parse its entry was found in (registryForReading, stamped under this lock), not
     * parsed again: ~0.3 MB at 1,000 accounts, half the CPU of each refreshed token's save.
     */
    options: {writesRegistry: boolean; account?: {provider: string; ref: AccountRef}} & Pick<LockOptions, 'refusedTemps'> = {writesRegistry: true},
  ): Promise<T> {
    await ensurePrivateDir(this.paths.cliproxy);
    // peerLock: CCS changes accounts.json and moves token files under its own lock (on its cliproxy
    // dir), not ours; each of our steps holds that one too.
    return withFileLock(this.paths.registry, async (lock) => {
      // Once per process, under the lock its own files are written under: temp files killed writers left.
      if (!sweptCcsDirs.has(this.paths.root)) {
        sweptCcsDirs.add(this.paths.root);
        for (const dir of abandonedTempDirs(this.paths)) await removeAbandonedTemps(dir);
      }
      const {account} = options;
      const registered = account && !options.writesRegistry && typeof account.ref !== 'string' ? await this.registeredEntry(account.provider, account.ref) : undefined;
      const only = registered?.entry?.tokenFile;
      const files = await this.readFiles(only, only === undefined ? undefined : registered!.registry);
      if (files.registryRebuilt && options.writesRegistry && !this.rebuildCorruptRegistry) {
        const problem = files.problems.find((p) => p.file === this.paths.registry)!;
        // The way to rebuild is the command line's --force; the TUI has no key for it.
        const lost = `what the rebuild cannot read from the broken file ${problem.backup ? 'stays only in that copy' : 'is lost'}`;
        throw new UserError(
          `${problem.message.slice(0, problem.message.lastIndexOf(LISTED_FROM_TOKEN_FILES))}\n` +
            `Nothing was changed.${problem.backup ? ` A copy of it is kept at ${problem.backup}.` : ''}`,
          1,
          {
            command: `to rebuild the account list from the token files, run the command again with --force; ${lost}`,
            tui: `fix the file, or remove it to have the account list rebuilt from the token files; ${lost}`,
          },
        );
      }
      const snapshot = this.toSnapshot(files, only === undefined ? undefined : account!.provider, only === undefined ? undefined : registered!.id);
      const context = new MutationContext(this, files, snapshot, lock);
      if (options.writesRegistry) context.adoptShownState();
      const result = await change(context);
      // A read-only registry (shared with every look-up) is never written: a change to it is a mutation that did not say it writes the registry.
      if (context.registryChanged && !options.writesRegistry) throw new Error('a mutation changed the registry without writesRegistry (AccountStore.mutate)');
      // The token files' moves and removals are made in the registry's rename step: CCS (under its
      // lock) never sees a file moved or gone that the registry does not say so of, nor the reverse.
      if (context.registryChanged) await context.writeJson(this.paths.registry, files.registry, context.takeSteps());
      if (context.registryChanged && files.registryRebuilt) this.onRegistryRebuilt?.(this.paths.registry);
      else if (context.hasSteps()) await context.lockStep(context.takeSteps());
      if (context.stateChanged) {
        // A state file that did not parse held marks (refresh-unknown) nobody may lose: its bytes are
        // kept beside it (account-state.json.corrupt-<hash>) before the new state replaces it.
        if (files.problems.some((p) => p.file === this.stateFile)) await backupCorruptFile(this.stateFile);
        dropPastCooldowns(files.state, this.now().getTime());
        await context.writeJson(this.stateFile, files.state);
      }
      return result;
    }, {peerLock: this.paths.cliproxy, refusedTemps: options.refusedTemps});
  }

  /**
   * Makes the account its provider's default. A paused account is refused (core defaultProblem),
   * unless `resume` is set: then it is resumed in the same step (the TUI asks first).
   */
  async setDefault(provider: string, ref: AccountRef, options: {resume?: boolean} = {}): Promise<Account> {
    return this.mutate(async (ctx) => {
      let account = ctx.find(provider, ref);
      if (account.health === 'unreadable' || account.health === 'missing-token') {
        throw new UserError(`${accountLabel(account, ctx.snapshot.accounts)} cannot be the default: ${healthWords(account)}`);
      }
      const problem = defaultProblem(account);
      if (problem && !(options.resume && account.paused)) {
        throw new UserError(`${problem}: resume it first (${shellCommand('ccs-tui resume', [provider, accountLabel(account, ctx.snapshot.accounts)])})`);
      }
      if (account.paused) account = await this.movePaused(ctx, account, false);
      ctx.register(account);
      ctx.providerEntry(provider, account.id).default = account.id;
      ctx.entry(account).lastUsedAt = this.now().toISOString();
      ctx.registryChanged = true;
      return {...account, default: true};
    });
  }

  async clearNickname(provider: string, ref: AccountRef): Promise<Account> {
    return this.mutate(async (ctx) => {
      const account = ctx.find(provider, ref);
      ctx.register(account);
      // No field at all, as CCS writes an account it was given no nickname for.
      delete ctx.entry(account).nickname;
      ctx.registryChanged = true;
      return {...account, nickname: undefined};
    });
  }

  /**
   * Writes an account found only as a token file into the registry (with every account shown, as
   * shown: adoptShownState), so its id is kept from now on instead of derived from its email (which
   * changes when a second file of that email appears). Writes nothing when it is registered already.
   */
  async keepId(provider: string, ref: AccountRef): Promise<Account> {
    return this.mutate(async (ctx) => {
      const account = ctx.find(provider, ref);
      if (!account.registered && account.health !== 'missing-token') ctx.registryChanged = true;
      return {...account, registered: true};
    });
  }

  async rename(provider: string, ref: AccountRef, nickname: string): Promise<Account> {
    return this.mutate(async (ctx) => {
      const account = ctx.find(provider, ref);
      const others = ctx.snapshot.accounts.filter((a) => a.provider === provider && a.id !== account.id);
      const problem = nicknameProblem(nickname, others);
      // A nickname no account may have is bad input (exit 2), as `login --nickname` refuses it.
      if (problem) throw new UserError(problem, 2);
      ctx.register(account);
      ctx.entry(account).nickname = nickname.trim();
      ctx.registryChanged = true;
      return {...account, nickname: nickname.trim()};
    });
  }

  /**
   * Pauses or resumes. Pausing the default moves the registry's default to the next usable account
   * (core defaultAfterLeaving, as `remove` does). `defaultMovedTo`: the default as it is shown now
   * (core effectiveDefault), when the edit moved it (a resume may make the resumed account the
   * default); null when no account is left to be it.
   */
  async setPaused(provider: string, ref: AccountRef, paused: boolean): Promise<Account & {defaultMovedTo?: Account | null}> {
    return this.mutate(async (ctx) => {
      const siblings = ctx.snapshot.accounts.filter((a) => a.provider === provider);
      const account = await this.movePaused(ctx, ctx.find(provider, ref), paused);
      const providerEntry = ctx.providerEntry(provider, account.id);
      if (paused && siblings.find((a) => a.default)?.id === account.id) {
        const next = defaultAfterLeaving(siblings, account.id, this.now().getTime());
        if (next) providerEntry.default = next.id;
        else delete providerEntry.default;
      }
      return withDefaultMove(account, siblings, siblings.map((a) => (a.id === account.id ? account : a)), namedDefault(ctx.files.registry, provider));
    });
  }

  /** Moves the token file between auth/ and auth-paused/ and records it in the registry entry. */
  private async movePaused(ctx: MutationContext, account: Account, paused: boolean): Promise<Account> {
    if (account.health === 'missing-token') throw new UserError(`${account.tokenFile}: token file is missing, nothing to ${paused ? 'pause' : 'resume'}`);
    ctx.register(account);
    if (account.paused !== paused) {
      const from = this.tokenPath(account);
      const to = this.tokenPath({...account, paused});
      await ensurePrivateDir(path.dirname(to));
      // A link whose file is the one of that name in the other dir (auth/x.json -> ../auth-paused/x.json):
      // the account is there once the link is gone. Renamed over it, the link would replace the file.
      if (linksTo(from, to)) {
        ctx.step([from, to], () => rmSync(from));
        return this.recordPaused(ctx, account, paused);
      }
      // A file of that name in the other dir too (copied there by hand or by another tool) would be
      // replaced by the rename: unless it is the same bytes, it may be the only copy of another grant.
      const there = await fs.lstat(to).catch(() => undefined);
      // Read as token files are (no link out of the token dirs followed): one that cannot be is no copy.
      const bytes = (file: string) => readRegularFile(file, tokenReadOptions(file)).then((read) => read?.text, () => undefined);
      const same = async () => {
        const [theirs, ours] = await Promise.all([bytes(to), bytes(from)]);
        return theirs !== undefined && theirs === ours;
      };
      if (there && !(there.isFile() && (await same()))) {
        throw new UserError(`${to} exists already and is not a copy of ${from} (it may hold another grant); nothing was moved: move whichever of the two you do not want out of the token dirs, then ${paused ? 'pause' : 'resume'} again`);
      }
      // A link by a relative name (`auth/x.json -> keep/x.json`) would point elsewhere from the other
      // dir: it is made again there, to the same file, by its name from there.
      const linked = relativeLinkTarget(from);
      // Checked and moved in one synchronous step (files.ts writeFileAtomic says why), the registry's write.
      ctx.step([from, to], () => (linked === undefined ? renameSync(from, to) : moveRelativeLink(from, to, linked)));
    }
    return this.recordPaused(ctx, account, paused);
  }

  /** movePaused's registry half: the entry says paused (and since when) or not. */
  private recordPaused(ctx: MutationContext, account: Account, paused: boolean): Account {
    const entry = ctx.entry(account);
    entry.paused = paused;
    // Pausing a paused account keeps the time it was paused.
    if (paused && !(account.paused && entry.pausedAt)) entry.pausedAt = this.now().toISOString();
    else delete entry.pausedAt;
    ctx.registryChanged = true;
    return {...account, paused};
  }

  /**
   * Removes the account and its token file, holding the refresh lock of the grant the file holds: a
   * refresh of it in flight (another process) is waited for, so its rotated grant goes into the file
   * and is removed with it, rather than finding the file gone and being kept aside (services/refresh.ts).
   */
  /**
   * `holding`: remove only while the token file still holds these access and refresh tokens (`push`:
   * a file refreshed meanwhile holds a grant that must stay); else a UserError, nothing removed.
   */
  async remove(provider: string, ref: AccountRef, bounds?: RefreshLockBounds, holding?: Pick<TokenFile, 'access_token' | 'refresh_token'>): Promise<Account & {defaultMovedTo?: Account | null; corruptCopy?: string}> {
    // Followed by its token file while the lock is waited for (an id may change meanwhile).
    return withAccountGrantLock(this, provider, ref, (_lock, inside) => this.removeHeld(provider, ref, inside.account.tokenFile, holding), bounds);
  }

  /** remove, under the grant lock of `tokenFile`: the account with that file (the one `ref` names when two entries name it). */
  private async removeHeld(provider: string, ref: AccountRef, tokenFile: string, holding?: Pick<TokenFile, 'access_token' | 'refresh_token'>): Promise<Account & {defaultMovedTo?: Account | null; corruptCopy?: string}> {
    return this.mutate(async (ctx) => {
      const named = ctx.snapshot.accounts.filter((a) => a.provider === provider && a.tokenFile === tokenFile);
      // Two registry entries naming one file (a hand edit): the one the person named.
      const account = named.length > 1 ? ctx.find(provider, ref) : ctx.find(provider, {tokenFile});
      if (holding) {
        // No file at all holds nothing to keep (this removal, done again after its lock was taken over, removed it already).
        const now = await readTokenFile(this.tokenPath(account)).catch(() => null);
        if (now !== undefined && (now?.access_token !== holding.access_token || now?.refresh_token !== holding.refresh_token)) {
          throw new UserError(`${this.tokenPath(account)} holds another grant now (refreshed meanwhile); not removed`);
        }
      }
      const siblings = ctx.snapshot.accounts.filter((a) => a.provider === provider);
      const wasDefault = siblings.find((a) => a.default)?.id === account.id;
      for (const providerEntry of registryEntriesOf(ctx.files.registry, provider)) {
        if (!providerEntry.accounts[account.id] && providerEntry.default !== account.id) continue;
        delete providerEntry.accounts[account.id];
        if (providerEntry.default === account.id) delete providerEntry.default;
        ctx.registryChanged = true;
      }
      // The default leaves with it: to the next usable account in turn, else none is named.
      if (wasDefault) {
        const next = defaultAfterLeaving(siblings, account.id, this.now().getTime());
        if (next) {
          ctx.providerEntry(provider, next.id).default = next.id;
          ctx.registryChanged = true;
        }
      }
      // A file that could not be read is not lost with the account: its bytes are kept beside it
      // first (`<name>.corrupt-<hash>`, as every reader keeps a broken file), or nothing is removed.
      // A link (its read refused or broken) is removed alone: what it points to stays where it is.
      const file = this.tokenPath(account);
      const read = ctx.files.tokens.get(account.tokenFile);
      let corruptCopy: string | undefined;
      if (read?.error !== undefined && read.token === undefined && lstatSync(file, {throwIfNoEntry: false})?.isFile()) {
        corruptCopy = await backupCorruptFile(file, tokenReadOptions(file));
        if (corruptCopy === undefined) throw new UserError(`${read.error}; it could not be copied aside, so nothing was removed`);
      }
      // Checked and removed in one synchronous step (files.ts writeFileAtomic says why), the registry's write.
      ctx.step([file], () => rmSync(file, {force: true}));
      delete ctx.files.state[stateKey(provider, account.id)];
      ctx.stateChanged = true;
      const removed = withDefaultMove(account, siblings, siblings.filter((a) => a.id !== account.id), namedDefault(ctx.files.registry, provider));
      return corruptCopy === undefined ? removed : {...removed, corruptCopy};
    });
  }

  /**
   * Makes the next usable account the provider's default. `choose` picks it (rotation strategies
   * live in core); by default, the next in turn.
   */
  async rotate(
    provider: string,
    choose: (accounts: Account[], current: Account | undefined) => Account | undefined = (accounts, current) =>
      nextInTurn(accounts, current?.id, this.now().getTime()),
    /** The id of the account the rotation moves on from when that is not the default (what a running proxy's pool serves): the refusal names it. */
    movingFrom?: string,
  ): Promise<{from?: Account; to: Account}> {
    return this.mutate(async (ctx) => {
      const accounts = ctx.snapshot.accounts.filter((a) => a.provider === provider);
      if (accounts.length === 0) throw new UserError(`${provider} has no accounts to rotate`);
      const current = accounts.find((a) => a.default);
      const next = choose(accounts, current);
      if (!next) {
        const served = movingFrom === undefined || movingFrom === current?.id ? undefined : accounts.find((a) => a.id === movingFrom);
        const staying = served ?? current;
        throw new UserError(
          `no other usable ${provider} account to rotate to` + (staying ? ` (staying on ${staying.nickname || staying.email || staying.id}${served ? ', what the running proxy serves' : ''})` : ''),
        );
      }
      ctx.register(next);
      ctx.providerEntry(provider, next.id).default = next.id;
      ctx.entry(next).lastUsedAt = this.now().toISOString();
      ctx.registryChanged = true;
      return {from: current, to: {...next, default: true}};
    });
  }

  /**
   * Stores the result of a login. The same account logging in again (same provider and identity:
   * email plus organisation or account id) is updated in place; a new one gets a collision-safe file
   * name and a registry entry, and becomes the default only when the provider has no other account
   * (a default shown but not yet in the registry is written down and kept).
   */
  async saveLogin(login: LoginResult, bounds?: RefreshLockBounds): Promise<StoredLogin> {
    // A login stored over a token file takes the refresh lock of the grant that file holds, as a
    // refresh does: stored while a refresh of that grant is in flight, it would be overwritten by the
    // refresh's result (or overwrite it). The file is found before the lock and checked again under it.
    for (let chase = 0; chase < 20; chase++) {
      const files = await this.readFiles();
      const expected = loginTarget(new MutationContext(this, files, this.toSnapshot(files)), login, this.now())?.tokenFile;
      const save = () => this.storeLogin(login, expected);
      const stored = expected === undefined ? await save() : await withAccountGrantLock(this, login.provider, {tokenFile: expected}, save, bounds);
      if (stored !== 'moved') return stored;
    }
    throw new UserError(`the ${login.provider} token files keep changing while this login is stored (another process is rewriting them); try again`);
  }

  /** saveLogin under the grant lock of `expected` (the token file it updates; undefined: a new file); 'moved' when another file turned out to be the one. */
  private async storeLogin(login: LoginResult, expected: string | undefined): Promise<StoredLogin | 'moved'> {
    return this.mutate(async (ctx) => {
      const found = loginTarget(ctx, login, this.now());
      if (found?.tokenFile !== expected) return 'moved' as const;
      const {keyOwner, ...target} = found ?? {};
      const wasDefault = found?.default === true;
      const keyed = apiKeyAccountId(login.token) !== undefined;
      let account: Account;
      let outcome: LoginOutcome = 'added';
      let corrupt: StoredLogin['corrupt'];
      let keptGrant: string | undefined;
      if (found) {
        const file = ctx.files.tokens.get(found.tokenFile);
        const current = file?.token ?? {type: login.token.type};
        const row = PROVIDERS.find((r) => r.id === login.provider);
        // A key given again is the account's one credential; an OAuth login is a new grant.
        const next: TokenFile = login.keyGiven || !row ? {...current, ...login.token} : tokenAfterLogin(row, current, login.token);
        if (!login.keyGiven && row && asksForLabel(row) && file?.token) keptGrant = await this.keepReplacedGrant(ctx, found, file.token, next);
        // An API-key account has no email: older versions stored its nickname there.
        if (keyed && login.token.email === undefined) delete next.email;
        // A key replacing an unreadable file's (keyAccountNamed): its bytes are kept aside first.
        if (file?.error !== undefined && file.token === undefined) {
          const copy = await backupCorruptFile(this.tokenPath(found), tokenReadOptions(this.tokenPath(found)));
          if (copy === undefined) throw new UserError(`${this.tokenPath(found)}: ${file.error}; it could not be copied aside, so it was not replaced; nothing was saved`);
          corrupt = {file: this.tokenPath(found), error: file.error, copy};
        }
        await ctx.writeToken(this.tokenPath(found), next);
        account = corrupt ? {...(target as Account), health: 'ok'} : (target as Account);
        outcome = keyOwner ? 'key-replaced' : login.keyGiven ? keyGivenAgain(current, login.token) : 'logged-in-again';
      } else {
        const preferred = upstreamTokenFileName(login.provider, login.token, this.now());
        const fileName = uniqueFileName(preferred, (name) => ctx.files.tokens.has(name));
        const taken = new Set(ctx.snapshot.accounts.filter((a) => a.provider === login.provider).map((a) => a.id));
        const email = stringField(login.token.email);
        const row = PROVIDERS.find((r) => r.id === login.provider);
        const id = deriveAccountId(fileName, email, taken, tokenFilePrefixesOf(row ?? {id: login.provider, tokenType: login.token.type}));
        await ctx.writeToken(path.join(this.paths.authDir, fileName), login.token);
        account = {
          provider: login.provider,
          id,
          email,
          tokenFile: fileName,
          default: false,
          paused: false,
          registered: true,
          health: 'ok',
          createdAt: loginMoment(login.token, this.now()),
        };
      }
      ctx.register(account);
      const entry = ctx.entry(account);
      if (keyed && login.token.email === undefined && entry.email !== undefined) {
        // An older version's key account: its "email" was the nickname it was given (kept as one).
        if (entry.nickname === undefined) entry.nickname = entry.email;
        delete entry.email;
      }
      // A nickname that would name another account too (its id, email or file) is not applied: the
      // login's grant is kept all the same (the login services refuse such a nickname before starting).
      const others = ctx.snapshot.accounts.filter((a) => a.provider === login.provider && a.id !== account.id);
      const nicknameNotGiven = login.nickname && (login.relogin === undefined || login.relogin === account.id) ? nicknameProblem(login.nickname, others) : undefined;
      // An account that was there already and gets another nickname: said with the outcome (a login
      // that renames silently leaves the person looking for the old name).
      const nicknameBefore = entry.nickname;
      // A key replaced by naming its account's id (the advice for an account with no nickname, core
      // keyRejectedWords) names the account; it does not make the id its nickname.
      const namesItsId = keyOwner === true && nicknameBefore === undefined && login.nickname !== undefined && matchedAs(account, login.nickname.trim()) === 'id';
      if (login.nickname && (login.relogin === undefined || login.relogin === account.id) && !nicknameNotGiven && !namesItsId) entry.nickname = login.nickname;
      const nicknameChanged = found && entry.nickname !== nicknameBefore && entry.nickname !== undefined ? {...(nicknameBefore !== undefined ? {from: nicknameBefore} : {}), to: entry.nickname} : undefined;
      if (login.tier) entry.tier = login.tier;
      if (login.projectId) entry.projectId = login.projectId;
      if (stringField(login.token.email)) entry.email = stringField(login.token.email);
      if (keyed && login.token.email === undefined) account = {...account, email: undefined};
      const providerEntry = ctx.providerEntry(login.provider, account.id);
      if (!providerEntry.default || !Object.hasOwn(providerEntry.accounts, providerEntry.default)) {
        // No default in the registry: the one shown (the first unpaused account) is kept by writing it
        // down, since a new token file may sort before it; the new account is the default only when
        // the provider had no other.
        const shown = ctx.snapshot.accounts.find((a) => a.provider === login.provider && a.default && a.id !== account.id);
        if (shown) {
          ctx.register(shown);
          ctx.providerEntry(login.provider, shown.id).default = shown.id;
        } else {
          providerEntry.default = account.id;
        }
      }
      delete ctx.files.state[stateKey(login.provider, account.id)];
      ctx.stateChanged = true;
      ctx.registryChanged = true;
      return {...account, nickname: entry.nickname, tier: entry.tier, projectId: entry.projectId, default: providerEntry.default === account.id, madeDefault: providerEntry.default === account.id && !wasDefault, outcome, ...(nicknameNotGiven ? {nicknameNotGiven} : {}), ...(nicknameChanged ? {nicknameChanged} : {}), ...(corrupt ? {corrupt} : {}), ...(keptGrant ? {keptGrant} : {})};
    });
  }

  /**
   * Keeps the grant a login replaces in `account`'s token file when it could be another account's
   * (the provider names no account: the same label is all the two logins share) and is not known to
   * be dead (the provider refused its refresh token: a needs-login mark). The file as it is on disk
   * goes to tui/login-kept/. Returns where, or undefined when nothing was worth keeping.
   */
  private async keepReplacedGrant(ctx: MutationContext, account: Account, current: TokenFile, next: TokenFile): Promise<string | undefined> {
    const held = stringField(current.refresh_token) ?? stringField(current.access_token);
    if (held === undefined || held === (stringField(next.refresh_token) ?? stringField(next.access_token))) return undefined;
    const refresh = stringField(current.refresh_token);
    if (refresh && marksByGrant(ctx.files.state).get(grantMarkKey(account.provider, tokenFingerprint(refresh)))?.needsLogin) return undefined;
    // The file's own bytes (its layout, every field); read as the store reads token files (no FIFO, no link out).
    const text = (await readRegularFile(this.tokenPath(account), tokenReadOptions(this.tokenPath(account))))?.text ?? `${JSON.stringify(current, null, 2)}\n`;
    return keepTokenCopy(this.paths.loginKept, account.tokenFile, text);
  }

  /**
   * Rewrites one account's token file under the registry lock, wherever it lives now. `change` gets
   * the current content (fresh from disk) and returns the new one; unknown keys are kept by the caller
   * spreading the old token; returning the very object it got writes nothing. Refuses to touch an
   * unreadable file. `refusedTemps`: LockOptions' (a write refused leaves its temp file to the caller).
   */
  async updateToken(provider: string, ref: AccountRef, change: (token: TokenFile) => TokenFile, {refusedTemps}: Pick<LockOptions, 'refusedTemps'> = {}): Promise<TokenFile> {
    return this.mutate(async (ctx) => {
      const account = ctx.find(provider, ref);
      const found = ctx.files.tokens.get(account.tokenFile);
      if (!found?.token) {
        throw new UserError(`${this.tokenPath(account)}: ${found?.error ?? 'token file not found'}; not rewriting it`);
      }
      const next = change(found.token);
      if (next !== found.token) await ctx.writeToken(this.tokenPath(account), next);
      return next;
    }, {writesRegistry: false, account: {provider, ref}, refusedTemps});
  }

  /**
   * Marks an account whose refresh token (`refreshToken`, kept only as its fingerprint) was sent
   * without a known outcome: it shows as `refresh-unknown` while its token file holds that token.
   */
  async setRefreshUnknown(provider: string, ref: AccountRef, reason: string, refreshToken: string): Promise<void> {
    await this.markCredential(provider, ref, 'refreshUnknown', reason, refreshToken);
  }

  /**
   * Marks an account whose refresh of `refreshToken` (kept only as its fingerprint) was found
   * refused (services/refresh.ts markRefreshRefused): it shows as `refresh-failed` while its token file holds that token
   * (or until a refresh is granted: clearRefreshFailed).
   */
  async setRefreshFailed(provider: string, ref: AccountRef, reason: string, refreshToken: string): Promise<void> {
    await this.markCredential(provider, ref, 'refreshFailed', reason, refreshToken);
  }

  /** Ends a `refresh-failed` mark (a refresh of the account succeeded since); writes nothing when there is none. */
  async clearRefreshFailed(provider: string, ref: AccountRef): Promise<void> {
    await this.clearCredentialMark(provider, ref, 'refreshFailed', (token) => token?.refresh_token);
  }

  /**
   * Marks an API-key account whose key (`apiKey`, kept only as its fingerprint) the upstream refused
   * (services/key-check.ts): it shows as `key-rejected` while its token file holds that key (or until
   * a request with it succeeds: clearKeyRejected).
   */
  async setKeyRejected(provider: string, ref: AccountRef, reason: string, apiKey: string): Promise<void> {
    await this.markCredential(provider, ref, 'keyRejected', reason, apiKey);
  }

  /** Ends a `key-rejected` mark (a request with the key succeeded since); writes nothing when there is none. */
  async clearKeyRejected(provider: string, ref: AccountRef): Promise<void> {
    await this.clearCredentialMark(provider, ref, 'keyRejected', (token) => token?.api_key);
  }

  /** Drops a mark that names the credential `held` reads from the account's token file: its own, and the one under an id the account had before (marksByGrant). */
  private async clearCredentialMark(provider: string, ref: AccountRef, mark: 'refreshFailed' | 'keyRejected', held: (token: TokenFile | undefined) => unknown): Promise<void> {
    await this.mutate(async (ctx) => {
      const account = ctx.find(provider, ref);
      const credential = held(ctx.files.tokens.get(account.tokenFile)?.token);
      const print = typeof credential === 'string' && credential !== '' ? tokenFingerprint(credential) : undefined;
      for (const [key, entry] of Object.entries(ctx.files.state)) {
        const found = entry?.[mark];
        if (!found || !(key === stateKey(provider, account.id) || (key.startsWith(`${provider}/`) && print !== undefined && found.fingerprint === print))) continue;
        dropMark(ctx.files.state, key, mark);
        ctx.stateChanged = true;
      }
    }, {writesRegistry: false, account: {provider, ref}});
  }

  /** A mark that names a credential (`credential`: a refresh token or an API key, kept as its fingerprint). */
  private async markCredential(provider: string, ref: AccountRef, mark: 'refreshUnknown' | 'refreshFailed' | 'keyRejected', reason: string, credential: string): Promise<void> {
    await this.mutate(async (ctx) => {
      const account = ctx.find(provider, ref);
      const key = stateKey(provider, account.id);
      ctx.files.state[key] = {...ctx.files.state[key], [mark]: {reason, at: this.now().toISOString(), fingerprint: tokenFingerprint(credential)}};
      ctx.stateChanged = true;
    }, {writesRegistry: false});
  }

  /**
   * Records the local proxy's quota or rate-limit cooldown of an account, so a restarted proxy waits
   * it out too. A later `until` is never shortened by an earlier one.
   */
  async setCooldown(provider: string, accountId: string, cooldown: AccountCooldown): Promise<void> {
    await this.mutate(async (ctx) => {
      const account = ctx.find(provider, {id: accountId});
      const key = stateKey(provider, account.id);
      const known = cooldownAhead(ctx.files.state[key]?.cooldown, this.now().getTime());
      if (known && Date.parse(known.until) >= Date.parse(cooldown.until)) return;
      ctx.files.state[key] = {...ctx.files.state[key], cooldown};
      ctx.stateChanged = true;
    }, {writesRegistry: false, account: {provider, ref: {id: accountId}}});
  }

  /** Records that the local proxy had a request on the account answered at `at` (ms): AccountState `served`, never moved back. */
  async noteServed(provider: string, accountId: string, at: number): Promise<void> {
    await this.mutate(async (ctx) => {
      const key = stateKey(provider, ctx.find(provider, {id: accountId}).id);
      const known = ctx.files.state[key]?.served;
      if (typeof known === 'string' && Date.parse(known) >= at) return;
      ctx.files.state[key] = {...ctx.files.state[key], served: new Date(at).toISOString()};
      ctx.stateChanged = true;
    }, {writesRegistry: false, account: {provider, ref: {id: accountId}}});
  }

  /**
   * Ends an account's stored cooldown after a success on a request sent at `sentAt` (ms): unless that
   * wait was met at or after `sentAt` (its `met`; another proxy's answer newer than this success).
   * One without `met` (hand-written, an older version's) ends.
   */
  async endCooldown(provider: string, accountId: string, sentAt: number): Promise<void> {
    await this.mutate(async (ctx) => {
      const key = stateKey(provider, ctx.find(provider, {id: accountId}).id);
      const entry = ctx.files.state[key];
      const met = (entry?.cooldown as {met?: unknown} | undefined)?.met;
      if (!entry?.cooldown || (typeof met === 'string' && Date.parse(met) >= sentAt)) return;
      dropMark(ctx.files.state, key, 'cooldown');
      ctx.stateChanged = true;
    }, {writesRegistry: false, account: {provider, ref: {id: accountId}}});
  }

  /**
   * Marks an account as needing a new login (its refresh token `refreshToken`, kept as its fingerprint,
   * was revoked or reused), or clears the mark.
   */
  async setNeedsLogin(provider: string, ref: AccountRef, reason: string | undefined, refreshToken?: string): Promise<void> {
    await this.mutate(async (ctx) => {
      const account = ctx.find(provider, ref);
      const key = stateKey(provider, account.id);
      const fingerprint = refreshToken ? {fingerprint: tokenFingerprint(refreshToken)} : {};
      if (reason) ctx.files.state[key] = {...ctx.files.state[key], needsLogin: {reason, at: this.now().toISOString(), ...fingerprint}};
      else if (ctx.files.state[key]) delete ctx.files.state[key]!.needsLogin;
      ctx.stateChanged = true;
    }, {writesRegistry: false, account: {provider, ref}});
  }
}

/** Edits made inside one locked mutation. */
class MutationContext {
  registryChanged = false;
  stateChanged = false;

  constructor(
    private readonly store: AccountStore,
    readonly files: LoadedFiles,
    readonly snapshot: AccountsSnapshot,
    /** The registry lock a mutation holds; none for a look-up (saveLogin's target, found before the lock). */
    private readonly held?: FileLock,
  ) {}

  private get lock(): FileLock {
    if (!this.held) throw new Error('a store file is changed only under the registry lock (AccountStore.mutate)');
    return this.held;
  }

  /**
   * Every change a mutation makes to a file goes through these: made only while the registry lock
   * is still ours and the file is as this mutation read it (file-lock.ts); else the mutation runs again.
   */
  writeJson(file: string, value: unknown, along?: Step): Promise<void> {
    return this.lock.write(file, jsonText(value), this.files.versions.get(file), {along});
  }

  /**
   * Writes a (flat) token in the layout the file has (tokens.ts tokenFileText); a link within the
   * token dirs is written through (tokenWriteTarget: the file read through it gets the new grant).
   */
  writeToken(file: string, token: TokenFile): Promise<void> {
    return this.lock.write(tokenWriteTarget(file), tokenFileText(token), this.files.versions.get(file));
  }

  /** Token files moved or removed, not yet: made with the registry's write (AccountStore.mutate), in order. */
  private readonly steps: Step[] = [];

  /**
   * A token file moved or removed by `act`, checked as writeJson's files are (`files`: each it
   * touches), made once the mutation's edits are done, in the step that writes the registry.
   */
  step(files: readonly string[], act: () => void): void {
    this.steps.push({checks: files.map((file) => [file, this.files.versions.get(file)] as const), act});
  }

  hasSteps(): boolean {
    return this.steps.length > 0;
  }

  /** The steps recorded (`step`) as one, and forgotten. */
  takeSteps(): Step | undefined {
    const steps = this.steps.splice(0);
    if (steps.length === 0) return undefined;
    return {checks: steps.flatMap((s) => s.checks), act: () => steps.forEach((s) => s.act())};
  }

  /** A step made on its own (no registry write to make it with). */
  lockStep(step: Step | undefined): Promise<void> {
    return step ? this.lock.step(step.checks, step.act) : Promise.resolve();
  }

  find(provider: string, ref: AccountRef): Account {
    return findAccount(this.snapshot.accounts, provider, ref);
  }

  /** The provider's registry entry, under the key the file uses for it (`agy` stays `agy`). */
  providerEntry(provider: string, accountId?: string) {
    const providers = this.files.registry.providers;
    const key = registryKeyFor(this.files.registry, provider, accountId);
    if (!Object.hasOwn(providers, key)) providers[key] = {accounts: idMap()};
    return providers[key]!;
  }

  /** Adds a registry entry for an account that so far was only a token file. */
  register(account: Account): void {
    const entry = this.providerEntry(account.provider, account.id);
    if (Object.hasOwn(entry.accounts, account.id)) return;
    entry.accounts[account.id] = {
      ...(account.email ? {email: account.email} : {}),
      ...(account.nickname ? {nickname: account.nickname} : {}),
      tokenFile: account.tokenFile,
      createdAt: account.createdAt ?? this.store['now']().toISOString(),
      ...(account.paused ? {paused: true} : {}),
    };
    this.registryChanged = true;
  }

  /**
   * Whatever registry this mutation writes lists every account shown, as shown: the token files
   * not yet registered are registered ("registered on first edit" means every one, not only the
   * edited one), and a provider whose default was derived (no `default` in the file) keeps the
   * account that was shown as its default. Written only when the mutation changes the registry.
   */
  adoptShownState(): void {
    const changed = this.registryChanged;
    for (const account of this.snapshot.accounts) {
      if (!account.registered && account.health !== 'missing-token') this.register(account);
    }
    for (const account of this.snapshot.accounts) {
      if (!account.default) continue;
      const providerEntry = this.providerEntry(account.provider, account.id);
      if (!providerEntry.default) providerEntry.default = account.id;
    }
    this.registryChanged = changed;
  }

  entry(account: Account): RegistryAccount {
    return this.providerEntry(account.provider, account.id).accounts[account.id]!;
  }

  identityOfAccount(account: Account): string {
    const token = this.files.tokens.get(account.tokenFile)?.token;
    return token ? identityOf(token) : '';
  }
}

/**
 * The account a login updates: the one of its identity (several files of it: the one CLIProxyAPI
 * would write, else refused), else, for an API key, the key account its nickname names; undefined
 * when the login is a new account. `keyOwner`: found by the nickname.
 */
function loginTarget(ctx: MutationContext, login: LoginResult, now: Date): (Account & {keyOwner?: boolean}) | undefined {
  const identity = identityOf(login.token);
  const same = ctx.snapshot.accounts.filter(
    (a) => a.provider === login.provider && a.health !== 'unreadable' && ctx.identityOfAccount(a) === identity && identity !== '',
  );
  // Several files of this one identity (CCS and CLIProxyAPI each wrote one): the file CLIProxyAPI
  // would write is the one to update; without it, none is picked silently.
  const canonical = upstreamTokenFileName(login.provider, login.token, now);
  const existing = same.length > 1 ? same.find((a) => a.tokenFile === canonical) : same[0];
  if (same.length > 1 && !existing) {
    throw new AmbiguousAccountError(
      `this ${login.provider} login matches ${same.length} accounts: ${same.map((a) => `${a.id} (${a.tokenFile})`).join(', ')}; ` +
        `nothing was saved: remove the copies you do not want and log in again`,
      1,
      {command: `ccs-tui remove ${login.provider} <token file>`, action: 'account.remove', scope: 'home'},
    );
  }
  if (login.replacesKeyOf !== undefined) {
    const owner = ctx.snapshot.accounts.find((a) => a.provider === login.provider && a.id === login.replacesKeyOf);
    if (!owner) throw new UserError(`${login.provider} account ${sanitizeLine(login.replacesKeyOf)} is gone (removed meanwhile); its key was not replaced and nothing was saved`);
    // Never over a grant: an OAuth account's refresh token would be lost with no way to get it back.
    const held = ctx.files.tokens.get(owner.tokenFile)?.token;
    if (held !== undefined && heldApiKey(held) === undefined) throw new UserError(`${login.provider} account ${sanitizeLine(owner.nickname ?? owner.id)} holds no API key (an OAuth login); a key does not replace it; nothing was saved`);
    if (existing && existing.id !== owner.id) throw new UserError(`this key is ${login.provider} account ${sanitizeLine(existing.nickname ?? existing.id)}'s already; ${sanitizeLine(owner.nickname ?? owner.id)}'s key was not replaced and nothing was saved`);
    return existing ?? {...owner, keyOwner: true};
  }
  if (existing) return existing;
  const keyOwner = login.replacesKeyOfNickname ? keyAccountNamed(ctx, login.provider, login.nickname) : undefined;
  return keyOwner && {...keyOwner, keyOwner: true};
}

/**
 * The id of an API-key account's token: its `account_id`, `key-<hex>` (the key's sha256 digest, cut:
 * services/oauth/login.ts addApiKeyAccount), when the token holds an `api_key`; else undefined.
 */
export function apiKeyAccountId(token: TokenFile): string | undefined {
  const id = stringField(token.account_id);
  return stringField(token.api_key) && id && /^key-[0-9a-f]+$/.test(id) ? id : undefined;
}

/**
 * What a key given again did to the account holding it (`before`: its token; `given`: the login's):
 * the same key when the login brought no field but its date (`last_refresh`) that the file did not
 * hold already, only another base URL, or else a new key (a service account's new key file).
 */
function keyGivenAgain(before: TokenFile, given: TokenFile): LoginOutcome {
  const changed = Object.keys(given).filter((field) => field !== 'last_refresh' && !isDeepStrictEqual(before[field], given[field]));
  if (changed.length === 0) return 'same-key';
  return changed.every((field) => field === 'base_url') ? 'same-key-new-base-url' : 'key-replaced';
}

/**
 * The API-key account of `provider` that `nickname` names (its nickname, or its email: older
 * versions stored an API-key account's nickname as its email), if exactly one does.
 */
function keyAccountNamed(ctx: MutationContext, provider: string, nickname: string | undefined): Account | undefined {
  const own = ctx.snapshot.accounts.filter((a) => a.provider === provider);
  const named = own.filter((a) => namesKeyAccount(a, ctx.files.tokens.get(a.tokenFile)?.token, nickname));
  if (named.length > 0) return named.length === 1 ? named[0] : undefined;
  // None readable: the one account the nickname names whose token file cannot be read (its key is
  // what the person replaces; saveLogin keeps the broken file's copy).
  const broken = own.filter((a) => namesUnreadableAccount(a, nickname));
  return broken.length === 1 ? broken[0] : undefined;
}

/**
 * Whether `nickname` names `account` (by nickname, email or id) and its token file cannot be read:
 * a key login with that nickname replaces its key (README "login"), the broken file kept aside.
 */
export function namesUnreadableAccount(account: Account, nickname: string | undefined): boolean {
  if (!nickname?.trim() || account.health !== 'unreadable') return false;
  const as = matchedAs(account, nickname.trim());
  return as === 'nickname' || as === 'email' || as === 'id';
}

/**
 * Whether `nickname` names `account` (by nickname, email or id: an older version's key account has
 * its nickname as email, and so as id) and `token`, its token, is an API key's.
 */
export function namesKeyAccount(account: Account, token: TokenFile | undefined, nickname: string | undefined): boolean {
  if (!nickname?.trim() || token === undefined || heldApiKey(token) === undefined) return false;
  const as = matchedAs(account, nickname.trim());
  return as === 'nickname' || as === 'email' || as === 'id';
}

/**
 * What makes two logins the same account: email plus organisation / account id where the provider
 * has one; for an API key, its digest alone (apiKeyAccountId: an older version's email there was a
 * nickname, so the same key matches whatever it was called).
 */
export function identityOf(token: TokenFile): string {
  const key = apiKeyAccountId(token);
  if (key !== undefined) return key.toLowerCase();
  const parts = [token.email, ...ACCOUNT_ID_FIELDS.map((field) => token[field])]
    .map(stringField)
    .filter(Boolean);
  return parts.join('|').toLowerCase();
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The default a provider's registry entries name (the first that names one), as load reads it. */
function namedDefault(registry: Parameters<typeof registryEntriesOf>[0], provider: string): string | undefined {
  return registryEntriesOf(registry, provider).find((entry) => entry.default)?.default;
}

/**
 * `account` after an edit, with `defaultMovedTo` when the default shown (core effectiveDefault)
 * moved: from the one among `before` to the one among `after` (the provider's accounts, edited), or
 * null when none is left. `default`: whether `account` is the default now.
 */
function withDefaultMove(account: Account, before: readonly Account[], after: readonly Account[], named: string | undefined): Account & {defaultMovedTo?: Account | null} {
  const was = before.find((a) => a.default);
  const now = effectiveDefault(after, named);
  const edited = {...account, default: now?.id === account.id};
  if (now?.id === was?.id) return edited;
  return {...edited, defaultMovedTo: now ? {...now, default: true} : null};
}

export {canServeNow};


/**
 * What removing `account` deletes, for the question the command line and the TUI ask first: its
 * token file (on a server: its auth file) and what it holds (a refresh token is a grant that nothing
 * but a new login gets back).
 */
export async function removalLoss(service: AccountService, account: Account): Promise<string> {
  const local = service instanceof AccountStore;
  const token = local ? await service.readToken(account).catch(() => undefined) : undefined;
  const holds = token && typeof token.refresh_token !== 'string' ? 'the key it holds' : 'the grant it holds (only a new login gets it back)';
  return `${local ? 'its token file' : 'its auth file on the server'} and ${holds}`;
}
