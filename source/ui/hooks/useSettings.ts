// tui.json as the TUI watches it (services/ccs-watch.ts WatchedSettings): re-renders the caller on
// each change of the file. Undefined until the first read.
import {useEffect, useState} from 'react';
import {CORRUPT_COPIES} from '../../store/files.js';
import type {LoadedSettings} from '../../store/settings.js';
import {useServices} from '../services.js';

export function useSettings(): LoadedSettings | undefined {
  const {settings} = useServices();
  const [loaded, setLoaded] = useState<LoadedSettings | undefined>(undefined);
  useEffect(() => {
    let alive = true;
    const take = (next: LoadedSettings) => alive && setLoaded(next);
    void settings.load().then(take, () => undefined);
    const unsubscribe = settings.subscribe(take);
    return () => {
      alive = false;
      unsubscribe();
    };
  }, [settings]);
  return loaded;
}

/** tui.json's problem as the banner says it (file, line:col, what waits meanwhile), or undefined while it reads fine. */
export function useSettingsProblem(): string | undefined {
  const problem = useSettings()?.problem;
  return problem && `${problem.message}${problem.backup ? ` (copy: ${problem.backup}; only the newest ${CORRUPT_COPIES} broken versions are kept)` : ''}`;
}
