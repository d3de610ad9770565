// What a running proxy serves, as its status says, for the screens that mark it (★ on the quota
// screen and the accounts list).
import {useCallback, useMemo, useSyncExternalStore} from 'react';
import {accountLabeller} from '../../core/accounts.js';
import type {ServedNow} from '../../core/quota-dashboard.js';
import type {Account} from '../../core/types.js';
import type {ProxyState} from '../../services/proxy-supervisor.js';
import {useServices} from '../services.js';

/**
 * A running proxy's service: `provider`, the one it serves (none: each request's model picks one),
 * and `next`, the account it serves that provider with next (its status, its `rotated` events), by id.
 */
export interface ProxyServing {
  provider?: string;
  next?: ServedNow;
}

/** The served provider and account label as one string ('' when no proxy runs): equal strings, no render. */
const servingKey = (state: ProxyState | undefined): string => (state?.phase === 'running' ? JSON.stringify([state.target.provider ?? '', state.account ?? '', Boolean(state.pinned)]) : '');

/**
 * What the running proxy serves (undefined when none runs), its account found among `all` by the
 * label the proxy names it with. Renders only when that changes: a proxy's other news (each
 * request, its log) costs the screen no frame.
 */
export function useProxyServing(all: readonly Account[] | undefined): ProxyServing | undefined {
  const {proxy} = useServices();
  const subscribe = useCallback((onChange: () => void) => proxy?.subscribe(onChange) ?? (() => undefined), [proxy]);
  const key = useSyncExternalStore(subscribe, () => servingKey(proxy?.current));
  return useMemo(() => {
    if (key === '') return undefined;
    const [provider, label, pinned] = JSON.parse(key) as [string, string, boolean];
    if (!provider) return {};
    const labelOf = all && accountLabeller(all);
    // By its label, or by its id (a pinned proxy names an account that cannot serve by the id it was given).
    const account = label && labelOf ? all!.find((a) => a.provider === provider && (labelOf(a) === label || a.id === label)) : undefined;
    // Pinned: that account or none, never the pool's pick (servedNext).
    if (pinned) return {provider, next: {provider, accountId: account?.id ?? '', pinned}};
    return {provider, ...(account ? {next: {provider, accountId: account.id}} : {})};
  }, [key, all]);
}
