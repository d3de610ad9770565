// The single input dispatcher: Ink's one useInput for the whole TUI. WHICH layer gets a key is
// decided by the pure core/key-routing.ts; this hook only carries the answer out (answers the
// confirm prompt, edits the rename or filter field, feeds a focused text field, calls the screen's
// handler for the keymap action, else applies the shell's meaning of it).
import {useApp, useInput} from 'ink';
import {useEffect, useRef} from 'react';
import {currentRoute, type AppState} from '../core/app-state.js';
import {keyName, type RawKey} from '../core/key-names.js';
import {actionKey} from '../core/keymap.js';
import {routeKey, shellActionFor} from '../core/key-routing.js';
import {renameAccount} from './actions/accounts.js';
import {describeError} from './errors.js';
import {noteKey} from './input-priority.js';
import {topScreenHandlers, topTextHandler, useKeyRegistry} from './keys.js';
import {routeScopes} from './router.js';
import {useServices} from './services.js';
import type {Shell} from './shell.js';

/**
 * Ink's one useInput for the whole TUI: routes each key (core/key-routing.ts) to the confirm prompt,
 * the rename or filter field, a focused text field, the screen's handlers or the shell.
 */
export function useKeyDispatcher({state, shell, answerConfirm, tooSmall}: {state: AppState; shell: Shell; answerConfirm(yes: boolean): void; tooSmall: boolean}): void {
  const {exit} = useApp();
  const services = useServices();
  const registry = useKeyRegistry();
  const latest = useRef({state, shell, answerConfirm, tooSmall});
  latest.current = {state, shell, answerConfirm, tooSmall};
  // Keys split out of one read wait for the render of the key before them, so each sees the state
  // it left (an Enter submits the text typed just before it; an Enter that closes a field routes the
  // next key anew). Anything read meanwhile queues behind them, never in between. A key that
  // changes nothing renders nothing: a short timer drains then.
  const queued = useRef<Array<{input: string; key: RawKey}>>([]);
  const cancelFallback = useRef<(() => void) | undefined>(undefined);
  const drain = () => {
    cancelFallback.current?.();
    cancelFallback.current = undefined;
    const next = queued.current.shift();
    if (next) handleKey(next.input, next.key);
    if (queued.current.length > 0 && !cancelFallback.current) schedule();
  };
  const schedule = () => {
    cancelFallback.current = services.clock.setTimeout(drain, 250);
  };
  useEffect(() => {
    if (queued.current.length > 0 && cancelFallback.current) drain();
  });

  // A submitted rename is saved once, with the draft as the reducer holds it.
  const rename = state.modal?.kind === 'rename' && state.modal.submitted ? state.modal : undefined;
  useEffect(() => {
    if (!rename) return;
    const {dispatch, run} = latest.current.shell;
    void run(() => renameAccount(services, rename.provider, rename.accountId, rename.draft.text)).then((ok) =>
      dispatch(ok ? {type: 'closeModal'} : {type: 'renameFailed'}),
    );
  }, [rename]);

  const handleKey = (input: string, key: RawKey): void => {
    const {state: current, shell: {dispatch, run, setStatus}, answerConfirm: answer, tooSmall: small} = latest.current;
    const name = keyName(input, key);
    const route = routeKey(name, input, {
      tooSmall: small,
      modal: current.modal?.kind,
      filterEditing: current.filterEditing !== undefined,
      textFocused: topTextHandler(registry) !== undefined,
      scopes: routeScopes(currentRoute(current)),
    });
    switch (route.to) {
      case 'quit': {
        // The screen's quit handler may keep the app open to ask first (unsaved rules).
        const quitHandler = route.ask ? topScreenHandlers(registry)?.quit : undefined;
        if (quitHandler && quitHandler() !== false) return;
        return exit();
      }
      case 'none':
        return;
      case 'pasteIgnored':
        return setStatus(`paste ignored — press ${actionKey('filter')} to filter`, 'info');
      case 'confirm':
        return answer(route.yes);
      case 'rename':
        // Enter marks the reducer's draft as submitted; the effect below saves it.
        return dispatch({type: 'renameKey', input, key: name});
      case 'filter':
        return dispatch({type: 'filterKey', input, key: name});
      case 'jump':
        return dispatch({type: 'jumpKey', input, key: name});
      case 'text':
        return topTextHandler(registry)!(input, name);
      case 'split':
        handleKey(route.first, {});
        if (route.rest) {
          queued.current.unshift({input: route.rest, key: {}});
          if (!cancelFallback.current) schedule();
        }
        return;
      case 'closeHelp':
        return dispatch({type: 'closeModal'});
      case 'scrollOverlay':
        return dispatch({type: 'scrollOverlay', by: route.by});
      case 'action': {
        const handler = topScreenHandlers(registry)?.[route.action];
        if (handler) {
          const result = handler();
          if (result instanceof Promise) result.catch((error) => setStatus(describeError(error), 'error'));
          if (result !== false) return;
        }
        const shellAction = shellActionFor(route.action);
        if (shellAction?.type === 'quit') return exit();
        if (shellAction) dispatch(shellAction);
        return;
      }
    }
  };
  useInput((input, key) => {
    noteKey();
    if (queued.current.length > 0 && keyName(input, key) !== 'ctrl+c') queued.current.push({input, key});
    else handleKey(input, key);
  });
}
