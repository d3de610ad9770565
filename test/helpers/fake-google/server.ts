// A faithful local stand-in for the Google services that Google accounts use (127.0.0.1 only):
// the OAuth authorization page and token endpoint, userinfo, the Cloud Code methods used at login
// and for quota, and the JWT-bearer grant for service accounts. Every request is recorded, and
// each one is checked the way Google checks it, answering with Google's own error shapes.
//
// Where each behaviour comes from (facts, not code):
// - Installed-app clients, their public secrets, scopes, `access_type=offline` + `prompt=consent`
//   (a refresh token only with offline access, and again only on a fresh consent), loopback
//   redirects on any port, Gemini's paste page `https://codeassist.google.com/authcode`:
//   Gemini CLI `packages/core/src/code_assist/oauth2.ts`, CLIProxyAPI `internal/auth/gemini`,
//   `internal/auth/antigravity` (constants.go: the 884354919052-… client; auth.go: PKCE required
//   with the secret). Google does not rotate refresh tokens (the refresh answer has none), and a
//   refresh token only works with the client it was issued to (`unauthorized_client`).
// - loadCodeAssist / onboardUser / operations / retrieveUserQuota: Gemini CLI `setup.ts`,
//   `server.ts` (`POST v1internal:<method>`, `GET v1internal/operations/<id>`), `types.ts` (tier
//   ids free-tier / legacy-tier / standard-tier, ineligibleTiers with VALIDATION_REQUIRED and
//   validationUrl, ClientMetadata enums, onboardUser's long-running operation with
//   `response.cloudaicompanionProject {id, name}`); a project named in a free-tier onboardUser
//   fails with FAILED_PRECONDITION (setup.ts comment). Antigravity's ideType ANTIGRAVITY and
//   `tier_id` spelling: CLIProxyAPI antigravity auth.go.
// - retrieveUserQuotaSummary (groups[].buckets[] with bucketId, window, remainingFraction,
//   resetTime; answered without a project for consumer accounts) and fetchAvailableModels
//   (models.<id>.quotaInfo): PROVIDERS.md "Quota sources" and the public Antigravity quota readers.
// - JWT bearer (RFC 7523 as Google runs it): RS256 assertion signed with the service account's key,
//   `iss` = client_email, `aud` = the token URI, `scope`, at most one hour between iat and exp;
//   error texts as Google's token endpoint returns them.
// - Vertex AI inference, the native Gemini API (Vertex AI REST reference,
//   projects.locations.publishers.models): `POST /v1/projects/{project}/locations/{location}/
//   publishers/google/models/{model}:generateContent | :streamGenerateContent?alt=sse |
//   :countTokens`, the GenerateContentRequest itself as the body (no Cloud Code envelope) and the
//   GenerateContentResponse bare (no `{response}`); an OAuth access token of an identity with access
//   to the project (here: a service account of that project), 403 PERMISSION_DENIED otherwise; an
//   unknown region or publisher model is NOT_FOUND. The real host is `{location}-aiplatform…`, so
//   the region appears twice; the stand-in sees only the path's.
import {createVerify, generateKeyPairSync, randomBytes, type KeyObject} from 'node:crypto';
import {callFirstToolThenAnswer, type Reply as ModelReply, type Turn} from '../fake-inference/server.js';
import {geminiAnswer} from '../fake-inference/replies.js';
import {geminiTurn} from '../fake-inference/turns.js';
import {pkceMatches, startFakeServer, type FakeServer, type Recorded, type Reply} from '../fake-providers/server.js';

const SCOPE = (name: string) => `https://www.googleapis.com/auth/${name}`;
export const GEMINI_SCOPES = [SCOPE('cloud-platform'), SCOPE('userinfo.email'), SCOPE('userinfo.profile')];
export const ANTIGRAVITY_SCOPES = [...GEMINI_SCOPES, SCOPE('cclog'), SCOPE('experimentsandconfigs')];

