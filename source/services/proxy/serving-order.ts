// Which of a provider's accounts the proxy serves, in the order it would try them: the proxy's own
// answer. `ccs-tui run`, `ccs-tui env` and the proxy screen build an agent's model list from the
// first (and ask a live model list with it, then the next when it cannot give one), so what an
// agent is told matches what serves it, and the quota screen's ★ names the same account.
import {servingOrder} from '../../core/pool.js';
import type {RotationStrategy} from '../../core/rotation.js';
import type {Account} from '../../core/types.js';
import type {CcsPaths} from '../../store/paths.js';
import {readQuotaCache} from '../quota/cache.js';
import {fetchProxyStatus} from './control.js';
import {readRunningProxy} from './pid-file.js';

/**
 * Accounts a live model list is asked with at most, in serving order, before it is said not to be
 * had (`ccs-tui env`/`run`, and the proxy's own list, which caches a failure for a minute): each
 * with the list's own timeout, so a provider that is down costs a few timeouts, not one per account.
 */
export const LIVE_LIST_TRIES = 3;

/**
 * `provider`'s usable accounts as its pool would try them (core servingOrder): first what a running
 * built-in proxy that serves that pool says it serves now (its status); else what a proxy starting
 * on it now picks, `strategy` over the quota cache as the proxy ranks. Empty when none can serve.
 * `accounts`: every account. `pinned`: whether a proxy serving one account alone counts (`env`: it
 * serves that one; `run` moves the proxy to the pool, so the pool's pick is what will serve).
 */
export async function poolServingOrder(paths: CcsPaths, strategy: RotationStrategy, provider: string, accounts: readonly Account[], now: number, pinned: 'counts' | 'ignored'): Promise<Account[]> {
  // No stale record is removed here: the callers that act on it (run, proxy start) say so.
  const running = readRunningProxy(paths);
  const status = running?.kind === 'builtin' ? await fetchProxyStatus(paths, running.port) : undefined;
  const servedNow = status?.provider === provider && (pinned === 'counts' || status.pinned === false) && status.accountId ? {provider, accountId: status.accountId} : undefined;
  const cache = await readQuotaCache(paths);
  const windows = new Map(Object.entries(cache.accounts[provider] ?? {}).map(([id, entry]) => [id, entry.windows] as const));
  return servingOrder(accounts.filter((a) => a.provider === provider), strategy, windows, now, servedNow);
}
