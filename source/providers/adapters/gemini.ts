// Gemini CLI accounts (Google OAuth, Cloud Code's internal API). Identity is Google's userinfo
// plus the Cloud Code project set up at login (code-assist.ts); CLIProxyAPI's files nest the
// credentials (google.ts flattenTokenFile / nestTokenFile);
// inference goes to `{api}/v1internal:generateContent` / `:streamGenerateContent?alt=sse` /
// `:countTokens` (base.ts upstreamPath), which only a translator can reach: no client speaks it.
import {accountProject} from '../../core/accounts.js';
import {isoFromInstant, numberOrNull, sortWindows} from '../../core/quota.js';
import type {QuotaWindow, QuotaWindowKind, TokenFile} from '../../core/types.js';
import type {ProviderAdapter, QuotaContext} from '../types.js';
import {baseAdapter, emailPart, safePart} from './base.js';
import {googleCloudCodeIdentity} from './code-assist.js';
import {flattenTokenFile, nestTokenFile, refreshClients} from './google.js';
import {isObject, usageWindow, type Json} from './quota-windows.js';
import {geminiNativeCredentials} from './native-credentials.js';

// ---- quota (Cloud Code's retrieveUserQuota) ----

function googleProject(ctx: QuotaContext): string | undefined {
  return accountProject(ctx.token, ctx.account.projectId);
}

/** Antigravity and Gemini read quota the same way: a POST naming the account's Google project, if any. */
export async function postGoogleUsage(ctx: QuotaContext): Promise<{url: string; body: Json}> {
  const url = ctx.usageUrl();
  const project = googleProject(ctx);
  const body = await ctx.getJson({
    url,
    method: 'POST',
    headers: {authorization: `Bearer ${ctx.accessToken()}`, accept: 'application/json'},
    body: project ? {project} : {},
  });
  return {url, body};
}

/** `remainingFraction` 0..1 → used %; a missing fraction is unknown (never 100 % left). */
export function usedFromRemaining(value: unknown): number | null {
  const remaining = numberOrNull(value);
  return remaining === null ? null : (1 - remaining) * 100;
}


const DAY_SECONDS = 86_400;

export const fetchGeminiQuota = async (ctx: QuotaContext): Promise<QuotaWindow[]> => {
  const {url, body} = await postGoogleUsage(ctx);
  if (!Array.isArray(body.buckets)) throw ctx.missingField(url, 'buckets');
  const windows = new Map<QuotaWindowKind, QuotaWindow>();
  for (const bucket of body.buckets) {
    if (!isObject(bucket) || typeof bucket.modelId !== 'string') continue;
    const kind: QuotaWindowKind = `daily:${bucket.modelId}`;
    const next = usageWindow(kind, usedFromRemaining(bucket.remainingFraction), isoFromInstant(bucket.resetTime), DAY_SECONDS, ctx.now);
    // Several buckets per model (requests, tokens): the fuller one binds.
    const previous = windows.get(kind);
    if (!previous || (next.usedPct ?? -1) > (previous.usedPct ?? -1)) windows.set(kind, next);
  }
  return sortWindows([...windows.values()]);
};

export const geminiAdapter: ProviderAdapter = {
  nativeCredentials: geminiNativeCredentials,
  ...baseAdapter('gemini'),
  // CLIProxyAPI: gemini-<email>-<project>.json (internal/auth/gemini CredentialFileName).
  tokenFileName: (token, now) => {
    const project = typeof token.project_id === 'string' ? safePart(token.project_id) : '';
    return `gemini-${emailPart(token) || 'account'}${project ? `-${project}` : ''}.json`;
  },
  tokenLayout: {toFlat: flattenTokenFile, toFile: nestTokenFile},
  identify: googleCloudCodeIdentity,
  refreshClients,
  fetchQuota: fetchGeminiQuota,
};
