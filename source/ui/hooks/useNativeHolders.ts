// Which account each agent's own credential file holds (native mode), per provider: re-read whenever
// the accounts change on disk (tui/native.json is watched with them).
import {useEffect, useState} from 'react';
import {readNativeState, type NativeState} from '../../services/native/sync.js';
import {useServices} from '../services.js';
import {useAccounts} from './useAccounts.js';

export function useNativeHolders(): NativeState {
  const {paths} = useServices();
  const {snapshot} = useAccounts();
  const [state, setState] = useState<NativeState>({});
  useEffect(() => setState(readNativeState(paths)), [paths, snapshot]);
  return state;
}
