// Which account comes next: most-headroom (default), fill-first, round-robin. Pure functions of the
// accounts, their quota windows by account id, and now; the rotate command, the TUI `r` and the
// proxy's pools all rank with these.
import {canServeNow, coolingNow, nextInTurn} from './accounts.js';
import {headroom, instantMs, isExhausted} from './quota.js';
import {windowLabel} from './quota-format.js';
import {formatCooldown} from './relative-time.js';
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

/**
 * The window that keeps `windows`' account from serving longest: of the used-up ones (by the cache),
 * the one whose reset comes last (`at`: ms since the epoch; NaN when its reset is unknown, which
 * outlasts any known one). Undefined when none is used up.
 */
export function usedUpWindow(windows: readonly QuotaWindow[], now: number): {window: QuotaWindow; at: number} | undefined {
  let last: {window: QuotaWindow; at: number} | undefined;
  for (const window of windows) {
    if (!isExhausted([window], now)) continue;
    const at = window.resetsAt ? instantMs(window.resetsAt) : Number.NaN;
    if (!last || Number.isNaN(at) || (!Number.isNaN(last.at) && at > last.at)) last = {window, at};
  }
  return last;
}

/** `its week quota (resets in 3d 2h (until …))`: a used-up window as usedUpWindow gives it. */
const usedUpText = ({window, at}: {window: QuotaWindow; at: number}, now: number) =>
  `its ${windowLabel(window.kind)} quota${Number.isNaN(at) ? '' : ` (resets in ${formatCooldown(new Date(at).toISOString(), now)})`}`;

/**
 * Why `account`, served alone, would likely be refused though it is usable: its quota used up by the
 * cache (`windows`: its own). Undefined when no window is used up. Beside accountTrouble, which
 * says a cooldown a proxy stored.
 */
export function usedUpTrouble(windows: readonly QuotaWindow[], now: number): string | undefined {
  const window = usedUpWindow(windows, now);
  return window && `has used up ${usedUpText(window, now)}: served alone, its requests would likely be refused until ${Number.isNaN(window.at) ? 'it resets' : 'then'}`;
}

/** How a pool rests (poolRest): its usable accounts, whether some cool down or have used up their quota, and when the first is back (ms; undefined: unknown). */
export interface PoolRest {
  usable: readonly Account[];
  cooling: boolean;
  usedUp: boolean;
  backAt: number | undefined;
}

/**
 * Whether a pool of `accounts` (one provider's) would likely refuse requests now: each account it
 * can serve (canServeNow) is cooling down (a wait a proxy stored) or has used up its quota by the
 * cache (`windows`). Undefined when one of them is free, or none is usable at all (the proxy's own
 * 503 says why then: noUsableAccount).
 */
export function poolRest(accounts: readonly Account[], windows: WindowsByAccount, now: number): PoolRest | undefined {
  const usable = accounts.filter((a) => canServeNow(a, now));
  if (usable.length === 0) return undefined;
  let back = Number.POSITIVE_INFINITY;
  let cooling = false;
  let usedUp = false;
  for (const account of usable) {
    const until = coolingNow(account, now) ? Date.parse(account.coolingUntil!) : undefined;
    const window = usedUpWindow(windowsOf(windows, account.id), now);
    if (until === undefined && !window) return undefined;
    cooling ||= until !== undefined;
    usedUp ||= window !== undefined;
    // Back once both end; an unknown reset is no known time to name.
    const at = Math.max(until ?? 0, window ? window.at : 0);
    if (!Number.isNaN(at)) back = Math.min(back, at);
  }
  return {usable, cooling, usedUp, backAt: Number.isFinite(back) ? back : undefined};
}

/**
 * Why a provider's pool has no account to serve with now, undefined when it has one: `no codex
 * account yet` or `none of the 2 claude accounts can serve now (paused, or needing you)`. A pool
 * started so answers 503 until an account is added or mended (it picks one up when it is).
 */
export function poolEmptyText(accounts: readonly Account[], provider: string, now: number): string | undefined {
  const own = accounts.filter((a) => a.provider === provider);
  if (own.some((a) => canServeNow(a, now))) return undefined;
  if (own.length === 0) return `no ${provider} account yet`;
  return `${own.length === 1 ? `the only ${provider} account cannot` : `none of the ${own.length} ${provider} accounts can`} serve now (paused, or needing you)`;
}

/**
 * poolRest in words: `all 2 usable claude accounts are cooling down or used up: the first is back in
 * 30m (until …)`; undefined when the pool does not rest.
 */
export function poolWaitText(accounts: readonly Account[], windows: WindowsByAccount, now: number): string | undefined {
  const rest = poolRest(accounts, windows, now);
  if (!rest) return undefined;
  const provider = rest.usable[0]!.provider;
  const one = rest.usable.length === 1;
  const state = rest.cooling && rest.usedUp ? (one ? 'cooling down and used up' : 'cooling down or used up') : rest.cooling ? 'cooling down' : 'used up';
  const when = rest.backAt !== undefined ? `: ${one ? '' : 'the first is '}back in ${formatCooldown(new Date(rest.backAt).toISOString(), now)}` : '';
  return `${one ? `the only usable ${provider} account is` : `all ${rest.usable.length} usable ${provider} accounts are`} ${state}${when}`;
}
