// Codex (ChatGPT subscription) speaks the Responses API at chatgpt.com/backend-api/codex and wants
// the ChatGPT account id and an originator the backend knows (PROVIDERS.md, "Upstream APIs").
import {createHash} from 'node:crypto';
import {codexHeaderWindows} from '../../core/quota.js';
import type {ProviderAdapter} from '../types.js';
import {apiBase, baseAdapter, emailPart, safePart, str, upstreamPath} from './base.js';
import {codexIdentity, googleIdentity} from './identity.js';

export const CODEX_ORIGINATOR = 'codex_cli_rs';

export function codexRequestHeaders(accessToken: string, accountId: string | undefined): Record<string, string> {
  return {
    authorization: `Bearer ${accessToken}`,
    originator: CODEX_ORIGINATOR,
    ...(accountId ? {'chatgpt-account-id': accountId} : {}),
  };
}

export const codexAdapter: ProviderAdapter = {
  ...baseAdapter('codex'),
  /** `codex-<hash of the ChatGPT account id>-<email>[-<plan>].json`, as CLIProxyAPI names them. */
  tokenFileName(token) {
    const email = emailPart(token);
    const accountId = typeof token.account_id === 'string' ? token.account_id : email;
    const hash = createHash('sha256').update(accountId).digest('hex').slice(0, 8);
    const plan = typeof token.plan_type === 'string' ? `-${safePart(token.plan_type)}` : '';
    return `codex-${hash}-${email || 'account'}${plan}.json`;
  },
  async identify({response, getJson, userinfoUrl}) {
    const identity = codexIdentity(response.id_token);
    if (!identity.email && userinfoUrl) identity.email = googleIdentity(await getJson(userinfoUrl, {Authorization: `Bearer ${response.access_token}`})).email;
    return identity;
  },
  upstreamTarget: (ctx) => ({
    url: `${apiBase(ctx)}${upstreamPath(ctx.protocol, ctx.method)}`,
    headers: codexRequestHeaders(ctx.secret, str(ctx.token.account_id)),
  }),
  quotaHeaderWindows: codexHeaderWindows,
};