export const GEMINI_CLIENT = {id: '681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com', secret: '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'};
export const ANTIGRAVITY_CLIENT = {id: '1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com', secret: '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'};
export const ANTIGRAVITY_NEW_CLIENT = {id: '884354919052-36trc1jjb3tguiac32ov6cod268c5blh.apps.googleusercontent.com', secret: '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'};
export const GEMINI_PASTE_REDIRECT = 'https://codeassist.google.com/authcode';

interface ClientSpec {
  secret: string;
  scopes: string[];
  /** Redirects besides loopback ones (any port on localhost / 127.0.0.1). */
  redirects: string[];
}

const CLIENTS: Record<string, ClientSpec> = {
  [GEMINI_CLIENT.id]: {secret: GEMINI_CLIENT.secret, scopes: [...GEMINI_SCOPES, 'openid'], redirects: [GEMINI_PASTE_REDIRECT]},
  [ANTIGRAVITY_CLIENT.id]: {secret: ANTIGRAVITY_CLIENT.secret, scopes: [...ANTIGRAVITY_SCOPES, 'openid'], redirects: []},
  [ANTIGRAVITY_NEW_CLIENT.id]: {secret: ANTIGRAVITY_NEW_CLIENT.secret, scopes: [...ANTIGRAVITY_SCOPES, 'openid'], redirects: []},
};

/** What loadCodeAssist knows about an account. */
export type CodeAssistAccount =
  /** Has a tier and a project already. */
  | {kind: 'project'; project: string; tier?: string}
  /** No tier yet: free-tier is offered; onboarding creates `project` after `polls` operation polls. */
  | {kind: 'free-onboard'; project: string; polls?: number}
  /** Google wants the person to verify the account (VALIDATION_REQUIRED with a validationUrl). */
  | {kind: 'validation-required'; url: string}
  /** Not eligible for any tier. */
  | {kind: 'no-access'};

export interface GoogleUser {
  email: string;
  codeAssist: CodeAssistAccount;
}

export interface FakeGoogleOptions {
  users: Record<string, GoogleUser>;
  /** Seconds an access token lives (Google: 3599). */
  accessTokenSeconds?: number;
  /** The stand-in's clock (JWT iat/exp checks, token expiry). */
  now?: () => number;
  /** Vertex inference: the model's move for each turn (default: call the first tool offered once, then answer). */
  vertexScript?: (turn: Turn) => ModelReply;
}

/** Regions the Vertex stand-in serves Gemini in (a few of Google's; `global` is the location-less endpoint). */
export const VERTEX_LOCATIONS = ['us-central1', 'us-east5', 'europe-west1', 'europe-west4', 'asia-northeast1', 'global'];

interface Grant {
  user: string;
  clientId: string;
  scopes: string[];
}

interface AccessGrant {
  user?: string;
  serviceAccount?: string;
  clientId?: string;
  scopes: string[];
  expiresAt: number;
}

export interface FakeGoogle {
  url: string;
  server: FakeServer;
  requests: Recorded[];
  on(path: string): Recorded[];
  /** tui.json settings that point gemini, antigravity and vertex at the stand-in. */
  settings(extra?: Record<string, unknown>): {endpoints: Record<string, Record<string, string>>; [key: string]: unknown};
  /**
   * The person in the browser: opens the authorization URL (checked as Google checks it), signs in
   * as `login` and consents. Returns where Google sends the browser (redirect URI with code and state).
   */
  approve(authorizeUrl: string, login: string): Promise<string>;
  /** Tokens as an earlier login left them (for refresh and quota tests on existing token files). */
  issueTokens(login: string, clientId: string, scopes?: string[]): {access_token: string; refresh_token: string};
  /** A service account of `project` and its key file (what IAM → Keys → JSON downloads). */
  addServiceAccount(project: string): Record<string, string>;
  /** Vertex inference turns the stand-in accepted, in order. */
  vertexTurns: Turn[];
  /** Vertex inference refusals sent (status and message), for tests that prove none happened. */
  vertexRefusals: {path: string; status: number; message: string}[];
  revoke(refreshToken: string): void;
  close(): Promise<void>;
}

