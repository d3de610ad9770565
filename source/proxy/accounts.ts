// The proxy's view of the accounts on disk: the usable accounts per provider (checked every few
// seconds, and the auth dir's mtime on every request, so logins, pauses, rotations and files added by
// hand are picked up; re-read only when the registry, the token dirs or the account state changed:
// reading every token file would stall requests) and each account's token, cached until its file
// changes (refreshes by the TUI, CCS or this proxy land on disk first).
import {readdirSync, statSync, type Stats} from 'node:fs';
import {accountLabeller, canServeNow} from '../core/accounts.js';
import type {Account, TokenFile} from '../core/types.js';
import type {AccountStore, StoreProblem} from '../store/accounts.js';
import {changedRecently, fileStamp, sameStamp, type StampedStat} from '../store/file-stamp.js';
import {readTokenFileSync} from '../store/tokens.js';

/** Whether some provider has two accounts or more. */
function hasPool(accounts: readonly Account[]): boolean {
  const seen = new Set<string>();
  for (const account of accounts) {
    if (seen.has(account.provider)) return true;
    seen.add(account.provider);
  }
  return false;
}

/**
 * Stats taken in this turn of the event loop, by path (null: missing or unreadable). The requests a
 * turn serves had arrived when the turn read its sockets, so one look at a file after that is as new
 * as a look per request: a pause, a login or a refreshed token on disk before a request was sent is
 * still seen by it. At 16 connections a turn serves several requests, and a stat each was ~9 % of the
 * proxy's CPU on small JSON answers. Cleared when the turn ends (setImmediate), and when a request
 * arrives that may have been sent after them (requestArrived).
 */
const statsThisTurn = new Map<string, Stats | null>();
/** The connections a request arrived on this turn (requestArrived); undefined until the turn's first. */
let requestSocketsThisTurn: Set<object> | undefined;
let endingTurn = false;

/** Forgets this turn's stats and requests once the turn ends. */
function endTurnSoon(): void {
  if (endingTurn) return;
  endingTurn = true;
  setImmediate(() => {
    statsThisTurn.clear();
    requestSocketsThisTurn = undefined;
    endingTurn = false;
  });
}

/**
 * A request arrived on `socket` (its head read). Stats taken before the turn's first request may be
 * older than it: a timer's look (the status report's, every second) runs before the turn reads its
 * sockets, and a `rotate` or pause finished in between was missed by the request sent after it. So
 * are those taken before a second request of one connection in a turn: read by the same read loop, it
 * may have been sent after them. Such stats are dropped.
 */
export function requestArrived(socket: object): void {
  if (requestSocketsThisTurn === undefined || requestSocketsThisTurn.has(socket)) statsThisTurn.clear();
  (requestSocketsThisTurn ??= new Set()).add(socket);
  endTurnSoon();
}

function statThisTurn(file: string): Stats | null {
  let stat = statsThisTurn.get(file);
  if (stat !== undefined) return stat;
  try {
    // No exception for a missing file (accounts.json often is): building one costs more than the stat.
    stat = statSync(file, {throwIfNoEntry: false}) ?? null;
  } catch {
    stat = null;
  }
  statsThisTurn.set(file, stat);
  endTurnSoon();
  return stat;
}

/** The file's or dir's mtime (ms) as this turn saw it, NaN when it cannot be read. */
function mtimeOf(file: string): number {
  return statThisTurn(file)?.mtimeMs ?? Number.NaN;
}

/** A full re-read at least this often, whatever the signature says (coarse mtimes can hide an edit). */
const FULL_READ_EVERY_MS = 60_000;

interface CachedToken {
  /** The stat the token was read after. */
  stat: StampedStat;
  token: TokenFile | undefined;
}

export class AccountSource {
  private snapshot: Account[] | undefined;
  private loadedAt = 0;
  /** The read under way and the signature taken when it started. */
  private loading: {signature: string; promise: Promise<Account[]>} | undefined;
  private loadedSignature = '';
  /** The auth dir's mtime (ms) when the snapshot's read started: looked at by every request. */
  private loadedAuthDirMtime = Number.NaN;
  /** The registry's mtime (ms) when the snapshot's read started: a new default (`rotate`, `use`) serves the next request. */
  private loadedRegistryMtime = Number.NaN;
  /** Whether some provider has two accounts or more (then a new default changes what is served). */
  private hasPool = false;
  private fullReadAt = 0;
  private tokens = new Map<string, CachedToken>();
  /** Token file paths by account object (a reload brings new objects). */
  private readonly paths = new WeakMap<Account, string>();
  private readonly usableByProvider = new Map<string, {of: Account[]; usable: Account[]; until: number}>();

