import {useRef} from 'react';
import {servedNextChangesAt, servedNextKeys, type QuotaEntryLike} from '../../core/quota-dashboard.js';
import type {ServedNow} from '../../core/pool.js';
import type {RotationStrategy} from '../../core/rotation.js';
import type {Account} from '../../core/types.js';
import {useServices} from '../services.js';
import {useRedrawAt} from './useRedrawAt.js';

type Cache = {accounts: Readonly<Record<string, Readonly<Record<string, QuotaEntryLike>> | undefined>>} | undefined;

/**
 * ★ on the accounts list and the quota screen: servedNextKeys over every account (the snapshot's),
 * worked out again only when the accounts, the quota cache, the strategy or the running proxy's answer
 * change, or the clock passes servedNextChangesAt (a reset, a cooldown's end), when the screen is
 * drawn again for it. Not on every tick of a quota clock: ranking 1,000 accounts each second was a
 * good part of what a steady screen cost, and the accounts list's clock ticks only every 30 s, which
 * left the ★ behind a cooldown's end. The same Set while the answer holds.
 */
export function useServedNext(snapshotAccounts: readonly Account[] | undefined, cache: Cache, strategy: RotationStrategy, servedNow: ServedNow | undefined): ReadonlySet<string> {
  const accounts = snapshotAccounts ?? NO_ACCOUNTS;
  const now = useServices().clock.now();
  const last = useRef<{accounts: readonly Account[]; cache: Cache; strategy: RotationStrategy; servedNow?: ServedNow; until: number; keys: ReadonlySet<string>}>(undefined);
  const held = last.current;
  if (!held || held.accounts !== accounts || held.cache !== cache || held.strategy !== strategy || !sameServedNow(held.servedNow, servedNow) || now >= held.until) {
    const entryOf = (a: Account) => cache?.accounts[a.provider]?.[a.id];
    const keys = servedNextKeys(accounts, entryOf, strategy, now, servedNow);
    last.current = {accounts, cache, strategy, servedNow, until: servedNextChangesAt(accounts, entryOf, now), keys: held && sameKeys(held.keys, keys) ? held.keys : keys};
  }
  const {until, keys} = last.current!;
  useRedrawAt(Number.isFinite(until) ? until : undefined);
  return keys;
}

const NO_ACCOUNTS: readonly Account[] = [];
const sameServedNow = (a: ServedNow | undefined, b: ServedNow | undefined) => a?.provider === b?.provider && a?.accountId === b?.accountId;
const sameKeys = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((k) => b.has(k));
