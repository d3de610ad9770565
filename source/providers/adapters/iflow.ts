// iFlow's quirks. Model ids first: iFlow retired some ids that clients and configs still use, and
// answers them with a model error, so the proxy sends the current id instead (PROVIDERS.md, iFlow).
// The model rules preview shows the same mapping ("sent as").
import {nodeCrypto} from '../../core/crypto.js';
import {ownValue} from '../../core/id-map.js';
import {parseJsonObject} from '../../core/json-object.js';
import {normalizeKeepingSuffix} from '../../core/model-rules.js';
import type {UpstreamFailure} from '../../core/pool.js';
import {sanitizeLine} from '../../core/sanitize.js';
import type {ProviderAdapter} from '../types.js';
import {apiBase, baseAdapter, emailPart, str, upstreamPath} from './base.js';
import {iflowIdentity} from './identity.js';

/** Legacy model id → the id iFlow serves now. The one copy of this table. */
export const IFLOW_LEGACY_MODELS: Readonly<Record<string, string>> = {
  'iflow-default': 'qwen3-coder-plus',
  'kimi-k2.5': 'kimi-k2',
  'deepseek-v3.2-chat': 'deepseek-v3.2',
  'glm-4.7': 'glm-4.6',
  'minimax-m2.5': 'qwen3-coder-plus',
};

/**
 * The id to send to iFlow for a requested (or aliased) model id; unknown ids pass unchanged. A
 * thinking suffix survives (`kimi-k2.5(8192)` → `kimi-k2(8192)`, CCS's normaliser).
 */
export function normalizeIflowModel(id: string): string {
  return normalizeKeepingSuffix((bare) => ownValue(IFLOW_LEGACY_MODELS, bare.trim().toLowerCase()) ?? bare, id);
}

// Request signing (the integration audit's fix). iFlow checks `x-iflow-signature`, an HMAC-SHA256
// keyed with the account's API key over "<user-agent>:<session-id>:<timestamp>"; the key is never
// part of the signed data, and the session id is never empty. Header names are lower-case, as the
// iFlow CLI sends them.

export const IFLOW_USER_AGENT = 'iFlow-Cli';
export const IFLOW_CLIENT_VERSION = '0.5.8';

export function iflowSignature(apiKey: string, userAgent: string, sessionId: string, timestamp: string): string {
  return nodeCrypto().createHmac('sha256', apiKey).update(`${userAgent}:${sessionId}:${timestamp}`).digest('hex');
}

/** Headers for one iFlow API call. `sessionId` and `conversationId` keep a client session together. */
export function iflowRequestHeaders(
  apiKey: string,
  options: {sessionId?: string; conversationId?: string; now?: number} = {},
): Record<string, string> {
  const sessionId = options.sessionId?.trim() ? options.sessionId.trim() : `session-${nodeCrypto().randomUUID()}`;
  const timestamp = String(options.now ?? Date.now());
  return {
    authorization: `Bearer ${apiKey}`,
    'user-agent': IFLOW_USER_AGENT,
    'session-id': sessionId,
    'conversation-id': options.conversationId?.trim() || nodeCrypto().randomUUID(),
    'x-client-type': 'iflow-cli',
    'x-client-version': IFLOW_CLIENT_VERSION,
    'x-iflow-timestamp': timestamp,
    'x-iflow-signature': iflowSignature(apiKey, IFLOW_USER_AGENT, sessionId, timestamp),
  };
}

/** iFlow's own error codes (as HTTP status or as `status`/`code` in a JSON body), by name. */
export const IFLOW_ERRORS: Readonly<Record<string, {name: string; httpStatus: number; type: string}>> = {
  '434': {name: 'invalid API key', httpStatus: 401, type: 'authentication_error'},
  '439': {name: 'token expired', httpStatus: 401, type: 'authentication_error'},
  '514': {name: 'model error', httpStatus: 502, type: 'api_error'},
  '429': {name: 'rate limit', httpStatus: 429, type: 'rate_limit_error'},
  '8211': {name: 'rate limit', httpStatus: 429, type: 'rate_limit_error'},
  '449': {name: 'rate limit', httpStatus: 429, type: 'rate_limit_error'},
};

export interface IflowError {
  code: string;
  name: string;
  httpStatus: number;
  type: string;
  /** iFlow's own message, when it sent one. */
  detail?: string;
}

