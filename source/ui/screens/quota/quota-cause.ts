// Why an account shows no quota numbers, in a few words, for the places that would otherwise say
// only `?`: the detail screen's Quota row and the quota screen. One wording for both.
import {NEEDS_LOGIN} from '../../../core/accounts.js';
import {actionKey} from '../../../core/keymap.js';
import {formatDuration} from '../../../core/relative-time.js';
import type {Account} from '../../../core/types.js';
import type {QuotaCacheEntry} from '../../../services/quota/cache.js';
import type {QuotaErrorInfo} from '../../../services/quota/errors.js';
import {NO_QUOTA_SOURCE} from '../../../services/quota/no-source.js';
import {hasQuotaSource} from '../../../services/quota/service.js';

/**
 * The cause in a few words: `no quota source` (the provider reports none), `fetching…`, `never
 * fetched (R reads it)`, the last error's short form (`401 re-login`, `429 rate limited, next try
 * in 4m`, `network error`), or `no current window` when the numbers read have all expired.
 */
export function quotaCause(account: Account, entry: QuotaCacheEntry | undefined, fetching: boolean, now: number): string {
  if (!hasQuotaSource(account.provider)) return `${NO_QUOTA_SOURCE} for ${account.provider}`;
  if (fetching) return 'fetching…';
  if (entry?.error) return shortQuotaError(entry.error, now);
  if (!entry?.fetchedAt) return `never fetched (${actionKey('quota.refresh', 'detail')} reads it)`;
  return `no current window (${actionKey('quota.refresh', 'detail')} reads it again)`;
}

/** A quota error in a few words: the HTTP status when there was one, then what to do. */
export function shortQuotaError(error: QuotaErrorInfo, now: number): string {
  const status = /answered (\d{3})/.exec(error.message)?.[1];
  const code = status ? `${status} ` : '';
  switch (error.kind) {
    case 'needs-login':
      return `${code}${NEEDS_LOGIN}`;
    case 'forbidden':
      return `${code}${/deactivated/.test(error.message) ? 'account deactivated' : 'forbidden'}`;
    case 'rate-limited':
      return `${code}rate limited${error.retryAt ? `, next try in ${formatDuration(Date.parse(error.retryAt) - now)}` : ''}`;
    case 'network':
      return 'network error';
    case 'unexpected':
      return status ? `HTTP ${status}` : 'unexpected answer';
    case 'file':
      return 'local file error (the quota screen says which)';
    case 'settings-unreadable':
      return `paused until tui.json is fixed (${actionKey('messages')} shows why)`;
  }
}
