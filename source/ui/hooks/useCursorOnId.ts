// The cursor follows the item, not the row number: when a list's contents change (H hides empty
// providers, a filter narrows, `o` re-sorts, the files reload), the cursor moves to wherever the
// item it was on now is. The reducer keeps cursors as indices; this hook re-aims them in the same
// frame (no frame shows the wrong row) and then stores the new index in the reducer.
import {useLayoutEffect, useRef} from 'react';
import type {AppAction} from '../../core/app-state.js';

interface Seen {
  list: string;
  ids: readonly string[];
  /** The reducer's index last time, and the row drawn for it. */
  index: number;
  at: number;
}

/**
 * The row list `list`'s cursor is on: the same id as before when `ids` changed (a new array means a
 * changed list: pass a memoised one) and the id is still there, else the reducer's `index`.
 */
export function useCursorOnId(list: string, ids: readonly string[], index: number, dispatch: (action: AppAction) => void): number {
  const seen = useRef<Seen | undefined>(undefined);
  const previous = seen.current?.list === list ? seen.current : undefined;
  let at = index;
  if (previous) {
    const id = previous.ids[previous.at];
    const found = previous.ids !== ids && id !== undefined ? ids.indexOf(id) : -1;
    if (found >= 0) at = found;
    else if (previous.ids === ids && index === previous.index) at = Math.min(previous.at, ids.length - 1);
  }
  seen.current = {list, ids, index, at: Math.max(at, ids.length > 0 ? 0 : -1)};
  // A layout effect: the reducer holds the new index before any key can arrive for this frame.
  useLayoutEffect(() => {
    if (at >= 0 && at !== index) dispatch({type: 'setCursor', list, index: at});
  }, [list, at, index]);
  return at;
}
