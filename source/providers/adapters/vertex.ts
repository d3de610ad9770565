// Vertex AI service accounts: no OAuth login and no refresh token; an access token is had by
// signing a JWT with the service account's key and exchanging it at Google's token endpoint
// (RFC 7523, jwt-bearer grant).
import {createSign} from 'node:crypto';
import {TokenFieldError, type ProviderAdapter} from '../types.js';
import {baseAdapter} from './base.js';

export const vertexAdapter: ProviderAdapter = {
  ...baseAdapter('vertex'),
  canRefresh: (token) => typeof token.service_account === 'object' && token.service_account !== null,
  refreshAlwaysDue: (token) => !token.access_token,
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
      signature = createSign('RSA-SHA256').update(unsigned).sign(account.private_key!, 'base64url');
    } catch (error) {
      // OpenSSL's own text ("error:1E08010C:DECODER routines::unsupported") names no field.
      throw new TokenFieldError('service_account.private_key', `is not a usable RSA private key (${(error as Error).message}); import the key file again (ccs-tui login vertex --key-file <file>)`);
    }
    const response = await postToken(
      {grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${unsigned}.${signature}`},
      {url, withoutClientId: true},
    );
    return tokenFields(response);
  },
};
