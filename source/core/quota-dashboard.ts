// The quota dashboard as data: one row per account with its windows as they stand now, headroom,
// the binding window, and ★ on the account each provider's pool serves next; plus the column maths that fits the
// rows into any width. Pure: the screen only draws what this returns.
import {canServeNow} from './accounts.js';
import {cellWidth} from './cells.js';
import {servedNext, type ServedNow} from './pool.js';
import type {RotationStrategy} from './rotation.js';
import {bindingWindow, currentWindows, headroom, isExhausted, nextReset, sortWindows} from './quota.js';
import {windowLabel} from './quota-format.js';
import type {Account, QuotaWindow, QuotaWindowKind} from './types.js';

/** What the cache holds per account (kept structural: core knows no services). */
export interface QuotaEntryLike {
  windows: readonly QuotaWindow[];
  fetchedAt?: string;
  error?: {kind: string; message: string; retryAt?: string};
}

export interface QuotaRow {
  account: Account;
  /** Windows as they stand now (passed resets read 0 %, old numbers stale), display order. */
  windows: QuotaWindow[];
  headroom: number | null;
  binding?: QuotaWindowKind;
  /** The account its provider's pool serves next (servedNextKeys): the same answer as the proxy's. */
  best: boolean;
  exhausted: boolean;
  error?: QuotaEntryLike['error'];
  /** Milliseconds since the last read, when there was one. */
  ageMs?: number;
  stale: boolean;
}

/** `provider NUL id`: an account's key among every provider's (the keys servedNextKeys returns). */
export const keyOf = (account: Pick<Account, 'provider' | 'id'>) => `${account.provider}\u0000${account.id}`;

export type {ServedNow};

/** The accounts of each provider, in the order given (providers in the order first met). */
export function accountsByProvider<A extends Account>(accounts: readonly A[]): Map<string, A[]> {
  const groups = new Map<string, A[]>();
  for (const account of accounts) {
    const mine = groups.get(account.provider);
    if (mine) mine.push(account);
    else groups.set(account.provider, [account]);
  }
  return groups;
}

/**
 * ★, on the accounts list and the quota dashboard alike: for each provider, the account its pool
 * serves next, the pool's own answer (core/pool.ts servedNext, never a second ranking) over all the
 * provider's `accounts` (every account, not only the rows shown) and their cached windows as the proxy
 * reads them. `servedNow`: what a running proxy serving one provider says it serves next (its status),
 * that provider's answer, also when it serves one account alone; any other provider's is where a proxy
 * started now would begin, for a provider with two usable accounts or more (one alone is no pool to
 * choose in). Keys: provider, NUL, account id.
 */
export function servedNextKeys(
  accounts: readonly Account[],
  entryOf: (account: Account) => QuotaEntryLike | undefined,
  strategy: RotationStrategy,
  now: number,
  servedNow?: ServedNow,
): Set<string> {
  const keys = new Set<string>();
  for (const [provider, mine] of accountsByProvider(accounts)) {
    if (servedNow?.provider !== provider && mine.filter((a) => canServeNow(a, now)).length < 2) continue;
    const windows = new Map(mine.map((a) => [a.id, entryOf(a)?.windows ?? []] as const));
    const next = servedNext(mine, strategy, windows, now, servedNow);
    if (next) keys.add(keyOf(next));
  }
  return keys;
}

/**
 * When servedNextKeys over the same accounts and cache may answer otherwise with time alone (ms since
 * the epoch; Infinity: not before they change): the earliest reset ahead of a usable account's
 * window (its room goes back to 100 %) or end of a stored cooldown (it serves again). Nothing else in
 * the ranking moves with the clock, so the ★ need not be worked out again on every tick.
 */
export function servedNextChangesAt(accounts: readonly Account[], entryOf: (account: Account) => QuotaEntryLike | undefined, now: number): number {
  let at = Number.POSITIVE_INFINITY;
  for (const account of accounts) {
    if (!canServeNow(account, now)) continue;
    const reset = nextReset(entryOf(account)?.windows ?? [], now);
    if (reset !== undefined && reset < at) at = reset;
    const coolingEnd = account.coolingUntil ? Date.parse(account.coolingUntil) : Number.NaN;
    if (coolingEnd > now && coolingEnd < at) at = coolingEnd;
  }
  return at;
}

