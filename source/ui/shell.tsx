// What the shell's own screens (home, detail, quota) share with the root: the reducer state, the
// confirm prompt and the runner of actions (actions/). Feature screens use ScreenProps instead.
import {createContext, useCallback, useContext, useMemo, useRef, type Dispatch} from 'react';
import type {AppAction, AppState, StatusKind} from '../core/app-state.js';
import {sanitizeText} from '../core/sanitize.js';
import {credentialRedactor} from '../services/credential-redactor.js';
import {runAction, type ActionResult} from './actions/result.js';
import {useServices} from './services.js';

export interface Shell {
  state: AppState;
  dispatch: Dispatch<AppAction>;
  setStatus(text: string, kind?: StatusKind): void;
  confirm(prompt: string): Promise<boolean>;
  /**
   * Runs an action (actions/): its result text goes to the status line, its error (UserError,
   * corrupt file, permissions) too; then its `navigate`. Reloads the accounts either way. Resolves
   * true when the action did what was asked.
   */
  run(task: () => Promise<ActionResult | string>): Promise<boolean>;
}

export const ShellContext = createContext<Shell | undefined>(undefined);

export function useShell(): Shell {
  const shell = useContext(ShellContext);
  if (!shell) throw new Error('useShell must be used inside the TUI shell');
  return shell;
}

/** Builds the root's Shell; `answerConfirm` resolves the open confirm prompt (the key dispatcher calls it). */
export function useShellValue(state: AppState, dispatch: Dispatch<AppAction>, reload: () => Promise<void>): {shell: Shell; answerConfirm(yes: boolean): void} {
  const pendingConfirm = useRef<((yes: boolean) => void) | undefined>(undefined);
  const {paths} = useServices();
  // Status lines quote errors from servers and files: credentials masked, escapes stripped (issue 11).
  const setStatus = useCallback(
    (text: string, kind?: StatusKind) => dispatch({type: 'status', text: sanitizeText(credentialRedactor(paths).redact(text)), kind}),
    [dispatch, paths],
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
      run: (task) => runAction(task, {setStatus, reload, navigate: ({screen, params}) => dispatch({type: 'navigate', screen, params})}),
    }),
    [state, dispatch, setStatus, reload],
  );
  const answerConfirm = (yes: boolean) => {
    const resolve = pendingConfirm.current;
    pendingConfirm.current = undefined;
    dispatch({type: 'closeModal'});
    resolve?.(yes);
  };
  return {shell, answerConfirm};
}
