// The single input dispatcher and how screens receive keys. Screens never call Ink's useInput:
// they register handlers for keymap actions with useScreenKeys, and a focused text field takes raw
// keys with useTextCapture. The most recently mounted registration wins (a modal over a screen).
// The dispatcher that calls these handlers is dispatcher.ts.
import {createContext, useContext, useLayoutEffect, useRef, type Dispatch} from 'react';
import type {AppAction, CursorMove} from '../core/app-state.js';
import type {KeyHandlers, TextKeyHandler} from './screen-types.js';
import {useScreenHints} from './hints.js';

export interface KeyRegistry {
  screens: Array<{current: KeyHandlers}>;
  text: Array<{current: TextKeyHandler}>;
}

export const createKeyRegistry = (): KeyRegistry => ({screens: [], text: []});

export const KeyRegistryContext = createContext<KeyRegistry | undefined>(undefined);

export function useKeyRegistry(): KeyRegistry {
  const registry = useContext(KeyRegistryContext);
  if (!registry) throw new Error('useScreenKeys/useTextCapture must be used inside the TUI shell');
  return registry;
}

function useRegistration<T>(list: (registry: KeyRegistry) => Array<{current: T}>, value: T | undefined): void {
  const registry = useKeyRegistry();
  const ref = useRef(value);
  ref.current = value;
  const active = value !== undefined;
  useLayoutEffect(() => {
    if (!active) return;
    const entry = {
      get current() {
        return ref.current as T;
      },
    };
    list(registry).push(entry);
    return () => {
      const entries = list(registry);
      entries.splice(entries.indexOf(entry), 1);
    };
  }, [registry, active]);
}

/**
 * Handles keymap actions while the calling component is mounted, e.g.
 * `useScreenKeys({'cursor.down': () => move(1), 'rules.save': save})`. The action names come from
 * `source/core/keymap.ts` and resolve in the screen's scopes. Pass `undefined` to stop handling.
 */
export function useScreenKeys(handlers: KeyHandlers | undefined): void {
  useRegistration((r) => r.screens, handlers);
}

/**
 * While `handler` is defined, every key goes to it raw (the keymap is bypassed), except Ctrl-C,
 * which still quits. The handler decides what Enter and Esc do. See components/TextField.tsx.
 */
export function useTextCapture(handler: TextKeyHandler | undefined): void {
  useRegistration((r) => r.text, handler);
  useScreenHints(handler ? {typing: true} : undefined);
}

export const topScreenHandlers = (registry: KeyRegistry): KeyHandlers | undefined => registry.screens.at(-1)?.current;
export const topTextHandler = (registry: KeyRegistry): TextKeyHandler | undefined => registry.text.at(-1)?.current;

/** The six cursor actions (up, down, top, bottom, page up/down) for a list of `total` rows, `page` visible. */
export function cursorKeyHandlers(dispatch: Dispatch<AppAction>, list: string, total: number, page: number): KeyHandlers {
  const move = (to: CursorMove) => () => dispatch({type: 'cursor', list, move: to, total, page});
  return {
    'cursor.up': move('up'),
    'cursor.down': move('down'),
    'cursor.top': move('top'),
    'cursor.bottom': move('bottom'),
    'cursor.pageUp': move('pageUp'),
    'cursor.pageDown': move('pageDown'),
  };
}

