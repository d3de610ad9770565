// Colours. Meaning never rides on colour alone (markers `*`, `⏸`, `!` and words carry it), so with
// NO_COLOR (https://no-color.org) every colour is simply dropped.
export interface Theme {
  color: boolean;
  accent?: string;
  muted?: string;
  ok?: string;
  warn?: string;
  error?: string;
  selectionBg?: string;
  selectionFg?: string;
}

export function makeTheme(env: NodeJS.ProcessEnv): Theme {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return {color: false};
  return {color: true, accent: 'cyan', muted: 'gray', ok: 'green', warn: 'yellow', error: 'red', selectionBg: 'blue', selectionFg: 'white'};
}

import {createContext, useContext} from 'react';

export const ThemeContext = createContext<Theme>({color: false});
export const useTheme = (): Theme => useContext(ThemeContext);
