// Upstream errors → what clients understand. Upstream bodies differ: OpenAI and codex
// `{error: {message, type, code}}` (codex also `{detail}`), Google `{error: {code, message, status}}`
// (sometimes wrapped in an array), Anthropic `{type: "error", error: {type, message}}`, iFlow
// `{status, msg}` (with HTTP 200), or plain text.
import {cutText} from '../../core/redact.js';
import {asRecord, asString, field} from './json.js';
import {TranslateError, type TranslatedError} from './types.js';

/**
 * The most of an upstream's error message a client or the log gets (characters): a stream's error
 * event is not bounded as an error status's body is (the proxy's MAX_ERROR_BODY), and masking a
 * text of megabytes fails.
 */
export const ERROR_MESSAGE_MAX = 1000;
/** The most of the upstream's error object (JSON characters) kept with a stream's error (TranslateError.detail). */
const ERROR_DETAIL_MAX = 16 * 1024;
/** A code word longer than this is no code word (an identifier such as `rate_limit_exceeded`). */
const CODE_WORD_MAX = 200;

/** The human message of an upstream error body, whatever its shape; never longer than ERROR_MESSAGE_MAX chars. */
export function upstreamErrorMessage(status: number, body: string): string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    value = undefined;
  }
  if (Array.isArray(value)) value = value[0];
  const error = field(value, 'error');
  const message =
    asString(field(error, 'message')) ??
    asString(error) ??
    asString(field(value, 'detail')) ??
    asString(field(field(value, 'detail'), 'message')) ??
    asString(field(value, 'message')) ??
    asString(field(value, 'msg')) ??
    body.trim();
  return cutText(message || `the upstream answered ${status} with an empty body`, ERROR_MESSAGE_MAX);
}

/** The upstream's own error code or status word (`RESOURCE_EXHAUSTED`, `usage_limit_reached`...). */
export function upstreamErrorCode(body: string): string | undefined {
  try {
    let value = JSON.parse(body) as unknown;
    if (Array.isArray(value)) value = value[0];
    const error = asRecord(field(value, 'error'));
    return asString(error?.status) ?? asString(error?.type) ?? asString(error?.code);
  } catch {
    return undefined;
  }
}

/**
 * The code word of an OpenAI or Codex error object: its `code`, else its `type` (Codex names its
 * usage limit by `type` alone in its 429 bodies: `usage_limit_reached`); undefined when it has
 * neither. What streamErrorStatus reads.
 */
export function errorCodeWord(error: unknown): string | undefined {
  return asString(field(error, 'code')) ?? asString(field(error, 'type'));
}

/** Anthropic error `type` for an HTTP status (docs.anthropic.com "Errors"). */
export function anthropicErrorType(status: number): string {
  if (status === 400 || status === 422) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'billing_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  return 'api_error';
}

/**
 * The HTTP status an error reported inside a stream stands for, from the upstream's code word (an
 * Anthropic error event's `type`, OpenAI's `code` or `type`, Google's `status`): 429 for a rate or
 * quota limit, 503 for an overloaded or unavailable service (Codex's `slow_down`), 400 for a request it refused, else 502
 * (an account's key or token refused, `invalid_api_key`, is no fault of the client's request).
 */
export function streamErrorStatus(code: string | undefined): number {
  const word = (code ?? '').toLowerCase();
  if (/rate_limit|resource_exhausted|usage_limit|quota/.test(word)) return 429;
  // Codex names its capacity limits `server_is_overloaded` and `slow_down`.
  if (/overloaded|unavailable|slow_down/.test(word)) return 503;
  if (/api_key|auth|token|permission|unauthenticated|unauthorized|forbidden|billing|credential/.test(word)) return 502;
  if (/invalid|bad_request|context_length/.test(word)) return 400;
  return 502;
}

/** Anthropic error `type` for an error reported inside a stream, from the upstream's code word (streamErrorStatus). */
export function anthropicStreamErrorType(code: string | undefined): string {
  return anthropicErrorType(streamErrorStatus(code));
}

export function anthropicErrorBody(type: string, message: string): Record<string, unknown> {
  return {type: 'error', error: {type, message}};
}

