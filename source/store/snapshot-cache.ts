// The accounts as a TUI last read them (tui/accounts-snapshot.json), for the next TUI's first frame.
// Reading every token file is the largest step before that frame (1,000 files: ~60 ms, issue 14),
// and a returning user's files have mostly not changed since. The snapshot is only ever a first
// picture: the TUI reads the files right after drawing it and shows what they hold (ui/hooks/
// useAccounts.tsx). It is used only while the token dirs, the registry and the account state have
// the stamps they had when it was read: a token file added, removed, renamed or written by rename
// into a token dir makes it unused; one rewritten in place (or through a link into a subdir), or in
// the same tick of the clock as the stamp was taken (file-stamp.ts: the "racily clean" case), shows
// with the read that follows. It holds no credential (names, emails, file names, dates, health
// words), and a snapshot with a problem (whose words may quote a file) is never kept.
import {readFileSync, rmSync, statSync} from 'node:fs';
import path from 'node:path';
import type {ProviderRow} from '../providers/table.js';
import {HEALTH_TEXT} from '../core/accounts.js';
import {isObject} from '../providers/adapters/quota-windows.js';
import type {Account} from '../core/types.js';
import type {AccountsSnapshot} from './account-service.js';
import {fileStamp} from './file-stamp.js';
import {writeFileAtomic} from './files.js';
import type {CcsPaths} from './paths.js';

/**
 * The file's layout; another number is not read. Two lines of JSON: `{format, stamps}`, then
 * `{providers, accounts}`, so a snapshot whose stamps no longer hold is dropped before its list is parsed.
 */
const FORMAT = 2;
/** A cache larger than this is not read (1,000 accounts: ~0.3 MB). */
const MAX_BYTES = 32 * 1024 * 1024;

/** Where the snapshot is kept: ccs-tui's own dir of the CCS dir it describes. */
export const snapshotCacheFile = (paths: CcsPaths) => path.join(paths.state, 'accounts-snapshot.json');

/**
 * The stamps (file-stamp.ts) of what a load reads the list of accounts from: the token dirs (a file
 * added, removed or renamed in them changes their own), the registry and the account state; `-` for
 * one that does not exist. Undefined when one cannot be stamped (no permission): nothing is cached.
 */
