// After the token endpoint: who logged in, and the provider extras the token file needs.
import {UserError} from '../../core/types.js';
import {copilotTokenFields, GITHUB_JSON_HEADERS, parseCopilotApiToken} from '../../providers/adapters/copilot.js';
import {
  claudeIdentity,
  codexIdentity,
  githubIdentity,
  googleIdentity,
  iflowIdentity,
  oidcIdentity,
  type Identity,
} from '../../providers/adapters/identity.js';
import type {Clock} from '../clock.js';
import {setupCodeAssist} from './code-assist.js';
import {bodyExcerpt, jsonBody, UnexpectedResponseError, type HttpClient} from '../http.js';
import {endpoint, type ResolvedProvider} from './provider-config.js';
import type {TokenResponse} from './token-endpoint.js';

async function getJson(http: HttpClient, url: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await http.send({url, headers: {Accept: 'application/json', ...headers}});
  if (response.status !== 200) throw new UnexpectedResponseError(url, response.status, bodyExcerpt(response.text));
  return jsonBody(response, url);
}

/**
 * The identity of a fresh login. `label` names accounts whose provider says nothing about who they
 * are (qwen), and is the fallback for any provider that gives no email.
 */
export async function identify(
  http: HttpClient,
  resolved: ResolvedProvider,
  response: TokenResponse,
  options: {userinfoUrl?: string; label?: string; clock?: Clock; signal?: AbortSignal},
): Promise<Identity> {
  const bearer = {Authorization: `Bearer ${response.access_token}`};
  const {row} = resolved;
  let identity: Identity;
  switch (row.id) {
    case 'claude': {
      let profile: Record<string, unknown> | undefined;
      try {
        if (row.endpoints.userinfo) profile = await getJson(http, row.endpoints.userinfo, {...bearer, 'anthropic-beta': 'oauth-2025-04-20'});
      } catch (error) {
        // The token body already names the account; the profile only confirms it.
        if (!response.account) throw error;
      }
      identity = claudeIdentity(response, profile);
      break;
    }
    case 'codex':
      identity = codexIdentity(response.id_token);
      if (!identity.email && options.userinfoUrl) identity.email = googleIdentity(await getJson(http, options.userinfoUrl, bearer)).email;
      break;
    case 'gemini':
    case 'antigravity': {
      identity = googleIdentity(await getJson(http, endpoint(resolved, 'userinfo'), bearer));
      const setup = await setupCodeAssist(http, resolved, response.access_token, {clock: options.clock, signal: options.signal});
      // The client is recorded so a refresh uses the one this refresh token belongs to.
      Object.assign(identity.extras, {project_id: setup.projectId, client_id: resolved.clientId});
      identity.projectId = setup.projectId;
      identity.tier = setup.tierId;
      break;
    }
    case 'iflow': {
      const url = new URL(endpoint(resolved, 'userinfo'));
      url.searchParams.set('accessToken', response.access_token);
      try {
        identity = iflowIdentity(await getJson(http, url.toString(), {}));
      } catch (error) {
        throw new UnexpectedResponseError(endpoint(resolved, 'userinfo'), 200, (error as Error).message.replace(response.access_token, '…'));
      }
      break;
    }
    case 'copilot': {
      const github = {...GITHUB_JSON_HEADERS, Authorization: `token ${response.access_token}`};
      identity = githubIdentity(await getJson(http, endpoint(resolved, 'userinfo'), github));
      const api = parseCopilotApiToken(await getJson(http, endpoint(resolved, 'discovery'), github));
      Object.assign(identity.extras, copilotTokenFields(api));
      break;
    }
    default: {
      identity = oidcIdentity(response.id_token);
      if (!identity.email && options.userinfoUrl && !row.logins.some((f) => f.kind === 'device' && f.asksForLabel)) {
        try {
          const info = await getJson(http, options.userinfoUrl, bearer);
          identity.email = typeof info.email === 'string' ? info.email : identity.email;
          if (typeof info.sub === 'string') identity.extras.sub = info.sub;
        } catch {
          // No userinfo: fall back to the label below.
        }
      }
    }
  }
  if (!identity.email && options.label) identity.email = options.label;
  if (!identity.email && row.logins.some((f) => f.kind === 'device' && f.asksForLabel)) {
    throw new UserError(`${row.displayName} does not say who logged in: give the account a name (--nickname N)`, 2);
  }
  return identity;
}
