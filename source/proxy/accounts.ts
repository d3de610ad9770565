// The proxy's view of the accounts on disk: the usable accounts per provider (re-read every few
// seconds, so logins, pauses and rotations made elsewhere are picked up) and each account's token,
// cached until its file changes (refreshes by the TUI, CCS or this proxy land on disk first).
import {statSync} from 'node:fs';
import {isUsable} from '../core/accounts.js';
import type {Account, TokenFile} from '../core/types.js';
import type {AccountStore} from '../store/accounts.js';
import {readTokenFileSync} from '../store/tokens.js';

interface CachedToken {
  mtimeMs: number;
  size: number;
  token: TokenFile | undefined;
}

export class AccountSource {
  private snapshot: Account[] | undefined;
  private loadedAt = 0;
  private loading: Promise<Account[]> | undefined;
  private tokens = new Map<string, CachedToken>();

  constructor(
    readonly store: AccountStore,
    private readonly now: () => number,
    private readonly ttlMs = 3000,
  ) {}

  /** Every account (usable or not), re-read when older than the TTL. */
  async all(): Promise<Account[]> {
    if (this.snapshot && this.now() - this.loadedAt < this.ttlMs) return this.snapshot;
    this.loading ??= this.store
      .load()
      .then((snapshot) => {
        this.snapshot = snapshot.accounts;
        this.loadedAt = this.now();
        return snapshot.accounts;
      })
      .finally(() => (this.loading = undefined));
    // A stale list is good enough while the new one loads.
    return this.snapshot ?? this.loading;
  }

  async usable(provider: string): Promise<Account[]> {
    return (await this.all()).filter((a) => a.provider === provider && isUsable(a));
  }

  invalidate(): void {
    this.loadedAt = 0;
  }

  /** The account's token file now (one stat per call; the file is re-read only when it changed). */
  token(account: Account): TokenFile | undefined {
    const file = this.store.tokenPath(account);
    let stat;
    try {
      stat = statSync(file);
    } catch {
      this.tokens.delete(file);
      return undefined;
    }
    const cached = this.tokens.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.token;
    let token: TokenFile | undefined;
    try {
      token = readTokenFileSync(file);
    } catch {
      token = undefined;
    }
    this.tokens.set(file, {mtimeMs: stat.mtimeMs, size: stat.size, token});
    return token;
  }
}
