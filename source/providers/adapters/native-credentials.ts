// The agents' own credential files ("native mode"), per provider whose agent CLI has a public file
// format: where the agent keeps its login and how its fields map to a CLIProxyAPI token file. Each
// is its adapter's `nativeCredentials` (services/native/ reads them; the provider's own CLI is the
// format's `agent`). Pure: paths are computed from the environment and home the caller hands in.
//
// Formats, each from the agent's own source (facts only):
// - Claude Code, `$CLAUDE_CONFIG_DIR` or `~/.claude`, `.credentials.json` on Linux:
//   `{"claudeAiOauth": {"accessToken", "refreshToken", "expiresAt" (ms since epoch), "scopes": [...],
//   "subscriptionType", "rateLimitTier"}}`, other top-level keys (e.g. `mcpOAuth`) beside it. Claude
//   Code is closed source; the shape is the one public readers agree on (ccusage, cc-switch, CoderFlow).
// - Codex CLI, `$CODEX_HOME` or `~/.codex`, `auth.json` (openai/codex codex-rs/login/src/auth.rs
//   `AuthDotJson`, token_data.rs `TokenData`): `{"auth_mode"?: "chatgpt"|"apikey", "OPENAI_API_KEY":
//   string|null, "tokens": {"id_token", "access_token", "refresh_token", "account_id"}, "last_refresh":
//   RFC 3339}`; `auth_mode`, when present, is the login codex uses (`resolved_mode`).
// - Gemini CLI, `~/.gemini/oauth_creds.json` (home from `$GEMINI_CLI_HOME`, else the user's home:
//   packages/core/src/utils/paths.ts `homedir()`; packages/core/src/code_assist/oauth2.ts caches google-auth-library's
//   `Credentials`): `{"access_token", "refresh_token", "scope", "token_type", "id_token",
//   "expiry_date" (ms)}`.
// - Qwen Code, `~/.qwen/oauth_creds.json` (QwenLM/qwen-code packages/core/src/qwen/qwenOAuth2.ts
//   `QwenCredentials`): `{"access_token", "refresh_token", "token_type", "resource_url", "expiry_date" (ms)}`.
import path from 'node:path';
import type {TokenFile} from '../../core/types.js';
import type {NativeCredentials, NativeTokens} from '../types.js';

type Json = Record<string, unknown>;

const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const obj = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const expiryMs = (token: TokenFile) => (typeof token.expired === 'string' && !Number.isNaN(Date.parse(token.expired)) ? Date.parse(token.expired) : undefined);

/** The claims of a JWT (not verified: only to tell whose login a file holds), or undefined. */
function jwtClaims(token: string | undefined): Json | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    return obj(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
}

