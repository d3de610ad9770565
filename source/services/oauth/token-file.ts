// The CLIProxyAPI token file a login or refresh writes (PROVIDERS.md "Token files").
import type {TokenFile} from '../../core/types.js';
import type {Identity, ProviderRow} from '../../providers/table.js';
import type {ResolvedProvider} from './provider-config.js';
import type {TokenResponse} from './token-endpoint.js';

/** RFC 3339 expiry from `expires_in` (seconds), or undefined when the server did not say. */
export function expiryFrom(response: {expires_in?: unknown}, now: number): string | undefined {
  const seconds = Number(response.expires_in);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(now + seconds * 1000).toISOString() : undefined;
}

/** Fields of a token response that go into the file (rotated refresh token, new expiry, provider extras). */
export function tokenFieldsFrom(row: ProviderRow, response: TokenResponse, now: number): Partial<TokenFile> {
  const fields: Partial<TokenFile> = {
    access_token: response.access_token,
    last_refresh: new Date(now).toISOString(),
  };
  if (typeof response.refresh_token === 'string' && response.refresh_token) fields.refresh_token = response.refresh_token;
  const expired = expiryFrom(response, now);
  if (expired) fields.expired = expired;
  if (typeof response.id_token === 'string') fields.id_token = response.id_token;
  return {...fields, ...row.adapter.tokenResponseFields?.(response)};
}

export function buildTokenFile(resolved: ResolvedProvider, response: TokenResponse, identity: Identity, now: number, extra: Record<string, unknown> = {}): TokenFile {
  return {
    type: resolved.row.tokenType,
    ...tokenFieldsFrom(resolved.row, response, now),
    ...(identity.email ? {email: identity.email} : {}),
    ...identity.extras,
    ...extra,
  } as TokenFile;
}
