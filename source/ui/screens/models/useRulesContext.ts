// Loads what the model rules screen edits (config.yaml rules, the account's token file rules, the
// base list) for a provider and optional account; reloads when the choice changes. With `live`, the
// base list is asked from the provider with the account's credentials (static when that fails).
// While the screen is open the rules are read again whenever the target says its files changed
// (the CCS dir's watch, or a remote server's reload interval), so edits made elsewhere show up.
import {useEffect, useReducer, useRef, useState} from 'react';
import type {RulesContext} from '../../../store/model-rules.js';
import {useTarget} from '../../hooks/useTarget.js';
import {useServices} from '../../services.js';

export interface RulesContextState {
  context?: RulesContext;
  error?: string;
  /** Reads the rules again now (after a refused save, the person chose to reload). */
  reread(): void;
}

export function useRulesContext(provider: string, accountId: string | undefined, live: boolean): RulesContextState {
  const {paths} = useServices();
  // The live target's rules: config.yaml and token files here, or a server's global maps.
  const target = useTarget();
  const {rules} = target;
  const [state, setState] = useState<{context?: RulesContext; error?: string}>({});
  const [changes, changed] = useReducer((n: number) => n + 1, 0);
  const shown = useRef<RulesContext | undefined>(undefined);
  useEffect(() => target.watch(changed), [target]);
  useEffect(() => {
    shown.current = undefined;
    setState({});
  }, [paths, rules, provider, accountId, live]);
  useEffect(() => {
    let current = true;
    const previous = shown.current;
    // A re-read of the same choice keeps the base list it had: a file changing never asks the provider for its live list again.
    const again = previous !== undefined;
    const fetcher = live && !again ? import('../../../proxy/live-models.js').then((m) => m.liveModelList(paths)) : Promise.resolve(undefined);
    fetcher
      .then((list) => rules.load(provider, accountId, list))
      .then(
        (loaded) => {
          if (!current) return;
          const context: RulesContext = again ? {...withoutLive(loaded), ...liveOf(previous)} : loaded;
          shown.current = context;
          setState({context});
        },
        (error: Error) => current && setState({error: error.message}),
      );
    return () => {
      current = false;
    };
  }, [paths, rules, provider, accountId, live, changes]);
  return {...state, reread: changed};
}

/** The base list of a context and what was said about its live list. */
function liveOf({base, liveError, liveAdvice, livePartial}: RulesContext): Pick<RulesContext, 'base' | 'liveError' | 'liveAdvice' | 'livePartial'> {
  return {base, ...(liveError === undefined ? {} : {liveError}), ...(liveAdvice === undefined ? {} : {liveAdvice}), ...(livePartial === undefined ? {} : {livePartial})};
}

function withoutLive(context: RulesContext): RulesContext {
  const {liveError: _error, liveAdvice: _advice, livePartial: _partial, ...rest} = context;
  return rest;
}
