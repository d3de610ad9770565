// What a provider does when it has no quirk: OAuth tokens with a refresh_token grant, an OIDC
// id_token for identity, a Bearer access token (or API key), and the API paths of its protocol.
// Each adapter spreads baseAdapter(id) and replaces what its provider does differently.
import type {TokenFile} from '../../core/types.js';
import type {ApiProtocol, IdentifyContext, Identity, ProviderAdapter, ProviderRow, TargetContext, UpstreamMethod} from '../types.js';
import {oidcIdentity} from './identity.js';

export const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
export const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** A file-name-safe part (CLIProxyAPI's: letters, digits, `@._+-`; runs of others become `-`). */
export const safePart = (value: string) =>
  value
    .trim()
    .replace(/[^A-Za-z0-9@._+-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);

/** The token file's email, file-name-safe, or ''. */
export const emailPart = (token: TokenFile) => (typeof token.email === 'string' && token.email ? safePart(token.email) : '');

/** Gemini's method suffix, shared by Cloud Code and the native API (`:streamGenerateContent?alt=sse` streams SSE). */
const geminiMethod = (method: UpstreamMethod) => (method === 'count-tokens' ? ':countTokens' : method === 'stream' ? ':streamGenerateContent?alt=sse' : ':generateContent');

/**
 * Path of a protocol's call below the API base (`/messages`, `/chat/completions`, Cloud Code's
 * `/v1internal:…`, the native Gemini API's `/models/<model>:…` below the base that owns the models).
 */
export function upstreamPath(protocol: ApiProtocol, method: UpstreamMethod, model = ''): string {
  switch (protocol) {
    case 'anthropic':
      return method === 'count-tokens' ? '/messages/count_tokens' : '/messages';
    case 'openai-chat':
      return '/chat/completions';
    case 'openai-responses':
      return '/responses';
    case 'gemini-internal':
      return `/v1internal${geminiMethod(method)}`;
    case 'gemini-native':
      return `/models/${encodeURIComponent(model)}${geminiMethod(method)}`;
  }
}

/** The API base: the tui.json override, else a host the token file names, else the table's. */
export function apiBase(ctx: TargetContext): string {
  return trimSlash(ctx.apiOverride ?? str(ctx.token.base_url) ?? ctx.row.endpoints.api ?? '');
}

export const bearerHeader = (secret: string) => ({authorization: `Bearer ${secret}`});

/** The provider says nothing of who logs in (qwen): the label the person gives is the account's identity. */
export const asksForLabel = (row: Pick<ProviderRow, 'logins'>) => row.logins.some((f) => f.kind === 'device' && f.asksForLabel);

/** OIDC identity from the id_token, else the userinfo endpoint (not for providers that ask for a label). */
async function oidcOrUserinfo(ctx: IdentifyContext): Promise<Identity> {
  const identity = oidcIdentity(ctx.response.id_token);
  if (!identity.email && !asksForLabel(ctx.row)) {
    try {
      const url = await ctx.userinfoUrl();
      const info = url ? await ctx.getJson(url, {Authorization: `Bearer ${ctx.response.access_token}`}) : {};
      identity.email = typeof info.email === 'string' ? info.email : identity.email;
      if (typeof info.sub === 'string') identity.extras.sub = info.sub;
    } catch {
      // No userinfo: the login falls back to the label the person gave.
    }
  }
  return identity;
}

export function baseAdapter(id: string): ProviderAdapter {
  return {
    // No email: the account id the login recorded (an API key's `key-<fingerprint>`: stable, the same
    // key names the same file), else the time as CLIProxyAPI does.
    tokenFileName: (token, now) => `${id}-${emailPart(token) || (typeof token.account_id === 'string' && token.account_id ? safePart(token.account_id) : '') || now.getTime()}.json`,
    identify: oidcOrUserinfo,
    canRefresh: (token) => typeof token.refresh_token === 'string' && token.refresh_token !== '',
    bearer: (token) => str(token.access_token) ?? str(token.api_key),
    upstreamTarget: (ctx) => ({url: `${apiBase(ctx)}${upstreamPath(ctx.protocol, ctx.method)}`, headers: bearerHeader(ctx.secret)}),
  };
}
