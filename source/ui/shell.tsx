// What the shell's own screens (home, detail, quota) share with the root: the reducer state, the
// confirm prompt and the runner of actions (actions/). Feature screens use ScreenProps instead.
import {createContext, useCallback, useContext, useEffect, useMemo, useRef, type Dispatch} from 'react';
import {currentRoute, type AppAction, type AppState, type ConfirmChoice, type StatusKind} from '../core/app-state.js';
import {keysOf, type KeyAction, type KeyScope} from '../core/keymap.js';
import {sanitizeText} from '../core/sanitize.js';
import {credentialRedactor} from '../services/credential-redactor.js';
import {SHOWN_TEXT} from '../core/redact.js';
import {onLockWait} from '../store/lock-wait.js';
import {runAction, type ActionResult} from './actions/result.js';
import {useServices} from './services.js';

/**
 * A y/N question: its text, or a function that says it as it holds now. A function is read again
 * every QUESTION_RECHECK_MS while the question is open, and the question redrawn when its text
 * changed (the agents a quit would leave without a proxy ended meanwhile).
 */
export type Question = string | (() => string);

/** How often an open Question given as a function is read again (ms): what it reads is small (agents.json). */
export const QUESTION_RECHECK_MS = 1000;

export interface Shell {
  state: AppState;
  dispatch: Dispatch<AppAction>;
  setStatus(text: string, kind?: StatusKind): void;
  confirm(prompt: Question): Promise<boolean>;
  /**
   * A y/N prompt with more answers, each the keymap's key for an action where it is asked (`s` for
   * `rules.save` in `models`): resolves 'yes', 'no' or the chosen action.
   */
  ask(prompt: Question, choices: ReadonlyArray<{action: KeyAction; scope: KeyScope; label: string}>): Promise<'yes' | 'no' | KeyAction>;
  /**
   * Runs an action (actions/): its result text goes to the status line, its error (UserError,
   * corrupt file, permissions) too; then its `navigate`. Reloads the accounts either way. Resolves
   * true when the action did what was asked.
   */
  run(task: () => Promise<ActionResult | string>): Promise<boolean>;
  /**
   * Starts operation `key` (e.g. `account.test claude/bob`): undefined when it is already under way
   * (say so rather than start it twice). `progress(text)` shows it on the status line until `end()`,
   * past the message's expiry.
   */
  begin(key: string): {progress(text: string): void; end(): void} | undefined;
  /** What operation `key` last said it is doing, while it runs. */
  busyText(key: string): string | undefined;
}

export const ShellContext = createContext<Shell | undefined>(undefined);

export function useShell(): Shell {
  const shell = useContext(ShellContext);
  if (!shell) throw new Error('useShell must be used inside the TUI shell');
  return shell;
}

