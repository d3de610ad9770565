// The quota numbers for the screens that show them: the poller's cache while it runs (and it runs
// while one of these hooks is mounted), else the cache file. `now` ticks every second so countdowns
// move without a fetch; the file is re-read when another process (the proxy) writes it.
import {useEffect, useRef, useState} from 'react';
import type {Account} from '../../../core/types.js';
import {readQuotaCache, type QuotaCache} from '../../../services/quota/cache.js';
import {DEFAULT_SETTINGS, type LoadedSettings} from '../../../store/settings.js';
import {useTarget} from '../../hooks/useTarget.js';
import {useServices} from '../../services.js';

export interface QuotaState {
  cache?: QuotaCache;
  now: number;
  staleAfterMs: number;
  /** True while the account's quota is being fetched. */
  fetching(account: Account): boolean;
}

const TICK_MS = 1000;

export function useQuota(accounts: readonly Account[] | undefined, options: {tickMs?: number} = {}): QuotaState {
  const tickMs = options.tickMs ?? TICK_MS;
  const {paths, clock, watchCcsDir, settings} = useServices();
  // The live target's poller: this machine's cache and fetches, or a server's numbers through api-call.
  const poller = useTarget().quota;
  const [cache, setCache] = useState<QuotaCache | undefined>(poller?.snapshot.accounts && Object.keys(poller.snapshot.accounts).length ? poller.snapshot : undefined);
  const [now, setNow] = useState(() => clock.now());
  const [staleAfterMs, setStaleAfterMs] = useState(DEFAULT_SETTINGS.quota.staleAfterSeconds * 1000);
  const ready = useRef<Promise<void> | undefined>(undefined);

  useEffect(() => clock.setInterval(() => setNow(clock.now()), tickMs), [clock, tickMs]);

  useEffect(() => {
    let alive = true;
    const take = ({settings: loaded}: LoadedSettings) => alive && setStaleAfterMs(loaded.quota.staleAfterSeconds * 1000);
    void settings.load().then(take, () => undefined);
    const unsubscribe = settings.subscribe(take);
    return () => {
      alive = false;
      unsubscribe();
    };
  }, [settings]);

  useEffect(() => {
    let alive = true;
    const readFile = () => void readQuotaCache(paths).then((c) => alive && setCache(c)).catch(() => undefined);
    if (!poller) {
      readFile();
      const stop = watchCcsDir(readFile, 'quota');
      return () => {
        alive = false;
        stop();
      };
    }
    const unsubscribe = poller.subscribe((c) => alive && setCache({...c}));
    const handle = poller.use([]);
    ready.current = handle.ready;
    const stop = watchCcsDir(() => void poller.reload(), 'quota');
    return () => {
      alive = false;
      unsubscribe();
      handle.release();
      stop();
    };
  }, [poller, paths, watchCcsDir]);

  useEffect(() => {
    if (poller && accounts) void ready.current?.then(() => poller.setAccounts(accounts));
  }, [poller, accounts]);

  return {cache, now, staleAfterMs, fetching: (account) => poller?.isFetching(account) ?? false};
}
