// Who logged in, as each provider tells it: the id_token (codex, xai, any OIDC server), Claude's
// token body and profile endpoint, Google's userinfo, iFlow's getUserInfo, GitHub's /user.
import {jwtClaims} from '../../core/pkce.js';
import type {Identity} from '../types.js';

export type {Identity};

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const obj = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** OpenAI puts the ChatGPT account into the id_token claim `https://api.openai.com/auth`. */
export function codexIdentity(idToken: unknown): Identity {
  const claims = jwtClaims(idToken) ?? {};
  const auth = obj(claims['https://api.openai.com/auth']) ?? {};
  const accountId = str(auth.chatgpt_account_id);
  const plan = str(auth.chatgpt_plan_type);
  return {
    email: str(claims.email),
    extras: {id_token: idToken, ...(accountId ? {account_id: accountId} : {}), ...(plan ? {plan_type: plan} : {})},
    tier: plan,
  };
}

/** Any OIDC id_token: email and subject. */
export function oidcIdentity(idToken: unknown): Identity {
  const claims = jwtClaims(idToken) ?? {};
  return {email: str(claims.email), extras: {...(idToken ? {id_token: idToken} : {}), ...(str(claims.sub) ? {sub: claims.sub} : {})}};
}

/** Claude's token body carries `account` and `organization`; the profile endpoint says the same. */
export function claudeIdentity(tokenBody: Record<string, unknown>, profile?: Record<string, unknown>): Identity {
  const account = obj(profile?.account) ?? obj(tokenBody.account) ?? {};
  const organization = obj(profile?.organization) ?? obj(tokenBody.organization) ?? {};
  const email = str(account.email_address) ?? str(account.email);
  return {
    email,
    extras: {
      ...(str(tokenBody.id_token) ? {id_token: tokenBody.id_token} : {}),
      ...(str(account.uuid) ? {account_uuid: account.uuid} : {}),
      ...(str(organization.uuid) ? {organization_uuid: organization.uuid} : {}),
      ...(str(organization.name) ? {organization_name: organization.name} : {}),
    },
    tier: str(organization.organization_type) ?? str(organization.rate_limit_tier),
  };
}

export function googleIdentity(userinfo: Record<string, unknown>): Identity {
  return {email: str(userinfo.email), extras: {}};
}

/** iFlow's getUserInfo: `{success, data: {apiKey, email, phone}}`; the API key signs requests. */
export function iflowIdentity(body: Record<string, unknown>): Identity {
  const data = obj(body.data);
  if (body.success !== true || !data) throw new Error('getUserInfo did not succeed');
  const apiKey = str(data.apiKey);
  if (!apiKey) throw new Error('getUserInfo returned no apiKey');
  const email = str(data.email) ?? str(data.phone);
  if (!email) throw new Error('getUserInfo returned no email or phone');
  return {email, extras: {api_key: apiKey}};
}

export function githubIdentity(user: Record<string, unknown>): Identity {
  const login = str(user.login);
  return {email: str(user.email) ?? login, extras: {...(login ? {username: login} : {})}};
}