const random = (prefix: string) => `${prefix}${randomBytes(18).toString('base64url')}`;
/** Google's JSON error body `{error: {code, message, status}}`. */
const apiError = (code: number, status: string, message: string): Reply => ({status: code, json: {error: {code, message, status}}});
/** The token endpoint's error body. */
const oauthError = (status: number, error: string, description: string): Reply => ({status, json: {error, error_description: description}});
const page = (status: number, text: string): Reply => ({status, headers: {'content-type': 'text/html; charset=utf-8'}, text});

/** ClientMetadata enums (Gemini CLI types.ts, plus ANTIGRAVITY). */
const IDE_TYPES = ['IDE_UNSPECIFIED', 'VSCODE', 'INTELLIJ', 'VSCODE_CLOUD_WORKSTATION', 'INTELLIJ_CLOUD_WORKSTATION', 'CLOUD_SHELL', 'GEMINI_CLI', 'ANTIGRAVITY'];
const PLATFORMS = ['PLATFORM_UNSPECIFIED', 'DARWIN_AMD64', 'DARWIN_ARM64', 'LINUX_AMD64', 'LINUX_ARM64', 'WINDOWS_AMD64'];
const PLUGIN_TYPES = ['PLUGIN_UNSPECIFIED', 'CLOUD_CODE', 'GEMINI', 'AIPLUGIN_INTELLIJ', 'AIPLUGIN_STUDIO'];

const FREE_TIER = {id: 'free-tier', name: 'Gemini Code Assist for individuals', userDefinedCloudaicompanionProject: false};
const STANDARD_TIER = {id: 'standard-tier', name: 'Gemini Code Assist Standard', userDefinedCloudaicompanionProject: true};

function isLoopbackRedirect(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1') && url.port !== '';
  } catch {
    return false;
  }
}

