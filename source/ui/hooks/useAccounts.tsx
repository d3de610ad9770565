// The accounts snapshot of the live target, loaded once at the root, re-read after each mutation,
// whenever the accounts change outside (the CCS dir on disk, edited by CCS, CLIProxyAPI or another
// ccs-tui; a remote target is re-read every 15 s) and when the person switches targets.
import {createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode} from 'react';
import type {AccountsSnapshot} from '../../store/accounts.js';
import {useTarget} from './useTarget.js';

export interface AccountsState {
  snapshot?: AccountsSnapshot;
  /** Why the last load failed (the previous snapshot, if any, stays shown). */
  error?: string;
  reload(): Promise<void>;
}

const AccountsContext = createContext<AccountsState | undefined>(undefined);

export function AccountsProvider({children, initial}: {children: ReactNode; initial?: AccountsSnapshot}) {
  const target = useTarget();
  const store = target.accounts;
  const [state, setState] = useState<{snapshot?: AccountsSnapshot; error?: string}>({snapshot: initial});
  const generation = useRef(0);
  const mounted = useRef(true);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const snapshot = await store.load();
      // A slower, older load must not overwrite a newer one.
      if (mounted.current && mine === generation.current) setState({snapshot});
    } catch (error) {
      if (mounted.current && mine === generation.current) setState((s) => ({...s, error: (error as Error).message}));
    }
  }, [store]);

  const first = useRef(true);
  useEffect(() => {
    mounted.current = true;
    // The snapshot read before mounting is the first target's; a switch loads the new one.
    if (!initial || !first.current) void reload();
    first.current = false;
    const stop = target.watch(() => void reload());
    return () => {
      mounted.current = false;
      stop();
    };
  }, [reload, target]);

  return <AccountsContext.Provider value={{...state, reload}}>{children}</AccountsContext.Provider>;
}

export function useAccounts(): AccountsState {
  const value = useContext(AccountsContext);
  if (!value) throw new Error('useAccounts must be used inside the TUI shell');
  return value;
}
