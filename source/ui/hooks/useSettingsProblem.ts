// tui.json's problem as the banner says it (services/ccs-watch.ts WatchedSettings): set while the file
// is broken, cleared when it is fixed; re-renders the caller on each change of the file.
import {useEffect, useState} from 'react';
import type {LoadedSettings} from '../../store/settings.js';
import {useServices} from '../services.js';

/** The problem's full text (file, line:col, what waits meanwhile), or undefined while tui.json reads fine. */
export function useSettingsProblem(): string | undefined {
  const {settings} = useServices();
  const [problem, setProblem] = useState<string | undefined>(undefined);
  useEffect(() => {
    let alive = true;
    const take = (loaded: LoadedSettings) => alive && setProblem(loaded.problem && `${loaded.problem.message}${loaded.problem.backup ? ` (copy: ${loaded.problem.backup})` : ''}`);
    void settings.load().then(take, () => undefined);
    const unsubscribe = settings.subscribe(take);
    return () => {
      alive = false;
      unsubscribe();
    };
  }, [settings]);
  return problem;
}
