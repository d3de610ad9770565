// Requests to a provider's token endpoint, with its body encoding (form or JSON) and client
// authentication (none, secret in the body, HTTP Basic), and the OAuth error they can answer.
import {redactSecrets} from '../../core/sanitize.js';
import {bodyExcerpt, hostOf, jsonBody, requestSecrets, retryAfterSeconds, UnexpectedResponseError, type HttpClient, type HttpResponse} from '../http.js';
import type {ResolvedProvider} from './provider-config.js';
import {parseJsonObject} from '../../core/json-object.js';
import {credentialsOf, excerpt, REASON_CHARS, Redactor, SHOWN_TEXT} from '../../core/redact.js';

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  id_token?: string;
  token_type?: string;
  scope?: string;
  [key: string]: unknown;
}

/** The token endpoint said no: `error` is the OAuth error code (`invalid_grant`, `slow_down`, …). */
export class OAuthError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly error: string,
    readonly description: string | undefined,
    /** Seconds from Retry-After, on a 429. */
    readonly retryAfter?: number,
  ) {
    // A 429 is a request put off, not refused: the grant still holds (said so, not `refused: rate_limited`).
    // A 404 or 405 without an OAuth error code is no token endpoint's answer: the address is what is
    // wrong (a mistyped endpoints.<provider>.token), said so rather than `refused`.
    // A server error with no OAuth code is a failure of the server, not a refusal of the grant (whose
    // fate it leaves unknown: services/refresh.ts treats it so), said as what it answered.
    super(
      status === 429 ? `${hostOf(url)} is rate limiting: ${oauthCause(error, description)}`
      : error === `http_${status}` && (status === 404 || status === 405) ? `${hostOf(url)} is no token endpoint (it answered ${status}${description ? `: ${description}` : ''}): is that address right?`
      : error === `http_${status}` && status >= 500 ? `${hostOf(url)} failed (it answered ${status}${description ? `: ${description}` : ''})`
      : `${hostOf(url)} refused: ${oauthCause(error, description)}`,
    );
    this.name = 'OAuthError';
  }

  /** The server's reason in the one way causes are written: `refresh token revoked (invalid_grant)`. */
  get reason(): string {
    return oauthCause(this.error, this.description);
  }
}

/** An OAuth error as a cause: the server's words first, its code in parentheses (`… (invalid_grant)`), or the code alone. */
export function oauthCause(code: string, description: string | undefined): string {
  const words = description?.trim().replace(/\.$/, '');
  return words ? `${words} (${code})` : code;
}

export interface TokenRequestOptions {
  url: string;
  params: Record<string, string>;
  /** The account's device id, for providers whose auth server wants one in its headers (adapter.authHeaders). */
  deviceId?: string;
  signal?: AbortSignal;
  /** Header and body timeout, ms (the HTTP client's default when undefined). */
  timeoutMs?: number;
}

/** Headers a provider wants on every call to its auth server. */
export function authHeaders(resolved: ResolvedProvider, deviceId?: string): Record<string, string> {
  const headers: Record<string, string> = {Accept: 'application/json'};
  Object.assign(headers, resolved.row.adapter.authHeaders?.(deviceId));
  return headers;
}

export async function postToken(http: HttpClient, resolved: ResolvedProvider, options: TokenRequestOptions): Promise<TokenResponse> {
  const response = await sendTokenRequest(http, resolved, options);
  // The credentials among the params, not every value: `grant_type=refresh_token` masked would turn
  // the error code `refresh_token_reused` into `refr…oken_reused`, which no longer ends the grant.
  return parseTokenResponse(response, options.url, requestSecrets({url: options.url, body: options.params}));
}

/** Sends the request without interpreting the answer (device polls classify it themselves). */
export async function sendTokenRequest(http: HttpClient, resolved: ResolvedProvider, options: TokenRequestOptions): Promise<HttpResponse> {
  const {row, clientId, clientSecret} = resolved;
  const flow = row.logins.find((f) => f.kind === 'auth-code');
  const tokenAuth = flow?.kind === 'auth-code' ? flow.tokenAuth : 'none';
  const tokenBody = flow?.kind === 'auth-code' ? flow.tokenBody : 'form';
  const headers = authHeaders(resolved, options.deviceId);
  const params: Record<string, string> = {...options.params};
  if (clientId) params.client_id = clientId;
  if (clientSecret && (tokenAuth === 'client-secret-post' || tokenAuth === 'basic')) params.client_secret = clientSecret;
  if (tokenAuth === 'basic' && clientSecret) {
    headers.Authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  }
  return http.send({
    url: options.url,
    method: 'POST',
    headers,
    body: tokenBody === 'json' ? params : new URLSearchParams(params),
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  });
}

