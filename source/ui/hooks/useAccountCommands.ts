// The account actions of the home and detail screens, each one store call whose result or error
// lands in the status line.
import {accountLabel} from '../../core/accounts.js';
import type {Account} from '../../core/types.js';
import {chooseRotationTarget} from '../../services/rotation.js';
import {ACCOUNT_ACTIONS, type AccountActionId} from '../screens/registry.js';
import type {ScreenId, ScreenParams} from '../screen-types.js';
import {useServices} from '../services.js';
import {useShell} from '../shell.js';
import {useAccounts} from './useAccounts.js';

export function useAccountCommands(navigate: (screen: ScreenId, params?: ScreenParams) => void) {
  const services = useServices();
  const {store, paths} = services;
  const {run, confirm, setStatus, dispatch} = useShell();
  const {reload} = useAccounts();
  const noAccount = () => setStatus('no account selected', 'error');

  return {
    makeDefault: (account?: Account) =>
      account
        ? run(async () => {
            await store.setDefault(account.provider, account.id);
            return `${accountLabel(account)} is now the default ${account.provider} account`;
          })
        : noAccount(),
    startRename: (account?: Account) =>
      account ? dispatch({type: 'renameStart', provider: account.provider, accountId: account.id, current: account.nickname ?? ''}) : noAccount(),
    togglePause: (account?: Account) =>
      account
        ? run(async () => {
            await store.setPaused(account.provider, account.id, !account.paused);
            return `${accountLabel(account)} ${account.paused ? 'resumed' : 'paused'}`;
          })
        : noAccount(),
    remove: async (account?: Account): Promise<boolean> => {
      if (!account) return (noAccount(), false);
      const yes = await confirm(`Remove ${account.provider} account ${accountLabel(account)} (deletes its token file)?`);
      if (!yes) {
        setStatus('kept ' + accountLabel(account));
        return false;
      }
      return run(async () => {
        await store.remove(account.provider, account.id);
        return `removed ${account.provider} account ${accountLabel(account)}`;
      });
    },
    rotate: (provider: string) =>
      run(async () => {
        const choose = await chooseRotationTarget(paths, provider);
        const {from, to} = await store.rotate(provider, choose);
        return `${provider}: default ${from ? accountLabel(from) : '(none)'} → ${accountLabel(to)}`;
      }),
    login: (provider: string) => navigate('login', {provider}),
    /** `t`, `s`, `S`, `R`: implemented by other features through screens/registry.ts. */
    external: (id: AccountActionId, provider: string, account?: Account) => {
      const action = ACCOUNT_ACTIONS[id];
      if (!action) return setStatus(`${id} is not available yet`, 'error');
      return run(async () => {
        const result = await action({services, provider, account, setStatus, navigate, reload});
        return typeof result === 'string' ? result : '';
      });
    },
  };
}
