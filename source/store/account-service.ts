// What the command line (and, for the same operations, the TUI) needs from "where the accounts
// are": the local files (AccountStore) or a remote CLIProxyAPI server (services/remote). Both
// return the same Account shapes, so `accounts --json` is the same for every target.
import type {AccountRef} from '../core/accounts.js';
import type {Account} from '../core/types.js';
import type {ProblemSeverity} from '../core/problems.js';
import type {ProviderRow} from '../providers/table.js';

export interface StoreProblem {
  file: string;
  message: string;
  /** core/problems.ts: `error` when the file cannot be read (or was replaced), `warning` when it works but is exposed. */
  severity: ProblemSeverity;
  /** The provider whose account the file holds, when known (the proxy tells only its own provider's errors as its last error). */
  provider?: string;
  /** Where the original was copied before anything could replace it. */
  backup?: string;
}

export interface ProviderAccounts {
  provider: ProviderRow;
  accounts: Account[];
}

export interface AccountsSnapshot {
  /** Every provider of the table (so a person can add one), then unknown token types found on disk. */
  providers: ProviderAccounts[];
  /** All accounts, provider by provider. */
  accounts: Account[];
  problems: StoreProblem[];
  /** True when the registry could not be read and was rebuilt from the token files. */
  registryRebuilt: boolean;
}

/**
 * Operations a place may not offer. `default`/`rotate`: a CLIProxyAPI server has no default account;
 * `serve`/`proxy`/`test`/`native`: they run this machine's proxy, refresh this machine's tokens or
 * write them into an agent's own credential file;
 * `clear-cooldown`: only a server rests accounts; `account-rules`, `live-models`: per-account rules
 * live in token files and a live list needs the token, both of which stay on a server.
 */
export type AccountOperation = 'default' | 'rotate' | 'serve' | 'proxy' | 'test' | 'native' | 'clear-cooldown' | 'account-rules' | 'live-models';

export interface AccountService {
  /** Where the accounts live, for messages: the CCS dir, or `target team (https://…)`. */
  readonly location: string;
  load(): Promise<AccountsSnapshot>;
  /**
   * The accounts after the files in `changed` (absolute paths heard changing) changed, reading only
   * what it must, on `previous` as read before (absent: callers load()).
   */
  loadChanged?(previous: AccountsSnapshot, changed: ReadonlySet<string>): Promise<AccountsSnapshot>;
  /** Makes the account its provider's default (local only: a CLIProxyAPI server has no default). */
  setDefault(provider: string, ref: AccountRef): Promise<Account>;
  /** Sets the nickname (on a server: the auth file's `note`). */
  rename(provider: string, ref: AccountRef, nickname: string): Promise<Account>;
  /**
   * Removes the nickname, so the account is called by its email or id again (CCS's registry: no
   * `nickname` field; on a server: an empty `note`).
   */
  clearNickname(provider: string, ref: AccountRef): Promise<Account>;
  /** Pauses or resumes (on a server: `disabled`). */
  setPaused(provider: string, ref: AccountRef, paused: boolean): Promise<Account>;
  /**
   * Removes the account and its token file. Removing the default moves the default to the next usable
   * account: `defaultMovedTo` says where, null when none is left (absent: the default did not move).
   * `corruptCopy`: where the bytes of a token file that could not be read were kept before it was
   * removed (files.ts backupCorruptFile).
   */
  remove(provider: string, ref: AccountRef): Promise<Account & {defaultMovedTo?: Account | null; corruptCopy?: string}>;
  /** Why `operation` is not offered here (shown to the person as is), or undefined when it is. */
  unavailable(operation: AccountOperation): string | undefined;
  /** Where the account's token file is, for display: a path, or `<name> on target team`. */
  tokenLocation(account: Pick<Account, 'tokenFile' | 'paused'>): string;
  /** Ends a server's cooldown of the account so it is tried again now (UserError where not offered). */
  clearCooldown(provider: string, ref: AccountRef): Promise<Account>;
}
