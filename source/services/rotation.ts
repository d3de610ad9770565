// Which account `rotate` (and the TUI's `r`) moves to: the strategy from tui.json
// (`rotation.strategy`, most-headroom by default) applied to the cached quota. Accounts with a used-up
// window, paused ones and ones needing a login are never chosen.
import {chooseNext} from '../core/rotation.js';
import type {Account, QuotaWindow} from '../core/types.js';
import type {CcsPaths} from '../store/paths.js';
import {loadSettings} from '../store/settings.js';
import {systemClock, type Clock} from './clock.js';
import {lookAtRunningProxy, type ProxyLook} from './proxy/control.js';
import type {ProxyStatus} from './proxy/ipc.js';
import {readQuotaCache} from './quota/cache.js';

export type RotationChooser = (accounts: Account[], current: Account | undefined) => Account | undefined;

/** What `rotate` and the TUI's `r` go by: the chooser, and the account it moves on from when that is not the default. */
export interface RotationTarget {
  /** store.rotate's chooser: the strategy over the quota cache, moving on from `served` when set, else from the default. */
  choose: RotationChooser;
  /**
   * The id of the account a running built-in proxy's pool of the provider serves now, which its
   * strategy may have picked over the default: the rotation moves off that one (the default may be
   * the one it would land on). Undefined with no proxy, one that serves the provider with one
   * account alone (it does not follow the default), or one whose pool of it is not made yet.
   */
  served?: string;
  /** The running built-in proxy and its status as asked once for this rotation (pinnedElsewhereNote takes it), undefined without one. */
  proxy?: ProxyLook;
}

export async function chooseRotationTarget(paths: CcsPaths, provider: string, clock: Clock = systemClock): Promise<RotationTarget> {
  const [{settings}, cache, proxy] = await Promise.all([loadSettings(paths), readQuotaCache(paths), lookAtRunningProxy(paths)]);
  const windows = new Map<string, QuotaWindow[]>(
    Object.entries(cache.accounts[provider] ?? {}).map(([id, entry]) => [id, entry.windows] as const),
  );
  const served = proxy?.status && poolServing(proxy.status, provider);
  // Accounts the running proxy rests now (a rejected token, a limit): it would not serve them, so a
  // rotation onto one moves nothing. Only the waits on disk (a limit) were skipped before.
  const waiting = new Set((proxy?.status?.cooling ?? []).filter((c) => c.provider === provider && c.model === undefined && !c.triedLast && c.accountId !== undefined).map((c) => c.accountId!));
  return {
    choose: (accounts, current) => {
      const from = served !== undefined && accounts.some((a) => a.id === served) ? served : current?.id;
      return chooseNext(settings.rotation.strategy, accounts.filter((a) => a.id === from || !waiting.has(a.id)), from, windows, clock.now());
    },
    ...(served === undefined ? {} : {served}),
    ...(proxy ? {proxy} : {}),
  };
}

/**
 * A rotation that moved on from the account a running proxy's pool served (`served`, a label) rather
 * than from the default (`from`): "work → alice (what the running proxy served; the default was
 * bob)". Labels as the surface names accounts; `from` undefined when there was no default.
 */
export function rotationFromServedText(served: string, from: string | undefined, to: string): string {
  const defaultWas = from === undefined ? 'there was no default' : from === to ? `${to} was the default already` : `the default was ${from}`;
  return `${served} → ${to} (what the running proxy served; ${defaultWas})`;
}

/** The account a running proxy's pool of `provider` serves next (its status), unless it serves that provider with one account alone. */
function poolServing(status: ProxyStatus, provider: string): string | undefined {
  if (status.provider === provider && status.pinned) return undefined;
  return status.pools?.find((p) => p.provider === provider)?.accountId ?? (status.provider === provider ? status.accountId : undefined);
}
