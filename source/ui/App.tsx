// The root of the TUI: providers for services, size, theme and keys; the reducer; the shell (status
// line, confirm prompt, action runner); the one key dispatcher; the frame around the routed screen.
// Which layer gets a key: core/key-routing.ts. What an action does: actions/. Drawing: frame.tsx.
import {useCallback, useLayoutEffect, useMemo, useReducer, useRef, type Dispatch} from 'react';
import {appReducer, initialAppState, type AppAction, type AppState, type Route} from '../core/app-state.js';
import {MIN_COLUMNS, MIN_ROWS, TooSmall} from './components/Chrome.js';
import {useKeyDispatcher} from './dispatcher.js';
import {Frame} from './frame.js';
import {HintsProvider} from './hints.js';
import {AccountsProvider, useAccounts} from './hooks/useAccounts.js';
import type {AccountsSnapshot} from '../store/accounts.js';
import {SizeContext, useTerminalSize} from './hooks/useTerminalSize.js';
import {createKeyRegistry, KeyCommitMark, KeyRegistryContext, routeOwner, topTextHandler, useKeyRegistry} from './keys.js';
import {quitsWhenTooSmall} from '../core/key-routing.js';
import {actionKey} from '../core/keymap.js';
import {ServicesContext, useServices, type AppServices} from './services.js';
import {ShellContext, useShellValue} from './shell.js';
import type {SizeSource} from './terminal.js';
import {makeTheme, ThemeContext} from './theme.js';

export interface AppProps {
  services: AppServices;
  size: SizeSource;
  initialRoute?: Route;
  /** Accounts read before mounting, so the first frame already shows them. */
  initialAccounts?: AccountsSnapshot;
  /** initialAccounts is the last TUI's snapshot (store/snapshot-cache.ts): the files are read right after the first frame. */
  initialFromCache?: boolean;
}

export function App({services, size, initialRoute, initialAccounts, initialFromCache}: AppProps) {
  const theme = useMemo(() => makeTheme(services.env), [services.env]);
  const registry = useMemo(createKeyRegistry, []);
  return (
    <ServicesContext.Provider value={services}>
      <SizeContext.Provider value={size}>
        <ThemeContext.Provider value={theme}>
          <KeyRegistryContext.Provider value={registry}>
            <AccountsProvider initial={initialAccounts} initialFromCache={initialFromCache}>
              <HintsProvider>
                <Root initialRoute={initialRoute} />
              </HintsProvider>
            </AccountsProvider>
          </KeyRegistryContext.Provider>
        </ThemeContext.Provider>
      </SizeContext.Provider>
    </ServicesContext.Provider>
  );
}

/** How long a status message stays on the status line (the `M` log keeps every one). */
export const STATUS_SECONDS = {info: 10, ok: 10, error: 30} as const;

function useStatusExpiry(status: AppState['status'], dispatch: Dispatch<AppAction>): void {
  const {clock} = useServices();
  // A layout effect: the time starts with the commit that shows the message, not whenever React
  // gets to its passive effects (a later commit, or a scheduler task).
  useLayoutEffect(() => {
    if (!status) return;
    const id = status.id;
    return clock.setTimeout(() => dispatch({type: 'clearStatus', id}), STATUS_SECONDS[status.kind] * 1000);
  }, [status?.id, clock, dispatch]);
}

function Root({initialRoute}: {initialRoute?: Route}) {
  const {reload} = useAccounts();
  const {columns, rows} = useTerminalSize();
  const [state, reactDispatch] = useReducer(appReducer, initialRoute, initialAppState);
  // The state as of the last action, before React renders it: the key dispatcher routes by it, so a
  // key read right after one that navigated already belongs to the new route. A render has applied
  // every action dispatched before it.
  const live = useRef(state);
  live.current = state;
  const dispatch = useCallback((action: AppAction) => {
    live.current = appReducer(live.current, action);
    reactDispatch(action);
  }, []);
  const {shell, answerConfirm} = useShellValue(state, dispatch, reload);
  const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
  useKeyDispatcher({state, live, shell, answerConfirm, tooSmall});
  // Whether `q` quits there, as the dispatcher will find it (no key changes focus while too small).
  const registry = useKeyRegistry();
  const quitKey = tooSmall && quitsWhenTooSmall({modal: state.modal?.kind, filterEditing: state.filterEditing !== undefined, textFocused: topTextHandler(registry, routeOwner(state)) !== undefined}) ? actionKey('quit') : undefined;
  useStatusExpiry(state.status, dispatch);

  // While the terminal is too small the frame stays mounted, hidden at its last usable size, so a
  // resize never restarts a screen (a login keeps its session).
  const lastFit = useRef({columns: Math.max(columns, MIN_COLUMNS), rows: Math.max(rows, MIN_ROWS)});
  if (!tooSmall) lastFit.current = {columns, rows};
  const fit = lastFit.current;
  return (
    <ShellContext.Provider value={shell}>
      <Frame state={state} shell={shell} columns={fit.columns} rows={fit.rows} hidden={tooSmall} />
      <KeyCommitMark />
      {tooSmall ? <TooSmall columns={columns} rows={rows} asking={state.modal?.kind === 'confirm'} quitKey={quitKey} /> : null}
    </ShellContext.Provider>
  );
}
