// What `--provider` and `--account` of a proxy start name, checked before anything else (a running
// proxy, a written record): a name that is no provider or no account of it is bad usage (exit 2),
// whoever starts the proxy (`proxy serve`, `proxy start`, `run`, the TUI).
import {AmbiguousAccountError, accountLabel, accountTrouble, canServeNow, findAccount, findAccountAnywhere} from '../../core/accounts.js';
import {shellWord} from '../../core/quote.js';
import {quoted, sanitizeLine} from '../../core/sanitize.js';
import {UserError} from '../../core/types.js';
import {findProvider, requireProvider, servableAccounts} from '../../providers/table.js';
import type {AccountStore} from '../../store/accounts.js';

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
  const account = findAccount(accounts, provider, ref);
  if (canServeNow(account, now)) return;
  const own = accounts.filter((a) => a.provider === provider);
  const label = accountLabel(account, own);
  const fix = account.paused
    ? `resume it: ccs-tui resume ${provider} ${shellWord(sanitizeLine(label))}`
    : account.health === 'unreadable'
      ? `mend that file, or log in again: ccs-tui login ${provider}`
      : `log in again: ccs-tui login ${provider}`;
  const pool = own.some((a) => a.id !== account.id && canServeNow(a, now)) ? `, or serve the ${provider} pool: ccs-tui ${command} --provider ${provider}` : '';
  throw new UserError(`--account: ${provider} account ${sanitizeLine(label)} ${accountTrouble(account, now) ?? 'cannot serve now'}; ${fix}${pool}`);
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
