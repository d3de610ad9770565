import {useEffect, useReducer} from 'react';
import {useServices} from '../services.js';

/**
 * Draws the calling screen again once the clock reaches `at` (ms since the epoch; undefined: nothing
 * due), for what changes with time alone, such as a cooldown that ends. The instant is rounded up to
 * the whole second, because screens floor their `now` to seconds and must see it passed. One timer
 * and no polling: a screen with nothing due draws no frame.
 */
export function useRedrawAt(at: number | undefined): void {
  const {clock} = useServices();
  const [redraws, redraw] = useReducer((n: number) => n + 1, 0);
  // `redraws`: a timer that fired a little early is set again for what is left.
  useEffect(() => {
    if (at === undefined) return;
    const due = Math.ceil(at / 1000) * 1000;
    return clock.setTimeout(redraw, Math.max(0, due - clock.now()));
  }, [clock, at, redraws]);
}
