// Why a quota read failed, in the five kinds a person can act on. Stored in the cache and printed by
// `quota --json` as `error: {kind, message, retryAt}`.
import {formatLocalTime} from '../../core/relative-time.js';
import {NEEDS_LOGIN} from '../../core/accounts.js';
import {actionKey} from '../../core/keymap.js';
import type {ErrorSurface} from '../../core/types.js';
import {describeUserError} from '../../store/errors.js';
import {CorruptFileError} from '../../store/files.js';
import {SettingsUnreadableError} from '../../store/settings.js';
import {retryAfterSeconds, bodyExcerpt, hostOf, NetworkError, type HttpResponse} from '../http.js';

/**
 * `settings-unreadable`: tui.json is broken, so nothing was asked (store/settings.ts endpointOverrides).
 * `file`: a local file could not be read or written (a token file broken mid-edit, a dir that is not
 * writable); the message names it (and its line:col for a parse error).
 */
export type QuotaErrorKind = 'needs-login' | 'forbidden' | 'rate-limited' | 'network' | 'unexpected' | 'settings-unreadable' | 'file';

export interface QuotaErrorInfo {
  kind: QuotaErrorKind;
  message: string;
  /** Rate limited: RFC 3339 time of the next try. */
  retryAt?: string;
}

export class QuotaFetchError extends Error {
  constructor(
    readonly kind: QuotaErrorKind,
    message: string,
    /** Epoch ms of the next try (rate limited). */
    readonly retryAt?: number,
  ) {
    super(message);
    this.name = 'QuotaFetchError';
  }

  toInfo(): QuotaErrorInfo {
    return {kind: this.kind, message: this.message, ...(this.retryAt === undefined ? {} : {retryAt: new Date(this.retryAt).toISOString()})};
  }
}

/**
 * A quota error as people read it (TUI quota screen, `ccs-tui quota`): `re-login: <cause>`, the
 * account-table word for the kind (the JSON keeps `kind` as is). A broken tui.json is said briefly,
 * the same for every account: its file and position are said once (the command's warning, the
 * TUI's banner and the messages key).
 */
export function quotaErrorText(error: {kind: string; message: string}, surface: ErrorSurface = 'cli'): string {
  if (error.kind === 'settings-unreadable') {
    return surface === 'tui' ? `quota polls paused until tui.json is fixed (${actionKey('messages')} shows why)` : 'waiting: quota reads wait until tui.json is fixed';
  }
  return `${error.kind === 'needs-login' ? NEEDS_LOGIN : error.kind}: ${error.message}`;
}

/**
 * Why no quota is read while tui.json is broken (QuotaErrorInfo.message, for `quota --json`).
 * `cause`: the file, its line:col and what is wrong (store/settings.ts settingsUnreadable).
 */
export function settingsUnreadableQuotaError(cause: string): QuotaErrorInfo {
  return {kind: 'settings-unreadable', message: `${cause}; quota reads wait until it is fixed (its endpoint overrides are unknown, so no token is sent to any provider)`};
}

/** Back off this long after a 429 that does not say how long. */
export const DEFAULT_BACKOFF_MS = 5 * 60_000;

/** Turns a non-2xx answer into the error a person can act on; undefined for 2xx. */
export function classifyStatus(response: HttpResponse, url: string, now: number): QuotaFetchError | undefined {
  const {status} = response;
  if (status >= 200 && status < 300) return undefined;
  const where = hostOf(url);
  if (status === 401) return new QuotaFetchError('needs-login', `${where} answered 401: the token was not accepted`);
  if (status === 403) {
    const deactivated = /deactivat|disabled|suspend/i.test(response.text);
    return new QuotaFetchError(
      'forbidden',
      `${where} answered 403: ${deactivated ? 'the account is deactivated' : 'access forbidden'} (${bodyExcerpt(response, 120)})`,
    );
  }
  if (status === 429) {
    const after = retryAfterSeconds(response.headers, now);
    const retryAt = now + (after === undefined ? DEFAULT_BACKOFF_MS : after * 1000);
    return new QuotaFetchError('rate-limited', `${where} answered 429: rate limited, next try at ${formatLocalTime(new Date(retryAt).toISOString())}`, retryAt);
  }
  return new QuotaFetchError('unexpected', `${where} answered ${status}: ${bodyExcerpt(response, 120)}`);
}

/** Any failure as a QuotaFetchError (network errors and programming slips included, sanitised). */
export function asQuotaError(error: unknown): QuotaFetchError {
  if (error instanceof QuotaFetchError) return error;
  if (error instanceof NetworkError) return new QuotaFetchError('network', error.message);
  if (error instanceof SettingsUnreadableError) return new QuotaFetchError('settings-unreadable', settingsUnreadableQuotaError(error.why).message);
  // A local file's problem, worded as the command line words it (the file, its position or code).
  const local = error instanceof CorruptFileError || (error as NodeJS.ErrnoException | null)?.path !== undefined ? describeUserError(error) : undefined;
  if (local) return new QuotaFetchError('file', local.text);
  return new QuotaFetchError('unexpected', (error as Error)?.message ?? String(error));
}

/** An answer that lacks a field we need: names the field. */
export function missingField(url: string, field: string): QuotaFetchError {
  return new QuotaFetchError('unexpected', `${hostOf(url)}: unexpected response, field "${field}" is missing`);
}
