// Pure account rules: identity, lookup by what a person types, and which account comes next.
import type {Account} from './types.js';
import {UserError} from './types.js';

/**
 * The words for an account's health, the same in the TUI and `ccs-tui accounts`: an access token
 * past its expiry is "refresh due" (the next use refreshes it), never "expired" in one place and
 * "due" in another.
 */
export const HEALTH_TEXT: Record<Account['health'], string> = {
  ok: 'ok',
  expired: 'refresh due',
  'needs-login': '! re-login',
  'missing-token': '! no token',
  unreadable: '! corrupt',
};

/** An account that can serve requests right now (an expired access token can still be refreshed). */
export function isUsable(account: Account): boolean {
  return !account.paused && (account.health === 'ok' || account.health === 'expired');
}

/** What a person calls this account: nickname, else email, else id. */
export function accountLabel(account: Pick<Account, 'nickname' | 'email' | 'id'>): string {
  return account.nickname || account.email || account.id;
}

/**
 * Finds the account a person means by `<account>`: an id, a nickname or an email (the latter two
 * case-insensitively). Throws a UserError naming the candidates when it is not exactly one.
 */
export function findAccount(accounts: readonly Account[], provider: string, ref: string): Account {
  const inProvider = accounts.filter((a) => a.provider === provider);
  const exact = inProvider.find((a) => a.id === ref);
  if (exact) return exact;
  const wanted = ref.toLowerCase();
  const byNickname = inProvider.filter((a) => a.nickname?.toLowerCase() === wanted);
  const matches = byNickname.length > 0 ? byNickname : inProvider.filter((a) => a.email?.toLowerCase() === wanted);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new UserError(
      `"${ref}" matches ${matches.length} ${provider} accounts (${matches.map((a) => a.id).join(', ')}); use the account id`,
    );
  }
  const known = inProvider.map(accountLabel);
  throw new UserError(
    `no ${provider} account "${ref}"` + (known.length ? ` (accounts: ${known.join(', ')})` : ` (${provider} has no accounts)`),
  );
}

/**
 * Round-robin: the first usable account after the current default, wrapping around. Undefined when
 * no other usable account exists.
 */
export function nextInTurn(accounts: readonly Account[], currentId: string | undefined): Account | undefined {
  if (accounts.length === 0) return undefined;
  const start = accounts.findIndex((a) => a.id === currentId);
  for (let step = 1; step <= accounts.length; step++) {
    const candidate = accounts[(start + step + accounts.length) % accounts.length]!;
    if (candidate.id !== currentId && isUsable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Where a provider's default goes when its current default leaves (removed or paused): the next
 * usable account in turn, or none. One rule for `remove`, `pause`, the CLI and the TUI.
 */
export function defaultAfterLeaving(accounts: readonly Account[], leavingId: string): Account | undefined {
  return nextInTurn(accounts, leavingId);
}

/** Why `account` cannot be made the default as it is, or undefined. A paused account serves nothing. */
export function defaultProblem(account: Account): string | undefined {
  if (account.paused) return `${account.provider} account ${accountLabel(account)} is paused, so it cannot be the default`;
  return undefined;
}

/** What a pause did to the default, for a status line: `; default is now home`, or ''. */
export function defaultMoveNote(movedTo: Account | null | undefined): string {
  if (movedTo === undefined) return '';
  return movedTo ? `; default is now ${accountLabel(movedTo)}` : '; no usable account is left to be the default';
}

/** Nickname rules: what `rename` accepts. Returns an error message or undefined. */
export function nicknameProblem(nickname: string, others: readonly Account[]): string | undefined {
  const trimmed = nickname.trim();
  if (trimmed === '') return 'a nickname cannot be empty';
  if (trimmed.length > 50) return 'a nickname is at most 50 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return 'a nickname cannot contain control characters';
  const clash = others.find((a) => a.nickname?.toLowerCase() === trimmed.toLowerCase());
  if (clash) return `nickname "${trimmed}" is already used by ${clash.email || clash.id}`;
  return undefined;
}
