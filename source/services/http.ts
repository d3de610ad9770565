// Outgoing HTTP for logins, refresh and quota (undici). One small interface so tests can count and
// shape requests, and one place that turns transport failures and nonsense answers into errors a
// person can read (sanitised, secrets never echoed).
import {clampProviderWait} from '../core/provider-wait.js';
import {sanitizeLine} from '../core/sanitize.js';
import {parseJsonObject} from '../core/json-object.js';
import {credentialsOf, excerpt} from '../core/redact.js';
import {processRedactor} from './credential-redactor.js';
import {trustExtraCaCertsInUndici} from './extra-ca-certs.js';
import type {Dispatcher} from 'undici';

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  /** A string is sent as is; URLSearchParams as a form; anything else as JSON. */
  body?: string | URLSearchParams | object;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The largest answer body read (bytes, default MAX_ANSWER_BYTES); a longer one fails with UnexpectedResponseError. */
  maxBytes?: number;
}

/**
 * The largest answer body read by default: no login, refresh, quota or model-list answer comes near
 * it, and an endless body would otherwise be read until the process runs out of memory.
 */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * How long (ms) an error answer's body may take to end once its head came: the proxy's upstream
 * answers (proxy/outcome.ts) and this client's (refreshes, quota, model lists). Real error bodies are
 * a few hundred bytes sent with the head; undici's and the proxy's own timeouts are idle ones (a byte
 * now and then resets them), so a stalled or trickling error body would hold its caller for up to
 * the proxy's 10-minute upstream idle limit. Past it the answer counts as its status alone.
 */
export const ERROR_BODY_WAIT_MS = 3000;

export interface HttpResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
  /** The credentials the request carried (see requestSecrets): masked in every excerpt of this answer. */
  sent?: readonly string[];
}

export interface HttpClient {
  send(req: HttpRequest): Promise<HttpResponse>;
}

/** transportFailure's words for a request sent whose answer did not come (or not whole) in time. */
const ANSWER_TIMED_OUT = /^(no answer (within|in time)|answer not whole within)/;

/**
 * A request's network failure as a sentence (`where`: the host and path asked, `reason`:
 * transportFailure's words): `cannot reach <where>: connection refused`, but `<where>: no answer
 * within 30 s (the request was sent)` for a server that took the request and said nothing in time,
 * which was reached: "cannot reach" would have a person send again what may have been received (a
 * login's one-time code, a refresh token).
 */
export const networkFailureText = (where: string, reason: string): string =>
  ANSWER_TIMED_OUT.test(reason) ? `${where}: ${reason} (the request was sent)` : `cannot reach ${where}: ${reason}`;

/** The request never got an answer: refused, reset, timed out, DNS. */
export class NetworkError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
    /** True when the request certainly never reached the server (refused, host not found). */
    readonly beforeSending: boolean = false,
  ) {
    super(networkFailureText(hostOf(url), reason));
    this.name = 'NetworkError';
  }
}

