// GitHub Copilot: the device flow yields a GitHub OAuth token (kept as `access_token`, it does not
// expire); requests to Copilot need a short-lived API token (~25 min) fetched with it from
// copilot_internal/v2/token. That fetch is Copilot's "refresh".
import {isoFromInstant, numberOrNull} from '../../core/quota.js';
import type {QuotaWindow} from '../../core/types.js';
import type {ProviderAdapter, QuotaContext} from '../types.js';
import {apiBase, baseAdapter, emailPart, safePart, str, trimSlash, upstreamPath} from './base.js';
import {githubIdentity} from './identity.js';
import {isObject, usageWindow} from './quota-windows.js';

/** Headers GitHub's endpoints need (without Accept: application/json the device flow answers a form). */
export const GITHUB_JSON_HEADERS = {Accept: 'application/json', 'User-Agent': 'ccs-tui'} as const;

export interface CopilotApiToken {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
  /** API host the token is for (`endpoints.api`), when the server says. */
  apiBase?: string;
}

export function parseCopilotApiToken(body: Record<string, unknown>): CopilotApiToken {
  const token = body.token;
  const expiresAt = body.expires_at;
  if (typeof token !== 'string' || token === '') throw new Error('copilot_internal/v2/token: field "token" is missing');
  if (typeof expiresAt !== 'number') throw new Error('copilot_internal/v2/token: field "expires_at" is missing');
  const endpoints = body.endpoints as Record<string, unknown> | undefined;
  const apiBase = typeof endpoints?.api === 'string' ? endpoints.api : undefined;
  return {token, expiresAt: expiresAt * 1000, apiBase};
}

/** The token-file fields that carry the Copilot API token (what the proxy sends as Bearer). */
export function copilotTokenFields(api: CopilotApiToken): Record<string, string> {
  return {
    copilot_token: api.token,
    expired: new Date(api.expiresAt).toISOString(),
    ...(api.apiBase ? {copilot_api_base: api.apiBase} : {}),
  };
}

/** Headers Copilot's chat API expects besides the API token (it serves editors only). */
export function copilotRequestHeaders(apiToken: string): Record<string, string> {
  return {
    authorization: `Bearer ${apiToken}`,
    'editor-version': 'vscode/1.104.1',
    'editor-plugin-version': 'copilot-chat/0.26.7',
    'copilot-integration-id': 'vscode-chat',
    'openai-intent': 'conversation-panel',
    'user-agent': 'GitHubCopilotChat/0.26.7',
  };
}

// ---- quota (copilot_internal/user) ----

/** Length of the monthly window that ends at `resetAt` (same day of the previous month to then). */
function monthSecondsBefore(resetAt: string): number | null {
  const end = Date.parse(resetAt);
  if (Number.isNaN(end)) return null;
  const start = new Date(end);
  start.setUTCMonth(start.getUTCMonth() - 1);
  return Math.round((end - start.getTime()) / 1000);
}

export const fetchCopilotQuota = async (ctx: QuotaContext): Promise<QuotaWindow[]> => {
  const url = ctx.usageUrl();
  // The GitHub OAuth token (not the short-lived Copilot API token) reads the user's quota.
  const body = await ctx.getJson({url, headers: {...GITHUB_JSON_HEADERS, authorization: `token ${ctx.accessToken()}`}});
  if (!isObject(body.quota_snapshots)) throw ctx.missingField(url, 'quota_snapshots');
  const premium = body.quota_snapshots.premium_interactions;
  if (!isObject(premium)) throw ctx.missingField(url, 'quota_snapshots.premium_interactions');
  const resetsAt = isoFromInstant(body.quota_reset_date_utc ?? body.quota_reset_date);
  const percentRemaining = numberOrNull(premium.percent_remaining);
  const entitlement = numberOrNull(premium.entitlement);
  const remaining = numberOrNull(premium.remaining);
  const usedPct =
    premium.unlimited === true ? 0
    : percentRemaining !== null ? 100 - percentRemaining
    : entitlement !== null && entitlement > 0 && remaining !== null ? ((entitlement - remaining) / entitlement) * 100
    : null;
  return [usageWindow('monthly', usedPct, resetsAt, resetsAt ? monthSecondsBefore(resetsAt) : null, ctx.now)];
};

// ---- the adapter ----

const githubAuth = (token: unknown) => ({...GITHUB_JSON_HEADERS, Authorization: `token ${String(token)}`});

export const copilotAdapter: ProviderAdapter = {
  ...baseAdapter('copilot'),
  tokenFileName(token) {
    const user = typeof token.username === 'string' ? safePart(token.username) : emailPart(token);
    return `github-copilot-${user || 'account'}.json`;
  },
  /** GitHub's /user names the account; the first Copilot API token goes into the file at once. */
  async identify({response, getJson, endpoint}) {
    const github = githubAuth(response.access_token);
    const identity = githubIdentity(await getJson(endpoint('userinfo'), github));
    const api = parseCopilotApiToken(await getJson(endpoint('discovery'), github));
    Object.assign(identity.extras, copilotTokenFields(api));
    return identity;
  },
  // The GitHub token (`access_token`) does not expire; "refresh" fetches a new Copilot API token with it.
  canRefresh: (token) => typeof token.access_token === 'string' && token.access_token !== '',
  refreshAlwaysDue: (token) => !token.copilot_token,
  grantFields: ['copilot_token', 'copilot_api_base'],
  async refresh(ctx) {
    const url = ctx.endpoint('discovery');
    const response = await ctx.http.send({url, headers: githubAuth(ctx.token.access_token)});
    if (response.status === 401) throw ctx.revoked(url, 'GitHub token was revoked');
    if (response.status === 429) throw ctx.rateLimited(url, Number(response.headers['retry-after']) || undefined);
    if (response.status !== 200) throw ctx.unexpected(url, response);
    return {...copilotTokenFields(parseCopilotApiToken(ctx.json(response, url))), last_refresh: new Date().toISOString()};
  },
  fetchQuota: fetchCopilotQuota,
  quotaWithoutRefresh: true,
  bearer: (token) => str(token.copilot_token),
  upstreamTarget: (ctx) => {
    const base = ctx.apiOverride ? apiBase(ctx) : trimSlash(str(ctx.token.copilot_api_base) ?? apiBase(ctx));
    return {url: `${base}${upstreamPath(ctx.protocol, ctx.method)}`, headers: copilotRequestHeaders(ctx.secret)};
  },
};
