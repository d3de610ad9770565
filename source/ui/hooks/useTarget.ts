// The live target (services/targets.ts): re-renders the caller when the person switches targets.
import {useEffect, useState} from 'react';
import type {Target} from '../../services/targets.js';
import {useServices} from '../services.js';

export function useTarget(): Target {
  const {targets} = useServices();
  const [target, setTarget] = useState(() => targets.current);
  useEffect(() => {
    setTarget(targets.current);
    return targets.subscribe(setTarget);
  }, [targets]);
  return target;
}
