// The single input dispatcher and how screens receive keys. Screens never call Ink's useInput:
// they register handlers for keymap actions with useScreenKeys, and a focused text field takes raw
// keys with useTextCapture. The most recently mounted registration of the current route's screen
// wins (a modal over a screen). The dispatcher that calls these handlers is dispatcher.ts.
import {createContext, useContext, useLayoutEffect, useRef, useState, type Dispatch, type ReactNode} from 'react';
import {currentRoute, type AppAction, type AppState, type CursorMove} from '../core/app-state.js';
import type {KeyHandlers, TextKeyHandler} from './screen-types.js';
import {useScreenHints} from './hints.js';

/** A registration: its handlers, and the screen (screenOwner) whose component registered it. */
interface Registration<T> {
  current: T;
  owner?: string;
}

export interface KeyRegistry {
  screens: Array<Registration<KeyHandlers>>;
  text: Array<Registration<TextKeyHandler>>;
  /**
   * The screens (screenOwner ids) mounted with their first registrations done. A key for a route
   * whose screen is not in here yet waits for it (dispatcher.ts), never reaching the screen before.
   */
  mounted: Set<string>;
  /** Screens (screenOwner ids) still loading what their keys act on (useKeysWait): keys wait. */
  loading: Set<string>;
  /** Called after every commit of a component that registers keys (the dispatcher drains its queue). */
  committed?: () => void;
  /**
   * Handled key `seq` (the dispatcher counts them): KeyCommitMark renders it in the same React commit
   * as what the key's handler changed, and calls `keyCommitted(seq)` once that commit is done.
   */
  markKey?: (seq: number) => void;
  keyCommitted?: (seq: number) => void;
}

export const createKeyRegistry = (): KeyRegistry => ({screens: [], text: [], mounted: new Set(), loading: new Set()});

/** The id of the screen at `index` of the route stack (also its React key in frame.tsx). */
export const screenOwner = (index: number, screen: string): string => `${index}:${screen}`;

/** The screen that the route state says is showing, as a screenOwner id. */
export const routeOwner = (state: AppState): string => screenOwner(state.stack.length - 1, currentRoute(state).screen);

const OwnerContext = createContext<string | undefined>(undefined);

/**
 * Wraps one routed screen: its registrations carry `id`, and once its first ones are made (children's
 * layout effects run before this one's) it counts as mounted for the dispatcher.
 */
export function KeyOwner({id, children}: {id: string; children: ReactNode}) {
  const registry = useKeyRegistry();
  useLayoutEffect(() => {
    registry.mounted.add(id);
    registry.committed?.();
    return () => void registry.mounted.delete(id);
  }, [registry, id]);
  return <OwnerContext.Provider value={id}>{children}</OwnerContext.Provider>;
}

/**
 * Tells the dispatcher when what a key's handler changed has rendered. A handler's state updates are
 * rendered later, batched, and another commit (a reload, a loading screen settling) may come first:
 * the key's own number, set as state right after the handler ran, lands in the same commit as the
 * handler's updates, so a paste behind `a` waits for the field `a` opens instead of meeting none.
 */
export function KeyCommitMark() {
  const registry = useKeyRegistry();
  const [seq, setSeq] = useState(0);
  registry.markKey = setSeq;
  useLayoutEffect(() => registry.keyCommitted?.(seq), [registry, seq]);
  return null;
}

export const KeyRegistryContext = createContext<KeyRegistry | undefined>(undefined);

export function useKeyRegistry(): KeyRegistry {
  const registry = useContext(KeyRegistryContext);
  if (!registry) throw new Error('useScreenKeys/useTextCapture must be used inside the TUI shell');
  return registry;
}

function useRegistration<T>(list: (registry: KeyRegistry) => Array<Registration<T>>, value: T | undefined): void {
  const registry = useKeyRegistry();
  const owner = useContext(OwnerContext);
  const ref = useRef(value);
  ref.current = value;
  const active = value !== undefined;
  useLayoutEffect(() => {
    if (!active) return;
    const entry = {
      owner,
      get current() {
        return ref.current as T;
      },
    };
    list(registry).push(entry);
    return () => {
      const entries = list(registry);
      entries.splice(entries.indexOf(entry), 1);
    };
  }, [registry, active, owner]);
  // Every render of a screen that takes keys tells the dispatcher its handlers are current.
  useLayoutEffect(() => registry.committed?.());
}

/**
 * While `loading` (the data the screen's keys act on is still being read), keys for this screen
 * wait instead of reaching handlers that would ignore them; they run once it has loaded.
 */
export function useKeysWait(loading: boolean): void {
  const registry = useKeyRegistry();
  const owner = useContext(OwnerContext);
  useLayoutEffect(() => {
    if (!loading || owner === undefined) return;
    registry.loading.add(owner);
    return () => {
      registry.loading.delete(owner);
      registry.committed?.();
    };
  }, [registry, owner, loading]);
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
 * which still quits. The handler decides what Enter and Esc do; `escape` is how the hint bar names
 * what Esc does (default `cancel`): as the field's prompt says it. See components/TextField.tsx.
 */
export function useTextCapture(handler: TextKeyHandler | undefined, escape?: string): void {
  useRegistration((r) => r.text, handler);
  useScreenHints(handler ? {typing: true, ...(escape ? {escape} : {})} : undefined);
}

/** The latest registration of the screen `owner` (routeOwner), or of a component outside any screen. */
function top<T>(list: Array<Registration<T>>, owner: string): T | undefined {
  return list.findLast((entry) => entry.owner === undefined || entry.owner === owner)?.current;
}

export const topScreenHandlers = (registry: KeyRegistry, owner: string): KeyHandlers | undefined => top(registry.screens, owner);
export const topTextHandler = (registry: KeyRegistry, owner: string): TextKeyHandler | undefined => top(registry.text, owner);

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

