// "Classify outcome": what an upstream answer means for the request and the account. A success is
// streamed on; an error either belongs to the client (answered as is) or says the account cannot
// serve now (auth, quota, rate limit), which moves the request to the pool's next account and cools
// this one. A server error (5xx) or an overload (529, 503) is the provider's transient fault: the
// request moves on too, but no account is parked (issue 11; core/pool.ts SERVER_BACKOFF_MS).
// The provider's adapter names errors in its own terms first (iFlow's codes, also inside a 200).
import type {IncomingMessage} from 'node:http';
import {classifyUpstreamFailure, isOverloadAnswer, withProviderWait, type Credential, type UpstreamFailure} from '../core/pool.js';
import {headOf} from '../core/code-units.js';
import {cutText} from '../core/redact.js';
import {sanitizeLine} from '../core/sanitize.js';
import type {ProviderRow} from '../providers/table.js';
import {MAX_BODY_BYTES} from './client-request.js';
import {HttpError, type ProxyError} from './errors.js';
import {ERROR_BODY_WAIT_MS, networkFailureText, readWithin, transportFailure} from '../services/http.js';
import {forwardedResponseHeaders, isFinalStatus} from './upstream.js';

/** Error bodies read to decide about failover are small; a giant one is cut here. */
const MAX_ERROR_BODY = 256 * 1024;

export type Outcome =
  /** A success, body not read yet: stream it on. */
  | {kind: 'success'; status: number}
  /** A success whose body had to be read to rule out a hidden error. */
  | {kind: 'success-read'; status: number; text: string}
  /**
   * An error. `failure` set: the account cannot serve now (it cools; a `server` failure only backs
   * off when repeated, see core/pool.ts); `overload` set: the provider is overloaded, another account
   * may be tried but none cools; neither: the client's error. `own` set:
   * the proxy words the error itself (the upstream was not reached, or spoke in its own codes), and
   * the client gets it in its protocol's shape (server.ts answerError); unset: `upstreamText` is the
   * upstream's error body, which a pass-through client gets as is, with `status` and `headers`.
   */
  | {
      kind: 'error';
      status: number;
      headers: Record<string, string | string[]>;
      upstreamStatus: number;
      upstreamText: string;
      own?: ProxyError;
      failure?: UpstreamFailure;
      overload?: boolean;
    };

export type ErrorOutcome = Extract<Outcome, {kind: 'error'}>;

/**
 * The upstream never answered (refused, reset, timed out, name not found), or answered in a way
 * the proxy cannot check (`message` replaces the default then). That is the network's fault, not
 * the account's: no cooldown (`failure` unset), and the client gets 502 naming the cause, in its
 * protocol's shape, once no other account could be tried. `upstreamText` is the message (for logs).
 */
export function unreachable(url: string, error: unknown, message = networkFailureText(hostOf(url), transportFailure(error))): ErrorOutcome & {message: string} {
  return {kind: 'error', status: 502, headers: {'content-type': 'application/json'}, own: {message, type: 'api_error'}, upstreamStatus: 502, upstreamText: message, message};
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * An answer's outcome when it needs no look at the body (a success the adapter does not suspect
 * of hiding an error), without a wait; else undefined, and classifyOutcome reads the body.
 */
export function plainSuccess(row: ProviderRow, upstream: IncomingMessage, headers: Record<string, string>): Outcome | undefined {
  const status = upstream.statusCode!;
  // node:http takes any three digits, and hands a 101 over as an answer (nothing here asked for an
  // upgrade): no client can take those as one, and none is a success (a 101 passed on left its client
  // waiting for a body that never came).
  if (!isFinalStatus(status)) throw new HttpError(502, `upstream answered with an invalid status code (${status})`, 'api_error');
  if (status >= 400 || (row.adapter.mayHideErrorInSuccess?.(headers['content-type'] ?? '') ?? false)) return undefined;
  return {kind: 'success', status};
}

/**
 * The outcome of an answer plainSuccess left undefined (an error status, or a success the adapter
 * suspects of hiding an error), from its body read within MAX_ERROR_BODY.
 */
