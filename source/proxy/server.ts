// The proxy server: loopback only, API key required, provider protocols passed through unbuffered,
// the chosen account's credentials and headers injected, and on quota exhaustion the request moves
// to the next healthy account of the pool. Everything it does is reported as ProxyEvents.
import {createHash, timingSafeEqual} from 'node:crypto';
import {Agent as HttpAgent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {Agent as HttpsAgent, request as httpsRequest} from 'node:https';
import {pipeline} from 'node:stream/promises';
import {accountLabel} from '../core/accounts.js';
import {resolveRequestedModel, type ModelResolution} from '../core/model-rules.js';
import {AccountPool, classifyUpstreamFailure, type UpstreamFailure} from '../core/pool.js';
import type {RotationStrategy} from '../core/rotation.js';
import {sanitizeLine} from '../core/sanitize.js';
import type {Account, TokenFile} from '../core/types.js';
import {applyIflowModelParams, iflowError} from '../providers/adapters/iflow.js';
import {findProvider, type ProviderRow} from '../providers/table.js';
import {resolveProvider, type ResolvedProvider} from '../services/oauth/provider-config.js';
import {bearerFor, refreshDue} from '../services/refresh.js';
import type {AccountStore} from '../store/accounts.js';
import type {CliproxyConfig} from '../store/cliproxy-config.js';
import type {TuiSettings} from '../store/settings.js';
import {AccountSource} from './accounts.js';
import type {ProxyEvent, ProxyStatus} from '../services/proxy/ipc.js';
import {accountResolution} from '../store/model-rules.js';
import {modelsPayload} from './models.js';
import {parseRoute, protocolMismatch, type Endpoint, type Route} from './routes.js';
import {forwardedRequestHeaders, forwardedResponseHeaders, upstreamTarget} from './upstream.js';

export interface ProxyServerOptions {
  port: number;
  /** Provider served on the root routes; without it the model name decides. */
  provider?: string;
  /** Serve only this account (id, nickname or email); `rotate` moves it on. */
  account?: string;
  store: AccountStore;
  settings: TuiSettings;
  /** The current config.yaml (the caller reloads it when the file changes). */
  config: () => CliproxyConfig;
  /** The single-flight refresher shared with the TUI. */
  refresh: (provider: string, accountId: string, force: boolean) => Promise<TokenFile>;
  onQuotaHeaders?: (provider: string, accountId: string, headers: Record<string, string>) => void;
  /** most-headroom: account ids best first, from the cached quota. */
  rank?: (provider: string, accounts: readonly Account[]) => readonly string[] | undefined;
  now?: () => number;
  emit?: (event: ProxyEvent) => void;
  host?: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Error bodies read to decide about failover are small; a giant one is cut here. */
const MAX_ERROR_BODY = 256 * 1024;
/** Socket-sized stream buffers: fewer, larger writes for bulk bodies; SSE events still go out one by one. */
const STREAM_HIGH_WATER_MARK = 64 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface ActiveRequest {
  provider: string;
  account?: string;
}

export class ProxyServer {
  readonly server: Server;
  private readonly accounts: AccountSource;
  private readonly pools = new Map<string, AccountPool>();
  private readonly resolvedProviders = new Map<string, ResolvedProvider>();
  private readonly resolutions = new Map<string, {token: TokenFile | undefined; config: CliproxyConfig; resolution: ModelResolution}>();
  private readonly agents = {
    http: new HttpAgent({keepAlive: true, maxSockets: 256, scheduling: 'lifo'}),
    https: new HttpsAgent({keepAlive: true, maxSockets: 256, scheduling: 'lifo'}),
  };
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly recent: number[] = [];
  private totalRequests = 0;
  private lastError: {message: string; at: number} | undefined;
  private readonly emit: (event: ProxyEvent) => void;
  private port: number;
  private pinnedAccountId: string | undefined;

  constructor(private readonly options: ProxyServerOptions) {
    this.now = options.now ?? Date.now;
    this.emit = options.emit ?? (() => {});
    this.startedAt = this.now();
    this.port = options.port;
    this.accounts = new AccountSource(options.store, this.now);
    this.server = createServer({noDelay: true, keepAlive: true, highWaterMark: STREAM_HIGH_WATER_MARK}, (req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    this.server.requestTimeout = 0;
  }

  /** Binds 127.0.0.1; rejects with the listen error (EADDRINUSE) for the caller to report. */
  async listen(): Promise<number> {
    if (this.options.account) {
      const provider = this.requireProvider(this.options.provider);
      const accounts = await this.accounts.all();
      const {findAccount} = await import('../core/accounts.js');
      this.pinnedAccountId = findAccount(accounts, provider.id, this.options.account).id;
    }
    // The served provider's pool exists from the start, so status names the account that will serve.
    if (this.options.provider) await this.poolFor(this.requireProvider(this.options.provider));
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(this.port, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address();
    if (address && typeof address === 'object') this.port = address.port;
    return this.port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  get listeningPort(): number {
    return this.port;
  }

  // ---- status and rotation ----

  status(): ProxyStatus {
    const now = this.now();
    this.trimRecent(now);
    const cooling: ProxyStatus['cooling'] = [];
    for (const [provider, pool] of this.pools) {
      for (const account of pool.list()) {
        const cooldown = pool.cooldownOf(account.id, now);
        if (cooldown) cooling.push({provider, account: account.label, until: new Date(cooldown.until).toISOString(), reason: cooldown.message});
      }
    }
    const primary = this.options.provider ? this.pools.get(this.options.provider) : undefined;
    return {
      pid: process.pid,
      port: this.port,
      startedAt: new Date(this.startedAt).toISOString(),
      provider: this.options.provider,
      account: primary?.current?.label ?? this.options.account,
      requestsPerMinute: this.recent.length,
      totalRequests: this.totalRequests,
      lastError: this.lastError && {message: this.lastError.message, at: new Date(this.lastError.at).toISOString()},
      cooling,
    };
  }

  /**
   * Moves the provider's pool to its next healthy account. Streams already running keep their
   * upstream connection; only new requests see the new account.
   */
  async rotate(providerId?: string): Promise<string | undefined> {
    const provider = providerId ?? this.options.provider;
    if (!provider) return undefined;
    const pool = await this.poolFor(this.requireProvider(provider));
    const next = pool.rotate(this.now());
    if (next) this.emit({type: 'rotated', provider, account: next.label});
    return next?.label;
  }

  /**
   * Makes `providerId` the served provider (root routes) with its pool, or only `accountRef` when
   * given (`ccs-tui run` reusing a running proxy). Running streams keep their account.
   */
  async serve(providerId: string, accountRef?: string): Promise<string | undefined> {
    const row = this.requireProvider(providerId);
    const {findAccount} = await import('../core/accounts.js');
    this.pinnedAccountId = accountRef ? findAccount(await this.accounts.all(), row.id, accountRef).id : undefined;
    this.options.provider = row.id;
    this.options.account = accountRef;
    this.pools.delete(row.id);
    const label = (await this.poolFor(row)).current?.label;
    if (label) this.emit({type: 'rotated', provider: row.id, account: label});
    return label;
  }

  // ---- request handling ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const active: ActiveRequest = {provider: '-'};
    const started = this.now();
    try {
      this.checkHost(req);
      this.checkKey(req);
      if (req.url === '/_ccs-tui/status' && req.method === 'GET') return this.sendJson(res, 200, this.status());
      if (req.url === '/_ccs-tui/rotate' && req.method === 'POST') {
        const account = await this.rotate();
        return this.sendJson(res, account ? 200 : 409, account ? {account} : {error: {message: 'no other healthy account to rotate to'}});
      }
      if (req.url?.startsWith('/_ccs-tui/serve?') && req.method === 'POST') {
        const query = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1));
        const account = await this.serve(query.get('provider') ?? '', query.get('account') ?? undefined);
        return this.sendJson(res, 200, {provider: query.get('provider'), account: account ?? null});
      }
      const route = parseRoute(req.url ?? '/');
      if (!route) throw new HttpError(404, `no such endpoint: ${sanitizeLine(req.method)} ${sanitizeLine(req.url)} (served: /v1/messages, /v1/chat/completions, /v1/responses, /v1/models, and /api/provider/<provider>/v1/…)`, 'not_found_error');
      if (route.endpoint === 'models') {
        if (req.method !== 'GET') throw new HttpError(405, 'use GET for /v1/models');
        return await this.serveModels(req, res, route);
      }
      if (req.method !== 'POST') throw new HttpError(405, `use POST for ${req.url}`);
      await this.forward(req, res, route as Route & {endpoint: Exclude<Endpoint, 'models'>}, active, started);
    } catch (error) {
      const err = error instanceof HttpError ? error : new HttpError(502, `proxy error: ${sanitizeLine((error as Error).message)}`, 'api_error');
      if (err.status >= 500 || err.status === 429) this.recordError(err.message);
      if (!res.headersSent) this.sendError(res, err);
      else res.destroy();
    }
  }

  private checkHost(req: IncomingMessage): void {
    const host = (req.headers.host ?? '').toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
    if (!LOOPBACK_HOSTS.has(name)) {
      throw new HttpError(403, `refusing Host "${sanitizeLine(host).slice(0, 100)}": the proxy only answers loopback names (127.0.0.1, localhost)`, 'permission_error');
    }
  }

  private checkKey(req: IncomingMessage): void {
    const header = req.headers['x-api-key'];
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const presented = (Array.isArray(header) ? header[0] : header) ?? bearer;
    const keys = this.options.config().apiKeys;
    if (presented && keys.some((key) => sameSecret(presented.trim(), key))) return;
    throw new HttpError(401, presented ? 'invalid API key (not in api-keys of config.yaml)' : 'missing API key: send one of config.yaml api-keys as x-api-key or Authorization: Bearer', 'authentication_error');
  }

  /** The provider row with tui.json's endpoint overrides applied. */
  private requireProvider(id: string | undefined): ProviderRow {
    return this.resolved(id).row;
  }

  private resolved(id: string | undefined): ResolvedProvider {
    const row = id ? findProvider(id) : undefined;
    if (!row) throw new HttpError(404, `unknown provider "${sanitizeLine(id)}"`, 'not_found_error');
    let resolved = this.resolvedProviders.get(row.id);
    if (!resolved) {
      resolved = resolveProvider(this.options.settings, row.id);
      this.resolvedProviders.set(row.id, resolved);
    }
    return resolved;
  }

  /** The provider for a request: the route's, the served one, or the first with accounts that list the model. */
  private async providerFor(route: Route, model: string | undefined): Promise<ProviderRow> {
    if (route.provider) return this.requireProvider(route.provider);
    if (this.options.provider) return this.requireProvider(this.options.provider);
    const accounts = await this.accounts.all();
    const config = this.options.config();
    const providers = [...new Set(accounts.filter((a) => a.provider).map((a) => a.provider))];
    for (const id of providers) {
      const row = findProvider(id);
      if (!row || !model) continue;
      const resolution = accountResolution(row, config);
      if (resolution.models.some((m) => m.id.toLowerCase() === model.toLowerCase())) return this.requireProvider(id);
    }
    return this.requireProvider('claude');
  }

  private strategy(): RotationStrategy {
    return this.options.settings.rotation.strategy;
  }

  private async poolFor(row: ProviderRow): Promise<AccountPool> {
    const usable = await this.accounts.usable(row.id);
    const members = usable.map((a) => ({id: a.id, label: accountLabel(a)}));
    let pool = this.pools.get(row.id);
    if (!pool) {
      const pinned = row.id === this.options.provider ? this.pinnedAccountId : undefined;
      const current = pinned ?? usable.find((a) => a.default)?.id;
      pool = new AccountPool(members, this.strategy(), {current, single: pinned !== undefined});
      this.pools.set(row.id, pool);
    } else if (!sameMembers(pool.list(), members)) {
      pool.setAccounts(members);
    }
    return pool;
  }

  /** The account's model list, recomputed only when its token file or config.yaml changed. */
  private resolutionFor(row: ProviderRow, account: Account, token: TokenFile | undefined): ModelResolution {
    const config = this.options.config();
    const key = `${row.id}/${account.id}`;
    const cached = this.resolutions.get(key);
    if (cached && cached.token === token && cached.config === config) return cached.resolution;
    const resolution = accountResolution(row, config, account, token);
    this.resolutions.set(key, {token, config, resolution});
    return resolution;
  }

  private async serveModels(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    const row = await this.providerFor(route, undefined);
    const pool = await this.poolFor(row);
    const account = pool.current ? (await this.accounts.usable(row.id)).find((a) => a.id === pool.current!.id) : undefined;
    const token = account ? this.accounts.token(account) : undefined;
    const resolution = account ? this.resolutionFor(row, account, token) : accountResolution(row, this.options.config());
    this.sendJson(res, 200, modelsPayload(resolution, req.headers['anthropic-version'] !== undefined));
  }

  private async forward(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route & {endpoint: Exclude<Endpoint, 'models'>},
    active: ActiveRequest,
    started: number,
  ): Promise<void> {
    const raw = await readBody(req);
    let body: Record<string, unknown>;
    try {
      const parsed = JSON.parse(raw.toString('utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      throw new HttpError(400, 'request body must be a JSON object');
    }
    const requestedModel = typeof body.model === 'string' ? body.model : undefined;
    const row = await this.providerFor(route, requestedModel);
    active.provider = row.id;
    const mismatch = protocolMismatch(row, route.endpoint);
    if (mismatch) throw new HttpError(400, mismatch);
    const pool = await this.poolFor(row);
    const usable = await this.accounts.usable(row.id);
    if (pool.size === 0) {
      throw new HttpError(503, `no usable ${row.displayName} account (log in with: ccs-tui login ${row.id}, or resume a paused one)`, 'api_error');
    }

    // The client going away aborts whatever upstream request is running for it.
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client disconnected'));
    });

    const session = sessionKey(req, body);
    const tried = new Set<string>();
    const refreshed = new Set<string>();
    let lastFailure: {failure: UpstreamFailure; status: number; headers: Record<string, string | string[]>; text: string} | undefined;
    /** After a successful refresh the same account is tried once more, whatever the strategy says. */
    let retrySame: {id: string; label: string} | undefined;
    for (;;) {
      const now = this.now();
      const pick = retrySame
        ? {account: retrySame}
        : pool.pick({now, session, model: requestedModel, exclude: tried, ranked: pool.strategy === 'most-headroom' ? this.options.rank?.(row.id, usable) : undefined});
      retrySame = undefined;
      if (!pick.account) {
        if (lastFailure && lastFailure.failure.kind !== 'quota' && lastFailure.failure.kind !== 'rate-limit') {
          res.writeHead(lastFailure.status, lastFailure.headers);
          res.end(lastFailure.text);
          this.finish(active, req, requestedModel, lastFailure.status, started);
          return;
        }
        const seconds = Math.max(1, Math.ceil(pick.retryAfterMs / 1000));
        throw new HttpError(429, `${row.displayName}: ${pick.reason}; retry in ${seconds} s`, 'rate_limit_error', {'retry-after': String(seconds)});
      }
      const poolAccount = pick.account;
      const account = usable.find((a) => a.id === poolAccount.id) ?? (await this.accounts.usable(row.id)).find((a) => a.id === poolAccount.id);
      if (!account) {
        tried.add(poolAccount.id);
        continue;
      }
      active.account = poolAccount.label;

      let token = this.accounts.token(account);
      if (token && refreshDue(this.resolved(row.id), token, now)) token = (await this.tryRefresh(row, account, false)) ?? token;
      const secret = token ? bearerFor(row.id, token) : undefined;
      if (!token || !secret) {
        pool.recordFailure(account.id, {kind: 'auth', status: 401, message: 'no usable credential in the token file'}, now);
        tried.add(account.id);
        continue;
      }

      // Model rules of this account: aliases become upstream ids, excluded models are refused.
      let outgoing = raw;
      let sentModel = requestedModel;
      if (requestedModel !== undefined) {
        const resolved = resolveRequestedModel(this.resolutionFor(row, account, token), requestedModel);
        if (resolved.kind === 'excluded') {
          throw new HttpError(404, `model "${sanitizeLine(requestedModel)}" is excluded for ${row.displayName} by the pattern "${sanitizeLine(resolved.pattern)}" (oauth-excluded-models)`, 'not_found_error');
        }
        sentModel = resolved.sentAs;
        const changedModel = sentModel !== requestedModel;
        const next = changedModel ? {...body, model: sentModel} : {...body};
        const changedParams = row.id === 'iflow' && applyIflowModelParams(next, resolved.kind === 'served' ? resolved.upstream : requestedModel);
        if (changedModel || changedParams) outgoing = Buffer.from(JSON.stringify(next));
      }

      const target = upstreamTarget(row, this.options.settings.endpoints[row.id], token, route.endpoint, {
        session,
        anthropicBeta: headerValue(req.headers['anthropic-beta']),
        now,
      });
      let upstream: IncomingMessage;
      try {
        upstream = await this.send(target.url, forwardedRequestHeaders(req.headers, target.headers, outgoing.length), outgoing, abort.signal);
      } catch (error) {
        if (abort.signal.aborted) return;
        const message = `cannot reach ${hostOf(target.url)}: ${sanitizeLine((error as {code?: string}).code ?? (error as Error).message)}`;
        const cooldown = pool.recordFailure(account.id, {kind: 'server', status: 502, message}, now);
        this.emit({type: 'failover', provider: row.id, from: poolAccount.label, reason: message, until: cooldown.until});
        this.recordError(message);
        tried.add(account.id);
        lastFailure = {failure: {kind: 'server', status: 502, message}, status: 502, headers: {'content-type': 'application/json'}, text: errorJson(502, message, 'api_error')};
        continue;
      }

      const headers = flatHeaders(upstream.headers);
      this.options.onQuotaHeaders?.(row.id, account.id, headers);
      const contentType = headers['content-type'] ?? '';
      const isError = upstream.statusCode! >= 400;
      // iFlow reports some errors with HTTP 200 and a JSON body; only non-stream JSON can carry them.
      const iflowMayHideError = row.id === 'iflow' && !isError && contentType.includes('json');
      if (!isError && !iflowMayHideError) {
        pool.recordSuccess(account.id);
        await this.pipe(upstream, res, abort.signal);
        this.finish(active, req, sentModel, upstream.statusCode!, started);
        return;
      }

      const text = await readLimited(upstream, MAX_ERROR_BODY);
      const named = row.id === 'iflow' ? iflowError(upstream.statusCode!, text) : undefined;
      if (iflowMayHideError && !named) {
        pool.recordSuccess(account.id);
        res.writeHead(upstream.statusCode!, forwardedResponseHeaders(upstream.headers));
        res.end(text);
        this.finish(active, req, sentModel, upstream.statusCode!, started);
        return;
      }
      const status = named?.httpStatus ?? upstream.statusCode!;
      const failure = named
        ? iflowFailure(named.code, named.name, status)
        : classifyUpstreamFailure(upstream.statusCode!, headers, text, now);
      const responseHeaders = named ? {'content-type': 'application/json'} : forwardedResponseHeaders(upstream.headers);
      const responseText = named
        ? errorJson(status, `iFlow error ${named.code}: ${named.name}${named.detail ? ` (${sanitizeLine(named.detail)})` : ''}`, named.type, named.code)
        : text;
      if (failure?.kind === 'auth' && !refreshed.has(account.id)) {
        // One refresh per account and request, then the same account once more.
        refreshed.add(account.id);
        const fresh = await this.tryRefresh(row, account, true);
        if (fresh) {
          retrySame = poolAccount;
          continue;
        }
      }
      if (!failure) {
        res.writeHead(status, responseHeaders);
        res.end(responseText);
        this.recordError(`${row.id}/${poolAccount.label}: upstream ${status}: ${sanitizeLine(text).slice(0, 200)}`);
        this.finish(active, req, sentModel, status, started);
        return;
      }
      const cooldown = pool.recordFailure(account.id, failure, now, requestedModel);
      this.emit({type: 'failover', provider: row.id, from: poolAccount.label, reason: failure.message, until: cooldown.until});
      this.recordError(`${row.id}/${poolAccount.label}: ${failure.message}`);
      tried.add(account.id);
      lastFailure = {failure, status, headers: responseHeaders, text: responseText};
    }
  }

  private async tryRefresh(row: ProviderRow, account: Account, force: boolean): Promise<TokenFile | undefined> {
    try {
      const token = await this.options.refresh(row.id, account.id, force);
      this.emit({type: 'refresh', provider: row.id, account: accountLabel(account), ok: true});
      return token;
    } catch (error) {
      const message = sanitizeLine((error as Error).message);
      this.emit({type: 'refresh', provider: row.id, account: accountLabel(account), ok: false, message});
      this.recordError(`${row.id}/${accountLabel(account)}: refresh failed: ${message}`);
      return undefined;
    }
  }

  /** One upstream request over a keep-alive agent (node:http: no extra client library in the child). */
  private send(url: string, headers: Record<string, string>, body: Buffer, signal: AbortSignal): Promise<IncomingMessage> {
    const target = new URL(url);
    const https = target.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (https ? httpsRequest : httpRequest)(target, {method: 'POST', headers, signal, agent: https ? this.agents.https : this.agents.http}, resolve);
      request.setTimeout(10 * 60_000, () => request.destroy(new Error('no answer within 10 min')));
      request.on('error', reject);
      request.end(body);
    });
  }

  /** Streams the upstream body to the client chunk by chunk as it arrives (pipe: backpressure, no buffering). */
  private async pipe(upstream: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    res.writeHead(upstream.statusCode!, forwardedResponseHeaders(upstream.headers));
    res.flushHeaders();
    try {
      await pipeline(upstream, res);
    } catch (error) {
      if (signal.aborted) return;
      this.recordError(`upstream stream broke: ${sanitizeLine((error as Error).message)}`);
      res.destroy();
    }
  }

  private finish(active: ActiveRequest, req: IncomingMessage, model: string | undefined, status: number, started: number): void {
    const now = this.now();
    this.totalRequests++;
    this.recent.push(now);
    this.trimRecent(now);
    this.emit({
      type: 'request',
      provider: active.provider,
      account: active.account ?? '-',
      method: req.method ?? 'POST',
      path: (req.url ?? '').split('?')[0]!,
      model,
      status,
      ms: now - started,
    });
  }

  private trimRecent(now: number): void {
    while (this.recent.length > 0 && this.recent[0]! <= now - 60_000) this.recent.shift();
  }

  private recordError(message: string): void {
    this.lastError = {message, at: this.now()};
    this.emit({type: 'error', message});
  }

  private sendJson(res: ServerResponse, status: number, value: unknown): void {
    const text = JSON.stringify(value);
    res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)});
    res.end(text);
  }

  private sendError(res: ServerResponse, error: HttpError): void {
    const text = errorJson(error.status, error.message, error.type);
    res.writeHead(error.status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...error.headers});
    res.end(text);
  }
}

