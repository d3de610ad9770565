// A real authorization server for login and refresh tests: oidc-provider 8 on 127.0.0.1, with one
// native public client, the device flow, auth code + PKCE and rotating refresh tokens. The person's
// approval is scripted with plain HTTP and a cookie jar, as TESTING.md describes.
//
// oidc-provider never sends `interval` or `slow_down`; `deviceInterval` and `slowDownPolls` add them
// with a middleware. Every token-endpoint call is recorded (grant type, status, error), so tests can
// count refresh requests; reusing an old refresh token makes oidc-provider revoke the whole grant,
// which `grantAlive` detects.
import {readFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
// oidc-provider ships no types.
// @ts-expect-error no declaration file
import Provider from 'oidc-provider';
import type {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, type TempCcs} from './ccs.js';

export const OIDC_CLIENT_ID = 'ccs-tui-test';

export interface TokenCall {
  grantType: string;
  status: number;
  error?: string;
}

export interface OidcServerOptions {
  /** Seconds sent as `interval` in the device authorization response (omitted when undefined). */
  deviceInterval?: number;
  /** Device-code lifetime in seconds (oidc-provider's TTL). */
  deviceCodeTtl?: number;
  accessTokenTtl?: number;
}

export interface OidcServer {
  issuer: string;
  port: number;
  discovery: string;
  tokenCalls: TokenCall[];
  /** The next N pending device polls are answered `slow_down` instead. */
  slowDownPolls: number;
  /**
   * Refresh answers are held back this long AFTER the server processed them (the refresh token is
   * already rotated): a token endpoint slower than the client's timeout.
   */
  delayRefreshMs: number;
  /**
   * Authorization-code answers are held back this long AFTER the server processed them (the code is
   * already spent): a slow token endpoint, the window in which a second use of the code would
   * arrive. oidc-provider answers a reused code with invalid_grant and revokes its grant.
   */
  delayCodeExchangeMs: number;
  /** Refresh requests the server processed (counted before a delayed answer goes out). */
  readonly refreshRequestsReceived: number;
  /** The refresh token of the latest successful refresh answer, delivered or not. */
  readonly lastIssuedRefreshToken: string | undefined;
  approveDevice(verificationUriComplete: string, login: string): Promise<void>;
  denyDevice(verificationUriComplete: string): Promise<void>;
  /** Follows an authorization URL through login and consent; returns the redirect to the client. */
  authorize(authorizeUrl: string, login: string): Promise<string>;
  /** The browser signs out (its session cookies are dropped): the next authorize logs in afresh. */
  signOut(): void;
  /** True while the refresh token still works (its grant was not revoked). Uses it: pass the latest. */
  refreshWorks(refreshToken: string): Promise<{ok: boolean; body: Record<string, unknown>}>;
  userinfo(accessToken: string): Promise<number>;
  close(): Promise<void>;
}

class CookieJar {
  private cookies = new Map<string, string>();
  store(headers: Headers) {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }
  clear(): void {
    this.cookies.clear();
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export async function startOidcServer(options: OidcServerOptions = {}): Promise<OidcServer> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
        redirect_uris: [
          'http://127.0.0.1/callback',
          'http://localhost/callback',
          'http://localhost/auth/callback',
          'http://localhost/oauth2callback',
          'http://localhost/oauth-callback',
        ],
      },
    ],
    features: {deviceFlow: {enabled: true}, devInteractions: {enabled: true}, revocation: {enabled: true}},
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    claims: {openid: ['sub'], email: ['email', 'email_verified'], profile: ['name']},
    conformIdTokenClaims: false,
    cookies: {keys: ['ccs-tui-test-cookie-key']},
    ttl: {
      DeviceCode: options.deviceCodeTtl ?? 600,
      AccessToken: options.accessTokenTtl ?? 3600,
    },
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({sub: id, email: `${id}@example.test`, email_verified: true, name: id}),
    }),
  });
  provider.proxy = false;
  const state: {tokenCalls: TokenCall[]; slowDownPolls: number; delayRefreshMs: number; delayCodeExchangeMs: number; refreshReceived: number; lastIssued?: string} = {
    tokenCalls: [],
    slowDownPolls: 0,
    delayRefreshMs: 0,
    delayCodeExchangeMs: 0,
    refreshReceived: 0,
  };
  provider.use(async (ctx: any, next: () => Promise<void>) => {
    await next();
    if (ctx.path === '/token' && String(ctx.oidc?.params?.grant_type ?? '') === 'refresh_token') {
      state.refreshReceived++;
      if (typeof ctx.body?.refresh_token === 'string') state.lastIssued = ctx.body.refresh_token;
      if (state.delayRefreshMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayRefreshMs));
    }
    if (ctx.path === '/token' && String(ctx.oidc?.params?.grant_type ?? '') === 'authorization_code' && state.delayCodeExchangeMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, state.delayCodeExchangeMs));
    }
    if (ctx.path === '/device/auth' && ctx.status === 200 && options.deviceInterval !== undefined) {
      ctx.body = {...ctx.body, interval: options.deviceInterval};
    }
    if (ctx.path === '/token') {
      const grantType = String(ctx.oidc?.params?.grant_type ?? '');
      if (grantType.endsWith('device_code') && ctx.body?.error === 'authorization_pending' && state.slowDownPolls > 0) {
        state.slowDownPolls--;
        ctx.body = {error: 'slow_down', error_description: 'polling too fast'};
      }
      state.tokenCalls.push({grantType, status: ctx.status, error: ctx.body?.error});
    }
  });
  server.on('request', provider.callback());

  const jar = new CookieJar();
  const get = async (url: string) => {
    const response = await fetch(new URL(url, issuer), {headers: {cookie: jar.header()}, redirect: 'manual'});
    jar.store(response.headers);
    return response;
  };
  const post = async (url: string, form: Record<string, string>) => {
    const response = await fetch(new URL(url, issuer), {
      method: 'POST',
      headers: {cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams(form),
      redirect: 'manual',
    });
    jar.store(response.headers);
    return response;
  };
  const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

  /** Follows redirects inside the issuer, answering login and consent prompts; returns the first URL outside. */
  const walk = async (start: Response, login: string): Promise<string> => {
    let response = start;
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, issuer);
        if (next.origin !== issuer) return next.toString();
        response = await get(next.toString());
        continue;
      }
      const html = await response.text();
      const url = new URL(response.url || issuer);
      const action = /action="([^"]+)"/.exec(html)?.[1];
      if (/name="login"/.test(html) && action) {
        response = await post(action, {prompt: 'login', login, password: 'x'});
        continue;
      }
      if (/name="prompt" value="consent"/.test(html) && action) {
        response = await post(action, {prompt: 'consent'});
        continue;
      }
      // Auto-submitting forms (e.g. "end the other account's session first"): submit their hidden fields.
      if (/document\.forms\[0\]\.submit\(\)/.test(html) && action) {
        const fields: Record<string, string> = {};
        for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[m[1]!] = m[2]!;
        response = await post(action, fields);
        continue;
      }
      return url.toString() + (html.includes('Sign-in Success') || html.includes('success') ? '#done' : '');
    }
    throw new Error('too many redirects while approving');
  };

  const confirmPage = async (verificationUriComplete: string) => {
    const page = await get(verificationUriComplete);
    const html = await page.text();
    const xsrf = hidden(html, 'xsrf');
    const userCode = new URL(verificationUriComplete).searchParams.get('user_code') ?? '';
    if (!xsrf) throw new Error(`no xsrf field on ${verificationUriComplete}: ${html.slice(0, 200)}`);
    return {xsrf, userCode};
  };

  return {
    issuer,
    port,
    discovery: `${issuer}/.well-known/openid-configuration`,
    get tokenCalls() {
      return state.tokenCalls;
    },
    get slowDownPolls() {
      return state.slowDownPolls;
    },
    set slowDownPolls(n: number) {
      state.slowDownPolls = n;
    },
    get delayRefreshMs() {
      return state.delayRefreshMs;
    },
    set delayRefreshMs(ms: number) {
      state.delayRefreshMs = ms;
    },
    get delayCodeExchangeMs() {
      return state.delayCodeExchangeMs;
    },
    set delayCodeExchangeMs(ms: number) {
      state.delayCodeExchangeMs = ms;
    },
    get refreshRequestsReceived() {
      return state.refreshReceived;
    },
    get lastIssuedRefreshToken() {
      return state.lastIssued;
    },
    async approveDevice(verificationUriComplete, login) {
      const {xsrf, userCode} = await confirmPage(verificationUriComplete);
      const response = await post('/device', {xsrf, user_code: userCode, confirm: 'yes'});
      await walk(response, login);
    },
    async denyDevice(verificationUriComplete) {
      const {xsrf, userCode} = await confirmPage(verificationUriComplete);
      const response = await post('/device', {xsrf, user_code: userCode, abort: 'yes'});
      await response.text();
    },
    async authorize(authorizeUrl, login) {
      return walk(await get(authorizeUrl), login);
    },
    signOut: () => jar.clear(),
    async refreshWorks(refreshToken) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {'content-type': 'application/x-www-form-urlencoded'},
        body: new URLSearchParams({grant_type: 'refresh_token', refresh_token: refreshToken, client_id: OIDC_CLIENT_ID}),
      });
      return {ok: response.status === 200, body: (await response.json()) as Record<string, unknown>};
    },
    async userinfo(accessToken) {
      const response = await fetch(`${issuer}/me`, {headers: {authorization: `Bearer ${accessToken}`}});
      await response.text();
      return response.status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** tui.json content pointing `provider` at this server (endpoint overrides + client id override). */
export function oidcSettingsFor(oidc: OidcServer, provider: 'xai' | 'kimi' | 'codex' | 'claude'): Record<string, unknown> {
  const endpoints: Record<string, string> =
    provider === 'xai'
      ? {discovery: oidc.discovery}
      : provider === 'kimi'
        ? {device: `${oidc.issuer}/device/auth`, token: `${oidc.issuer}/token`}
        : {authorize: `${oidc.issuer}/auth`, token: `${oidc.issuer}/token`, userinfo: `${oidc.issuer}/me`};
  return {endpoints: {[provider]: endpoints}, login: {clientIds: {[provider]: OIDC_CLIENT_ID}}};
}

/**
 * Writes tui.json pointing `provider` at this server, then logs in `login` through the real device
 * flow (approved at once, real clock): a stored account with a real, rotating refresh token.
 */
export async function oidcDeviceLogin(oidc: OidcServer, ccsRoot: string, login: string, provider: 'xai' | 'kimi' = 'xai') {
  const {writeFileSync} = await import('node:fs');
  const path = await import('node:path');
  writeFileSync(path.join(ccsRoot, 'tui.json'), JSON.stringify(oidcSettingsFor(oidc, provider), null, 2), {mode: 0o600});
  const {ccsPaths} = await import('../../source/store/paths.js');
  const {loadSettings} = await import('../../source/store/settings.js');
  const {AccountStore} = await import('../../source/store/accounts.js');
  const {deviceLogin} = await import('../../source/services/oauth/login.js');
  const paths = ccsPaths(ccsRoot);
  const {settings} = await loadSettings(paths);
  const store = new AccountStore(paths);
  const account = await deviceLogin({store, settings}, provider, {
    onAuthorization: (a) => void oidc.approveDevice(a.verificationUriComplete!, login),
  });
  return {account, store, settings};
}

/**
 * Two codex accounts, alice and bob (`codex-<login>.json`, `account_id` `acct-<login>`), each a real
 * grant at this server (logged in through the device flow); tui.json points codex at the server.
 */
export async function twoCodexGrants(oidc: OidcServer, ccs: {paths: {root: string; settings: string}; writeToken(name: string, content: unknown): unknown}) {
  for (const login of ['alice', 'bob']) {
    const {account, store} = await oidcDeviceLogin(oidc, ccs.paths.root, login);
    const token = (await store.readToken(account))!;
    await store.remove('xai', account.id);
    ccs.writeToken(`codex-${login}.json`, {...token, type: 'codex', account_id: `acct-${login}`, email: `${login}@example.test`});
  }
  const {writeFileSync} = await import('node:fs');
  writeFileSync(ccs.paths.settings, JSON.stringify(oidcSettingsFor(oidc, 'codex')));
}

/** The refresh_token grants the server answered (token calls of other grant types left out). */
export function refreshCalls(oidc: OidcServer): number {
  return oidc.tokenCalls.filter((c) => c.grantType === 'refresh_token').length;
}

/**
 * Runs `body` with a fresh authorization server and a temp CCS dir; closes the server and removes
 * the dir afterwards, pass or fail.
 */
export async function withOidcServer(options: OidcServerOptions, body: (oidc: OidcServer, ccs: TempCcs) => Promise<void>): Promise<void> {
  const oidc = await startOidcServer(options);
  const ccs = makeTempCcs();
  try {
    await body(oidc, ccs);
  } finally {
    await oidc.close();
    ccs.cleanup();
  }
}

export interface CodexGrantsFixture {
  oidc: OidcServer;
  ccs: TempCcs;
  /** Environment of the switching processes: the agent's home is $CODEX_HOME. */
  env: NodeJS.ProcessEnv;
  /** Codex's own credential file, `$CODEX_HOME/auth.json`. */
  authFile: string;
  store: AccountStore;
}

/** Runs `work` on two codex accounts with real grants (twoCodexGrants) and Codex's home in the temp dir; cleans up. */
export async function withTwoCodexGrants(work: (fixture: CodexGrantsFixture) => Promise<void>): Promise<void> {
  await withOidcServer({deviceInterval: 1}, async (oidc, ccs) => {
    await twoCodexGrants(oidc, ccs);
    const {AccountStore} = await import('../../source/store/accounts.js');
    const codexHome = path.join(ccs.env.HOME!, 'codex-home');
    await work({oidc, ccs, env: {...ccs.env, CODEX_HOME: codexHome}, authFile: path.join(codexHome, 'auth.json'), store: new AccountStore(ccs.paths)});
  });
}

/** The token file of twoCodexGrants' `login` (alice or bob), as it is on disk now. */
export function codexTokenFile(ccs: TempCcs, login: string): Record<string, string> {
  return JSON.parse(readFileSync(path.join(ccs.paths.authDir, `codex-${login}.json`), 'utf8')) as Record<string, string>;
}
