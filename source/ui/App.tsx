// The root of the TUI: providers for services, size, theme and keys; the reducer; the ONE useInput
// dispatcher; the chrome (title, banner, status line, hint bar) around the routed screen.
import {sanitizeText} from '../core/sanitize.js';
import {credentialRedactor} from '../services/credential-redactor.js';
import {Box, useApp, useInput} from 'ink';
import {useCallback, useContext, useMemo, useReducer, useRef, type ReactNode} from 'react';
import {accountLabel} from '../core/accounts.js';
import {appReducer, currentRoute, initialAppState, type AppState, type Route, type StatusKind} from '../core/app-state.js';
import {keyName, type RawKey} from '../core/key-names.js';
import {actionForKey, type KeyAction, type KeyScope} from '../core/keymap.js';
import {Banner, bannerLines, HelpOverlay, HintBar, MIN_COLUMNS, MIN_ROWS, StatusLine, TitleBar, TooSmall} from './components/Chrome.js';
import {AccountsProvider, useAccounts} from './hooks/useAccounts.js';
import type {AccountsSnapshot} from '../store/accounts.js';
import {SizeContext, useTerminalSize} from './hooks/useTerminalSize.js';
import {createKeyRegistry, KeyRegistryContext, topScreenHandlers, topTextHandler} from './keys.js';
import {routeScopes, ScreenView, screenSpec, tabOf} from './router.js';
import {ServicesContext, useServices, type AppServices} from './services.js';
import {ShellContext, type Shell} from './shell.js';
import type {SizeSource} from './terminal.js';
import {describeError} from './errors.js';
import {makeTheme, ThemeContext} from './theme.js';

export interface AppProps {
  services: AppServices;
  size: SizeSource;
  initialRoute?: Route;
  /** Accounts read before mounting, so the first frame already shows them. */
  initialAccounts?: AccountsSnapshot;
}

export function App({services, size, initialRoute, initialAccounts}: AppProps) {
  const theme = useMemo(() => makeTheme(services.env), [services.env]);
  const registry = useMemo(createKeyRegistry, []);
  return (
    <ServicesContext.Provider value={services}>
      <SizeContext.Provider value={size}>
        <ThemeContext.Provider value={theme}>
          <KeyRegistryContext.Provider value={registry}>
            <AccountsProvider initial={initialAccounts}>
              <Root initialRoute={initialRoute} />
            </AccountsProvider>
          </KeyRegistryContext.Provider>
        </ThemeContext.Provider>
      </SizeContext.Provider>
    </ServicesContext.Provider>
  );
}

/** Up to this many characters in one read are separate key presses; more is a paste. */
const MAX_COALESCED_KEYS = 8;

const SCREEN_KEYS: Partial<Record<KeyAction, Route['screen']>> = {
  'screen.quota': 'quota',
  'screen.models': 'models',
  'screen.proxy': 'proxy',
};