/**
 * A 2xx answer that is not a token response (no access token, an error code beside it, not JSON): the
 * server answered, it did not refuse. `refreshToken`: a new refresh token it carried all the same.
 * A refresh that gets one has spent the refresh token it sent (rotated): the new one is the only live
 * grant, and must be kept (services/refresh.ts).
 */
export class NotTokenResponseError extends UnexpectedResponseError {
  /** Private, not a field: an error's fields are text that is masked and shown (credential-redactor.ts maskError). */
  readonly #refreshToken: string | undefined;

  constructor(url: string, status: number, detail: string, refreshToken?: string) {
    super(url, status, `not a token response: ${detail}`);
    this.name = 'NotTokenResponseError';
    this.#refreshToken = refreshToken;
  }

  get refreshToken(): string | undefined {
    return this.#refreshToken;
  }
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';

export function parseTokenResponse(response: HttpResponse, url: string, secrets: string[] = []): TokenResponse {
  const body = parseJsonObject(response.text);
  const ok = response.status >= 200 && response.status < 300;
  if (ok && body && nonEmpty(body.access_token) && !body.error) return body as TokenResponse;
  // A refresh token in an answer that cannot be used otherwise is never dropped: it may be the only live grant.
  if (ok && body && nonEmpty(body.refresh_token)) throw notTokenResponse(response, url, secrets, body);
  // GitHub answers its refusals with HTTP 200 and an `error` code: those are refusals.
  if (ok && !body?.error) throw notTokenResponse(response, url, secrets, body);
  throw oauthErrorOf(response, url, secrets);
}

/** What is wrong with a 2xx answer that is not a token response, in its error (the body quoted only when it is not JSON: JSON carries tokens). */
export function notTokenResponse(response: HttpResponse, url: string, secrets: string[], body = parseJsonObject(response.text)): NotTokenResponseError {
  const carried = body?.refresh_token;
  const detail =
    !body ? bodyExcerpt(response, 120, ...secrets)
    : body.error ? `it carries an error: ${oauthErrorOf(response, url, secrets).reason}`
    : body.access_token === undefined || body.access_token === '' ? 'it has no access_token'
    : 'its access_token is not a string';
  return new NotTokenResponseError(url, response.status, detail, nonEmpty(carried) ? carried : undefined);
}

export function oauthErrorOf(response: HttpResponse, url: string, secrets: string[] = []): OAuthError {
  const body = parseJsonObject(response.text);
  const nested = body && typeof body.error === 'object' && body.error !== null ? (body.error as Record<string, unknown>) : undefined;
  const code =
    (typeof body?.error === 'string' && body.error) ||
    (typeof nested?.code === 'string' && nested.code) ||
    (typeof nested?.type === 'string' && nested.type) ||
    (response.status === 429 ? 'rate_limited' : response.status >= 200 && response.status < 300 ? 'invalid_response' : `http_${response.status}`);
  const description =
    (typeof body?.error_description === 'string' && body.error_description) ||
    (typeof nested?.message === 'string' && nested.message) ||
    (body ? undefined : bodyExcerpt(response, 120));
  const words = answerWords(body, secrets);
  // Masked, on one line and cut to a reason's length (a page in error_description is not shown whole).
  return new OAuthError(url, response.status, excerpt(code, REASON_CHARS, words), description ? excerpt(description, REASON_CHARS, words) : undefined, retryAfterSeconds(response.headers));
}

/**
 * Masks a token endpoint's words (its error code and description): the credentials the request sent
 * (`secrets`) and those its answer carries itself. A 2xx answer with an error beside a new refresh
 * token may quote it, and that token is in no token file yet (kept beside when its file moved on), so
 * nothing later would know to mask it.
 */
export function answerWords(body: Record<string, unknown> | undefined, secrets: string[]): (text: string) => string {
  const carried = credentialsOf(body);
  const own = carried.length ? new Redactor(carried) : undefined;
  return (text) => redactSecrets(own ? own.redact(text, SHOWN_TEXT) : text, secrets);
}

export {jsonBody};
