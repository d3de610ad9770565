// Vertex AI service accounts: no OAuth login and no refresh token; an access token is had by
// signing a JWT with the service account's key and exchanging it at Google's token endpoint
// (RFC 7523, jwt-bearer grant). Inference is the native Gemini API of the account's project:
// `POST https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/
// publishers/google/models/{model}:generateContent` (`:streamGenerateContent?alt=sse`,
// `:countTokens`), Bearer the access token (Vertex AI REST reference, projects.locations.publishers.models).
import {accountProject} from '../../core/accounts.js';
import {nodeCrypto} from '../../core/crypto.js';
import {TokenFieldError, type ProviderAdapter, type TargetContext} from '../types.js';
import {baseAdapter, bearerHeader, str, trimSlash, upstreamPath} from './base.js';

/** The region used when the token file names none (Google's default for Vertex AI examples and SDKs). */
export const VERTEX_DEFAULT_LOCATION = 'us-central1';

/**
 * The account's Vertex region: the token file's `location`, else us-central1. A region is a host
 * label (`europe-west4`) or `global`; anything else is refused naming the field.
 */
export function vertexLocation(token: TargetContext['token']): string {
  const location = str(token.location) ?? VERTEX_DEFAULT_LOCATION;
  if (!/^[a-z0-9-]{1,63}$/.test(location)) throw new TokenFieldError('location', `is ${JSON.stringify(location.slice(0, 40))}, not a Vertex AI region (e.g. "us-central1" or "global")`);
  return location;
}

/**
 * The model's URL of the native Gemini API in the account's project and region: the region's host
 * (`global` has none: aiplatform.googleapis.com), or the tui.json `endpoints.vertex.api` override or
 * the token file's `base_url` in its place. '' when the account names no project (no URL to call).
 */
function vertexUrl(ctx: TargetContext): string {
  const project = accountProject(ctx.token);
  if (!project) return '';
  const location = vertexLocation(ctx.token);
  const host = ctx.apiOverride ?? str(ctx.token.base_url) ?? `https://${location === 'global' ? '' : `${location}-`}aiplatform.googleapis.com`;
  const model = upstreamPath('gemini-native', ctx.method, ctx.model ?? '');
  return `${trimSlash(host)}/v1/projects/${encodeURIComponent(project)}/locations/${location}/publishers/google${model}`;
}

export const vertexAdapter: ProviderAdapter = {
  ...baseAdapter('vertex'),
  canRefresh: (token) => typeof token.service_account === 'object' && token.service_account !== null,
  refreshAlwaysDue: (token) => !token.access_token,
  upstreamTarget: (ctx) => ({url: vertexUrl(ctx), headers: bearerHeader(ctx.secret)}),
  async refresh({row, token, now, endpoint, postToken, tokenFields}) {
    const account = token.service_account as Record<string, string>;
    const url = endpoint('token');
    const iat = Math.floor(now / 1000);
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({alg: 'RS256', typ: 'JWT', ...(account.private_key_id ? {kid: account.private_key_id} : {})})}.${encode({
      iss: account.client_email,
      scope: row.scopes.join(' '),
      aud: url,
      iat,
      exp: iat + 3600,
    })}`;
    let signature: string;
    try {
      signature = nodeCrypto().createSign('RSA-SHA256').update(unsigned).sign(account.private_key!, 'base64url');
    } catch (error) {
      // OpenSSL's own text ("error:1E08010C:DECODER routines::unsupported") names no field.
      throw new TokenFieldError('service_account.private_key', `is not a usable RSA private key (${(error as Error).message}); import the key file again`, {
        command: 'ccs-tui login vertex --key-file <file>',
        action: 'account.login',
        scope: 'home',
      });
    }
    const response = await postToken(
      {grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${unsigned}.${signature}`},
      {url, withoutClientId: true},
    );
    return tokenFields(response);
  },
};