/**
 * Rows for the accounts, grouped by provider (in the order given) and sorted by headroom within
 * each; accounts whose headroom is unknown come last. `servedNext`: servedNextKeys (★).
 */
export function quotaRows(
  accounts: readonly Account[],
  entryOf: (account: Account) => QuotaEntryLike | undefined,
  now: number,
  staleAfterMs: number,
  servedNext: ReadonlySet<string> = new Set(),
): QuotaRow[] {
  const rows = accounts.map((account, order) => {
    const entry = entryOf(account);
    const windows = sortWindows(currentWindows(entry?.windows ?? [], now, staleAfterMs));
    const fetchedAt = entry?.fetchedAt ? Date.parse(entry.fetchedAt) : Number.NaN;
    const row: QuotaRow = {
      account,
      windows,
      headroom: headroom(windows, now),
      binding: windows.length > 1 ? bindingWindow(windows, now)?.kind : undefined,
      best: servedNext.has(keyOf(account)),
      exhausted: isExhausted(windows, now),
      error: entry?.error,
      ageMs: Number.isNaN(fetchedAt) ? undefined : Math.max(0, now - fetchedAt),
      stale: windows.some((w) => w.stale),
    };
    return {row, order};
  });

  const providerOrder = new Map<string, number>();
  for (const account of accounts) if (!providerOrder.has(account.provider)) providerOrder.set(account.provider, providerOrder.size);
  rows.sort((a, b) => {
    const byProvider = providerOrder.get(a.row.account.provider)! - providerOrder.get(b.row.account.provider)!;
    if (byProvider) return byProvider;
    const ha = a.row.headroom;
    const hb = b.row.headroom;
    if (ha === null || hb === null) return ha === hb ? a.order - b.order : ha === null ? 1 : -1;
    return hb - ha || a.order - b.order;
  });

  return rows.map((r) => r.row);
}

/** The windows a row shows first: 5 h and weekly where they exist, else the first two. */
export function summaryWindows(windows: readonly QuotaWindow[]): QuotaWindow[] {
  const main = windows.filter((w) => w.kind === '5h' || w.kind === 'weekly');
  return (main.length > 0 ? main : windows).slice(0, 2);
}

export interface QuotaLayout {
  /** Window cells side by side on a line. */
  perLine: number;
  cellWidth: number;
  labelWidth: number;
  barWidth: number;
  /** Lines per account: one for the account, then the window lines. */
  rowHeight: number;
}

/** Columns of a window cell besides label and bar: the space after the label, ` 100%▲◆ 2h 10m` and a gap of 2. */
const CELL_FIXED = 17;
const MIN_BAR = 10;
const MAX_BAR = 30;

/**
 * How window cells fit `width` columns: as many per line as fit with a bar of at least 10 cells
 * (never more than there are windows), then the bars grow into the room left, up to 30 cells.
 */
export function quotaLayout(width: number, rows: readonly Pick<QuotaRow, 'windows'>[]): QuotaLayout {
  const maxWindows = Math.max(1, ...rows.map((r) => r.windows.length));
  const labels = rows.flatMap((r) => r.windows.map((w) => cellWidth(windowLabel(w.kind))));
  const labelWidth = Math.min(width >= 120 ? 16 : 9, Math.max(4, ...labels));
  // Window lines are indented by 3 columns under the account line.
  const usable = Math.max(1, width - 3);
  const minCell = labelWidth + MIN_BAR + CELL_FIXED;
  const perLine = Math.max(1, Math.min(maxWindows, Math.floor(usable / minCell)));
  const columns = Math.floor(usable / perLine);
  const barWidth = Math.max(1, Math.min(MAX_BAR, columns - labelWidth - CELL_FIXED));
  return {perLine, cellWidth: columns, labelWidth, barWidth, rowHeight: 1 + Math.ceil(maxWindows / perLine)};
}