export async function startFakeGoogle(options: FakeGoogleOptions): Promise<FakeGoogle> {
  const now = options.now ?? Date.now;
  const lifetime = options.accessTokenSeconds ?? 3599;
  const users = options.users;
  const pending = new Map<string, {clientId: string; redirectUri: string; scopes: string[]; state?: string; challenge?: string; offline: boolean; consent: boolean}>();
  const codes = new Map<string, Grant & {redirectUri: string; challenge?: string; offline: boolean; consent: boolean}>();
  const consented = new Set<string>();
  const refreshTokens = new Map<string, Grant>();
  const accessTokens = new Map<string, AccessGrant>();
  const operations = new Map<string, {user: string; pollsLeft: number}>();
  const serviceAccounts = new Map<string, {publicKey: KeyObject; keyId: string}>();
  const vertexTurns: Turn[] = [];
  const vertexRefusals: {path: string; status: number; message: string}[] = [];
  const vertexScript = options.vertexScript ?? ((turn: Turn) => callFirstToolThenAnswer(turn, undefined as never));
  let url = '';

  const issueAccess = (grant: Omit<AccessGrant, 'expiresAt'>) => {
    const token = random('ya29.');
    accessTokens.set(token, {...grant, expiresAt: now() + lifetime * 1000});
    return token;
  };

  /** The signed-in user of a Cloud Code / userinfo call, or the error Google answers. */
  const bearer = (req: Recorded, scope?: string): {user: string} | {reply: Reply} => {
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const grant = token ? accessTokens.get(token) : undefined;
    if (!grant || grant.expiresAt <= now()) {
      return {reply: apiError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.')};
    }
    if (!grant.user) return {reply: apiError(403, 'PERMISSION_DENIED', 'The caller does not have permission')};
    if (scope && !grant.scopes.includes(scope)) return {reply: apiError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.')};
    return {user: grant.user};
  };

  /** A Cloud Code POST: JSON body, a user token with cloud-platform. */
  const cloudCode = (handler: (user: GoogleUser, login: string, body: Record<string, unknown>) => Reply) => (req: Recorded): Reply => {
    const auth = bearer(req, SCOPE('cloud-platform'));
    if ('reply' in auth) return auth.reply;
    if (req.method === 'POST' && !String(req.headers['content-type']).includes('application/json')) {
      return apiError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    let body: Record<string, unknown> = {};
    if (req.method === 'POST') {
      try {
        body = JSON.parse(req.body || '{}') as Record<string, unknown>;
      } catch {
        return apiError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
      }
    }
    return handler(users[auth.user]!, auth.user, body);
  };

  const metadataProblem = (metadata: unknown): string | undefined => {
    if (typeof metadata !== 'object' || metadata === null) return 'metadata';
    const m = metadata as Record<string, unknown>;
    const ide = m.ideType ?? m.ide_type;
    if (ide !== undefined && !IDE_TYPES.includes(String(ide))) return 'metadata.ide_type';
    if (m.platform !== undefined && !PLATFORMS.includes(String(m.platform))) return 'metadata.platform';
    const plugin = m.pluginType ?? m.plugin_type;
    if (plugin !== undefined && !PLUGIN_TYPES.includes(String(plugin))) return 'metadata.plugin_type';
    return undefined;
  };

  const projectOf = (user: GoogleUser): string | undefined => (user.codeAssist.kind === 'project' ? user.codeAssist.project : undefined);
  /** Quota calls name the account's project; another project is someone else's. */
  const projectCheck = (user: GoogleUser, body: Record<string, unknown>, required: boolean): Reply | undefined => {
    const project = projectOf(user);
    if (!project) return apiError(403, 'PERMISSION_DENIED', 'The caller does not have permission');
    if (body.project === undefined && !required) return undefined;
    if (body.project !== project) return apiError(403, 'PERMISSION_DENIED', `Permission denied on resource project ${String(body.project ?? '')}.`);
    return undefined;
  };
  const inHours = (hours: number) => new Date(now() + hours * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');

  const tokenEndpoint = async (req: Recorded): Promise<Reply> => {
    if (!String(req.headers['content-type']).includes('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'Invalid Content-Type: only application/x-www-form-urlencoded is accepted');
    }
    const f = req.fields;
    if (f.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer') return jwtBearer(f.assertion);
    const client = f.client_id ? CLIENTS[f.client_id] : undefined;
    if (!client) return oauthError(401, 'invalid_client', 'The OAuth client was not found.');
    if (f.client_secret !== client.secret) return oauthError(401, 'invalid_client', 'Unauthorized');
    if (f.grant_type === 'authorization_code') {
      const grant = f.code ? codes.get(f.code) : undefined;
      if (!grant) return oauthError(400, 'invalid_grant', 'Malformed auth code.');
      codes.delete(f.code!);
      if (grant.clientId !== f.client_id) return oauthError(400, 'invalid_grant', 'Bad Request');
      if (f.redirect_uri !== grant.redirectUri) return oauthError(400, 'redirect_uri_mismatch', 'Bad Request');
      if (grant.challenge && !(await pkceMatches(f.code_verifier, grant.challenge))) return oauthError(400, 'invalid_grant', 'Invalid code verifier.');
      const access = issueAccess({user: grant.user, clientId: grant.clientId, scopes: grant.scopes});
      // Offline access gives a refresh token, and only on a fresh consent (prompt=consent or the first time).
      const refresh = grant.offline && grant.consent ? random('1//0g') : undefined;
      if (refresh) refreshTokens.set(refresh, {user: grant.user, clientId: grant.clientId, scopes: grant.scopes});
      return {json: {access_token: access, expires_in: lifetime, ...(refresh ? {refresh_token: refresh} : {}), scope: grant.scopes.join(' '), token_type: 'Bearer'}};
    }
    if (f.grant_type === 'refresh_token') {
      const grant = f.refresh_token ? refreshTokens.get(f.refresh_token) : undefined;
      if (!grant) return oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
      if (grant.clientId !== f.client_id) return oauthError(401, 'unauthorized_client', 'Unauthorized');
      // Not rotated: the answer carries no refresh_token and the old one keeps working.
      return {json: {access_token: issueAccess(grant), expires_in: lifetime, scope: grant.scopes.join(' '), token_type: 'Bearer'}};
    }
    return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${f.grant_type ?? ''}`);
  };

  const jwtBearer = (assertion: string | undefined): Reply => {
    const parts = (assertion ?? '').split('.');
    if (parts.length !== 3) return oauthError(400, 'invalid_request', 'Invalid JWT: no valid assertion');
    const decode = (part: string) => {
      try {
        return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    };
    const header = decode(parts[0]!);
    const claims = decode(parts[1]!);
    if (!header || !claims || header.alg !== 'RS256') return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    const account = serviceAccounts.get(String(claims.iss));
    if (!account) return oauthError(400, 'invalid_grant', 'Invalid grant: account not found');
    const signed = createVerify('RSA-SHA256').update(`${parts[0]}.${parts[1]}`).verify(account.publicKey, parts[2]!, 'base64url');
    if (!signed) return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    if (claims.aud !== `${url}/token`) return oauthError(400, 'invalid_grant', `Invalid JWT: Failed audience check. The right audience is ${url}/token`);
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    const seconds = now() / 1000;
    if (!Number.isFinite(iat) || !Number.isFinite(exp) || exp - iat > 3600 || exp <= seconds || iat > seconds + 300) {
      return oauthError(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
    }
    if (typeof claims.scope !== 'string' || claims.scope.trim() === '') return oauthError(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    const token = issueAccess({serviceAccount: String(claims.iss), scopes: claims.scope.split(' ')});
    return {json: {access_token: token, expires_in: lifetime, token_type: 'Bearer'}};
  };

  /** `POST /v1/projects/{project}/locations/{location}/publishers/google/models/{model}:{method}` (native Gemini API). */
  const vertexInference = (req: Recorded, match: RegExpExecArray): Reply => {
    const [, project, location, model, method] = match as unknown as [string, string, string, string, string];
    const refuse = (code: number, status: string, message: string): Reply => {
      vertexRefusals.push({path: req.path, status: code, message});
      return apiError(code, status, message);
    };
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const grant = token ? accessTokens.get(token) : undefined;
    if (!grant || grant.expiresAt <= now()) {
      return refuse(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
    if (!grant.scopes.includes(SCOPE('cloud-platform'))) return refuse(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.');
    const resource = `projects/${project}/locations/${location}/publishers/google/models/${model}`;
    // A service account has access to its own project (…@<project>.iam.gserviceaccount.com).
    if (!grant.serviceAccount?.endsWith(`@${project}.iam.gserviceaccount.com`)) {
      return refuse(403, 'PERMISSION_DENIED', `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/${resource}' (or it may not exist).`);
    }
    if (!VERTEX_LOCATIONS.includes(location)) return refuse(404, 'NOT_FOUND', `Location ${location} is not supported.`);
    if (!/^gemini-[a-z0-9.-]+$/.test(model)) return refuse(404, 'NOT_FOUND', `Publisher Model \`${resource}\` not found.`);
    if (!String(req.headers['content-type']).includes('application/json')) return refuse(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return refuse(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    if (method === 'countTokens') {
      const stray = ['request', 'project'].find((key) => key in body);
      if (stray) return refuse(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${stray}": Cannot find field.`);
      if (!Array.isArray(body.contents)) return refuse(400, 'INVALID_ARGUMENT', 'contents is not specified');
      return {json: {totalTokens: Math.ceil(JSON.stringify(body.contents).length / 4), totalBillableCharacters: JSON.stringify(body.contents).length}};
    }
    // Without alt=sse the stream is a JSON array, which no SSE reader can read.
    if (method === 'streamGenerateContent' && req.query.get('alt') !== 'sse') return refuse(400, 'INVALID_ARGUMENT', 'streamGenerateContent without alt=sse answers a JSON array, not SSE');
    const turn = geminiTurn(body, {model});
    if ('refusal' in turn) return refuse(400, 'INVALID_ARGUMENT', turn.refusal);
    vertexTurns.push(turn);
    const answer = geminiAnswer(method === 'streamGenerateContent', model, vertexScript(turn), true);
    return 'json' in answer ? {json: answer.json} : {headers: {'content-type': 'text/event-stream'}, text: answer.frames.join('')};
  };

  const server = await startFakeServer({
    'GET /o/oauth2/v2/auth': (req) => {
      const q = req.query;
      const clientId = q.get('client_id') ?? '';
      const client = CLIENTS[clientId];
      if (!client) return page(401, 'Error 401: invalid_client — The OAuth client was not found.');
      const redirectUri = q.get('redirect_uri') ?? '';
      if (!isLoopbackRedirect(redirectUri) && !client.redirects.includes(redirectUri)) return page(400, `Error 400: redirect_uri_mismatch — ${redirectUri}`);
      if (q.get('response_type') !== 'code') return page(400, 'Error 400: unsupported_response_type');
      const scopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
      const invalid = scopes.filter((s) => !client.scopes.includes(s));
      if (scopes.length === 0) return page(400, 'Error 400: invalid_request — Missing required parameter: scope');
      if (invalid.length) return page(400, `Error 400: invalid_scope — Some requested scopes were invalid. {invalid=[${invalid.join(', ')}]}`);
      const challenge = q.get('code_challenge') ?? undefined;
      if (challenge && q.get('code_challenge_method') !== 'S256') return page(400, 'Error 400: invalid_request — code_challenge_method');
      const id = random('req-');
      pending.set(id, {
        clientId,
        redirectUri,
        scopes,
        state: q.get('state') ?? undefined,
        challenge,
        offline: q.get('access_type') === 'offline',
        consent: (q.get('prompt') ?? '').split(' ').includes('consent'),
      });
      return page(200, `<form method="post" action="/o/oauth2/approve"><input type="hidden" name="request_id" value="${id}">Choose an account</form>`);
    },
    'POST /o/oauth2/approve': (req) => {
      const request = pending.get(req.fields.request_id ?? '');
      const login = req.fields.login ?? '';
      if (!request || !Object.hasOwn(users, login)) return page(400, 'Error 400: bad approval');
      pending.delete(req.fields.request_id!);
      const key = `${login}|${request.clientId}`;
      const consent = request.consent || !consented.has(key);
      consented.add(key);
      const code = random('4/0A');
      codes.set(code, {user: login, clientId: request.clientId, scopes: request.scopes, redirectUri: request.redirectUri, challenge: request.challenge, offline: request.offline, consent});
      const target = new URL(request.redirectUri);
      if (request.state !== undefined) target.searchParams.set('state', request.state);
      target.searchParams.set('code', code);
      target.searchParams.set('scope', request.scopes.join(' '));
      return {status: 302, headers: {location: target.toString()}, text: ''};
    },
    'POST /token': tokenEndpoint,
    'GET /oauth2/v2/userinfo': (req) => {
      const auth = bearer(req, SCOPE('userinfo.email'));
      if ('reply' in auth) return auth.reply;
      const user = users[auth.user]!;
      return {json: {id: `1${Buffer.from(auth.user).toString('hex').slice(0, 20)}`, email: user.email, verified_email: true, name: auth.user, picture: 'https://lh3.googleusercontent.com/a/x'}};
    },
    'POST /v1internal:loadCodeAssist': cloudCode((user, _login, body) => {
      const bad = metadataProblem(body.metadata);
      if (bad) return apiError(400, 'INVALID_ARGUMENT', `Invalid value at '${bad}'`);
      const state = user.codeAssist;
      if (state.kind === 'project') {
        const tier = state.tier === 'standard-tier' ? STANDARD_TIER : FREE_TIER;
        return {json: {currentTier: tier, allowedTiers: [{...tier, isDefault: true}], cloudaicompanionProject: state.project, gcpManaged: false}};
      }
      if (state.kind === 'free-onboard') return {json: {allowedTiers: [{...FREE_TIER, isDefault: true}, STANDARD_TIER]}};
      if (state.kind === 'validation-required') {
        return {
          json: {
            allowedTiers: [{...FREE_TIER, isDefault: true}],
            ineligibleTiers: [{reasonCode: 'VALIDATION_REQUIRED', reasonMessage: 'Verify your account to continue.', tierId: 'free-tier', tierName: FREE_TIER.name, validationUrl: state.url, validationUrlLinkText: 'Verify your account'}],
          },
        };
      }
      return {json: {ineligibleTiers: [{reasonCode: 'INELIGIBLE_ACCOUNT', reasonMessage: 'Your account is not eligible for Gemini Code Assist for individuals.', tierId: 'free-tier', tierName: FREE_TIER.name}]}};
    }),
    'POST /v1internal:onboardUser': cloudCode((user, login, body) => {
      const bad = metadataProblem(body.metadata);
      if (bad) return apiError(400, 'INVALID_ARGUMENT', `Invalid value at '${bad}'`);
      const tierId = body.tierId ?? body.tier_id;
      const state = user.codeAssist;
      if (tierId === 'free-tier' && body.cloudaicompanionProject !== undefined) return apiError(400, 'FAILED_PRECONDITION', 'Precondition check failed.');
      if (tierId === 'legacy-tier' || tierId === 'standard-tier') {
        if (!body.cloudaicompanionProject) return apiError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.');
      }
      if (state.kind === 'project') {
        return {json: {name: `operations/${random('onboard-')}`, done: true, response: {cloudaicompanionProject: {id: state.project, name: state.project}}}};
      }
      if (state.kind !== 'free-onboard' || tierId !== 'free-tier') return apiError(403, 'PERMISSION_DENIED', 'The caller does not have permission');
      const name = `operations/${random('onboard-')}`;
      operations.set(name, {user: login, pollsLeft: state.polls ?? 1});
      return {json: {name, done: false}};
    }),
    'POST /v1internal:retrieveUserQuota': cloudCode((user, _login, body) => {
      const refused = projectCheck(user, body, true);
      if (refused) return refused;
      return {
        json: {
          buckets: [
            {modelId: 'gemini-2.5-pro', tokenType: 'REQUESTS', remainingAmount: '80', remainingFraction: 0.8, resetTime: inHours(20)},
            {modelId: 'gemini-2.5-flash', tokenType: 'REQUESTS', remainingAmount: '250', remainingFraction: 0.25, resetTime: inHours(20)},
          ],
        },
      };
    }),
    'POST /v1internal:retrieveUserQuotaSummary': cloudCode((user, _login, body) => {
      const refused = projectCheck(user, body, false);
      if (refused) return refused;
      return {
        json: {
          groups: [
            {
              displayName: 'Gemini Models',
              buckets: [
                {bucketId: 'gemini-5h', window: '5h', remainingFraction: 0.6, resetTime: inHours(3)},
                {bucketId: 'gemini-weekly', window: 'weekly', remainingFraction: 0.9, resetTime: inHours(100)},
              ],
            },
            {
              displayName: 'Claude and GPT models',
              // An unused window may come without remainingFraction: unknown, not 100 %.
              buckets: [{bucketId: '3p-5h', window: '5h', resetTime: inHours(5)}, {bucketId: '3p-weekly', window: 'weekly', remainingFraction: 0.5, resetTime: inHours(100)}],
            },
          ],
        },
      };
    }),
    'POST /v1internal:fetchAvailableModels': cloudCode((user, _login, body) => {
      const refused = projectCheck(user, body, false);
      if (refused) return refused;
      return {
        json: {
          models: {
            'gemini-3-flash': {displayName: 'Gemini 3 Flash', quotaInfo: {remainingFraction: 0.6, resetTime: inHours(3)}},
            'claude-sonnet-4-6': {displayName: 'Claude Sonnet 4.6', quotaInfo: {remainingFraction: 0.5, resetTime: inHours(100)}},
          },
        },
      };
    }),
    '*': (req) => {
      const vertex = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/.exec(req.path);
      if (vertex && req.method === 'POST') return vertexInference(req, vertex);
      // GET v1internal/operations/<id>: the onboarding operation, done after its polls.
      const match = /^\/v1internal\/(operations\/[^/]+)$/.exec(req.path);
      if (req.method !== 'GET' || !match) return apiError(404, 'NOT_FOUND', `${req.method} ${req.path} not found`);
      return cloudCode((user, login) => {
        const op = operations.get(match[1]!);
        if (!op || op.user !== login) return apiError(404, 'NOT_FOUND', 'Operation not found');
        if (op.pollsLeft > 0) {
          op.pollsLeft--;
          if (op.pollsLeft > 0) return {json: {name: match[1], done: false}};
        }
        const state = user.codeAssist;
        if (state.kind !== 'free-onboard') return apiError(500, 'INTERNAL', 'onboarding state lost');
        // Onboarded: from now on loadCodeAssist names the project.
        user.codeAssist = {kind: 'project', project: state.project, tier: 'free-tier'};
        return {json: {name: match[1], done: true, response: {'@type': 'type.googleapis.com/google.internal.cloud.code.v1internal.OnboardUserResponse', cloudaicompanionProject: {id: state.project, name: state.project}}}};
      })(req);
    },
  });
  url = server.url;

  return {
    url,
    server,
    requests: server.requests,
    on: server.on,
    settings: (extra = {}) => ({
      ...extra,
      endpoints: {
        gemini: {authorize: `${url}/o/oauth2/v2/auth`, token: `${url}/token`, userinfo: `${url}/oauth2/v2/userinfo`, api: url, usage: `${url}/v1internal:retrieveUserQuota`},
        antigravity: {authorize: `${url}/o/oauth2/v2/auth`, token: `${url}/token`, userinfo: `${url}/oauth2/v2/userinfo`, api: url, usage: `${url}/v1internal:retrieveUserQuotaSummary`},
        vertex: {token: `${url}/token`, api: url},
      },
    }),
    async approve(authorizeUrl, login) {
      const opened = await fetch(authorizeUrl);
      const text = await opened.text();
      if (opened.status !== 200) throw new Error(`Google refused the authorization request: ${text}`);
      const requestId = /name="request_id" value="([^"]+)"/.exec(text)![1]!;
      const approved = await fetch(`${url}/o/oauth2/approve`, {method: 'POST', body: new URLSearchParams({request_id: requestId, login}), redirect: 'manual'});
      const location = approved.headers.get('location');
      if (!location) throw new Error(`approval failed: ${await approved.text()}`);
      return location;
    },
    issueTokens(login, clientId, scopes = CLIENTS[clientId]?.scopes.filter((s) => s !== 'openid') ?? GEMINI_SCOPES) {
      const refresh = random('1//0g');
      refreshTokens.set(refresh, {user: login, clientId, scopes});
      return {access_token: issueAccess({user: login, clientId, scopes}), refresh_token: refresh};
    },
    addServiceAccount(project) {
      const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048});
      const keyId = randomBytes(20).toString('hex');
      const email = `ccs-tui-test@${project}.iam.gserviceaccount.com`;
      serviceAccounts.set(email, {publicKey, keyId});
      return {
        type: 'service_account',
        project_id: project,
        private_key_id: keyId,
        private_key: privateKey.export({type: 'pkcs8', format: 'pem'}).toString(),
        client_email: email,
        client_id: '10' + randomBytes(8).toString('hex').replace(/[a-f]/g, '7'),
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: `${url}/token`,
      };
    },
    vertexTurns,
    vertexRefusals,
    revoke(refreshToken) {
      refreshTokens.delete(refreshToken);
    },
    close: () => server.close(),
  };
}
