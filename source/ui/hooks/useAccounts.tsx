// The accounts snapshot of the live target, loaded once at the root, re-read after each mutation,
// whenever the accounts change outside (the CCS dir on disk, edited by CCS, CLIProxyAPI or another
// ccs-tui; a remote target is re-read every 15 s) and when the person switches targets.
import {createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode} from 'react';
import type {Account} from '../../core/types.js';
import type {AccountsSnapshot} from '../../store/accounts.js';
import {useTarget} from './useTarget.js';
import {whenInputQuiet} from '../input-priority.js';

export interface AccountsState {
  snapshot?: AccountsSnapshot;
  /** Why the last load failed (the previous snapshot, if any, stays shown). */
  error?: string;
  reload(): Promise<void>;
}

const AccountsContext = createContext<AccountsState | undefined>(undefined);

type Loaded = Pick<AccountsState, 'snapshot' | 'error'>;

/**
 * Real milliseconds between two re-reads for changes heard on disk. A quota poll of 1,000 accounts
 * refreshes a token every few hundred ms, and each re-read reads every token file: at most one a
 * second, the last change always read. Real time, not the clock service: this paces CPU.
 */
const WATCH_RELOAD_EVERY_MS = 1000;

/**
 * `initial`: the accounts read before mounting; `initialFromCache`: they are the last TUI's snapshot
 * (store/snapshot-cache.ts), so the files are read at once after the first frame is out.
 */
export function AccountsProvider({children, initial, initialFromCache = false}: {children: ReactNode; initial?: AccountsSnapshot; initialFromCache?: boolean}) {
  const target = useTarget();
  const store = target.accounts;
  const [state, setState] = useState<Loaded>({snapshot: initial});
  /** What was last handed to setState: a re-read of a few changed files starts from its snapshot. */
  const latest = useRef<Loaded>(state);
  const generation = useRef(0);
  /** The generation of the newest load shown so far. */
  const shown = useRef(0);
  const mounted = useRef(true);
  const liveStore = useRef(store);
  liveStore.current = store;

  /** `changed`: only these files changed since the snapshot shown (from the watch); absent: read everything. */
  const reload = useCallback(async (changed?: ReadonlySet<string>): Promise<void> => {
    const mine = ++generation.current;
    // A slower, older load never overwrites a newer one, and a switched-away target's is dropped. A
    // load is shown even when a newer one has started but not finished: whoever awaited it (an
    // action, before its status line) sees at least what was on disk when it started.
    const show = (update: (s: Loaded) => Loaded) => {
      if (!mounted.current || mine < shown.current || liveStore.current !== store) return;
      shown.current = mine;
      latest.current = update(latest.current);
      setState(latest.current);
    };
    try {
      const base = latest.current.snapshot;
      if (changed && base && store.loadChanged) {
        const patched = await store.loadChanged(base, changed);
        // Patched onto what was shown when it started: if another read was shown since, read everything.
        if (latest.current.snapshot !== base) return reload();
        show((s) => ({snapshot: keepUnchanged(s.snapshot!, patched)}));
        return;
      }
      const loaded = await store.load();
      show((s) => ({snapshot: s.snapshot ? keepUnchanged(s.snapshot, loaded) : loaded}));
    } catch (error) {
      show((s) => ({...s, error: (error as Error).message}));
    }
  }, [store]);

  const first = useRef(true);
  useEffect(() => {
    mounted.current = true;
    // The snapshot read before mounting is the first target's; a switch loads the new one. One from
    // the cache is read again once the first frame is out (a timer: after Ink's write of it).
    let readAfterFirstFrame: NodeJS.Timeout | undefined;
    if (!initial || !first.current) void reload();
    else if (initialFromCache) readAfterFirstFrame = setTimeout(() => void reload(), 0);
    first.current = false;
    let lastAt = -Infinity;
    let pending: NodeJS.Timeout | undefined;
    let cancelWait: (() => void) | undefined;
    let waiting = false;
    // The files heard changing since the last re-read (undefined: something unnamed changed, read everything).
    let heard: Set<string> | undefined = new Set();
    const reloadNow = () => {
      pending = undefined;
      lastAt = performance.now();
      // Not while keys come in (input-priority.ts): a held key is not queued behind the re-read. One
      // re-read waiting is enough: it takes every file heard until it runs.
      if (waiting) return;
      waiting = true;
      cancelWait = whenInputQuiet(() => {
        waiting = false;
        const changed = heard;
        heard = new Set();
        void reload(changed);
      });
    };
    const stop = target.watch((changed) => {
      if (!changed) heard = undefined;
      else if (heard) for (const file of changed) heard.add(file);
      if (pending) return;
      const wait = lastAt + WATCH_RELOAD_EVERY_MS - performance.now();
      if (wait <= 0) reloadNow();
      else pending = setTimeout(reloadNow, wait);
    });
    return () => {
      mounted.current = false;
      clearTimeout(readAfterFirstFrame);
      clearTimeout(pending);
      cancelWait?.();
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

/**
 * `next` with every account, and every provider's list, that did not change replaced by `previous`'s
 * object: a reload after one token file changed (a refresh during a poll) re-renders that one row,
 * not all of them (rows are memoised by identity).
 */
export function keepUnchanged(previous: AccountsSnapshot, next: AccountsSnapshot): AccountsSnapshot {
  const before = new Map(previous.accounts.map((a) => [`${a.provider}\u0000${a.id}`, a] as const));
  const same = (a: Account) => {
    const old = before.get(`${a.provider}\u0000${a.id}`);
    // loadChanged keeps every account it did not read again: those need no field-by-field look.
    return old && (old === a || sameFields(old, a)) ? old : a;
  };
  const accounts = next.accounts.map(same);
  const byAccount = new Map(next.accounts.map((a, i) => [a, accounts[i]!] as const));
  const oldProviders = new Map(previous.providers.map((p) => [p.provider.id, p] as const));
  const providers = next.providers.map((entry) => {
    const list = entry.accounts.map((a) => byAccount.get(a) ?? same(a));
    const old = oldProviders.get(entry.provider.id);
    if (old && old.accounts.length === list.length && old.accounts.every((a, i) => a === list[i])) return old;
    return {...entry, accounts: list};
  });
  return {...next, accounts, providers};
}

/**
 * Same fields, compared one by one (an Account's are strings and flags; a nested value is compared
 * as JSON). An absent field equals an undefined one, as in JSON. A field-by-field check instead of
 * stringifying both: a reload compares every account, 1,000 of them.
 */
function sameFields(a: Account, b: Account): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  const same = (p: unknown, q: unknown) => p === q || (typeof p === 'object' && typeof q === 'object' && p !== null && q !== null && JSON.stringify(p) === JSON.stringify(q));
  for (const key of Object.keys(x)) if (!same(x[key], y[key])) return false;
  for (const key of Object.keys(y)) if (!Object.hasOwn(x, key) && y[key] !== undefined) return false;
  return true;
}