export async function classifyOutcome(row: ProviderRow, upstream: IncomingMessage, headers: Record<string, string>, now: number, credential: Credential = 'token'): Promise<Outcome> {
  const status = upstream.statusCode!;
  const isError = status >= 400;
  const mayHideError = !isError;

  // A success the adapter suspects (iFlow's error in a 200) is the answer itself: its body may take
  // as long as generating it does, and only the idle limit applies to it; it is read whole (as
  // deliver.ts reads an answer), never cut to an error's MAX_ERROR_BODY.
  const max = isError ? MAX_ERROR_BODY : MAX_BODY_BYTES;
  const {text, stalled, cut} = await readLimited(upstream, max, isError ? ERROR_BODY_WAIT_MS : undefined, !isError);
  if (stalled) return stalledError(status, headers, text, now, credential);
  if (cut && !isError) throw new HttpError(502, `upstream answer larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`, 'api_error');
  const named = row.adapter.namedError?.(status, text);
  if (mayHideError && !named) return {kind: 'success-read', status, text};
  if (named) {
    return {
      kind: 'error',
      status: named.status,
      headers: {'content-type': 'application/json', ...retryAfterOf(headers)},
      own: {message: named.message, type: named.type, code: named.code},
      upstreamStatus: status,
      upstreamText: text,
      // The provider's Retry-After holds for errors it names in its own terms too (iFlow's 8211 / 449).
      failure: named.failure && withProviderWait(named.failure, headers, now),
    };
  }
  const failure = classifyUpstreamFailure(status, headers, text, now, credential);
  return {
    kind: 'error',
    status,
    headers: forwardedResponseHeaders(upstream.headers),
    upstreamStatus: status,
    upstreamText: text,
    failure,
    ...(!failure && isOverloadAnswer(status, text) ? {overload: true} : {}),
  };
}

/**
 * A translated 200 that held only an error, before anything was sent (deliver.ts RefusedAnswer), as
 * the error answer it stands for: `status` is the one its code word names (translate/errors.ts
 * streamErrorStatus), `text` its error body (with the upstream's error object: the wait it names).
 * A rate or quota limit (429) is classified as a 429 status is, so the account cools and the request
 * moves to the pool's next one; an overload (503) tries the others, parking none. Any other is the
 * client's answer, sent nowhere else: a code word of no known kind (an image too large, a policy)
 * may be the request's own fault, and another account would only spend its usage on it too.
 * `headers` are the 200's (its Retry-After is kept; without one, the reset the error names is sent
 * as one). `own`: the proxy words it (a pass-through client, whose protocol has no translator to).
 */
export function refusedAnswerOutcome(status: number, text: string, headers: Record<string, string>, now: number, credential: Credential = 'token', own?: ProxyError): ErrorOutcome {
  const failure = status === 429 ? classifyUpstreamFailure(status, headers, text, now, credential) : undefined;
  const named: Record<string, string> = failure?.resetAt !== undefined && failure.resetAt > now ? {'retry-after': String(Math.ceil((failure.resetAt - now) / 1000))} : {};
  return {
    kind: 'error',
    status,
    headers: {'content-type': 'application/json', ...named, ...retryAfterOf(headers)},
    upstreamStatus: status,
    upstreamText: text,
    failure,
    ...(own ? {own} : {}),
    ...(status === 503 ? {overload: true} : {}),
  };
}

/** The upstream's Retry-After, kept on an answer the proxy rewrites: the client waits as the provider asked. */
export function retryAfterOf(headers: Record<string, string>): Record<string, string> {
  return headers['retry-after'] ? {'retry-after': headers['retry-after']} : {};
}

/**
 * An error answer whose body did not end within ERROR_BODY_WAIT_MS: classified by its status (and
 * what was read: a 5xx moves on to the pool's next account), and answered with the proxy's own
 * error naming the stall (the upstream's body is not whole), the provider's Retry-After kept.
 */
function stalledError(status: number, headers: Record<string, string>, text: string, now: number, credential: Credential): ErrorOutcome {
  const message = `upstream answered ${status} but its body did not end within ${ERROR_BODY_WAIT_MS / 1000} s${text ? ` (read: ${cutText(sanitizeLine(text), 200)})` : ''}`;
  const failure = classifyUpstreamFailure(status, headers, text, now, credential);
  return {
    kind: 'error',
    status,
    headers: {'content-type': 'application/json', ...retryAfterOf(headers)},
    own: {message, type: 'api_error'},
    upstreamStatus: status,
    upstreamText: message,
    failure,
    ...(!failure && isOverloadAnswer(status, text) ? {overload: true} : {}),
  };
}

/**
 * A body read whole, cut to `max` characters (the rest read and dropped, so its connection can be
 * used again; `cut` says the body was longer than `max` bytes). `stopPastMax`: the body is destroyed
 * once past `max` instead (a caller that refuses such a body: an upstream that sends on for ever is
 * not waited for). `waitMs`: when it has not ended that long after the read began, what came is
 * returned with `stalled` set (services/http.ts readWithin destroys the body). Rejects when it breaks.
 */
export async function readLimited(body: IncomingMessage, max: number, waitMs?: number, stopPastMax = false): Promise<{text: string; stalled: boolean; cut: boolean}> {
  const chunks: Buffer[] = [];
  let size = 0;
  const {stalled} = await readWithin(body, waitMs, async () => {
    for await (const chunk of body) {
      if (size < max) chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (stopPastMax && size > max) {
        body.destroy();
        break;
      }
    }
  });
  return {text: headOf(Buffer.concat(chunks).toString('utf8'), max), stalled, cut: size > max};
}
