// Gemini CLI accounts (Google OAuth, Cloud Code's internal API). Identity is Google's userinfo;
// inference goes to `{api}/v1internal:generateContent` / `:streamGenerateContent?alt=sse` /
// `:countTokens` (base.ts upstreamPath), which only a translator can reach: no client speaks it.
import type {IdentifyContext, Identity, ProviderAdapter} from '../types.js';
import {baseAdapter} from './base.js';
import {googleIdentity} from './identity.js';

/** Google's userinfo for the fresh access token. */
export async function googleUserinfo(ctx: IdentifyContext): Promise<Identity> {
  return googleIdentity(await ctx.getJson(ctx.endpoint('userinfo'), {Authorization: `Bearer ${ctx.response.access_token}`}));
}

export const geminiAdapter: ProviderAdapter = {
  ...baseAdapter('gemini'),
  identify: googleUserinfo,
};