/** An upstream error answered before the first byte → Anthropic status and body (status kept, so the pool's failover sees it). */
export function anthropicError(status: number, upstreamBody: string): TranslatedError {
  const httpStatus = status >= 400 && status <= 599 ? status : 502;
  return {status: httpStatus, body: anthropicErrorBody(anthropicErrorType(httpStatus), upstreamErrorMessage(status, upstreamBody))};
}

/**
 * The upstream's 200 held no answer (its error event, a body that is no answer, a stream that ended
 * before the turn did): an error status in the client's error shape, never a 200 the client reads as
 * an answer. The status is the one the error's code word stands for (`code`: streamErrorStatus, so a
 * rate limit stays a 429 the client waits on), 502 without one. One wording for every client
 * protocol and for a stream's whole failure (deliver.ts). The message is cut to ERROR_MESSAGE_MAX,
 * and an error object over ERROR_DETAIL_MAX keeps only its short fields (the wait it names).
 */
export function upstreamFailed(message: string, code?: string, detail?: Record<string, unknown>): TranslateError {
  const word = code !== undefined && code.length <= CODE_WORD_MAX ? code : undefined;
  return new TranslateError(`the upstream failed: ${cutText(message, ERROR_MESSAGE_MAX)}`, streamErrorStatus(word), word, detail && boundedDetail(detail));
}

/**
 * `detail` without its message (the TranslateError's own, cut, replaces it) when the rest is small
 * (smallJson, ERROR_DETAIL_MAX); else its small fields, and of an array its small entries among the
 * first ENTRIES_LOOKED_AT (Google names its wait in `details`, one entry among others), while they
 * fit in ERROR_DETAIL_MAX together.
 */
function boundedDetail(detail: Record<string, unknown>): Record<string, unknown> {
  const rest = Object.fromEntries(Object.entries(detail).filter(([name]) => name !== 'message'));
  if (smallJson(rest, ERROR_DETAIL_MAX)) return rest;
  let left = ERROR_DETAIL_MAX;
  const fits = (value: unknown) => {
    if (!smallJson(value, ENTRY_MAX)) return false;
    const size = JSON.stringify(value).length;
    if (size > left) return false;
    left -= size;
    return true;
  };
  // Built from pairs (a field named `__proto__` stays a field, never the object's prototype).
  const kept: Array<[string, unknown]> = [];
  for (const [name, value] of Object.entries(rest)) {
    if (Array.isArray(value)) {
      const entries = value.slice(0, ENTRIES_LOOKED_AT).filter(fits);
      if (entries.length > 0) kept.push([name, entries]);
    } else if (fits(value)) kept.push([name, value]);
  }
  return Object.fromEntries(kept);
}

/** The most of one field or array entry of a large error object kept (JSON characters). */
const ENTRY_MAX = 1024;
/** The entries of an array of a large error object looked at. */
const ENTRIES_LOOKED_AT = 256;

/**
 * Whether `value` as JSON is at most `max` characters and 32 levels deep: looked at without
 * recursion first, since JSON.stringify overflows the stack on a value nested some thousands deep.
 */
function smallJson(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  // Every value takes a character at least: more values than `max` is more JSON than that.
  let values = 1;
  while (pending.length > 0) {
    const [next, depth] = pending.pop()!;
    if (depth > 32) return false;
    if (typeof next === 'string' && next.length > max) return false;
    if (next === null || typeof next !== 'object') continue;
    values += Array.isArray(next) ? next.length : Object.keys(next).length;
    if (values > max) return false;
    for (const child of Object.values(next)) pending.push([child, depth + 1]);
  }
  return (JSON.stringify(value) ?? '').length <= max;
}

/**
 * An error object or event that has no message, as text in its place: its JSON, cut to
 * ERROR_MESSAGE_MAX; a plain phrase when it cannot be written (nested too deep for JSON.stringify).
 */
export function errorObjectText(value: unknown): string {
  try {
    return cutText(JSON.stringify(value) ?? 'the upstream reported an error without a message', ERROR_MESSAGE_MAX);
  } catch {
    return 'the upstream reported an error without a message (its error object could not be read)';
  }
}
