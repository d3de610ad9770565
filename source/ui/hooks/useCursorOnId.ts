// A cursor the person moved follows its item, not the row number: when a list's contents change (H
// hides empty providers, a filter narrows, `o` re-sorts, the files reload, quota results reorder
// rows), the cursor moves to wherever the item it was on now is. The reducer keeps cursors as indices; this
// hook re-aims them in the same frame (no frame shows the wrong row) and then stores the new index
// in the reducer.
import {useLayoutEffect, useRef} from 'react';
import {fitCursor, moveCursor, type AppAction, type CursorMoveMade} from '../../core/app-state.js';

interface Seen {
  list: string;
  ids: readonly string[];
  /** The reducer's cursor last time (before it is fitted to the list), and the row drawn for it. */
  stored: number | undefined;
  at: number;
}

/**
 * The row list `list`'s cursor is on, -1 in an empty list. `stored` and `moves` are the reducer's
 * cursor and the last move a person made of each list's cursor (AppState.cursors[list],
 * AppState.cursorMoves). With `untouched: 'row'`, a cursor no one has moved (no move of its list)
 * stays on its row (the quota dashboard, sorted by headroom, keeps its top in view as results
 * reorder it); by default it follows its item like a moved one. A move
 * this hook has not seen yet is the person's latest: a jump goes to its item wherever it is now;
 * when `ids` changed (a new array means a changed list: pass a memoised one) in the same render as
 * a key's move (a reload landing with the person's j or G), that move is made again from where the
 * cursor's item is now. Otherwise, when `ids` changed, the cursor stays on the same id while it is
 * still there; else the stored row.
 */
export function useCursorOnId(
  list: string,
  ids: readonly string[],
  stored: number | undefined,
  moves: Readonly<Record<string, CursorMoveMade>> | undefined,
  dispatch: (action: AppAction) => void,
  {untouched = 'item'}: {untouched?: 'item' | 'row'} = {},
): number {
  const index = fitCursor(stored, ids.length);
  const moved = moves?.[list];
  const seen = useRef<Seen | undefined>(undefined);
  // A move acts once, in the first render that sees it (a new record per move); every move made
  // before this hook mounted (the screen came back; another provider's accounts) is old, but a
  // jump made for when the list shows (a login's new account, while the login screen showed).
  const acted = useRef<WeakSet<CursorMoveMade> | undefined>(undefined);
  acted.current ??= new WeakSet(Object.values(moves ?? {}).filter((move) => !('to' in move && move.whenShown)));
  const latest = moved && !acted.current.has(moved) ? moved : undefined;
  const jumped = latest && 'to' in latest ? ids.indexOf(latest.to) : -1;
  // Such a jump waits for its item to be listed (a login's account, until the files are read
  // again), for a while. Made (or dropped), it is kept in the reducer as a plain one, which the next
  // mount of this list finds old: it is made once, never at a later time.
  const waiting = latest && 'to' in latest && latest.whenShown && jumped < 0 && Date.now() < latest.whenShown.until;
  if (latest && !waiting) acted.current.add(latest);
  const shownJump = latest && 'to' in latest && latest.whenShown && !waiting ? latest : undefined;
  const previous = seen.current?.list === list ? seen.current : undefined;
  let at = index;
  if (!moved && untouched === 'row') at = index;
  else if (jumped >= 0) at = jumped;
  else if (previous && previous.ids !== ids) {
    const id = previous.ids[previous.at];
    const found = id !== undefined ? ids.indexOf(id) : -1;
    const key = latest && 'move' in latest ? latest : undefined;
    if (found >= 0) at = key ? moveCursor(found, key.move, ids.length, key.page) : found;
  } else if (previous && stored === previous.stored) at = Math.min(previous.at, ids.length - 1);
  seen.current = {list, ids, stored, at: Math.max(at, ids.length > 0 ? 0 : -1)};
  // A layout effect: the reducer holds the new index before any key can arrive for this frame.
  useLayoutEffect(() => {
    if (shownJump) dispatch({type: 'setCursor', list, index: Math.max(at, 0), id: shownJump.to});
    else if (at >= 0 && at !== index) dispatch({type: 'setCursor', list, index: at});
  }, [list, at, index, shownJump]);
  return at;
}
