// What `--provider` and `--account` of a proxy start name, checked before anything else (a running
// proxy, a written record): a name that is no provider or no account of it is bad usage (exit 2),
// whoever starts the proxy (`proxy serve`, `proxy start`, `run`, the TUI).
import {AmbiguousAccountError, findAccount, findAccountAnywhere} from '../../core/accounts.js';
import {quoted} from '../../core/sanitize.js';
import {UserError} from '../../core/types.js';
import {findProvider, requireProvider, servableAccounts} from '../../providers/table.js';
import type {AccountStore} from '../../store/accounts.js';

/**
 * The provider id a proxy start serves (undefined: every provider, by model), from `--provider` (an
 * id or CCS's name for it) and `--account` (without --provider: the one account anywhere that
 * matches). Throws a UserError with exit 2 naming the flag when either names nothing servable.
 */
export async function checkServeTarget(store: AccountStore, target: {provider?: string; account?: string}): Promise<string | undefined> {
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
  return provider;
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
