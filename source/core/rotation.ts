// Which account comes next: most-headroom (default), fill-first, round-robin. Pure functions of the
// accounts, their quota windows by account id, and now; the rotate command, the TUI `r` and the
// proxy's pools all rank with these.
import {canServeNow, coolingNow, nextInTurn} from './accounts.js';
import {headroom, isExhausted} from './quota.js';
import {quoted} from './sanitize.js';
import {UserError, type Account, type QuotaWindow} from './types.js';

/** The strategies, in the order they are named (tui.json's check of `rotation.strategy` lists them). */
export const ROTATION_STRATEGIES = ['most-headroom', 'fill-first', 'round-robin'] as const;

/** How the next account is picked, for `rotate`, the TUI's `r` and the proxy's pools alike (tui.json `rotation.strategy`). */
export type RotationStrategy = (typeof ROTATION_STRATEGIES)[number];
export type WindowsByAccount = ReadonlyMap<string, readonly QuotaWindow[]> | Readonly<Record<string, readonly QuotaWindow[]>>;

function windowsOf(windows: WindowsByAccount, id: string): readonly QuotaWindow[] {
  return (windows instanceof Map ? windows.get(id) : (windows as Record<string, readonly QuotaWindow[]>)[id]) ?? [];
}

/** Usable (not paused, not needing login) and not out of quota in any window. */
export function canServe(account: Account, windows: WindowsByAccount, now: number): boolean {
  return canServeNow(account, now) && !isExhausted(windowsOf(windows, account.id), now);
}

/**
 * Accounts that can serve, best first by headroom over ALL windows (the least room left in any one):
 * an account with a used-up week is excluded even when its 5-hour window looks fine. Accounts whose
 * quota is unknown come after every account with known room, in their original order. `after` (a
 * rotation off that account): accounts of equal room in turn after it instead (wrapping around, it
 * last), so that rotating again and again reaches each of them, not the first two by turns.
 */
export function rankByHeadroom<A extends Account>(accounts: readonly A[], windows: WindowsByAccount, now: number, after?: string): A[] {
  const at = after === undefined ? -1 : accounts.findIndex((a) => a.id === after);
  const turn = (index: number) => (at === -1 ? index : (index - at - 1 + accounts.length) % accounts.length);
  const scored: {account: A; order: number; room: number | null}[] = [];
  accounts.forEach((account, index) => {
    if (canServe(account, windows, now)) scored.push({account, order: turn(index), room: headroom(windowsOf(windows, account.id), now)});
  });
  scored.sort((a, b) => {
    if (a.room === null || b.room === null) return a.room === b.room ? a.order - b.order : a.room === null ? 1 : -1;
    return b.room - a.room || a.order - b.order;
  });
  return scored.map((s) => s.account);
}

/**
 * The account to rotate to from `currentId` under a strategy, or undefined when no other account can
 * serve. Exhausted, paused, needs-login and cooling accounts are never chosen.
 */
export function chooseNext(
  strategy: RotationStrategy,
  accounts: readonly Account[],
  currentId: string | undefined,
  windows: WindowsByAccount,
  now: number,
): Account | undefined {
  // An account cooling down after a limit (a proxy stored its wait) is no account to rotate to: the
  // pool would pass it over, and the rotation would seem to do nothing. Skipped under every strategy.
  accounts = accounts.filter((a) => a.id === currentId || !coolingNow(a, now));
  const others = accounts.filter((a) => a.id !== currentId);
  switch (strategy) {
    case 'most-headroom':
      return rankByHeadroom(accounts, windows, now, currentId).find((a) => a.id !== currentId);
    case 'fill-first':
      // Registry order: keep using the earliest account until it runs out.
      return others.find((a) => canServe(a, windows, now));
    case 'round-robin': {
      const serving = accounts.filter((a) => a.id === currentId || canServe(a, windows, now));
      return nextInTurn(serving, currentId, now);
    }
    default: {
      // tui.json's reader refuses any other value; one that still got here is said, never taken for
      // "no account can serve".
      const unknown: never = strategy;
      const said = typeof unknown === 'string' ? quoted(unknown) : unknown === null || typeof unknown !== 'object' ? String(unknown) : 'an object';
      throw new UserError(`unknown rotation strategy ${said} (tui.json "rotation.strategy" must be one of ${ROTATION_STRATEGIES.join(', ')})`);
    }
  }
}
