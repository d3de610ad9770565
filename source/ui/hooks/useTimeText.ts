import {useEffect, useLayoutEffect, useReducer, useRef} from 'react';
import {useServices} from '../services.js';

/**
 * The time a screen draws from (`now`, read at each render), and a redraw once a second while what
 * it shows of the time changes: `shown(now)` is that text (an uptime, an error's age, a countdown).
 * A tick that leaves it as drawn ("13m" for a minute, a stopped proxy showing no time) draws nothing.
 */
export function useTimeText(shown: (now: number) => string): number {
  const {clock} = useServices();
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const now = clock.now();
  const text = shown(now);
  // What is on the screen: set when a render is committed, never during one. React may call the
  // component and throw the result away (a state update that came to nothing); had that render's
  // text been kept as drawn, the next tick would find it unchanged and the screen would stay behind.
  const drawn = useRef('');
  const latest = useRef(shown);
  useLayoutEffect(() => {
    drawn.current = text;
    latest.current = shown;
  });
  useEffect(() => clock.setInterval(() => latest.current(clock.now()) !== drawn.current && redraw(), 1000), [clock]);
  return now;
}
