// A stand-in for CLIProxyAPI's Management API (`/v0/management/…`) on 127.0.0.1, recording every
// request. Facts come from CLIProxyAPI's own handlers (router-for-me/CLIProxyAPI, read at commit
// a7e3596, 2026-08): each route below names the file its behaviour was taken from. The code is ours.
//
// What is simulated and what is not:
// - auth files live in memory (name → JSON + runtime state); there is no disk and no proxy traffic;
// - the key check, the 5-failure IP ban and `allow-remote` follow handler.go exactly; every client
//   here is 127.0.0.1, so `remoteClient: true` stands for "the request came from another machine";
// - logins are real OAuth against the authorization server a test points `oauth` at (oidc-provider):
//   the stand-in runs the device flow or the PKCE code exchange itself, as the server does, and saves
//   the token file; the client only ever sees a URL, a user code and a state;
// - `/auth-files/models` answers from `models` (the server's model registry) after applying the
//   server's own aliases and exclusions, like the registry does once the config is loaded.
import {createHash, randomBytes} from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type {AddressInfo} from 'node:net';

export interface MgmtRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One auth file as the server holds it. `json` is the file; the rest is runtime state. */
export interface FakeAuthFile {
  name: string;
  json: Record<string, unknown>;
  disabled: boolean;
  /** coreauth.Status: "active", "error", "disabled"… */
  status: string;
  statusMessage: string;
  unavailable: boolean;
  nextRetryAfter?: string;
  success: number;
  failed: number;
  lastRefresh?: string;
  index: string;
  /** The file's modification time (auth_files.go: `modtime` from os.Stat), set when it is written. */
  modtime: string;
}

export interface OAuthEndpoints {
  clientId: string;
  authorize?: string;
  token: string;
  device?: string;
  userinfo?: string;
}

export interface FakeCliproxyOptions {
  key: string;
  /** Sent as X-CPA-VERSION on every management answer (handler.go Middleware). */
  version?: string;
  /** Treat every caller as non-loopback (then `allowRemote` decides, as `allow-remote` does). */
  remoteClient?: boolean;
  allowRemote?: boolean;
  /** Where each login of the server goes: `anthropic` and `codex` (auth code), `kimi` (device). */
  oauth?: Partial<Record<'anthropic' | 'codex' | 'kimi', OAuthEndpoints>>;
  /** The model registry: provider (auth `type`) → upstream model ids. */
  models?: Record<string, string[]>;
  /** `/api-call` may only reach these origins (the tests' own fakes). */
  apiCallOrigins?: string[];
  /** Serve HTTPS with this key and certificate (PEM), as a server behind TLS does. */
  tls?: {key: string; cert: string};
  /** Awaited before a request is handled (after it is recorded): a test holds a step of a command here. */
  gate?: (request: MgmtRequest) => Promise<void> | void;
}

export interface FakeCliproxy {
  url: string;
  requests: MgmtRequest[];
  files: Map<string, FakeAuthFile>;
  config: {
    oauthModelAlias: Record<string, {name: string; alias: string; fork?: boolean}[]>;
    oauthExcludedModels: Record<string, string[]>;
    routing: {strategy: string};
  };
  /** What each `/api-call` sent upstream after `$TOKEN$` substitution (tests check the token stayed here). */
  apiCalls: {url: string; method: string; headers: Record<string, string>}[];
  /** Routes (`DELETE /auth-files`) that answer 500 instead, for tests of a step that fails. */
  refuse: Set<string>;
  addFile(name: string, json: Record<string, unknown>, state?: Partial<Omit<FakeAuthFile, 'name' | 'json'>>): FakeAuthFile;
  close(): Promise<void>;
}

// handler.go AuthenticateManagementKey: maxFailures = 5, banDuration = 30 * time.Minute.
const MAX_FAILURES = 5;
const BAN_MS = 30 * 60_000;
// oauth_sessions.go: oauthSessionTTL = 30 min, a completed or failed session is kept 1 min.
const SESSION_TTL_MS = 30 * 60_000;
const COMPLETED_TTL_MS = 60_000;

interface Session {
  provider: string;
  /** "" while pending; else the error message (oauth_sessions.go SetError). */
  status: string;
  completed: boolean;
  expiresAt: number;
  verifier?: string;
  redirectUri?: string;
  abort?: AbortController;
}

