// What the hint bar says, per state: screens adjust the keymap's hints for what is true right now
// (a paused account's `p` says "resume", a failed login's Enter says "try again", keys that would
// do nothing are left out), and while a text field is open the bar shows only the field's keys.
import {createContext, useContext, useLayoutEffect, useState, type ReactNode} from 'react';
import type {KeyAction} from '../core/keymap.js';

export interface ScreenHints {
  /** Actions whose hint is left out now (their keys would do nothing, or nothing useful). */
  hide?: readonly KeyAction[];
  /** Hint labels for now, e.g. `{'account.pause': 'resume'}`; also shows actions without a hint label. */
  labels?: Partial<Record<KeyAction, string>>;
  /** A text field has the keys: the bar shows Enter / Esc only (and `fieldKeys`). */
  typing?: boolean;
  /** While typing: the field's own keys beside Enter and Esc (keymap scope `field`: Tab to an alias entry's other field). */
  fieldKeys?: readonly KeyAction[];
  /** While typing: what Esc does in the field, as its prompt says it (`back to the key`); default `cancel`. */
  escape?: string;
  /**
   * The way out of the state shown now (re-login on an account marked so, resume on a paused one,
   * save on unsaved rules): shown first, and the last to be left out when the bar is cut.
   */
  first?: readonly KeyAction[];
}

type Registrations = Map<number, ScreenHints>;

const HintsContext = createContext<{hints: ScreenHints; set(id: number, hints: ScreenHints | undefined): void} | undefined>(undefined);

let nextId = 1;

/** Holds the hint registrations of the mounted screens and fields. */
export function HintsProvider({children}: {children: ReactNode}) {
  const [registrations, setRegistrations] = useState<Registrations>(() => new Map());
  const set = (id: number, hints: ScreenHints | undefined) =>
    setRegistrations((current) => {
      const next = new Map(current);
      if (hints) next.set(id, hints);
      else next.delete(id);
      return next;
    });
  const merged: ScreenHints = {hide: [], labels: {}, typing: false, first: [], fieldKeys: []};
  for (const h of registrations.values()) {
    merged.hide = [...merged.hide!, ...(h.hide ?? [])];
    merged.fieldKeys = [...merged.fieldKeys!, ...(h.fieldKeys ?? [])];
    merged.first = [...merged.first!, ...(h.first ?? [])];
    merged.labels = {...merged.labels, ...h.labels};
    merged.typing ||= Boolean(h.typing);
    merged.escape = h.escape ?? merged.escape;
  }
  return <HintsContext.Provider value={{hints: merged, set}}>{children}</HintsContext.Provider>;
}

/**
 * A list's keys left out of the hint bar where they would do nothing: moving in a list of fewer than
 * two rows; opening (`open`) a row of an empty one; filtering an empty list (a filter that hides every
 * row can still be edited, so `/` stays while one is set).
 */
export function listHides(rows: number, filtered: boolean, open?: KeyAction): KeyAction[] {
  return [...(rows < 2 ? (['cursor.down', 'cursor.up'] as const) : []), ...(rows === 0 && open ? [open] : []), ...(rows === 0 && !filtered ? (['filter'] as const) : [])];
}

/** The hints in force (the hint bar reads them). */
export const useHints = (): ScreenHints => useContext(HintsContext)?.hints ?? {};

/** Registers this component's hints while it is mounted; pass undefined for none. */
export function useScreenHints(hints: ScreenHints | undefined): void {
  const context = useContext(HintsContext);
  const [id] = useState(() => nextId++);
  const key = JSON.stringify(hints ?? null);
  useLayoutEffect(() => {
    context?.set(id, hints);
    return () => context?.set(id, undefined);
    // The hints are compared by value: a new object with the same content changes nothing.
  }, [key]);
}
