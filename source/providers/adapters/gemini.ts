// Gemini CLI accounts (Google OAuth, Cloud Code's internal API). Identity is Google's userinfo;
// inference goes to `{api}/v1internal:generateContent` / `:streamGenerateContent?alt=sse` /
// `:countTokens` (base.ts upstreamPath), which only a translator can reach: no client speaks it.
import {isoFromInstant, numberOrNull, sortWindows} from '../../core/quota.js';
import type {QuotaWindow, QuotaWindowKind, TokenFile} from '../../core/types.js';
import type {IdentifyContext, Identity, ProviderAdapter, QuotaContext} from '../types.js';
import {baseAdapter} from './base.js';
import {googleIdentity} from './identity.js';
import {isObject, usageWindow, type Json} from './quota-windows.js';

/** Google's userinfo for the fresh access token. */
export async function googleUserinfo(ctx: IdentifyContext): Promise<Identity> {
  return googleIdentity(await ctx.getJson(ctx.endpoint('userinfo'), {Authorization: `Bearer ${ctx.response.access_token}`}));
}

// ---- quota (Cloud Code's retrieveUserQuota) ----

function googleProject(ctx: QuotaContext): string | undefined {
  const project = ctx.token.project_id ?? ctx.account.projectId;
  return typeof project === 'string' && project !== '' ? project : undefined;
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

// ---- token file layout ----

/** The credentials object of a nested file (CLIProxyAPI's Gemini files), or undefined for a flat one. */
const nestedCredentials = (token: TokenFile): Json | undefined =>
  isObject(token.token) && typeof token.token.access_token === 'string' ? token.token : undefined;

/**
 * CLIProxyAPI writes Gemini files with the credentials nested: `{"type": "gemini", "token":
 * {access_token, refresh_token, expiry, token_type, …}, "project_id", "email", …}` (PROVIDERS.md);
 * flat files exist too. Each is kept in its own layout.
 */
export const geminiTokenLayout = {
  toFlat(file: TokenFile): TokenFile {
    const nested = nestedCredentials(file);
    if (!nested) return file;
    const flat: TokenFile = {...file, access_token: nested.access_token as string};
    if (typeof nested.refresh_token === 'string') flat.refresh_token = nested.refresh_token;
    if (typeof nested.expiry === 'string') flat.expired = nested.expiry;
    return flat;
  },
  toFile(flat: TokenFile): TokenFile {
    const nested = nestedCredentials(flat);
    if (!nested) return flat;
    const {access_token, refresh_token, expired, ...rest} = flat;
    return {
      ...rest,
      token: {
        ...nested,
        access_token,
        ...(refresh_token !== undefined ? {refresh_token} : {}),
        ...(expired !== undefined ? {expiry: expired} : {}),
      },
    } as TokenFile;
  },
};

export const geminiAdapter: ProviderAdapter = {
  ...baseAdapter('gemini'),
  tokenLayout: geminiTokenLayout,
  identify: googleUserinfo,
  fetchQuota: fetchGeminiQuota,
};
