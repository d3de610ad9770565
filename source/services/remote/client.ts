// The Management API client: one remote CLIProxyAPI server, `/v0/management/…`, the key sent as
// `Authorization: Bearer`. Transport is undici, as in services/http.ts, with the target's TLS options.
//
// Errors come out by name (ManagementError.kind) so commands and screens can say what happened:
// a wrong key, remote management switched off, the server's IP ban after failed keys (never retried
// into: one ban stops every further request of this client), a route the server does not have (an
// older CLIProxyAPI). Messages name the target and route, never the key.
import {createHash} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {maskedUrl, sanitizeLine} from '../../core/sanitize.js';
import {UserError} from '../../core/types.js';
import type {RemoteTarget} from '../../store/targets.js';
import {bodyExcerpt, flatHeaders, readCapped, retryAfterSeconds, transportFailure} from '../http.js';
import {formatCooldown} from '../../core/relative-time.js';
import {processRedactor, rememberSecret} from '../credential-redactor.js';
import {trustExtraCaCertsInUndici} from '../extra-ca-certs.js';
import {excerpt, MIN_SECRET_LENGTH} from '../../core/redact.js';
import {countOf} from '../../core/wording.js';

export type ManagementErrorKind =
  | 'wrong-key' // 401: missing or invalid management key
  | 'remote-disabled' // 403 "remote management disabled": the server's allow-remote is off
  | 'key-not-set' // 403 "remote management key not set": the server has no secret-key
  | 'banned' // 403 "IP banned due to too many failed attempts…"
  | 'unsupported' // 404 on a management route: the server is too old for this feature
  | 'not-found' // 404 naming a thing (auth file, channel, state)
  | 'rate-limited' // 429: the server asks to wait (its Retry-After, when it gives one, is in the message)
  | 'rejected' // another 4xx with the server's message
  | 'server' // 5xx
  | 'network';

export class ManagementError extends UserError {
  constructor(
    readonly kind: ManagementErrorKind,
    message: string,
    readonly status?: number,
    /** Rate limited: epoch ms the server named in its Retry-After. */
    readonly retryAt?: number,
    /** Refused here, not sent: the server's last 429 still holds (the wait was said with that answer). */
    readonly notSent = false,
  ) {
    super(message, 1);
    this.name = 'ManagementError';
  }
}

export interface ManagementResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export interface ManagementRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Route under `/v0/management`, e.g. `/auth-files`. */
  route: string;
  query?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** What the route does, for "the server does not offer …" messages. */
  feature?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Sent even while the server's 429 asks to wait (a login's cancel: the server must drop the pending login). */
  evenWhileAskedToWait?: boolean;
}

/**
 * The longest a 429's Retry-After keeps a client from asking (ms): a proxy in front of the server may
 * name hours (http.ts retryAfterSeconds allows 7 days), and a TUI left open would ask nothing all
 * that time. Past it, one request asks again (and a new 429 holds off again).
 */
export const MAX_ASKED_TO_WAIT_MS = 5 * 60_000;

/** Sends one HTTP request; tests may replace it, the default is undici with the target's TLS options. */
export type ManagementTransport = (url: string, init: {method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal; timeoutMs: number}) => Promise<ManagementResponse>;

/** Largest management answer read (bytes): an auth-file list of thousands of accounts fits well. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * The whole request (headers and body) took longer than its deadline. `answered`: whether the
 * server had begun its answer (its headers came): one that sent nothing at all is not slow, it is silent.
 */
class ManagementDeadlineError extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly answered: boolean,
  ) {
    const seconds = Math.round(timeoutMs / 1000);
    super(answered ? `no complete answer within ${seconds} s (the server sends too slowly)` : `the server sent nothing for ${seconds} s`);
  }
}