  constructor(
    readonly store: AccountStore,
    private readonly now: () => number,
    private readonly ttlMs = 3000,
    /** Told of every token (re)read from disk, so masking knows a new token before it is sent (issue 11). */
    private readonly onTokenRead?: (file: string, stamp: string, token: TokenFile | undefined) => void,
    /** Told of each problem a read of the files met (a corrupt account state, an unreadable token file), once while it lasts. */
    private readonly onProblem?: (problem: StoreProblem) => void,
  ) {}

  /** The problems last told (onProblem), so one that lasts is told once. */
  private toldProblems = new Set<string>();

  /** Every account (usable or not), re-read when older than the TTL or when the auth dir changed. */
  async all(): Promise<Account[]> {
    return this.fresh() ?? this.reload();
  }

  /**
   * The list when it is younger than the TTL and the auth dir's mtime is the one it was read at
   * (one stat, no readdir: a file added, removed or moved in or out changes it), else undefined.
   * So a token file added by hand serves the next request, as a paused one is never used again
   * (pickAccount's stat of the token file); and so does a new default (the registry's mtime: one
   * more stat), which the pool serves first (server.ts poolOf).
   */
  private fresh(): Account[] | undefined {
    if (!this.snapshot || this.now() - this.loadedAt >= this.ttlMs) return undefined;
    // The registry only matters to a pool (a provider with two accounts or more): its default goes first.
    const same = Object.is(mtimeOf(this.store.paths.authDir), this.loadedAuthDirMtime) && (!this.hasPool || Object.is(mtimeOf(this.store.paths.registry), this.loadedRegistryMtime));
    return same ? this.snapshot : undefined;
  }

  /**
   * The list after a look at the files that decide it: re-read when they changed (waited for: a
   * request must not be served from a pool that lacks an account already on disk) or when a full
   * re-read is due (the stale list meanwhile: nothing is known to have changed).
   */
  private async reload(): Promise<Account[]> {
    const signature = this.filesSignature();
    if (this.snapshot && signature === this.loadedSignature && this.now() - this.fullReadAt < FULL_READ_EVERY_MS) {
      this.loadedAt = this.now();
      return this.snapshot;
    }
    const read = this.loadAccounts(signature);
    return this.snapshot && signature === this.loadedSignature ? this.snapshot : read;
  }

  /**
   * A read of the accounts that starts after the files looked like `signature`: the one under way
   * when it was started for the same signature, else a new one after it (a read under way may have
   * listed the dir before the change).
   */
  private loadAccounts(signature: string): Promise<Account[]> {
    if (this.loading?.signature === signature) return this.loading.promise;
    const before = this.loading?.promise;
    const authMtime = mtimeOf(this.store.paths.authDir);
    const registryMtime = mtimeOf(this.store.paths.registry);
    const promise = (async () => {
      await before?.catch(() => undefined);
      const snapshot = await this.store.load();
      for (const problem of snapshot.problems) if (!this.toldProblems.has(problem.message)) this.onProblem?.(problem);
      this.toldProblems = new Set(snapshot.problems.map((p) => p.message));
      this.snapshot = snapshot.accounts;
      this.hasPool = hasPool(snapshot.accounts);
      this.loadedAt = this.now();
      this.loadedSignature = signature;
      this.loadedAuthDirMtime = authMtime;
      this.loadedRegistryMtime = registryMtime;
      this.fullReadAt = this.now();
      return snapshot.accounts;
    })().finally(() => {
      if (this.loading?.promise === promise) this.loading = undefined;
    });
    this.loading = {signature, promise};
    return promise;
  }

  /**
   * Re-reads the accounts now when the files that decide them changed since the last read (a pause,
   * resume, login or removal), instead of waiting for the TTL. True when it re-read.
   */
  async reloadIfChanged(): Promise<boolean> {
    const signature = this.filesSignature();
    if (this.snapshot && signature === this.loadedSignature) return false;
    await this.loadAccounts(signature);
    return true;
  }