function Root({initialRoute}: {initialRoute?: Route}) {
  const {exit} = useApp();
  const services = useServices();
  const registry = useKeyRegistry();
  const accounts = useAccounts();
  const {columns, rows} = useTerminalSize();
  const [state, dispatch] = useReducer(appReducer, initialRoute, initialAppState);
  const latest = useRef<AppState>(state);
  latest.current = state;
  const pendingConfirm = useRef<((yes: boolean) => void) | undefined>(undefined);

  // Status lines quote errors from servers and files: credentials masked, escapes stripped (issue 11).
  const setStatus = useCallback(
    (text: string, kind?: StatusKind) => dispatch({type: 'status', text: sanitizeText(credentialRedactor(services.paths).redact(text)), kind}),
    [services.paths],
  );
  const shell: Shell = useMemo(
    () => ({
      state,
      dispatch,
      setStatus,
      confirm: (prompt) =>
        new Promise<boolean>((resolve) => {
          pendingConfirm.current?.(false);
          pendingConfirm.current = resolve;
          dispatch({type: 'confirmOpen', prompt});
        }),
      run: async (task) => {
        // Reload before reporting, so the message and the list it talks about appear together.
        try {
          const text = await task();
          await accounts.reload();
          if (text) setStatus(text, 'ok');
          return true;
        } catch (error) {
          await accounts.reload();
          setStatus(describeError(error), 'error');
          return false;
        }
      },
    }),
    [state, setStatus, accounts.reload],
  );
  const shellRef = useRef(shell);
  shellRef.current = shell;

  const answerConfirm = (yes: boolean) => {
    const resolve = pendingConfirm.current;
    pendingConfirm.current = undefined;
    dispatch({type: 'closeModal'});
    resolve?.(yes);
  };

  const submitRename = (provider: string, accountId: string, nickname: string) => {
    void shellRef.current
      .run(async () => {
        const renamed = await services.store.rename(provider, accountId, nickname);
        return `renamed to ${accountLabel(renamed)}`;
      })
      .then((ok) => ok && dispatch({type: 'closeModal'}));
  };

  const route = currentRoute(state);
  const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
  const scopes: KeyScope[] = state.modal?.kind === 'confirm' ? ['confirm'] : routeScopes(route);

  // The one input dispatcher. Order: Ctrl-C; too-small screen; confirm; text fields (filter, rename,
  // a focused TextField); the keymap action, first to the screen's handlers, then to the shell.
  const handleKey = (input: string, key: RawKey) => {
    const name = keyName(input, key);
    const current = latest.current;
    if (name === 'ctrl+c') return exit();
    if (tooSmall) {
      if (actionForKey(name, ['global']) === 'quit') exit();
      return;
    }
    if (current.modal?.kind === 'confirm') {
      const action = actionForKey(name, ['confirm']);
      if (action === 'confirm.yes') answerConfirm(true);
      else if (action === 'confirm.no') answerConfirm(false);
      return;
    }
    if (current.modal?.kind === 'rename') {
      if (name === 'enter') submitRename(current.modal.provider, current.modal.accountId, current.modal.draft.text);
      else dispatch({type: 'renameKey', input, key: name});
      return;
    }
    if (current.filterEditing) return dispatch({type: 'filterKey', input, key: name});
    const text = topTextHandler(registry);
    if (text) return text(input, name);
    // Keys that arrived in one read (a held key, or typing over a laggy SSH link) are pressed one
    // at a time, each after the previous one's frame; a longer run is a paste and means nothing here.
    if (name === 'paste') {
      const [first, ...rest] = [...input];
      if (rest.length >= MAX_COALESCED_KEYS) return;
      handleKey(first!, {});
      if (rest.length > 0) services.clock.setTimeout(() => handleKeyRef.current(rest.join(''), {}), 0);
      return;
    }

    const action = actionForKey(name, routeScopes(currentRoute(current)));
    if (!action) return;
    if (current.modal?.kind === 'help') {
      if (action === 'help' || action === 'back') dispatch({type: 'closeModal'});
      else if (action === 'quit') exit();
      return;
    }
    const handler = topScreenHandlers(registry)?.[action];
    if (handler) {
      const result = handler();
      if (result instanceof Promise) result.catch((error) => setStatus(describeError(error), 'error'));
      if (result !== false) return;
    }
    if (action === 'quit') return exit();
    if (action === 'help') return dispatch({type: 'toggleHelp'});
    if (action === 'back') return dispatch({type: 'escape'});
    if (action === 'screen.accounts') return dispatch({type: 'reset'});
    const screen = SCREEN_KEYS[action];
    if (screen) return dispatch({type: 'reset', route: {screen, params: {}}});
  };
  const handleKeyRef = useRef(handleKey);
  handleKeyRef.current = handleKey;
  useInput(handleKey);

  if (tooSmall) return <TooSmall columns={columns} rows={rows} />;

  const snapshot = accounts.snapshot;
  const problems = [
    ...(accounts.error ? [`cannot read the accounts: ${accounts.error}`] : []),
    ...(snapshot?.problems ?? []).map((p) => `${p.message.includes(p.file) ? '' : `${p.file}: `}${p.message}${p.backup ? ` (backup: ${p.backup})` : ''}`),
  ].map((line) => line.split(`${services.paths.root}/`).join(''));
  const banner = bannerLines(problems, columns);
  const bodyHeight = rows - 3 - banner.length;
  const counts = snapshot
    ? `${snapshot.accounts.length} accounts · ${snapshot.providers.filter((p) => p.accounts.length > 0).length}/${snapshot.providers.length} providers`
    : 'loading…';
  const confirmPrompt = state.modal?.kind === 'confirm' ? state.modal.prompt : undefined;

  let body: ReactNode;
  if (state.modal?.kind === 'help') body = <HelpOverlay width={columns} height={bodyHeight} scopes={routeScopes(route)} />;
  else
    body = (
      <ScreenView
        route={route}
        width={columns}
        height={bodyHeight}
        navigate={(screen, params) => dispatch({type: 'navigate', screen, params})}
        back={() => dispatch({type: 'pop'})}
        setStatus={setStatus}
        confirm={shell.confirm}
      />
    );

  return (
    <ShellContext.Provider value={shell}>
      <Box flexDirection="column" width={columns} height={rows}>
        <TitleBar title={screenSpec(route.screen).title} width={columns} activeTab={tabOf(route)} />
        {banner.length > 0 ? <Banner width={columns} lines={banner} /> : null}
        <Box height={bodyHeight} width={columns} flexDirection="column">
          {body}
        </Box>
        <StatusLine
          width={columns}
          counts={counts}
          dir={services.paths.root}
          message={confirmPrompt ? {text: `${confirmPrompt} [y/N]`, kind: 'info'} : state.status}
          emphasize={Boolean(confirmPrompt)}
        />
        <HintBar width={columns} scopes={scopes} />
      </Box>
    </ShellContext.Provider>
  );
}

function useKeyRegistry() {
  const registry = useContext(KeyRegistryContext);
  if (!registry) throw new Error('missing key registry');
  return registry;
}