async function undiciTransport(target: RemoteTarget): Promise<ManagementTransport> {
  const {request, Agent} = await import('undici');
  let dispatcher: InstanceType<typeof Agent> | undefined;
  if (target.caFile || target.insecureSkipVerify) {
    let ca: string | undefined;
    if (target.caFile) {
      try {
        ca = await readFile(target.caFile, 'utf8');
      } catch (error) {
        throw new UserError(`${target.caFile}: ${(error as NodeJS.ErrnoException).code ?? 'cannot read'} (targets.${target.name}.caFile)`);
      }
    }
    // `ca` replaces Node's roots, NODE_EXTRA_CA_CERTS's included, as Node's own option does.
    dispatcher = new Agent({connect: {...(ca ? {ca} : {}), rejectUnauthorized: !target.insecureSkipVerify}});
  } else {
    await trustExtraCaCertsInUndici();
  }
  return async (url, init) => {
    // undici's timeouts are idle timeouts: a server trickling a byte every few seconds never trips
    // them. The whole exchange gets one deadline, and the answer a size limit.
    const deadline = AbortSignal.timeout(init.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    const response = await request(url, {
      method: init.method as 'GET',
      headers: init.headers,
      body: init.body,
      signal,
      // A moment past the deadline: the deadline, which knows what came, is what fires.
      headersTimeout: init.timeoutMs + 1000,
      bodyTimeout: init.timeoutMs + 1000,
      ...(dispatcher ? {dispatcher} : {}),
    }).catch((error: unknown) => {
      throw deadline.aborted && !init.signal?.aborted ? new ManagementDeadlineError(init.timeoutMs, false) : error;
    });
    let text: string | undefined;
    try {
      text = await readCapped(response.body, MAX_RESPONSE_BYTES);
    } catch (error) {
      if (deadline.aborted && !init.signal?.aborted) throw new ManagementDeadlineError(init.timeoutMs, true);
      throw error;
    }
    if (text === undefined) throw new ManagementError('server', `the answer is larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MB; not read`);
    const headers = flatHeaders(response.headers);
    return {status: response.statusCode, headers, text};
  };
}

/** The `error` field of a management answer, sanitised; else a short excerpt of the body. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as {error?: unknown; message?: unknown};
    // CLIProxyAPI's `{"error": "…"}`, or the `{"error": {"message": "…"}}` of OpenAI-style servers.
    const nested = typeof body.error === 'object' && body.error !== null ? (body.error as {message?: unknown}).message : undefined;
    const message = nested ?? body.error ?? body.message;
    if (typeof message === 'string' && message.trim()) return excerpt(message, 300, processRedactor());
  } catch {
    // not JSON: fall through
  }
  return bodyExcerpt({text}, 120);
}

/**
 * Keys a server refused (401/403), per server URL and key digest, for this whole process: the TUI's
 * reloads and quota polls would otherwise re-send the refused key until the server bans the address
 * (5 failures, 30 minutes). A different key (the file or variable changed) is tried again at once;
 * the same key only after forgetRefusedKey (the person asked to retry).
 */
const refusedKeys = new Map<string, ManagementError>();

const refusalId = (url: string, key: string) => `${url}\n${createHash('sha256').update(key).digest('hex')}`;

/** Lets the next request of `target` send its key again (an explicit retry by the person). */
export function forgetRefusedKey(target: Pick<RemoteTarget, 'url'>): void {
  for (const id of refusedKeys.keys()) if (id.startsWith(`${target.url}\n`)) refusedKeys.delete(id);
}

/** "for N minutes" from the server's "Try again in 29m59s" (handler.go), rounded up; else its usual 30. */
function banMinutes(message: string): string {
  const left = /try again in (\d+)m(\d+)s/i.exec(message);
  const minutes = left ? Number(left[1]) + (Number(left[2]) > 0 ? 1 : 0) : undefined;
  return minutes === undefined ? 'for up to 30 minutes' : `for ${countOf(minutes, 'more minute')}`;
}

export class ManagementClient {
  /** The server's version from the last answer's X-CPA-VERSION (e.g. "v6.9.1"). */
  version: string | undefined;
  private banned: ManagementError | undefined;
  /** The server's last 429 with a Retry-After still to come: nothing is sent until its time (a new client, the person's retry, may). */
  private rateLimited: ManagementError | undefined;
  private transport: ManagementTransport | undefined;

  constructor(
    readonly target: RemoteTarget,
    private key: string,
    transport?: ManagementTransport,
  ) {
    this.transport = transport;
    // The key is the server's admin password: masked in whatever this process prints (issue 11).
    rememberSecret(key);
  }

  /** Reads the key and builds a client for the target. */
  static async open(target: RemoteTarget, transport?: ManagementTransport): Promise<ManagementClient> {
    return new ManagementClient(target, await target.readKey(), transport);
  }

  private describe(req: ManagementRequest): string {
    return `${this.target.name} (${maskedUrl(this.target.url)}) ${req.method} /v0/management${req.route}`;
  }

  /** Sends a request; any non-2xx answer becomes a ManagementError. */
  async send(req: ManagementRequest): Promise<ManagementResponse> {
    if (this.banned) throw this.banned;
    const waitUntil = this.rateLimited?.retryAt;
    if (waitUntil !== undefined && !req.evenWhileAskedToWait) {
      // The TUI's reloads and quota polls, and any action meanwhile, would ask again at once: a
      // server that said when to come back is not asked before then.
      const now = Date.now();
      if (now < waitUntil) {
        throw new ManagementError('rate-limited', `${this.describe(req)}: not sent: the server asked to wait (429): try again in ${formatCooldown(new Date(waitUntil).toISOString(), now)}`, 429, waitUntil, true);
      }
      this.rateLimited = undefined;
    }
    if (refusedKeys.has(refusalId(this.target.url, this.key))) {
      // The person may have fixed the key file meanwhile: a new key is tried, the refused one never.
      const fresh = await this.target.readKey().catch(() => this.key);
      if (fresh !== this.key) {
        rememberSecret(fresh);
        this.key = fresh;
      }
      const refused = refusedKeys.get(refusalId(this.target.url, this.key));
      if (refused) throw refused;
    }
    this.transport ??= await undiciTransport(this.target);
    const url = new URL(`${this.target.url}/v0/management${req.route}`);
    for (const [name, value] of Object.entries(req.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = {authorization: `Bearer ${this.key}`, accept: 'application/json'};
    let body: string | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    }
    let response: ManagementResponse;
    try {
      response = await this.transport(url.toString(), {method: req.method, headers, body, signal: req.signal, timeoutMs: req.timeoutMs ?? 30_000});
    } catch (error) {
      if (req.signal?.aborted) throw error;
      if (error instanceof ManagementError) throw new ManagementError(error.kind, `target ${this.target.name} (${maskedUrl(this.target.url)}) ${req.method} /v0/management${req.route}: ${error.message}`);
      if (error instanceof ManagementDeadlineError) {
        throw new ManagementError('network', `target ${this.target.name} (${maskedUrl(this.target.url)}) ${req.method} /v0/management${req.route}: ${error.message}`);
      }
      let reason = transportFailure(error, req.timeoutMs ?? 30_000);
      if (reason.startsWith('the TLS certificate')) reason += `; set targets.${this.target.name}.caFile`;
      throw new ManagementError('network', `cannot reach target ${this.target.name} (${maskedUrl(this.target.url)}): ${reason}`);
    }
    if (response.headers['x-cpa-version']) this.version = sanitizeLine(response.headers['x-cpa-version']);
    if (response.status >= 200 && response.status < 300) return response;
    const error = this.errorFor(req, response);
    if (error.kind === 'wrong-key' || error.kind === 'banned' || error.kind === 'key-not-set' || error.kind === 'remote-disabled') {
      const stopped = new ManagementError(error.kind, `${error.message}. Requests to ${this.target.name} stop until the key changes or you retry`, error.status);
      refusedKeys.set(refusalId(this.target.url, this.key), stopped);
      throw stopped;
    }
    throw error;
  }

  /** Sends a request and parses a JSON object answer. */
  async json<T = Record<string, unknown>>(req: ManagementRequest): Promise<T> {
    const response = await this.send(req);
    try {
      const value = JSON.parse(response.text) as unknown;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as T;
      if (Array.isArray(value)) throw new ManagementError('server', `${this.describe(req)}: expected a JSON object, got a JSON array`, response.status);
    } catch (error) {
      if (error instanceof ManagementError) throw error;
      // not JSON: reported below
    }
    throw new ManagementError('server', `${this.describe(req)}: expected JSON, got ${bodyExcerpt(response, 80)}`, response.status);
  }

  private errorFor(req: ManagementRequest, response: ManagementResponse): ManagementError {
    // The server's words are judged as it said them (a key such as `ban` would otherwise hide its
    // "banned"); a key too short for the output masking (any secret-key is taken: `hunter2`) is
    // masked in what is shown, where an echo of it comes from.
    const said = serverMessage(response.text);
    const message = this.key.length < MIN_SECRET_LENGTH ? serverMessage([this.key, JSON.stringify(this.key).slice(1, -1)].reduce((t, form) => t.split(form).join('(redacted)'), response.text)) : said;
    const where = this.describe(req);
    const version = this.version ? `CLIProxyAPI ${this.version}` : 'the server';
    if (response.status === 401) {
      return new ManagementError('wrong-key', `target ${this.target.name}: the management key was refused (${message}); check ${this.target.keySource}. ` +
        'The server bans an address for 30 minutes after 5 wrong keys', 401);
    }
    if (response.status === 403 && /banned/i.test(said)) {
      // The ban is the server's, per client address, after failed keys from anyone here (any target
      // naming this server): this target's own key may be right, so it is not blamed.
      this.banned = new ManagementError('banned', `target ${this.target.name} (${maskedUrl(this.target.url)}): this address is banned by the server ` +
        `${banMinutes(said)} after failed keys (from any target); wait or ask the server's admin. The server said: ${message}; ccs-tui will not retry`, 403);
      return this.banned;
    }
    if (response.status === 403 && /remote management disabled/i.test(said)) {
      return new ManagementError('remote-disabled', `target ${this.target.name}: remote management is disabled on the server; ` +
        'set remote-management.allow-remote: true in its config.yaml (or connect from the server itself)', 403);
    }
    if (response.status === 403 && /key not set/i.test(said)) {
      return new ManagementError('key-not-set', `target ${this.target.name}: the server has no management key (remote-management.secret-key is empty)`, 403);
    }
    // A 404 that names no thing (a router's "not found", "404 page not found", an empty body) is
    // the route itself unknown: a server too old for it, or (no X-CPA-Version) not CLIProxyAPI.
    if (response.status === 404 && /^(?:not found\.?|404\b.*|\(empty body\))$/i.test(said.trim())) {
      const route = `${req.method} /v0/management${sanitizeLine(req.route)}`;
      return new ManagementError('unsupported', `target ${this.target.name}: ${version} does not offer ${req.feature ?? route} (${route} is unknown there; it may be too old${this.version ? '' : ', or not a CLIProxyAPI server'})`, 404);
    }
    if (response.status >= 300 && response.status < 400) {
      // Never followed: the key would go along, to wherever the server points.
      const location = response.headers.location ? `, a redirect to ${excerpt(maskedUrl(response.headers.location), 200, processRedactor())}` : ', a redirect';
      return new ManagementError('rejected', `${where}: the server answered ${response.status}${location}; it is not followed (the management key would go along): ` +
        `set targets.${sanitizeLine(this.target.name)}.url to the server's own address`, response.status);
    }
    if (response.status === 404) return new ManagementError('not-found', `${where}: ${message}`, 404);
    if (response.status === 429) {
      // Retry-After in seconds or as an HTTP date (http.ts retryAfterSeconds), said as a wait and a time on the local clock.
      const now = Date.now();
      const after = retryAfterSeconds(response.headers, now);
      const at = after === undefined ? undefined : now + after * 1000;
      const when = at === undefined ? 'try again later' : at <= now ? 'try again now' : `try again in ${formatCooldown(new Date(at).toISOString(), now)}`;
      // Held off until then, at most MAX_ASKED_TO_WAIT_MS (here, and in the quota polls' back-off).
      const limited = new ManagementError('rate-limited', `${where}: 429 ${message}; the server asks to wait: ${when}`, 429, at === undefined ? undefined : Math.min(at, now + MAX_ASKED_TO_WAIT_MS));
      if (at !== undefined && at > now) this.rateLimited = limited;
      return limited;
    }
    if (response.status >= 500) return new ManagementError('server', `${where}: server error ${response.status}: ${message}`, response.status);
    return new ManagementError('rejected', `${where}: ${response.status} ${message}`, response.status);
  }
}