/** Recognises an iFlow error from the HTTP status or a JSON body (`{status: "434", msg}`), else undefined. */
export function iflowError(status: number, bodyText: string): IflowError | undefined {
  const body = parseJsonObject(bodyText); // not JSON: the status decides
  const nested = body?.error as Record<string, unknown> | undefined;
  const candidates = [body?.status, body?.code, nested?.code, nested?.status, status].map((v) => (v === undefined || v === null ? '' : String(v)));
  const code = candidates.find((c) => Object.hasOwn(IFLOW_ERRORS, c));
  if (!code) return undefined;
  // A successful completion that merely carries a numeric field is not an error.
  if (status >= 200 && status < 300 && Array.isArray(body?.choices)) return undefined;
  const known = IFLOW_ERRORS[code]!;
  const detail = [body?.msg, body?.message, nested?.message].find((m): m is string => typeof m === 'string' && m !== '');
  return {code, ...known, detail};
}

/** glm-4.7 is only stable with these sampling parameters (iFlow CLI sends them). */
export function applyIflowModelParams(body: Record<string, unknown>, model: string): boolean {
  if (!model.trim().toLowerCase().startsWith('glm-4.7')) return false;
  body.temperature = 1;
  body.top_p = 0.95;
  return true;
}

/** A stable iFlow session id for a client session (`session-<uuid-shaped hash>`), or none. */
function iflowSession(session: string | undefined): string | undefined {
  if (!session) return undefined;
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < session.length; i++) {
    h1 = Math.imul(h1 ^ session.charCodeAt(i), 16777619) >>> 0;
    h2 = Math.imul(h2 ^ session.charCodeAt(i), 2246822519) >>> 0;
  }
  const hex = (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).repeat(2);
  return `session-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** What an iFlow error code means for the account: a dead key (auth) or a rate limit; others are answered as is. */
function iflowFailure(error: IflowError, status: number): UpstreamFailure | undefined {
  if (error.code === '434' || error.code === '439') return {kind: 'auth', status, message: `iFlow ${error.name} (${error.code})`};
  if (status === 429) return {kind: 'rate-limit', status, message: `iFlow ${error.name} (${error.code})`};
  return undefined;
}

export const iflowAdapter: ProviderAdapter = {
  ...baseAdapter('iflow'),
  tokenFileName: (token, now) => `iflow-${emailPart(token) || 'account'}-${Math.floor(now.getTime() / 1000)}.json`,
  /** getUserInfo takes the access token as a query parameter; its answer carries the API key. */
  async identify({response, getJson, endpoint, unexpected}) {
    const url = new URL(endpoint('userinfo'));
    url.searchParams.set('accessToken', response.access_token);
    try {
      return iflowIdentity(await getJson(url.toString(), {}));
    } catch (error) {
      throw unexpected(endpoint('userinfo'), 200, (error as Error).message.replace(response.access_token, '…'));
    }
  },
  // iFlow's page takes `redirect`, not `redirect_uri`, and no response_type or scope.
  authorizeParams: ({clientId, redirectUri, state, extra}) => ({...extra, redirect: redirectUri, state, client_id: clientId}),
  // The API key (from getUserInfo) signs requests; old files may only have the access token.
  bearer: (token) => str(token.api_key) ?? str(token.access_token),
  upstreamTarget: (ctx) => ({
    url: `${apiBase(ctx)}${upstreamPath(ctx.protocol, ctx.method)}`,
    headers: iflowRequestHeaders(ctx.secret, {sessionId: iflowSession(ctx.session), now: ctx.now}),
  }),
  normalizeModel: normalizeIflowModel,
  rewriteBody: applyIflowModelParams,
  // iFlow reports some errors with HTTP 200 and a JSON body; only non-stream JSON can carry them.
  mayHideErrorInSuccess: (contentType) => contentType.includes('json'),
  namedError(status, bodyText) {
    const named = iflowError(status, bodyText);
    if (!named) return undefined;
    return {
      status: named.httpStatus,
      type: named.type,
      code: named.code,
      message: `iFlow error ${named.code}: ${named.name}${named.detail ? ` (${sanitizeLine(named.detail)})` : ''}`,
      failure: iflowFailure(named, named.httpStatus),
    };
  },
};