export function snapshotSourceStamps(paths: CcsPaths): string[] | undefined {
  const stamps: string[] = [];
  for (const source of [paths.authDir, paths.pausedDir, paths.registry, paths.accountState]) {
    try {
      stamps.push(fileStamp(statSync(source)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
      stamps.push('-');
    }
  }
  return stamps;
}

/** The first line: what says whether the rest is worth reading. */
interface CachedHeader {
  format: number;
  stamps: string[];
}

/** The second line: the snapshot with each provider named by its id (a provider row holds functions). */
interface CachedList {
  providers: string[];
  accounts: Account[];
}

/** Whether two lists of stamps (snapshotSourceStamps) are the same. */
const sameStamps = (a: readonly unknown[], b: readonly unknown[]): boolean => a.length === b.length && a.every((stamp, i) => stamp === b[i]);

/**
 * Keeps `snapshot`, read when the sources had `stamps`, for the next TUI's first frame. A snapshot
 * with problems (or a registry rebuilt from the token files) is not kept, and the one kept before is
 * removed: its picture is older than what the person has seen since. Nor is a list without accounts
 * (its first frame costs nothing to read, and a CCS dir that is not there is not made for it).
 */
export async function writeSnapshotCache(paths: CcsPaths, stamps: readonly string[], snapshot: AccountsSnapshot): Promise<void> {
  const file = snapshotCacheFile(paths);
  if (snapshot.problems.length > 0 || snapshot.registryRebuilt || snapshot.accounts.length === 0) {
    rmSync(file, {force: true});
    return;
  }
  const header: CachedHeader = {format: FORMAT, stamps: [...stamps]};
  const list: CachedList = {providers: snapshot.providers.map((p) => p.provider.id), accounts: snapshot.accounts};
  // Compact: it is read before the first frame, and only by this code.
  await writeFileAtomic(file, `${JSON.stringify(header)}\n${JSON.stringify(list)}\n`);
}

/**
 * The snapshot kept by the last TUI, when the sources still have the stamps it was read with and it
 * has the shape this version writes; else undefined (missing, stale, damaged: the files are read).
 * `rowOf`: the provider row of an id, as a load makes it (store/accounts.ts).
 */
export function readSnapshotCache(paths: CcsPaths, rowOf: (id: string) => ProviderRow): AccountsSnapshot | undefined {
  let cached: unknown;
  try {
    const file = snapshotCacheFile(paths);
    // A regular file of a sane size only (a FIFO would block the read); read by path, Node's fastest read.
    const stat = statSync(file);
    if (!stat.isFile() || stat.size > MAX_BYTES) return undefined;
    const text = readFileSync(file, 'utf8');
    const headerEnd = text.indexOf('\n');
    const header: unknown = JSON.parse(text.slice(0, headerEnd));
    if (!isObject(header) || header.format !== FORMAT || !Array.isArray(header.stamps)) return undefined;
    const now = snapshotSourceStamps(paths);
    if (!now || !sameStamps(now, header.stamps)) return undefined;
    cached = JSON.parse(text.slice(headerEnd + 1));
  } catch {
    return undefined;
  }
  if (!isObject(cached) || !Array.isArray(cached.providers) || !Array.isArray(cached.accounts)) return undefined;
  if (!cached.accounts.every(isAccount) || !cached.providers.every((id) => typeof id === 'string')) return undefined;
  const accounts = cached.accounts as Account[];
  const providers = (cached.providers as string[]).map((id) => ({provider: rowOf(id), accounts: accounts.filter((a) => a.provider === id)}));
  // Every account under a provider listed, once: a list that does not add up is no snapshot of ours.
  if (providers.reduce((sum, p) => sum + p.accounts.length, 0) !== accounts.length || new Set(cached.providers).size !== providers.length) return undefined;
  return {providers, accounts, problems: [], registryRebuilt: false};
}

/** C0 and C1 control characters (line breaks, escapes). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * An account as this version writes it (core/types.ts Account): its fields, each of its kind, and no
 * other (a name like `__proto__` included). A switch, not a table of checks: it runs for every
 * account before the first frame, in code not yet optimised.
 */
function isAccount(value: unknown): boolean {
  if (!isObject(value)) return false;
  const account = value;
  let required = 0;
  for (const key in account) {
    const field = account[key];
    switch (key) {
      case 'provider':
      case 'id':
      case 'tokenFile':
        if (typeof field !== 'string') return false;
        required++;
        break;
      case 'default':
      case 'paused':
      case 'registered':
        if (typeof field !== 'boolean') return false;
        required++;
        break;
      case 'health':
        if (typeof field !== 'string' || !Object.hasOwn(HEALTH_TEXT, field)) return false;
        required++;
        break;
      case 'email':
      case 'nickname':
      case 'projectId':
      case 'baseUrl':
        // One line, as a load leaves them (store/accounts.ts oneLineName): a row never splits.
        if (typeof field !== 'string' || CONTROL.test(field)) return false;
        break;
      case 'pausedAt':
      case 'createdAt':
      case 'lastUsedAt':
      case 'servedAt':
      case 'refreshedAt':
      case 'tier':
      case 'expiresAt':
      case 'healthDetail':
      case 'healthSince':
      case 'coolingUntil':
      case 'coolingReason':
      case 'serverStatus':
        if (typeof field !== 'string') return false;
        break;
      case 'apiKey':
        if (field !== true) return false;
        break;
      case 'coolingKind':
        if (field !== 'quota' && field !== 'rate-limit') return false;
        break;
      default:
        return false;
    }
  }
  return required === 7;
}
