// Claude's inference API with an OAuth token: it only accepts requests that look like Claude Code's
// (PROVIDERS.md, "Upstream APIs"): the `oauth-2025-04-20` beta, the Claude Code beta, its user agent
// and `x-app: cli`. Betas the client asked for are kept.
import {claudeHeaderWindows} from '../../core/quota.js';
import type {ProviderAdapter} from '../types.js';
import {apiBase, baseAdapter, emailPart, safePart, upstreamPath} from './base.js';
import {claudeIdentity} from './identity.js';

/** The Claude Code version the requests present themselves as. */
export const CLAUDE_CLI_VERSION = '2.1.20';

const REQUIRED_BETAS = ['claude-code-20250219', 'oauth-2025-04-20'];

/** The `anthropic-beta` list: the required betas, then what the client asked for, without repeats. */
export function claudeBetaHeader(clientBetas: string | undefined): string {
  const asked = (clientBetas ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  return [...new Set([...REQUIRED_BETAS, ...asked])].join(',');
}

/** OAuth tokens are accepted with the API version Claude Code sends, whatever a newer SDK asks for. */
export const CLAUDE_API_VERSION = '2023-06-01';

export function claudeRequestHeaders(accessToken: string, client: {anthropicBeta?: string}): Record<string, string> {
  return {
    authorization: `Bearer ${accessToken}`,
    'anthropic-version': CLAUDE_API_VERSION,
    'anthropic-beta': claudeBetaHeader(client.anthropicBeta),
    'user-agent': `claude-cli/${CLAUDE_CLI_VERSION} (external, cli)`,
    'x-app': 'cli',
  };
}

// ---- the adapter ----

export const claudeAdapter: ProviderAdapter = {
  ...baseAdapter('claude'),
  /** Same-email accounts in different organisations get different names. */
  tokenFileName(token) {
    const org = typeof token.organization_uuid === 'string' ? token.organization_uuid.slice(0, 8) : '';
    return `claude-${emailPart(token) || 'account'}${org ? `-${safePart(org)}` : ''}.json`;
  },
  /** The token body already names the account; the profile endpoint only confirms it. */
  async identify({row, response, getJson}) {
    let profile: Record<string, unknown> | undefined;
    try {
      if (row.endpoints.userinfo) {
        profile = await getJson(row.endpoints.userinfo, {Authorization: `Bearer ${response.access_token}`, 'anthropic-beta': 'oauth-2025-04-20'});
      }
    } catch (error) {
      if (!response.account) throw error;
    }
    return claudeIdentity(response, profile);
  },
  // Claude's token endpoint wants the state in its JSON body.
  exchangeParams: ({state}) => ({state}),
  upstreamTarget: (ctx) => ({
    url: `${apiBase(ctx)}/v1${upstreamPath(ctx.protocol, ctx.method)}?beta=true`,
    headers: claudeRequestHeaders(ctx.secret, {anthropicBeta: ctx.anthropicBeta}),
  }),
  quotaHeaderWindows: claudeHeaderWindows,
};