/** The server answered, but not with what was expected (status or shape). */
export class UnexpectedResponseError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${hostOf(url)} answered ${status}: ${detail}`);
    this.name = 'UnexpectedResponseError';
  }
}

export function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return url;
  }
}

/** The body as text; sets the content type for forms and JSON unless `headers` has one. */
export function encodeBody(body: HttpRequest['body'], headers: Record<string, string>): string | undefined {
  if (body === undefined) return undefined;
  const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) {
    if (!has('content-type')) headers['content-type'] = 'application/x-www-form-urlencoded';
    return body.toString();
  }
  if (!has('content-type')) headers['content-type'] = 'application/json';
  return JSON.stringify(body);
}

export const undiciHttpClient: HttpClient = {
  async send(req) {
    const headers = {...req.headers};
    const body = encodeBody(req.body, headers);
    const timeoutMs = req.timeoutMs ?? 30_000;
    const maxBytes = req.maxBytes ?? MAX_ANSWER_BYTES;
    try {
      const request = await undiciRequest();
      const response = await request(req.url, {
        method: req.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        body,
        signal: req.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      // undici's bodyTimeout is an idle one: the body as a whole gets a deadline too, a short one for an error.
      const status = response.statusCode;
      const waitMs = status >= 400 ? Math.min(ERROR_BODY_WAIT_MS, timeoutMs) : timeoutMs;
      const {value: text, stalled} = await readWithin(response.body, waitMs, () => readCapped(response.body, maxBytes));
      if (stalled && status >= 400) throw new UnexpectedResponseError(req.url, status, `its body did not end within ${waitMs / 1000} s (not read further)`);
      if (stalled) throw new NetworkError(req.url, `answer not whole within ${Math.round(timeoutMs / 1000)} s`);
      const flat = flatHeaders(response.headers);
      if (text === undefined) throw new UnexpectedResponseError(req.url, response.statusCode, `answer larger than ${maxBytes / 1024 / 1024} MB (not read further)`);
      return {status: response.statusCode, headers: flat, text, sent: requestSecrets(req)};
    } catch (error) {
      if (req.signal?.aborted || error instanceof UnexpectedResponseError || error instanceof NetworkError) throw error;
      throw new NetworkError(req.url, transportFailure(error, timeoutMs), neverSent(error));
    }
  },
};

type UndiciRequest = (url: string, options: Omit<Dispatcher.RequestOptions, 'origin' | 'path'>) => Promise<Dispatcher.ResponseData>;
let undiciRequestLoad: Promise<UndiciRequest> | undefined;

/**
 * undici's `request()` as its package index makes it (the URL split into origin and path, sent
 * through the global dispatcher), loaded on first use (undici costs ~20 MB and startup time that most
 * commands never need) without the rest of that index: fetch, WebSocket, the HTTP caches and the
 * mocks, loaded and compiled for nothing, were ~60 % of the first request's ~100 ms of CPU (in the
 * TUI, the first seconds of a quota poll). The paths are undici 7's, pinned in package.json.
 */
function undiciRequest(): Promise<UndiciRequest> {
  return (undiciRequestLoad ??= (async () => {
    const [{default: dispatchRequest}, {getGlobalDispatcher}, {parseURL}] = await Promise.all([
      import('undici/lib/api/api-request.js'),
      import('undici/lib/global.js'),
      import('undici/lib/core/util.js'),
      trustExtraCaCertsInUndici(),
    ]);
    return (url, options) => {
      const parsed = parseURL(url);
      return dispatchRequest.call(getGlobalDispatcher(), {...options, origin: parsed.origin, path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname});
    };
  })());
}

/** Header names lower-cased, repeated values joined with `, ` (RFC 9110 §5.3). */
export function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * `read()` of `body`, given `ms` (undefined: no limit): when it has not settled by then the body is
 * destroyed (and with it its connection, never reused with an answer half read), and the read's
 * failure that follows is `stalled` instead (`value` undefined). Other failures reject.
 */
export async function readWithin<T>(body: {destroy(): unknown}, ms: number | undefined, read: () => Promise<T>): Promise<{value: T | undefined; stalled: boolean}> {
  let stalled = false;
  const timer =
    ms === undefined
      ? undefined
      : setTimeout(() => {
          stalled = true;
          body.destroy();
        }, ms);
  try {
    const value = await read();
    return stalled ? {value: undefined, stalled} : {value, stalled};
  } catch (error) {
    if (stalled) return {value: undefined, stalled};
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The body as UTF-8 text (a BOM dropped, as undici's text() does), or undefined once it passes `maxBytes` (the rest is not read). */
export async function readCapped(body: AsyncIterable<Uint8Array> & {destroy(): unknown}, maxBytes: number): Promise<string | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * Why a request got no answer, or its answer broke off, in words (refused, not found, timed out,
 * reset), from undici's or node:http's error: the one wording of a network failure, for logins,
 * refreshes, the proxy and remote targets alike (never `ECONNREFUSED` in one place and "connection
 * refused" in another). `timeoutMs`: the request's own limit, when it had one. Anything else: the
 * error's message.
 */
export function transportFailure(error: unknown, timeoutMs?: number): string {
  const err = error as Error & {code?: string; cause?: {code?: string}};
  const code = err.code ?? err.cause?.code;
  return code === 'ECONNREFUSED' ? 'connection refused'
    : code === 'ENOTFOUND' ? 'host not found'
    : code === 'EAI_AGAIN' ? 'host name lookup failed (DNS)'
    : code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' ? (timeoutMs === undefined ? 'no answer in time' : `no answer within ${Math.round(timeoutMs / 1000)} s`)
    : code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connection timed out'
    : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' ? 'connection reset'
    : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? 'host unreachable'
    : /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code ?? '') ? `the TLS certificate is not trusted (${code})`
    : sanitizeLine(err.message);
}

/** True when the request certainly never reached the server (refused, host not found). */
export function neverSent(error: unknown): boolean {
  const err = error as Error & {code?: string; cause?: {code?: string}};
  const code = err.code ?? err.cause?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

/** Header names whose value is a credential (the value after an auth scheme such as `Bearer `). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie', 'proxy-authorization']);

/** Body fields that are one-time grants, not named like credentials (RFC 6749, 7636, 8628, 7523). */
const GRANT_FIELDS = ['code', 'code_verifier', 'device_code', 'assertion'] as const;

/**
 * The credentials a request carries, for masking what its server echoes: credential headers (the
 * value after `Bearer `/`Basic `), credential-named form or JSON body fields (`refresh_token`,
 * `code_verifier`, `client_secret`…, core/redact.ts credentialsOf) and a `key=` query parameter.
 */
export function requestSecrets(req: HttpRequest): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    if (CREDENTIAL_HEADERS.has(name.toLowerCase())) out.push(value.replace(/^\s*(?:Bearer|Basic|Token)\s+/i, ''));
  }
  const fields = req.body instanceof URLSearchParams ? Object.fromEntries(req.body) : typeof req.body === 'string' ? parseJsonObject(req.body) : req.body;
  if (fields && typeof fields === 'object') {
    out.push(...credentialsOf(fields));
    const grants = fields as Record<string, unknown>;
    for (const name of GRANT_FIELDS) if (typeof grants[name] === 'string') out.push(grants[name]);
  }
  try {
    const key = new URL(req.url).searchParams.get('key');
    if (key) out.push(key);
  } catch {
    // not a URL: nothing to take from it
  }
  return out;
}

/**
 * A short, safe excerpt of a response body for error messages (core/redact.ts excerpt): masked
 * before the cut, with this process's secrets, the credentials the request carried
 * (`response.sent`), those the answer carries itself (a token answer that is unusable otherwise
 * still holds a new refresh token) and `secrets` (those a caller knows it sent, e.g. through a test client).
 */
export function bodyExcerpt(response: Pick<HttpResponse, 'text' | 'sent'>, max = 200, ...secrets: (string | undefined)[]): string {
  return excerpt(response.text, max, processRedactor(...(response.sent ?? []), ...credentialsOf(parseJsonObject(response.text)), ...secrets));
}

/** Parses a JSON object body, or throws UnexpectedResponseError saying what came instead. */
export function jsonBody(response: HttpResponse, url: string): Record<string, unknown> {
  const body = parseJsonObject(response.text);
  if (body) return body;
  throw new UnexpectedResponseError(url, response.status, `expected a JSON object, got ${bodyExcerpt(response, 80)}`);
}

/** Seconds from a Retry-After header (delta seconds or HTTP date), or undefined. */
export function retryAfterSeconds(headers: Record<string, string>, now: number = Date.now()): number | undefined {
  const value = headers['retry-after'];
  if (!value) return undefined;
  const at = /^\d+(\.\d+)?$/.test(value.trim()) ? now + Number(value) * 1000 : Date.parse(value);
  const clamped = clampProviderWait(now, Number.isNaN(at) ? undefined : at);
  return clamped === undefined ? undefined : Math.max(0, Math.ceil((clamped - now) / 1000));
}
