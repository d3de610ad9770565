// How the accounts list is ordered (home, `o` cycles): as registered, by name, by token expiry
// (soonest first: what needs attention), or by quota headroom (most room first, unknown last).
import {accountLabel} from './accounts.js';
import {headroom} from './quota.js';
import type {Account, QuotaWindow} from './types.js';

export const ACCOUNT_ORDERS = ['registered', 'name', 'expiry', 'headroom'] as const;
export type AccountOrder = (typeof ACCOUNT_ORDERS)[number];

export const nextOrder = (order: AccountOrder): AccountOrder => ACCOUNT_ORDERS[(ACCOUNT_ORDERS.indexOf(order) + 1) % ACCOUNT_ORDERS.length]!;

/** `accounts` in `order`; ties and unknowns keep their registered order. */
export function sortAccounts<A extends Account>(accounts: readonly A[], order: AccountOrder, windowsOf: (a: A) => readonly QuotaWindow[] | undefined, now: number): A[] {
  const indexed = accounts.map((account, index) => ({account, index}));
  const key = (a: A): number | string | null => {
    switch (order) {
      case 'registered':
        return 0;
      case 'name':
        return accountLabel(a).toLowerCase();
      case 'expiry':
        return a.expiresAt ? Date.parse(a.expiresAt) : null;
      case 'headroom': {
        const room = headroom(windowsOf(a) ?? [], now);
        return room === null ? null : -room;
      }
    }
  };
  return indexed
    .map((e) => ({...e, k: key(e.account)}))
    .sort((x, y) => {
      if (x.k === y.k) return x.index - y.index;
      if (x.k === null) return 1;
      if (y.k === null) return -1;
      return x.k < y.k ? -1 : x.k > y.k ? 1 : x.index - y.index;
    })
    .map((e) => e.account);
}