/** An error body both SDKs understand: Anthropic's `{type: "error", error: {type, message}}` plus OpenAI's `code`. */
function errorJson(_status: number, message: string, type: string, code?: string): string {
  return JSON.stringify({type: 'error', error: {type, message, ...(code ? {code} : {})}});
}

function iflowFailure(code: string, name: string, status: number): UpstreamFailure | undefined {
  if (code === '434' || code === '439') return {kind: 'auth', status, message: `iFlow ${name} (${code})`};
  if (status === 429) return {kind: 'rate-limit', status, message: `iFlow ${name} (${code})`};
  return undefined;
}

/** Compares secrets in constant time (hashing first makes lengths equal). */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function sameMembers(a: readonly {id: string; label: string}[], b: readonly {id: string; label: string}[]): boolean {
  return a.length === b.length && a.every((x, i) => x.id === b[i]!.id && x.label === b[i]!.label);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** What ties requests of one client session together (for affinity and iFlow's session id). */
function sessionKey(req: IncomingMessage, body: Record<string, unknown>): string | undefined {
  const header = headerValue(req.headers['x-session-id'] ?? req.headers['session_id'] ?? req.headers['session-id'] ?? req.headers['conversation_id']);
  if (header) return header;
  const metadata = body.metadata as Record<string, unknown> | undefined;
  for (const value of [metadata?.user_id, body.prompt_cache_key, body.user]) if (typeof value === 'string' && value) return value;
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`);
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

async function readLimited(body: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < max) chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, max);
}
