// Loads what the model rules screen edits (config.yaml rules, the account's token file rules, the
// base list) for a provider and optional account; reloads when the choice changes.
import {useEffect, useState} from 'react';
import {loadRulesContext, type RulesContext} from '../../../store/model-rules.js';
import {useServices} from '../../services.js';

export interface RulesContextState {
  context?: RulesContext;
  error?: string;
}

export function useRulesContext(provider: string, accountId: string | undefined): RulesContextState {
  const {paths} = useServices();
  const [state, setState] = useState<{context?: RulesContext; error?: string}>({});
  useEffect(() => {
    let current = true;
    setState({});
    loadRulesContext(paths, provider, {account: accountId}).then(
      (context) => current && setState({context}),
      (error: Error) => current && setState({error: error.message}),
    );
    return () => {
      current = false;
    };
  }, [paths, provider, accountId]);
  return state;
}
