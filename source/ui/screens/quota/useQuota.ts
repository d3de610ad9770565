// The quota numbers for the screens that show them: the poller's cache while it runs (and it runs
// while one of these hooks is mounted), else the cache file. `now` ticks every second so countdowns
// move without a fetch; the file is re-read when another process (the proxy) writes it.
//
// A screen that shows a few of many accounts (the home screen's visible rows) names them as it
// renders (`drawing`): then a batch of results for accounts it does not show changes no state, so
// React commits nothing and Ink draws no frame. With 1,000 accounts polled and ~35 rows on screen
// that is most batches.
import {useEffect, useLayoutEffect, useRef, useState} from 'react';
import type {Account} from '../../../core/types.js';
import {cacheEntry, readQuotaCache, type QuotaCache, type QuotaCacheEntry} from '../../../services/quota/cache.js';
import type {QuotaPoller} from '../../../services/quota/service.js';
import {DEFAULT_SETTINGS} from '../../../store/settings.js';
import {useSettings} from '../../hooks/useSettings.js';
import {useTarget} from '../../hooks/useTarget.js';
import {useServices} from '../../services.js';
import {whenInputQuiet} from '../../input-priority.js';

export interface QuotaState {
  cache?: QuotaCache;
  now: number;
  staleAfterMs: number;
  /** True while the account's quota is being fetched. */
  fetching(account: Account): boolean;
  /**
   * Called during a render with the accounts whose numbers that render draws, when it draws only
   * some: until the next render, results for other accounts re-render nothing. Not called: every
   * result re-renders (a list ordered by quota, a dashboard of totals).
   */
  drawing(shown: readonly Account[]): void;
}

const TICK_MS = 1000;

/**
 * What a row of each of `shown` draws from the poller: its entry in `cache` (identity tells a changed
 * entry: the poller replaces an entry it updates) and whether it is being fetched, in order.
 */
const shownEntries = (cache: QuotaCache | undefined, shown: readonly Account[], poller: Pick<QuotaPoller, 'isFetching'> | undefined): (QuotaCacheEntry | boolean | undefined)[] =>
  shown.flatMap((a) => [cache ? cacheEntry(cache, a.provider, a.id) : undefined, poller?.isFetching(a) ?? false]);

/** `accounts`: what the poller polls (the screen's accounts). */
export function useQuota(accounts: readonly Account[] | undefined, options: {tickMs?: number} = {}): QuotaState {
  const tickMs = options.tickMs ?? TICK_MS;
  const {paths, clock, watchCcsDir} = useServices();
  // The live target's poller: this machine's cache and fetches, or a server's numbers through api-call.
  const poller = useTarget().quota;
  const [cache, setCache] = useState<QuotaCache | undefined>(poller?.snapshot.accounts && Object.keys(poller.snapshot.accounts).length ? poller.snapshot : undefined);
  const [now, setNow] = useState(() => clock.now());
  const staleAfterMs = (useSettings()?.settings ?? DEFAULT_SETTINGS).quota.staleAfterSeconds * 1000;
  const ready = useRef<Promise<void> | undefined>(undefined);
  // What is on the screen, for the subscription to compare a batch against (read there, not captured).
  // `from`: the poller's cache object the state copies. A render names its rows in `rendering`; they
  // become `drawn` when that render is committed, never during it: React may call the component and
  // throw the result away (a state update that came to nothing), and that render read entries the
  // poller had changed in place; kept as drawn, the batch that brings them would be skipped and the
  // rows would stay behind until the next tick (30 s on the home screen).
  const drawn = useRef<{shown?: readonly Account[]; entries: (QuotaCacheEntry | boolean | undefined)[]; from?: QuotaCache}>({entries: [], from: cache && poller?.snapshot});
  const rendering = useRef<Pick<typeof drawn.current, 'shown' | 'entries'>>({entries: []});
  rendering.current = {shown: undefined, entries: []};
  const drawing = (shown: readonly Account[]) => {
    rendering.current = {shown, entries: shownEntries(cache, shown, poller)};
  };
  useLayoutEffect(() => {
    drawn.current = {...drawn.current, ...rendering.current};
  });

  useEffect(() => clock.setInterval(() => setNow(clock.now()), tickMs), [clock, tickMs]);


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
    let latest: QuotaCache | undefined;
    let waiting = false;
    let cancelWait: (() => void) | undefined;
    const take = (c: QuotaCache) => {
      const {shown, entries, from} = drawn.current;
      // The poller updates its cache in place, so a copy is the new state. Skipped when nothing drawn
      // changed, unless the poller's cache is another object (re-read from the file): rows scrolled
      // into view later must read that one.
      if (!shown || c !== from || shownEntries(c, shown, poller).some((entry, i) => entry !== entries[i])) {
        drawn.current = {...drawn.current, from: c};
        setCache({...c});
      }
    };
    // A batch waits while keys come in (input-priority.ts); batches meanwhile are one update.
    const unsubscribe = poller.subscribe((c) => {
      latest = c;
      if (!alive || waiting) return;
      waiting = true;
      cancelWait = whenInputQuiet(() => {
        waiting = false;
        if (alive && latest) take(latest);
      });
    });
    const handle = poller.use([]);
    ready.current = handle.ready;
    const stop = watchCcsDir(() => void poller.reload(), 'quota');
    return () => {
      alive = false;
      cancelWait?.();
      unsubscribe();
      handle.release();
      stop();
    };
  }, [poller, paths, watchCcsDir]);

  useEffect(() => {
    if (poller && accounts) void ready.current?.then(() => poller.setAccounts(accounts));
  }, [poller, accounts]);

  return {cache, now, staleAfterMs, drawing, fetching: (account) => poller?.isFetching(account) ?? false};
}
