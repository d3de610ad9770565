// GitHub Copilot: the device flow yields a GitHub OAuth token (kept as `access_token`, it does not
// expire); requests to Copilot need a short-lived API token (~25 min) fetched with it from
// copilot_internal/v2/token. That fetch is Copilot's "refresh".

/** Headers GitHub's endpoints need (without Accept: application/json the device flow answers a form). */
export const GITHUB_JSON_HEADERS = {Accept: 'application/json', 'User-Agent': 'ccs-tui'} as const;

export interface CopilotApiToken {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
  /** API host the token is for (`endpoints.api`), when the server says. */
  apiBase?: string;
}

export function parseCopilotApiToken(body: Record<string, unknown>): CopilotApiToken {
  const token = body.token;
  const expiresAt = body.expires_at;
  if (typeof token !== 'string' || token === '') throw new Error('copilot_internal/v2/token: field "token" is missing');
  if (typeof expiresAt !== 'number') throw new Error('copilot_internal/v2/token: field "expires_at" is missing');
  const endpoints = body.endpoints as Record<string, unknown> | undefined;
  const apiBase = typeof endpoints?.api === 'string' ? endpoints.api : undefined;
  return {token, expiresAt: expiresAt * 1000, apiBase};
}

/** The token-file fields that carry the Copilot API token (what the proxy sends as Bearer). */
export function copilotTokenFields(api: CopilotApiToken): Record<string, string> {
  return {
    copilot_token: api.token,
    expired: new Date(api.expiresAt).toISOString(),
    ...(api.apiBase ? {copilot_api_base: api.apiBase} : {}),
  };
}

/** Headers Copilot's chat API expects besides the API token (it serves editors only). */
export function copilotRequestHeaders(apiToken: string): Record<string, string> {
  return {
    authorization: `Bearer ${apiToken}`,
    'editor-version': 'vscode/1.104.1',
    'editor-plugin-version': 'copilot-chat/0.26.7',
    'copilot-integration-id': 'vscode-chat',
    'openai-intent': 'conversation-panel',
    'user-agent': 'GitHubCopilotChat/0.26.7',
  };
}
