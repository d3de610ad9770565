import {useRef} from 'react';
import {accountsByProvider, servedNextChangesAt, servedNextKeys, type QuotaEntryLike} from '../../core/quota-dashboard.js';
import type {ServedNow} from '../../core/pool.js';
import type {RotationStrategy} from '../../core/rotation.js';
import type {Account, QuotaWindow} from '../../core/types.js';
import {useServices} from '../services.js';
import {useRedrawAt} from './useRedrawAt.js';

type Cache = {accounts: Readonly<Record<string, Readonly<Record<string, QuotaEntryLike>> | undefined>>} | undefined;

/** One provider's ★ as last worked out, and what it was worked out from (compared by identity). */
interface ProviderAnswer {
  accounts: readonly Account[];
  windows: readonly (readonly QuotaWindow[] | undefined)[];
  /** The running proxy's answer, when it is for this provider (it names none of the others). */
  served?: string;
  key?: string;
  until: number;
}

/**
 * ★ on the accounts list and the quota screen: servedNextKeys over every account (the snapshot's),
 * worked out again only when the accounts, the quota cache, the strategy or the running proxy's answer
 * change, or the clock passes servedNextChangesAt (a reset, a cooldown's end), when the screen is
 * drawn again for it. Not on every tick of a quota clock: ranking 1,000 accounts each second was a
 * good part of what a steady screen cost, and the accounts list's clock ticks only every 30 s, which
 * left the ★ behind a cooldown's end. Each provider's ★ depends on its own accounts and quota alone,
 * so only the providers whose accounts or quota windows changed are ranked again: during a poll each
 * result or refreshed token is one provider's, and ranking all 1,000 for it was most of a redraw's
 * cost. The same Set while the answer holds.
 */
export function useServedNext(snapshotAccounts: readonly Account[] | undefined, cache: Cache, strategy: RotationStrategy, servedNow: ServedNow | undefined): ReadonlySet<string> {
  const accounts = snapshotAccounts ?? NO_ACCOUNTS;
  const now = useServices().clock.now();
  const last = useRef<{accounts: readonly Account[]; cache: Cache; strategy: RotationStrategy; servedNow?: ServedNow; until: number; keys: ReadonlySet<string>; answers: Map<string, ProviderAnswer>}>(undefined);
  const held = last.current;
  if (!held || held.accounts !== accounts || held.cache !== cache || held.strategy !== strategy || !sameServedNow(held.servedNow, servedNow) || now >= held.until) {
    const entryOf = (a: Account) => cache?.accounts[a.provider]?.[a.id];
    const answers = new Map<string, ProviderAnswer>();
    for (const [provider, mine] of accountsByProvider(accounts)) {
      const windows = mine.map((a) => entryOf(a)?.windows);
      const served = servedNow?.provider === provider ? servedNow.accountId : undefined;
      const before = held?.strategy === strategy ? held.answers.get(provider) : undefined;
      if (before && now < before.until && before.served === served && sameItems(before.accounts, mine) && sameItems(before.windows, windows)) {
        answers.set(provider, before);
        continue;
      }
      const [key] = servedNextKeys(mine, entryOf, strategy, now, servedNow);
      answers.set(provider, {accounts: mine, windows, served, key, until: servedNextChangesAt(mine, entryOf, now)});
    }
    const keys = new Set<string>();
    let until = Number.POSITIVE_INFINITY;
    for (const answer of answers.values()) {
      if (answer.key !== undefined) keys.add(answer.key);
      until = Math.min(until, answer.until);
    }
    last.current = {accounts, cache, strategy, servedNow, until, keys: held && sameKeys(held.keys, keys) ? held.keys : keys, answers};
  }
  const {until, keys} = last.current!;
  useRedrawAt(Number.isFinite(until) ? until : undefined);
  return keys;
}

const NO_ACCOUNTS: readonly Account[] = [];
const sameServedNow = (a: ServedNow | undefined, b: ServedNow | undefined) => a?.provider === b?.provider && a?.accountId === b?.accountId && a?.pinned === b?.pinned;
const sameKeys = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((k) => b.has(k));
const sameItems = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((item, i) => item === b[i]);
