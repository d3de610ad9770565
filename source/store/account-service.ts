// What the command line (and, for the same operations, the TUI) needs from "where the accounts
// are": the local files (AccountStore) or a remote CLIProxyAPI server (services/remote). Both
// return the same Account shapes, so `accounts --json` is the same for every target.
import type {Account} from '../core/types.js';
import type {ProviderRow} from '../providers/table.js';

export interface StoreProblem {
  file: string;
  message: string;
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

export interface AccountService {
  /** Where the accounts live, for messages: the CCS dir, or `target team (https://…)`. */
  readonly location: string;
  load(): Promise<AccountsSnapshot>;
  /** Makes the account its provider's default (local only: a CLIProxyAPI server has no default). */
  setDefault(provider: string, ref: string): Promise<Account>;
  /** Sets the nickname (on a server: the auth file's `note`). */
  rename(provider: string, ref: string, nickname: string): Promise<Account>;
  /** Pauses or resumes (on a server: `disabled`). */
  setPaused(provider: string, ref: string, paused: boolean): Promise<Account>;
  /** Removes the account and its token file. */
  remove(provider: string, ref: string): Promise<Account>;
}