  /**
   * What a person calls `account` among every account last read (core/accounts.ts accountLabel with
   * siblings): a nickname that is another account's email is never its label, in the status, the log
   * or a rotation's message.
   */
  labelOf(account: Account): string {
    const all = this.snapshot ?? [];
    if (this.labeller?.of !== all) this.labeller = {of: all, label: accountLabeller(all)};
    return this.labeller.label(account);
  }

  private labeller: {of: Account[]; label: (account: Account) => string} | undefined;

  /** The provider's usable accounts: the same array (do not change it) until the account list is re-read. */
  async usable(provider: string): Promise<Account[]> {
    return this.usableOf(provider, await this.all());
  }

  /**
   * usable() without waiting, when the list is younger than the TTL (the common case: every request
   * asks, and an async call per ask was a measurable share of a small answer's time); else undefined.
   */
  usableNow(provider: string): Account[] | undefined {
    const all = this.fresh();
    return all && this.usableOf(provider, all);
  }

  private usableOf(provider: string, all: Account[]): Account[] {
    const cached = this.usableByProvider.get(provider);
    const now = this.now();
    if (cached?.of === all && now < cached.until) return cached.usable;
    const usable = all.filter((a) => a.provider === provider && canServeNow(a, now));
    // Kept until one of them stops serving with time alone (a refresh that failed: its access token expires).
    const until = Math.min(...usable.map((a) => (canServeNow(a, Number.MAX_SAFE_INTEGER) ? Infinity : Date.parse(a.expiresAt!))));
    this.usableByProvider.set(provider, {of: all, usable, until});
    return usable;
  }

  /**
   * Modification times of what decides the account list: a login or removal adds or drops a file
   * (dir mtime), a pause moves one, a rename or new default rewrites the registry, a revoked grant
   * writes the account state. Token contents are not in it: token() follows those per file.
   */
  private filesSignature(): string {
    const {registry, authDir, pausedDir, accountState} = this.store.paths;
    const stamp = (file: string) => {
      try {
        const stat = statSync(file);
        // Dir mtimes are coarse (a few ms): the entry count catches a file added or moved within one tick.
        return stat.isDirectory() ? `${fileStamp(stat)}:${readdirSync(file).length}` : fileStamp(stat);
      } catch {
        return '-';
      }
    };
    return [registry, authDir, pausedDir, accountState].map(stamp).join('|');
  }

  /** Forgets this turn's stats (statThisTurn): after this process wrote a token file (its own refresh), the next look is at the disk. */
  forgetStats(): void {
    statsThisTurn.clear();
  }

  /** The account's token file path (store.tokenPath, kept per account object: asked on every request). */
  pathOf(account: Account): string {
    let file = this.paths.get(account);
    if (file === undefined) this.paths.set(account, (file = this.store.tokenPath(account)));
    return file;
  }

  /** The account's token file now (one stat per turn; the file is re-read only when it changed). */
  token(account: Account): TokenFile | undefined {
    const read = this.read(account);
    return read === 'missing' ? undefined : read;
  }

  /**
   * As token(), but 'missing' when the file is not where the account list says (moved or removed
   * meanwhile), undefined when it is there but unreadable or cut short (caught mid-rewrite).
   */
  read(account: Account): TokenFile | 'missing' | undefined {
    const file = this.pathOf(account);
    const stat = statThisTurn(file);
    if (!stat) {
      this.tokens.delete(file);
      return 'missing';
    }
    const cached = this.tokens.get(file);
    if (cached && sameStamp(cached.stat, stat)) return cached.token;
    let token: TokenFile | undefined;
    try {
      token = readTokenFileSync(file)?.token;
    } catch {
      token = undefined;
    }
    // A failed read (a file caught mid-rewrite) is not cached: the next request reads it again; nor
    // is one just changed, whose stamp a second write within the same tick may keep (file-stamp.ts).
    if (token && !changedRecently(stat)) this.tokens.set(file, {stat, token});
    else this.tokens.delete(file);
    this.onTokenRead?.(file, fileStamp(stat), token);
    return token;
  }
}
