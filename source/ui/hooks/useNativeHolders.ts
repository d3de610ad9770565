// Which account each agent's own credential file holds (native mode), per provider: re-read whenever
// the accounts change on disk (tui/native.json is watched with them).
import {isDeepStrictEqual} from 'node:util';
import {useEffect, useState} from 'react';
import {readNativeState, type NativeState} from '../../services/native/sync.js';
import {useServices} from '../services.js';
import {useAccounts} from './useAccounts.js';

export function useNativeHolders(): NativeState {
  const {paths} = useServices();
  const {snapshot} = useAccounts();
  const [state, setState] = useState<NativeState>({});
  // The same object while the file says the same: a re-read after every refreshed token file (a
  // 1,000-account poll) would otherwise draw the whole screen a second time for nothing.
  useEffect(() => {
    const next = readNativeState(paths);
    setState((held) => (isDeepStrictEqual(held, next) ? held : next));
  }, [paths, snapshot]);
  return state;
}
