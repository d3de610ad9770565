// What `--provider` and `--account` of a proxy start name, checked before anything else (a running
// proxy, a written record): a name that is no provider or no account of it is bad usage (exit 2),
// whoever starts the proxy (`proxy serve`, `proxy start`, `run`, the TUI).
import {AmbiguousAccountError, accountLabel, accountTrouble, canServeNow, findAccount, findAccountAnywhere} from '../../core/accounts.js';
import {shellCommand} from '../../core/quote.js';
import {quoted, sanitizeLine} from '../../core/sanitize.js';
import {UserError, type ErrorSurface} from '../../core/types.js';
import {actionKey} from '../../core/keymap.js';
import {findProvider, requireProvider, servableAccounts} from '../../providers/table.js';
import type {AccountStore} from '../../store/accounts.js';
import type {Account} from '../../core/types.js';

/**
 * The provider id a proxy start serves (undefined: every provider, by model), from `--provider` (an
 * id or CCS's name for it) and `--account` (without --provider: the one account anywhere that
 * matches). Throws a UserError with exit 2 naming the flag when either names nothing servable.
 */
export async function checkServeTarget(store: AccountStore, target: {provider?: string; account?: string}, refuseUnusable?: {command: string; now: number}): Promise<string | undefined> {
  let provider = target.provider;
  if (provider !== undefined) requireProvider(provider, '--provider');
  provider = provider && findProvider(provider)!.id;
  if (target.account !== undefined && provider === undefined) {
    const snapshot = await store.load();
    const matches = servableAccounts(findAccountAnywhere(snapshot.accounts, snapshot.providers.map((p) => p.provider.id), target.account), target.account);
    if (matches.length !== 1) throw new UserError(matches.length === 0 ? `no account ${quoted(target.account)} (--account)` : `${quoted(target.account)} matches accounts of several providers; add --provider`, 2);
    provider = matches[0]!.provider;
  } else if (target.account !== undefined && provider !== undefined) {
    // Checked here, not first when listening: a name that is no account of the provider is bad
    // usage (exit 2), as it is without --provider, and the flag is named.
    const {accounts} = await store.load();
    try {
      findAccount(accounts, provider, target.account);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      const elsewhere = [...new Set(accounts.filter((a) => a.provider !== provider && accountMatches(accounts, a.provider, target.account!)).map((a) => a.provider))];
      throw new UserError(`--account: ${error.message}${elsewhere.length ? `; ${quoted(target.account)} is ${elsewhere.join(' and ')}'s (--provider ${elsewhere[0]})` : ''}`, 2);
    }
  }
  if (refuseUnusable && target.account !== undefined && provider !== undefined) await refuseUnusableAccount(store, provider, target.account, refuseUnusable);
  return provider;
}

/**
 * Refuses (exit 1) a proxy pinned to an account that cannot serve now (paused, its token file
 * unreadable, needing a login): it would answer every request 503. `ccs-tui run` refuses the same
 * account (services/agents/launch.ts); one cooling down or with a failed refresh still starts, as it
 * serves again by itself. `command`: the start command the pool's way out names (`proxy start`).
 */
async function refuseUnusableAccount(store: AccountStore, provider: string, ref: string, {command, now}: {command: string; now: number}): Promise<void> {
  const {accounts} = await store.load();
  const why = unusablePinnedAccount(accounts, provider, ref, now, `ccs-tui ${command} --provider ${provider}`);
  if (why) throw new UserError(`--account: ${why}`);
}

/**
 * Why account `ref` of `provider`, served alone (pinned), cannot serve now, with the ways out
 * (`pool`: the command that serves the provider's pool instead), or undefined when it can (or no
 * such account is known: the proxy's own answer names that). `id`: the id the proxy took it by
 * (tui/proxy.json accountId), which outlives a rename; with it, an account gone since is said. E.g. "claude account work is paused;
 * resume it: ccs-tui resume claude work, or serve the claude pool: …".
 */
export function unusablePinnedAccount(accounts: readonly Account[], provider: string, ref: string, now: number, pool: string, id?: string, surface: ErrorSurface = 'cli'): string | undefined {
  let account: Account;
  if (id !== undefined) {
    // The account the proxy took (by its id: a rename since leaves it), or gone since.
    const found = accounts.find((a) => a.provider === provider && a.id === id);
    if (!found) return `${provider} account ${sanitizeLine(ref)} is gone (removed, or its token file moved); serve the ${provider} pool: ${pool}`;
    account = found;
  } else {
    try {
      account = findAccount(accounts, provider, ref);
    } catch {
      return undefined;
    }
  }
  if (canServeNow(account, now)) return undefined;
  const own = accounts.filter((a) => a.provider === provider);
  const label = accountLabel(account, own);
  // The TUI's words name its keys (on the accounts screen, where they act), the command line's commands.
  const tui = surface === 'tui';
  const login = tui ? `${actionKey('account.relogin', 'home')} on the accounts screen` : `ccs-tui login ${provider}`;
  const fix = account.paused
    ? `resume it: ${tui ? `${actionKey('account.pause', 'home')} on the accounts screen` : shellCommand('ccs-tui resume', [provider, label])}`
    : account.health === 'unreadable'
      ? `mend that file, or log in again: ${login}`
      : `log in again: ${login}`;
  const instead = own.some((a) => a.id !== account.id && canServeNow(a, now)) ? `, or serve the ${provider} pool: ${pool}` : '';
  return `${provider} account ${sanitizeLine(label)} ${accountTrouble(account, now) ?? 'cannot serve now'}; ${fix}${instead}`;
}

/** Whether `ref` names an account of `provider` (findAccount finds one or several). */
function accountMatches(accounts: Parameters<typeof findAccount>[0], provider: string, ref: string): boolean {
  try {
    findAccount(accounts, provider, ref);
    return true;
  } catch (error) {
    return error instanceof AmbiguousAccountError;
  }
}