/** Builds the root's Shell; `answerConfirm` resolves the open confirm prompt (the key dispatcher calls it). */
export function useShellValue(state: AppState, dispatch: Dispatch<AppAction>, reload: () => Promise<void>): {shell: Shell; answerConfirm(answer: 'yes' | 'no' | KeyAction): void} {
  const pendingConfirm = useRef<((answer: 'yes' | 'no' | KeyAction) => void) | undefined>(undefined);
  // Synchronous, so a second key pressed before the next render already finds the operation.
  const busy = useRef(new Map<string, {id: number; text?: string}>());
  const nextBusyId = useRef(1);
  const services = useServices();
  const {paths, clock} = services;
  /** Stops rereading the open question (a Question given as a function). */
  const stopRecheck = useRef<(() => void) | undefined>(undefined);
  useEffect(() => () => stopRecheck.current?.(), []);
  // Where the person is now, read when an action ends: one that opens a screen (S, s, t's advice) does
  // not pull them back if they went elsewhere while it ran (k9s, lazygit: the last key wins).
  const whereNow = useRef('');
  whereNow.current = routeKey(state);
  // Status lines quote errors from servers and files: credentials masked, escapes stripped (issue 11).
  const setStatus = useCallback(
    (text: string, kind?: StatusKind) => dispatch({type: 'status', text: sanitizeText(credentialRedactor(paths).redact(text, SHOWN_TEXT)), kind}),
    [dispatch, paths],
  );
  // A change waiting for a lock another process holds (a CCS command, another ccs-tui) says so: the
  // field or key that made it would otherwise look stuck (store/lock-wait.ts).
  useEffect(() => {
    const before = onLockWait((message) => setStatus(message, 'info'));
    return () => void onLockWait(before);
  }, [setStatus]);
  // This TUI's proxy stopped from outside (`ccs-tui proxy stop`, another TUI): said at once, where
  // `proxy running on port …` from its start may still stand (the proxy screen says it too).
  useEffect(() => {
    let stoppedBy = services.proxy?.current.stoppedBy;
    return services.proxy?.subscribe((proxy) => {
      if (proxy.stoppedBy !== undefined && proxy.stoppedBy !== stoppedBy) setStatus(`proxy ${proxy.stoppedBy}`, 'info');
      stoppedBy = proxy.stoppedBy;
    });
  }, [services.proxy, setStatus]);
  const ask = (question: Question, wanted: ReadonlyArray<{action: KeyAction; scope: KeyScope; label: string}>) =>
    new Promise<'yes' | 'no' | KeyAction>((resolve) => {
      pendingConfirm.current?.('no');
      stopRecheck.current?.();
      stopRecheck.current = undefined;
      pendingConfirm.current = resolve;
      const choices: ConfirmChoice[] = wanted.map(({action, scope, label}) => ({action, label, key: keysOf(action, scope)[0]!}));
      let prompt = typeof question === 'string' ? question : question();
      dispatch({type: 'confirmOpen', prompt, choices});
      if (typeof question === 'string') return;
      const recheck = () => {
        stopRecheck.current = clock.setTimeout(() => {
          if (pendingConfirm.current !== resolve) return;
          const now = question();
          if (now !== prompt) dispatch({type: 'confirmReword', prompt: (prompt = now)});
          recheck();
        }, QUESTION_RECHECK_MS);
      };
      recheck();
    });
  const shell: Shell = useMemo(
    () => ({
      state,
      dispatch,
      setStatus,
      confirm: (prompt) => ask(prompt, []).then((answer) => answer === 'yes'),
      ask,
      begin: (key) => {
        if (busy.current.has(key)) return undefined;
        const id = nextBusyId.current++;
        const entry: {id: number; text?: string} = {id};
        busy.current.set(key, entry);
        return {
          progress: (text) => {
            entry.text = text;
            setStatus(text, 'info');
            dispatch({type: 'busy', id, text: sanitizeText(credentialRedactor(paths).redact(text, SHOWN_TEXT))});
          },
          end: () => {
            if (busy.current.get(key) === entry) busy.current.delete(key);
            dispatch({type: 'busyEnd', id});
          },
        };
      },
      busyText: (key) => busy.current.get(key)?.text,
      run: (task) => {
        const startedAt = whereNow.current;
        return runAction(task, {setStatus, reload, navigate: ({screen, params}) => whereNow.current === startedAt && dispatch({type: 'navigate', screen, params})});
      },
    }),
    [state, dispatch, setStatus, reload, paths, clock],
  );
  const answerConfirm = (answer: 'yes' | 'no' | KeyAction) => {
    const resolve = pendingConfirm.current;
    pendingConfirm.current = undefined;
    stopRecheck.current?.();
    stopRecheck.current = undefined;
    dispatch({type: 'closeModal'});
    resolve?.(answer);
  };
  return {shell, answerConfirm};
}

/** The screen shown and how deep in the stack, as text (a new navigation changes it; a status line does not). */
const routeKey = (state: AppState) => `${state.stack.length}:${JSON.stringify(currentRoute(state))}`;
