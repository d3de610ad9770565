// Loads what the model rules screen edits (config.yaml rules, the account's token file rules, the
// base list) for a provider and optional account; reloads when the choice changes. With `live`, the
// base list is asked from the provider with the account's credentials (static when that fails).
import {useEffect, useState} from 'react';
import type {RulesContext} from '../../../store/model-rules.js';
import {useTarget} from '../../hooks/useTarget.js';
import {useServices} from '../../services.js';

export interface RulesContextState {
  context?: RulesContext;
  error?: string;
}

export function useRulesContext(provider: string, accountId: string | undefined, live: boolean): RulesContextState {
  const {paths} = useServices();
  // The live target's rules: config.yaml and token files here, or a server's global maps.
  const {rules} = useTarget();
  const [state, setState] = useState<{context?: RulesContext; error?: string}>({});
  useEffect(() => {
    let current = true;
    setState({});
    const fetcher = live ? import('../../../proxy/live-models.js').then((m) => m.liveModelList(paths)) : Promise.resolve(undefined);
    fetcher
      .then((list) => rules.load(provider, accountId, list))
      .then(
        (context) => current && setState({context}),
        (error: Error) => current && setState({error: error.message}),
      );
    return () => {
      current = false;
    };
  }, [paths, rules, provider, accountId, live]);
  return state;
}
