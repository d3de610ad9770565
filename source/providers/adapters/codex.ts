// Codex (ChatGPT subscription) speaks the Responses API at chatgpt.com/backend-api/codex and wants
// the ChatGPT account id and an originator the backend knows (PROVIDERS.md, "Upstream APIs").

export const CODEX_ORIGINATOR = 'codex_cli_rs';

export function codexRequestHeaders(accessToken: string, accountId: string | undefined): Record<string, string> {
  return {
    authorization: `Bearer ${accessToken}`,
    originator: CODEX_ORIGINATOR,
    ...(accountId ? {'chatgpt-account-id': accountId} : {}),
  };
}
