// The accounts snapshot, loaded once at the root, re-read after each mutation and whenever the CCS
// dir changes on disk (CCS, CLIProxyAPI or another ccs-tui editing it).
import {createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode} from 'react';
import type {AccountsSnapshot} from '../../store/accounts.js';
import {useServices} from '../services.js';

export interface AccountsState {
  snapshot?: AccountsSnapshot;
  /** Why the last load failed (the previous snapshot, if any, stays shown). */
  error?: string;
  reload(): Promise<void>;
}

const AccountsContext = createContext<AccountsState | undefined>(undefined);

export function AccountsProvider({children, initial}: {children: ReactNode; initial?: AccountsSnapshot}) {
  const {store, watchCcsDir} = useServices();
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

  useEffect(() => {
    mounted.current = true;
    if (!initial) void reload();
    const stop = watchCcsDir(() => void reload());
    return () => {
      mounted.current = false;
      stop();
    };
  }, [reload, watchCcsDir]);

  return <AccountsContext.Provider value={{...state, reload}}>{children}</AccountsContext.Provider>;
}

export function useAccounts(): AccountsState {
  const value = useContext(AccountsContext);
  if (!value) throw new Error('useAccounts must be used inside the TUI shell');
  return value;
}