/** `exp` of a JWT access token in ms, when it is one (codex access tokens are). */
function jwtExpiry(token: string | undefined): number | undefined {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

/**
 * The email an OpenID id_token names: the standard `email` claim, or OpenAI's
 * `https://api.openai.com/profile` claim's `email` (Codex id_tokens, codex-rs/login token_data.rs).
 */
function idTokenEmail(idToken: string | undefined): string | undefined {
  const claims = jwtClaims(idToken);
  return str(claims?.email) ?? str(obj(claims?.['https://api.openai.com/profile'])?.email);
}

/** The grant a token file holds (flat files, or CLIProxyAPI's Gemini files with the credentials nested under `token`). */
export function grantCredentials(token: TokenFile): {access?: string; refresh?: string; expiresAt?: number; idToken?: string} {
  const nested = obj(token.token);
  return {
    access: str(token.access_token) ?? str(nested?.access_token),
    refresh: str(token.refresh_token) ?? str(nested?.refresh_token),
    expiresAt: expiryMs(token) ?? (str(nested?.expiry) ? Date.parse(nested!.expiry as string) : undefined),
    idToken: str(token.id_token) ?? str(nested?.id_token),
  };
}

/**
 * The token fields of an `oauth_creds.json` as Gemini CLI and Qwen Code (a Gemini CLI fork) both
 * write it: google-auth-library's `Credentials` names, `expiry_date` in ms since epoch.
 */
function readOauthCreds(file: Json): Pick<NativeTokens, 'accessToken' | 'refreshToken' | 'expiresAt'> {
  return {accessToken: str(file.access_token), refreshToken: str(file.refresh_token), expiresAt: num(file.expiry_date)};
}

export const claudeNativeCredentials: NativeCredentials = {
  agent: 'claude',
  displayName: 'Claude Code',
  file: (env, home) => path.join(env.CLAUDE_CONFIG_DIR || path.join(home, '.claude'), '.credentials.json'),
  read(file) {
    const oauth = obj(file.claudeAiOauth);
    if (!oauth) return undefined;
    return {accessToken: str(oauth.accessToken), refreshToken: str(oauth.refreshToken), expiresAt: num(oauth.expiresAt)};
  },
  write(previous, token, sameAccount, scopes) {
    const c = grantCredentials(token);
    const before = sameAccount ? obj(previous?.claudeAiOauth) ?? {} : {};
    const subscription = str(token.subscription_type) ?? str(token.subscriptionType);
    return {
      ...previous,
      claudeAiOauth: {
        ...before,
        accessToken: c.access,
        refreshToken: c.refresh,
        expiresAt: c.expiresAt,
        scopes: Array.isArray(before.scopes) ? before.scopes : [...scopes],
        ...(subscription ? {subscriptionType: subscription} : {}),
      },
    };
  },
};

export const codexNativeCredentials: NativeCredentials = {
  agent: 'codex',
  displayName: 'Codex CLI',
  file: (env, home) => path.join(env.CODEX_HOME || path.join(home, '.codex'), 'auth.json'),
  read(file) {
    const apiKey = str(file.OPENAI_API_KEY);
    const tokens = obj(file.tokens);
    if (!tokens) return apiKey ? {apiKey} : undefined;
    const access = str(tokens.access_token);
    const idToken = str(tokens.id_token);
    // `account_id` is the ChatGPT workspace: members of one team share it, so the email tells them apart.
    const accountKey = str(tokens.account_id) ?? str(obj(jwtClaims(idToken)?.['https://api.openai.com/auth'])?.chatgpt_account_id);
    return {accessToken: access, refreshToken: str(tokens.refresh_token), idToken, accountKey, email: idTokenEmail(idToken), expiresAt: jwtExpiry(access), ...(apiKey ? {apiKey} : {})};
  },
  write(previous, token, sameAccount) {
    const c = grantCredentials(token);
    const before = sameAccount ? obj(previous?.tokens) ?? {} : {};
    return {
      ...previous,
      // ChatGPT login: an API key left from another login would win over the tokens, and so would
      // an `auth_mode` of "apikey" (codex takes the mode a file names over what it holds).
      ...(previous?.auth_mode !== undefined ? {auth_mode: 'chatgpt'} : {}),
      OPENAI_API_KEY: null,
      tokens: {...before, id_token: c.idToken ?? before.id_token, access_token: c.access, refresh_token: c.refresh, account_id: str(token.account_id) ?? null},
      last_refresh: str(token.last_refresh) ?? new Date().toISOString(),
    };
  },
};

export const geminiNativeCredentials: NativeCredentials = {
  agent: 'gemini',
  displayName: 'Gemini CLI',
  file: (env, home) => path.join(env.GEMINI_CLI_HOME || home, '.gemini', 'oauth_creds.json'),
  read: (file) => ({...readOauthCreds(file), idToken: str(file.id_token), email: idTokenEmail(str(file.id_token))}),
  write(previous, token, sameAccount, scopes) {
    const c = grantCredentials(token);
    const kept = sameAccount ? previous : {...previous, id_token: undefined};
    return {
      ...kept,
      access_token: c.access,
      refresh_token: c.refresh,
      scope: scopes.join(' '),
      token_type: 'Bearer',
      ...(c.idToken ? {id_token: c.idToken} : {}),
      expiry_date: c.expiresAt,
    };
  },
};

export const qwenNativeCredentials: NativeCredentials = {
  agent: 'qwen',
  displayName: 'Qwen Code',
  file: (_env, home) => path.join(home, '.qwen', 'oauth_creds.json'),
  read(file) {
    // Qwen's token answer may name another host on a refresh (QwenLM/qwen-code qwenOAuth2.ts keeps the
    // answer's resource_url): the account's requests go where the agent's refreshed token is valid.
    const host = str(file.resource_url);
    return {...readOauthCreds(file), ...(host ? {grant: {resource_url: host}} : {})};
  },
  write(previous, token, sameAccount) {
    const c = grantCredentials(token);
    // The API host is the grant's: another login's (an account switched out, the person's own) would
    // send this account's token to that account's endpoint.
    const host = str(token.resource_url) ?? (sameAccount ? str(previous?.resource_url) : undefined) ?? 'portal.qwen.ai';
    return {
      ...previous,
      access_token: c.access,
      refresh_token: c.refresh,
      token_type: str(token.token_type) ?? 'Bearer',
      resource_url: host,
      expiry_date: c.expiresAt,
    };
  },
};
