// How screens dispatch actions: key handlers that run the action functions of this folder through
// the shell's runner (status line, reload, navigation). Screens spread these into useScreenKeys.
import type {Account} from '../../core/types.js';
import {UserError} from '../../core/types.js';
import type {KeyHandlers} from '../screen-types.js';
import {useAccounts} from '../hooks/useAccounts.js';
import {useServices} from '../services.js';
import {useShell, type Shell} from '../shell.js';
import {ACCOUNT_ACTIONS, noAccountText, type AccountActionName} from './accounts.js';
import {PROXY_ACTIONS, type ProxyActionContext} from './proxy.js';
import {unavailableReason} from './targets.js';
import {unknownTypeRefusal} from './unknown-type.js';

/** Actions about the provider as a whole: without a provider selected their keys do nothing. */
const PROVIDER_ACTIONS: readonly AccountActionName[] = ['account.rotate', 'account.test', 'account.serve', 'provider.serve', 'quota.refresh', 'account.launch', 'account.native'];

export interface AccountActions {
  /** A handler for every account action key, plus `account.rename` (opens the rename field) and the logins (open the login screen). */
  keys: KeyHandlers;
  /** Runs one account action; resolves true when it did what was asked (false: declined or failed). */
  perform(name: AccountActionName): Promise<boolean>;
  /** The status line for a key pressed with nothing selected. */
  noAccount(): Promise<boolean>;
}

/** The account actions for `provider` (undefined: none selected) and the selected `account`. */
export function useAccountActions(provider: string | undefined, account: Account | undefined): AccountActions {
  const services = useServices();
  const shell = useShell();
  const {run, confirm, dispatch} = shell;
  const siblings = useAccounts().snapshot?.accounts ?? [];
  const perform = (name: AccountActionName) =>
    exclusive(shell, `${name} ${provider ?? ''}/${account?.id ?? ''}`, (progress) =>
      run(() => {
        // A key that cannot work for this provider (a token type ccs-tui does not know), or that the
        // live target does not offer, says why (the action itself is not run).
        const reason = unknownTypeRefusal(provider, name) ?? unavailableReason(services.targets.current.accounts, name);
        if (reason) throw new UserError(reason);
        return ACCOUNT_ACTIONS[name]({services, provider: provider ?? '', account, siblings, confirm, progress});
      }),
    );
  const noAccount = () =>
    run(async () => {
      throw new UserError(noAccountText(provider ?? '', siblings));
    });
  /** Opens the login screen, unless ccs-tui cannot log in to the provider (it says why, and stays). */
  const login = (action: 'account.login' | 'account.relogin', forProvider: string | undefined, accountId?: string) => {
    const refusal = unknownTypeRefusal(forProvider, action);
    if (refusal) return run(async () => {
      throw new UserError(refusal);
    });
    // Adding an account asks which provider first (the highlighted one preselected); a login again is its account's.
    dispatch({type: 'navigate', screen: 'login', params: {...(forProvider !== undefined ? {provider: forProvider} : {}), ...(accountId ? {accountId} : {}), ...(action === 'account.login' ? {pick: 'provider'} : {})}});
  };
  const keys: KeyHandlers = {
    'account.rename': () =>
      account ? dispatch({type: 'renameStart', provider: account.provider, accountId: account.id, tokenFile: account.tokenFile, current: account.nickname ?? ''}) : noAccount(),
    // With no provider highlighted too: the picker asks which.
    'account.login': () => login('account.login', provider),
    // Like `gh auth refresh`: the login screen for this account; the new tokens replace its token file.
    'account.relogin': () => (account ? login('account.relogin', account.provider, account.id) : noAccount()),
  };
  for (const name of Object.keys(ACCOUNT_ACTIONS) as AccountActionName[]) {
    keys[name] = () => (provider === undefined && PROVIDER_ACTIONS.includes(name) ? undefined : perform(name));
  }
  return {keys, perform, noAccount};
}

/** Key handlers for the proxy screen's actions, given what the screen shows. */
export function useProxyActions(context: Omit<ProxyActionContext, 'services' | 'progress' | 'confirm'>): KeyHandlers {
  const services = useServices();
  const shell = useShell();
  const keys: KeyHandlers = {};
  for (const [name, action] of Object.entries(PROXY_ACTIONS)) {
    keys[name as keyof typeof PROXY_ACTIONS] = () =>
      exclusive(shell, name, (progress) =>
        shell.run(async () => {
          const reason = unavailableReason(services.targets.current.accounts, name as keyof typeof PROXY_ACTIONS);
          if (reason) throw new UserError(reason);
          return action({services, progress, confirm: shell.confirm, ...context});
        }),
      );
  }
  return keys;
}

/**
 * Runs an action as operation `key`: its progress stays on the status line while it runs (past a
 * message's expiry), and the same key pressed meanwhile says it is under way instead of starting it twice.
 */
function exclusive(shell: Shell, key: string, work: (progress: (text: string) => void) => Promise<boolean>): Promise<boolean> {
  const operation = shell.begin(key);
  if (!operation) {
    shell.setStatus(`already under way: ${shell.busyText(key) ?? 'the same action'}`, 'info');
    return Promise.resolve(false);
  }
  return work(operation.progress).finally(operation.end);
}
