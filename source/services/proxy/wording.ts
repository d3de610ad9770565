// How a running proxy is described to a person, one wording for `ccs-tui proxy status` and the TUI's
// proxy screen: what it serves, which accounts wait (cooling, tried last), and that none runs.
import {isUsable} from '../../core/accounts.js';
import {formatCooldown} from '../../core/relative-time.js';
import {sanitizeLine} from '../../core/sanitize.js';
import type {Account} from '../../core/types.js';
import {SERVED_BY_MODEL, TRIED_LAST_NOTE, type ProxyStatus} from './ipc.js';

/**
 * What a proxy serves. `pinned`: started (or switched) for one account, else the provider's pool of
 * `poolSize` usable accounts, `account` the one serving now (the status's label).
 */
export interface ServingFacts {
  provider?: string;
  account?: string;
  pinned: boolean;
  poolSize?: number;
}

/** Usable accounts of `provider` (what its pool rotates over). */
export function poolSize(accounts: readonly Account[], provider: string): number {
  return accounts.filter((a) => a.provider === provider && isUsable(a)).length;
}

/**
 * "claude / four@example.com" (one account), "claude / pool of 2 · now four@example.com" (a pool;
 * "claude / pool · now …" while its size is not known),
 * or SERVED_BY_MODEL (no provider: the request's model picks it). Labels are sanitised.
 */
export function servingText({provider, account, pinned, poolSize: size}: ServingFacts): string {
  if (!provider) return SERVED_BY_MODEL;
  const now = account ? sanitizeLine(account) : '—';
  return pinned ? `${provider} / ${now}` : `${provider} / ${size === undefined ? 'pool' : `pool of ${size}`} · now ${now}`;
}

/**
 * One line per waiting account of a status (`now`: epoch ms), e.g. "cooling: claude/me 1m 59s
 * (until 04:49:52) (rate limited)", or "tried last: … (upstream error 500, 2 in a row), still
 * serves when no other account can" for a server-error backoff (no bar: see ipc.ts TRIED_LAST_NOTE).
 */
export function coolingLines(cooling: ProxyStatus['cooling'] | undefined, now: number): string[] {
  return (cooling ?? []).map(
    (c) => `${c.triedLast ? 'tried last' : 'cooling'}: ${sanitizeLine(c.provider)}/${sanitizeLine(c.account)} ${c.triedLast ? 'for ' : ''}${formatCooldown(c.until, now)} (${sanitizeLine(c.reason)})${c.triedLast ? `, ${TRIED_LAST_NOTE}` : ''}`,
  );
}

/** That no proxy runs, and how to start one (`how`: a command or a key). */
export const noProxyText = (how: string) => `no proxy is running (start one: ${how})`;