/** auth_files.go isUnsafeAuthFileName: empty, a path separator, or a volume name. */
const unsafeName = (name: string) => name.trim() === '' || /[/\\]/.test(name) || /^[A-Za-z]:/.test(name);
/** oauth_sessions.go ValidateOAuthState: 1-128 of [A-Za-z0-9._-], no "..". */
const validState = (state: string) => /^[A-Za-z0-9._-]{1,128}$/.test(state) && !state.includes('..');

function wildcardMatch(pattern: string, id: string): boolean {
  const escaped = pattern.toLowerCase().split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(id.toLowerCase());
}

export async function startFakeCliproxy(options: FakeCliproxyOptions): Promise<FakeCliproxy> {
  const requests: MgmtRequest[] = [];
  const files = new Map<string, FakeAuthFile>();
  const failures = new Map<string, {count: number; blockedUntil: number}>();
  const sessions = new Map<string, Session>();
  const version = options.version ?? 'v6.9.1';
  let nextIndex = 1;
  const stand: FakeCliproxy = {
    url: '',
    requests,
    files,
    config: {oauthModelAlias: {}, oauthExcludedModels: {}, routing: {strategy: 'round-robin'}},
    apiCalls: [],
    refuse: new Set(),
    addFile(name, json, state = {}) {
      const file: FakeAuthFile = {
        name,
        json,
        disabled: false,
        status: 'active',
        statusMessage: '',
        unavailable: false,
        success: 0,
        failed: 0,
        index: String(nextIndex++),
        // Distinct per write, as a file system's nanosecond mtimes are.
        modtime: new Date(Date.now() + nextIndex / 1000).toISOString(),
        ...state,
      };
      if (json.disabled === true) file.disabled = true;
      files.set(name, file);
      return file;
    },
    close: async () => {},
  };

  /** handler.go Middleware + AuthenticateManagementKey, in the same order. */
  function authenticate(req: http.IncomingMessage): {status: number; error: string} | undefined {
    const ip = req.socket.remoteAddress ?? '';
    const now = Date.now();
    const entry = failures.get(ip);
    if (entry && entry.blockedUntil > now) {
      const remaining = Math.round((entry.blockedUntil - now) / 1000);
      return {status: 403, error: `IP banned due to too many failed attempts. Try again in ${Math.floor(remaining / 60)}m${remaining % 60}s`};
    }
    if (entry && entry.blockedUntil !== 0) failures.set(ip, {count: 0, blockedUntil: 0});
    if (options.remoteClient && !options.allowRemote) return {status: 403, error: 'remote management disabled'};
    const auth = req.headers.authorization ?? '';
    let provided = '';
    if (auth) {
      const [scheme, rest] = [auth.slice(0, auth.indexOf(' ')), auth.slice(auth.indexOf(' ') + 1)];
      provided = auth.includes(' ') && scheme.toLowerCase() === 'bearer' ? rest : auth;
    }
    if (!provided) provided = String(req.headers['x-management-key'] ?? '');
    const fail = () => {
      const current = failures.get(ip) ?? {count: 0, blockedUntil: 0};
      current.count++;
      if (current.count >= MAX_FAILURES) Object.assign(current, {count: 0, blockedUntil: Date.now() + BAN_MS});
      failures.set(ip, current);
    };
    if (!provided) {
      fail();
      return {status: 401, error: 'missing management key'};
    }
    if (provided !== options.key) {
      fail();
      return {status: 401, error: 'invalid management key'};
    }
    failures.delete(ip);
    return undefined;
  }

  /** auth_files.go buildAuthFileEntryLocked: the fields of one `GET /auth-files` row. */
  function entryOf(file: FakeAuthFile): Record<string, unknown> {
    const type = String(file.json.type ?? '');
    const entry: Record<string, unknown> = {
      id: file.name,
      auth_index: file.index,
      name: file.name,
      type,
      provider: type,
      label: typeof file.json.email === 'string' ? file.json.email : '',
      status: file.disabled ? 'disabled' : file.status,
      status_message: file.statusMessage,
      disabled: file.disabled,
      unavailable: file.unavailable,
      runtime_only: false,
      source: 'file',
      size: JSON.stringify(file.json).length,
      success: file.success,
      failed: file.failed,
      recent_requests: [],
      modtime: file.modtime,
    };
    if (typeof file.json.email === 'string') entry.email = file.json.email;
    if (typeof file.json.project_id === 'string') entry.project_id = file.json.project_id;
    if (file.lastRefresh ?? file.json.last_refresh) entry.last_refresh = file.lastRefresh ?? file.json.last_refresh;
    if (file.nextRetryAfter) entry.next_retry_after = file.nextRetryAfter;
    if (file.json.priority !== undefined) entry.priority = file.json.priority;
    if (typeof file.json.note === 'string' && file.json.note.trim()) entry.note = file.json.note.trim();
    // extractCodexIDTokenClaims: the ChatGPT account id and plan, from the id_token.
    if (type === 'codex' && typeof file.json.account_id === 'string') entry.id_token = {chatgpt_account_id: file.json.account_id};
    return entry;
  }

  /** The server's resolved model list for one auth: registry models, exclusions, then aliases. */
  function modelsOf(file: FakeAuthFile): {id: string; owned_by: string}[] {
    const type = String(file.json.type ?? '');
    const excluded = [...(stand.config.oauthExcludedModels[type] ?? []), ...((file.json.excluded_models as string[] | undefined) ?? [])];
    const out: string[] = [];
    for (const id of options.models?.[type] ?? []) {
      if (excluded.some((p) => wildcardMatch(p, id))) continue;
      const aliases = (stand.config.oauthModelAlias[type] ?? []).filter((a) => a.name.toLowerCase() === id.toLowerCase());
      if (aliases.length === 0 || aliases.some((a) => a.fork)) out.push(id);
      for (const a of aliases) out.push(a.alias);
    }
    return out.map((id) => ({id, owned_by: type}));
  }

  const json = (res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(value);
    res.writeHead(status, {'content-type': 'application/json; charset=utf-8', ...headers});
    res.end(text);
  };

  function session(state: string): Session | undefined {
    const found = sessions.get(state);
    if (found && found.expiresAt < Date.now()) {
      sessions.delete(state);
      return undefined;
    }
    return found;
  }
  const finish = (state: string, error?: string) => {
    const s = sessions.get(state);
    if (!s || s.completed || s.status) return;
    if (error) s.status = error;
    else s.completed = true;
    s.expiresAt = Date.now() + COMPLETED_TTL_MS;
  };

  async function postForm(url: string, form: Record<string, string>): Promise<{status: number; body: Record<string, unknown>}> {
    const response = await fetch(url, {
      method: 'POST',
      headers: {'content-type': 'application/x-www-form-urlencoded', accept: 'application/json'},
      body: new URLSearchParams(form),
    });
    return {status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown>};
  }

  async function saveLogin(type: string, endpoints: OAuthEndpoints, tokens: Record<string, unknown>): Promise<void> {
    let email: string | undefined;
    if (endpoints.userinfo && typeof tokens.access_token === 'string') {
      const info = await fetch(endpoints.userinfo, {headers: {authorization: `Bearer ${tokens.access_token}`}});
      email = ((await info.json().catch(() => ({}))) as {email?: string}).email;
    }
    const expiresIn = Number(tokens.expires_in ?? 3600);
    const file: Record<string, unknown> = {
      type,
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      ...(email ? {email} : {}),
      expired: new Date(Date.now() + expiresIn * 1000).toISOString(),
      last_refresh: new Date().toISOString(),
    };
    // auth_files_provider_oauth.go: claude-<email>.json, codex-<email>.json, kimi-<unix ms>.json.
    const name = email ? `${type}-${email}.json` : `${type}-${Date.now()}.json`;
    stand.addFile(name, file);
  }

  /** RequestKimiToken: the device flow runs on the server; the client gets url, user_code, state. */
  async function startDevice(res: http.ServerResponse, provider: 'kimi', endpoints: OAuthEndpoints) {
    const started = await postForm(endpoints.device!, {client_id: endpoints.clientId, scope: 'openid email offline_access'});
    if (started.status !== 200) return json(res, 500, {error: 'failed to generate authorization url'});
    const d = started.body as {device_code: string; user_code: string; verification_uri: string; verification_uri_complete?: string; expires_in?: number; interval?: number};
    const state = `kmi-${process.hrtime.bigint()}`;
    const abort = new AbortController();
    sessions.set(state, {provider, status: '', completed: false, expiresAt: Date.now() + SESSION_TTL_MS, abort});
    void (async () => {
      let interval = (d.interval ?? 1) * 1000;
      const deadline = Date.now() + (d.expires_in ?? 600) * 1000;
      while (Date.now() < deadline && !abort.signal.aborted) {
        await new Promise((r) => setTimeout(r, interval));
        const s = sessions.get(state);
        if (!s || s.completed || s.status || abort.signal.aborted) return;
        const polled = await postForm(endpoints.token, {
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          device_code: d.device_code,
          client_id: endpoints.clientId,
        }).catch((error) => ({status: 0, body: {error: String(error)}}));
        if (polled.status === 200) {
          if (sessions.get(state)?.status || abort.signal.aborted) return;
          await saveLogin(provider, endpoints, polled.body);
          return finish(state);
        }
        const error = String(polled.body.error ?? '');
        if (error === 'authorization_pending') continue;
        if (error === 'slow_down') {
          interval += 5000;
          continue;
        }
        return finish(state, `Authentication failed: ${error || `status ${polled.status}`}`);
      }
      finish(state, 'Authentication failed: device code expired');
    })();
    const response: Record<string, unknown> = {status: 'ok', url: d.verification_uri_complete ?? d.verification_uri, state, flow: 'device'};
    if (d.user_code) response.user_code = d.user_code;
    if (d.expires_in) response.expires_in = d.expires_in;
    json(res, 200, response);
  }

  /** RequestAnthropicToken / RequestCodexToken: PKCE + state; the server keeps the verifier. */
  function startAuthCode(res: http.ServerResponse, provider: 'anthropic' | 'codex', endpoints: OAuthEndpoints) {
    const state = randomBytes(16).toString('hex');
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    // The providers' registered redirect URIs (54545 for Claude, 1455 for Codex: auth_files_oauth_callback.go).
    const redirectUri = provider === 'anthropic' ? 'http://localhost:54545/callback' : 'http://localhost:1455/auth/callback';
    sessions.set(state, {provider, status: '', completed: false, expiresAt: Date.now() + SESSION_TTL_MS, verifier, redirectUri});
    // The server waits 5 minutes for the callback, then fails the session (RequestAnthropicToken).
    setTimeout(() => finish(state, 'Timeout waiting for OAuth callback'), 5 * 60_000).unref();
    const url = new URL(endpoints.authorize!);
    url.search = new URLSearchParams({
      client_id: endpoints.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid email offline_access',
      prompt: 'consent',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    json(res, 200, {status: 'ok', url: url.toString(), state});
  }

  /** oauth_callback.go handleOAuthCallback; the server's waiter then exchanges the code. */
  async function oauthCallback(res: http.ServerResponse, body: Record<string, unknown>) {
    let state = String(body.state ?? '').trim();
    let code = String(body.code ?? '').trim();
    let error = String(body.error ?? '').trim();
    if (typeof body.redirect_url === 'string' && body.redirect_url.trim()) {
      let u: URL;
      try {
        u = new URL(body.redirect_url.trim());
      } catch {
        return json(res, 400, {status: 'error', error: 'invalid redirect_url'});
      }
      state ||= u.searchParams.get('state') ?? '';
      code ||= u.searchParams.get('code') ?? '';
      error ||= u.searchParams.get('error') ?? u.searchParams.get('error_description') ?? '';
    }
    if (!state) return json(res, 400, {status: 'error', error: 'state is required'});
    if (!validState(state)) return json(res, 400, {status: 'error', error: 'invalid state'});
    if (!code && !error) return json(res, 400, {status: 'error', error: 'code or error is required'});
    const s = session(state);
    if (!s) return json(res, 404, {status: 'error', error: 'unknown or expired state'});
    if (s.completed) return json(res, 409, {status: 'error', error: 'oauth flow is already completed'});
    const provider = String(body.provider ?? s.provider).toLowerCase();
    const canonical = provider === 'claude' ? 'anthropic' : provider === 'openai' ? 'codex' : provider;
    if (s.status) return json(res, 409, {status: 'error', error: s.status});
    if (canonical !== s.provider) return json(res, 400, {status: 'error', error: 'provider does not match state'});
    json(res, 200, {status: 'ok'});
    // The server's waiting goroutine picks the callback file up and exchanges the code.
    if (error) return finish(state, `Authentication failed: ${error}`);
    const endpoints = options.oauth![s.provider as 'anthropic' | 'codex']!;
    const exchanged = await postForm(endpoints.token, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: s.redirectUri!,
      client_id: endpoints.clientId,
      code_verifier: s.verifier!,
    }).catch((e) => ({status: 0, body: {error: String(e)}}));
    if (exchanged.status !== 200) return finish(state, `Failed to exchange authorization code for tokens: ${String(exchanged.body.error ?? exchanged.status)}`);
    await saveLogin(s.provider === 'anthropic' ? 'claude' : 'codex', endpoints, exchanged.body);
    finish(state);
  }

  /** api_tools.go APICall: `$TOKEN$` in header values becomes the auth's access_token, here. */
  async function apiCall(res: http.ServerResponse, body: Record<string, unknown>) {
    const method = String(body.method ?? '').trim().toUpperCase();
    if (!method) return json(res, 400, {error: 'missing method'});
    const target = String(body.url ?? '').trim();
    if (!target) return json(res, 400, {error: 'missing url'});
    let parsed: URL;
    try {
      parsed = new URL(target);
    } catch {
      return json(res, 400, {error: 'invalid url'});
    }
    if (!(options.apiCallOrigins ?? []).includes(parsed.origin)) return json(res, 502, {error: 'request failed'});
    const index = String(body.auth_index ?? body.authIndex ?? body.AuthIndex ?? '');
    const auth = [...files.values()].find((f) => f.index === index);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries((body.header ?? {}) as Record<string, string>)) {
      if (!value.includes('$TOKEN$')) {
        headers[key] = value;
        continue;
      }
      const token = auth?.json.access_token;
      if (typeof token !== 'string' || !token) return json(res, 400, {error: 'auth token not found'});
      headers[key] = value.replaceAll('$TOKEN$', token);
    }
    stand.apiCalls.push({url: target, method, headers});
    const data = typeof body.data === 'string' && body.data !== '' ? body.data : undefined;
    let upstream: Response;
    try {
      upstream = await fetch(target, {method, headers, body: data});
    } catch {
      return json(res, 502, {error: 'request failed'});
    }
    const header: Record<string, string[]> = {};
    upstream.headers.forEach((value, name) => (header[name] = [value]));
    json(res, 200, {status_code: upstream.status, header, body: await upstream.text()});
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse, recorded: MgmtRequest): Promise<void> {
    const {method, path, query} = recorded;
    let body: Record<string, unknown> = {};
    const isJson = String(req.headers['content-type'] ?? '').includes('json') || /^\s*[{[]/.test(recorded.body);
    if (isJson && recorded.body.trim()) {
      try {
        body = JSON.parse(recorded.body) as Record<string, unknown>;
      } catch {
        return json(res, 400, {error: 'invalid request body'});
      }
    }
    const key = `${method} ${path.replace(/^\/v0\/management/, '')}`;
    if (stand.refuse.has(key)) return json(res, 500, {error: 'internal server error'});
    const fileByName = (name: string) => [...files.values()].find((f) => f.name === name);
    switch (key) {
      case 'GET /config':
        return json(res, 200, {routing: stand.config.routing, 'oauth-model-alias': stand.config.oauthModelAlias, 'oauth-excluded-models': stand.config.oauthExcludedModels});
      case 'GET /routing/strategy':
        return json(res, 200, {strategy: stand.config.routing.strategy});
      case 'GET /auth-files': {
        const rows = [...files.values()].map(entryOf).sort((a, b) => String(a.name).toLowerCase().localeCompare(String(b.name).toLowerCase()));
        return json(res, 200, {files: rows});
      }
      case 'GET /auth-files/models': {
        const name = query.get('name') ?? '';
        if (!name) return json(res, 400, {error: 'name is required'});
        const file = fileByName(name);
        return json(res, 200, {models: file ? modelsOf(file) : []});
      }
      case 'GET /auth-files/download': {
        const name = (query.get('name') ?? '').trim();
        if (unsafeName(name)) return json(res, 400, {error: 'invalid name'});
        if (!name.toLowerCase().endsWith('.json')) return json(res, 400, {error: 'name must end with .json'});
        const file = fileByName(name);
        if (!file) return json(res, 404, {error: 'file not found'});
        res.writeHead(200, {'content-type': 'application/json', 'content-disposition': `attachment; filename="${name}"`});
        return void res.end(JSON.stringify(file.json, null, 2));
      }
      case 'POST /auth-files': {
        // auth_files_crud.go UploadAuthFile: raw JSON body with ?name= (multipart is not simulated).
        const name = (query.get('name') ?? '').trim();
        if (unsafeName(name)) return json(res, 400, {error: 'invalid name'});
        if (!name.toLowerCase().endsWith('.json')) return json(res, 400, {error: 'name must end with .json'});
        if (typeof body.type !== 'string') return json(res, 500, {error: 'invalid auth file: missing type'});
        const existing = fileByName(name);
        if (existing) existing.json = body;
        else stand.addFile(name, body);
        return json(res, 200, {status: 'ok'});
      }
      case 'DELETE /auth-files': {
        const name = (query.get('name') ?? String(body.name ?? '')).trim();
        if (!name || unsafeName(name)) return json(res, 400, {error: 'invalid name'});
        if (!files.delete(name)) return json(res, 404, {error: 'auth file not found'});
        return json(res, 200, {status: 'ok'});
      }
      case 'PATCH /auth-files/status': {
        // auth_files_fields.go PatchAuthFileStatus: {name, disabled}; the flag is also written to the file.
        const name = String(body.name ?? '').trim();
        if (!name) return json(res, 400, {error: 'name is required'});
        if (typeof body.disabled !== 'boolean') return json(res, 400, {error: 'disabled is required'});
        const file = fileByName(name);
        if (!file) return json(res, 404, {error: 'auth file not found'});
        file.disabled = body.disabled;
        file.json = {...file.json, disabled: body.disabled};
        return json(res, 200, {status: 'ok', disabled: body.disabled});
      }
      case 'PATCH /auth-files/fields': {
        // auth_files_fields.go PatchAuthFileFields: name plus any of priority, note, prefix, proxy_url…
        const name = typeof body.name === 'string' ? body.name.trim() : '';
        if (!name) return json(res, 400, {error: 'name is required'});
        const file = fileByName(name);
        const fields = Object.entries(body).filter(([k]) => k !== 'name');
        if (!file) return json(res, 404, {error: 'auth file not found'});
        if (fields.length === 0) return json(res, 400, {error: 'no fields to update'});
        if (body.priority !== undefined && !Number.isInteger(body.priority)) return json(res, 400, {error: 'priority must be an integer'});
        file.json = {...file.json, ...Object.fromEntries(fields)};
        return json(res, 200, {status: 'ok'});
      }
      case 'GET /oauth-model-alias':
        return json(res, 200, {'oauth-model-alias': stand.config.oauthModelAlias});
      case 'GET /oauth-excluded-models':
        return json(res, 200, {'oauth-excluded-models': stand.config.oauthExcludedModels});
      case 'PUT /oauth-model-alias':
      case 'PUT /oauth-excluded-models': {
        // config_lists.go: the whole map, bare or wrapped in {"items": …}.
        const entries = (body.items ?? body) as Record<string, never>;
        if (key.endsWith('alias')) stand.config.oauthModelAlias = entries;
        else stand.config.oauthExcludedModels = entries;
        return json(res, 200, {status: 'ok'});
      }
      case 'PATCH /oauth-model-alias': {
        // config_lists.go PatchOAuthModelAlias: {channel|provider, aliases}; empty aliases deletes.
        const channel = String(body.channel ?? body.provider ?? '').trim().toLowerCase();
        if (!channel) return json(res, 400, {error: 'invalid channel'});
        const aliases = ((body.aliases ?? []) as {name?: string; alias?: string; fork?: boolean}[]).filter((a) => a.name?.trim() && a.alias?.trim());
        if (aliases.length === 0) {
          if (!(channel in stand.config.oauthModelAlias)) return json(res, 404, {error: 'channel not found'});
          delete stand.config.oauthModelAlias[channel];
        } else {
          stand.config.oauthModelAlias[channel] = aliases.map((a) => ({name: a.name!.trim(), alias: a.alias!.trim(), ...(a.fork ? {fork: true} : {})}));
        }
        return json(res, 200, {status: 'ok'});
      }
      case 'PATCH /oauth-excluded-models': {
        const provider = String(body.provider ?? '').trim().toLowerCase();
        if (!provider) return json(res, 400, {error: 'invalid provider'});
        const models = ((body.models ?? []) as string[]).map((m) => m.trim()).filter(Boolean);
        if (models.length === 0) {
          if (!(provider in stand.config.oauthExcludedModels)) return json(res, 404, {error: 'provider not found'});
          delete stand.config.oauthExcludedModels[provider];
        } else stand.config.oauthExcludedModels[provider] = models;
        return json(res, 200, {status: 'ok'});
      }
      case 'DELETE /oauth-model-alias':
      case 'DELETE /oauth-excluded-models': {
        const which = key.endsWith('alias') ? stand.config.oauthModelAlias : stand.config.oauthExcludedModels;
        const name = (query.get('channel') ?? query.get('provider') ?? '').trim().toLowerCase();
        if (!name) return json(res, 400, {error: key.endsWith('alias') ? 'missing channel' : 'missing provider'});
        if (!(name in which)) return json(res, 404, {error: key.endsWith('alias') ? 'channel not found' : 'provider not found'});
        delete which[name];
        return json(res, 200, {status: 'ok'});
      }
      case 'POST /reset-quota': {
        // quota.go ResetQuota: {auth_index}; clears the cooldown and quota state of that auth.
        const index = String(body.auth_index ?? '').trim();
        if (!index) return json(res, 400, {error: 'auth_index is required'});
        const file = [...files.values()].find((f) => f.index === index);
        if (!file) return json(res, 404, {error: 'auth not found'});
        Object.assign(file, {nextRetryAfter: undefined, unavailable: false, status: 'active', statusMessage: ''});
        return json(res, 200, {status: 'ok', auth_index: index, models: []});
      }
      case 'POST /oauth-callback':
        return oauthCallback(res, body);
      case 'POST /api-call':
        return apiCall(res, body);
      case 'GET /anthropic-auth-url':
      case 'GET /codex-auth-url':
      case 'GET /kimi-auth-url': {
        const provider = key.slice(5, -'-auth-url'.length) as 'anthropic' | 'codex' | 'kimi';
        const endpoints = options.oauth?.[provider];
        if (!endpoints) return json(res, 500, {error: 'failed to generate authorization url'});
        return provider === 'kimi' ? startDevice(res, provider, endpoints) : startAuthCode(res, provider, endpoints);
      }
      case 'GET /get-auth-status': {
        // auth_files_provider_oauth.go GetAuthStatus: always 200 with {status: wait|ok|error}.
        const state = (query.get('state') ?? '').trim();
        if (!state) return json(res, 200, {status: 'ok'});
        if (!validState(state)) return json(res, 400, {status: 'error', error: 'invalid state'});
        const s = session(state);
        if (!s) return json(res, 200, {status: 'error', error: 'unknown or expired state'});
        if (s.completed) return json(res, 200, {status: 'ok'});
        if (s.status) return json(res, 200, {status: 'error', error: s.status});
        return json(res, 200, {status: 'wait'});
      }
      case 'DELETE /oauth-session': {
        // CancelAuthSession: {status: ok, cancelled: bool}; only a pending session is cancelled.
        const state = (query.get('state') ?? '').trim();
        if (!state) return json(res, 400, {status: 'error', error: 'missing state'});
        if (!validState(state)) return json(res, 400, {status: 'error', error: 'invalid state'});
        const s = session(state);
        const cancelled = Boolean(s && !s.completed && !s.status);
        if (s && cancelled) {
          s.abort?.abort();
          finish(state, 'Authentication cancelled');
        }
        return json(res, 200, {status: 'ok', cancelled});
      }
      default:
        return json(res, 404, {error: 'not found'});
    }
  }

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const recorded: MgmtRequest = {method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: raw};
      requests.push(recorded);
      if (!url.pathname.startsWith('/v0/management/')) return json(res, 404, {error: 'not found'});
      // server_management.go: POST /oauth-callback sits outside the key-checked group.
      const open = url.pathname === '/v0/management/oauth-callback';
      if (!open) {
        res.setHeader('X-CPA-VERSION', version);
        const denied = authenticate(req);
        if (denied) return json(res, denied.status, {error: denied.error});
      }
      Promise.resolve(options.gate?.(recorded)).then(() => route(req, res, recorded)).catch((error) => {
        if (!res.headersSent) json(res, 500, {error: String(error)});
      });
    });
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stand.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stand.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sessions.values()) s.abort?.abort();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return stand;
}
