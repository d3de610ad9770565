// The agents' own credential files ("native mode"): where each agent keeps its login and how its
// fields map to a CLIProxyAPI token file. One row per provider whose agent has a public file format;
// everything else in native mode reads this table.
//
// Formats, each from the agent's own source (facts only):
// - Claude Code, `$CLAUDE_CONFIG_DIR` or `~/.claude`, `.credentials.json` on Linux:
//   `{"claudeAiOauth": {"accessToken", "refreshToken", "expiresAt" (ms since epoch), "scopes": [...],
//   "subscriptionType", "rateLimitTier"}}`, other top-level keys (e.g. `mcpOAuth`) beside it. Claude
//   Code is closed source; the shape is the one public readers agree on (ccusage, cc-switch, CoderFlow).
// - Codex CLI, `$CODEX_HOME` or `~/.codex`, `auth.json` (openai/codex codex-rs/login/src/auth.rs
//   `AuthDotJson`, token_data.rs `TokenData`): `{"OPENAI_API_KEY": string|null, "tokens": {"id_token",
//   "access_token", "refresh_token", "account_id"}, "last_refresh": RFC 3339}`.
// - Gemini CLI, `~/.gemini/oauth_creds.json` (home from `$GEMINI_CLI_HOME`, else the user's home:
//   packages/core/src/utils/paths.ts `homedir()`; packages/core/src/code_assist/oauth2.ts caches google-auth-library's
//   `Credentials`): `{"access_token", "refresh_token", "scope", "token_type", "id_token",
//   "expiry_date" (ms)}`.
// - Qwen Code, `~/.qwen/oauth_creds.json` (QwenLM/qwen-code packages/core/src/qwen/qwenOAuth2.ts
//   `QwenCredentials`): `{"access_token", "refresh_token", "token_type", "resource_url", "expiry_date" (ms)}`.
//
// Whose login a file holds (services/native/sync.ts saves the agent's tokens into an account only
// when they can be attributed to it; a login that cannot be is kept beside the file, never written):
// - any format: a refresh or access token ccs-tui wrote into the file, saved from it, or holds in a
//   token file is that account's (the last few per account are remembered as fingerprints);
// - Codex: `tokens.account_id` (or the id_token's `chatgpt_account_id` claim), narrowed by the
//   id_token's email (members of one ChatGPT workspace share the account id);
// - Gemini CLI: the id_token's `email` claim;
// - Claude Code and Qwen Code name no account. Tokens ccs-tui never saw are the native account's only
//   when the agent was due to refresh it (the file changed after the access token it held was within
//   REFRESH_DUE_MS of expiry): agents refresh only then, while a `/login` as someone else can happen at
//   any time. The token file's previous content is kept aside (tui/native-kept/) whenever tokens are
//   taken on that ground alone. Anything else is a foreign login.
import {homedir} from 'node:os';
import path from 'node:path';
import type {TokenFile} from '../../core/types.js';
import {findProvider} from '../../providers/table.js';

type Json = Record<string, unknown>;

/** The tokens an agent's file holds, in one shape. */
export interface NativeTokens {
  accessToken?: string;
  refreshToken?: string;
  /** Access-token expiry, ms since epoch. */
  expiresAt?: number;
  idToken?: string;
  /** What names the account inside the file, where the format has it (codex `account_id`). */
  accountKey?: string;
  /** The login's email, where the format carries it (the `email` claim of an OpenID id_token). */
  email?: string;
}

export interface NativeFormat {
  provider: string;
  /** Agent id (services/agents/table.ts). */
  agent: string;
  displayName: string;
  /** The credential file, from the same variables the agent reads. */
  file(env: NodeJS.ProcessEnv): string;
  /** The tokens in the agent's file (undefined when it holds none, e.g. an API-key login). */
  read(file: Json): NativeTokens | undefined;
  /**
   * The agent's file holding `token`. `previous` is the file as it is: its unknown fields are kept;
   * account-specific fields of another account are not.
   */
  write(previous: Json | undefined, token: TokenFile, sameAccount: boolean): Json;
}

const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const obj = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const home = (env: NodeJS.ProcessEnv) => env.HOME || homedir();
const expiryMs = (token: TokenFile) => (typeof token.expired === 'string' && !Number.isNaN(Date.parse(token.expired)) ? Date.parse(token.expired) : undefined);
const scopesOf = (provider: string) => findProvider(provider)?.scopes ?? [];

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

/** Flat token files, or CLIProxyAPI's Gemini files with the credentials nested under `token`. */
function credentialsOf(token: TokenFile): {access?: string; refresh?: string; expiresAt?: number; idToken?: string} {
  const nested = obj(token.token);
  return {
    access: str(token.access_token) ?? str(nested?.access_token),
    refresh: str(token.refresh_token) ?? str(nested?.refresh_token),
    expiresAt: expiryMs(token) ?? (str(nested?.expiry) ? Date.parse(nested!.expiry as string) : undefined),
    idToken: str(token.id_token) ?? str(nested?.id_token),
  };
}

export const NATIVE_FORMATS: readonly NativeFormat[] = [
  {
    provider: 'claude',
    agent: 'claude',
    displayName: 'Claude Code',
    file: (env) => path.join(env.CLAUDE_CONFIG_DIR || path.join(home(env), '.claude'), '.credentials.json'),
    read(file) {
      const oauth = obj(file.claudeAiOauth);
      if (!oauth) return undefined;
      return {accessToken: str(oauth.accessToken), refreshToken: str(oauth.refreshToken), expiresAt: num(oauth.expiresAt)};
    },
    write(previous, token, sameAccount) {
      const c = credentialsOf(token);
      const before = sameAccount ? obj(previous?.claudeAiOauth) ?? {} : {};
      const subscription = str(token.subscription_type) ?? str(token.subscriptionType);
      return {
        ...previous,
        claudeAiOauth: {
          ...before,
          accessToken: c.access,
          refreshToken: c.refresh,
          expiresAt: c.expiresAt,
          scopes: Array.isArray(before.scopes) ? before.scopes : scopesOf('claude'),
          ...(subscription ? {subscriptionType: subscription} : {}),
        },
      };
    },
  },
  {
    provider: 'codex',
    agent: 'codex',
    displayName: 'Codex CLI',
    file: (env) => path.join(env.CODEX_HOME || path.join(home(env), '.codex'), 'auth.json'),
    read(file) {
      const tokens = obj(file.tokens);
      if (!tokens) return undefined;
      const access = str(tokens.access_token);
      const idToken = str(tokens.id_token);
      // `account_id` is the ChatGPT workspace: members of one team share it, so the email tells them apart.
      const accountKey = str(tokens.account_id) ?? str(obj(jwtClaims(idToken)?.['https://api.openai.com/auth'])?.chatgpt_account_id);
      return {accessToken: access, refreshToken: str(tokens.refresh_token), idToken, accountKey, email: idTokenEmail(idToken), expiresAt: jwtExpiry(access)};
    },
    write(previous, token, sameAccount) {
      const c = credentialsOf(token);
      const before = sameAccount ? obj(previous?.tokens) ?? {} : {};
      return {
        ...previous,
        // ChatGPT login: an API key left from another login would win over the tokens.
        OPENAI_API_KEY: null,
        tokens: {...before, id_token: c.idToken ?? before.id_token, access_token: c.access, refresh_token: c.refresh, account_id: str(token.account_id) ?? null},
        last_refresh: str(token.last_refresh) ?? new Date().toISOString(),
      };
    },
  },
  {
    provider: 'gemini',
    agent: 'gemini',
    displayName: 'Gemini CLI',
    file: (env) => path.join(env.GEMINI_CLI_HOME || home(env), '.gemini', 'oauth_creds.json'),
    read: (file) => ({accessToken: str(file.access_token), refreshToken: str(file.refresh_token), idToken: str(file.id_token), email: idTokenEmail(str(file.id_token)), expiresAt: num(file.expiry_date)}),
    write(previous, token, sameAccount) {
      const c = credentialsOf(token);
      const kept = sameAccount ? previous : {...previous, id_token: undefined};
      return {
        ...kept,
        access_token: c.access,
        refresh_token: c.refresh,
        scope: scopesOf('gemini').join(' '),
        token_type: 'Bearer',
        ...(c.idToken ? {id_token: c.idToken} : {}),
        expiry_date: c.expiresAt,
      };
    },
  },
  {
    provider: 'qwen',
    agent: 'qwen',
    displayName: 'Qwen Code',
    file: (env) => path.join(home(env), '.qwen', 'oauth_creds.json'),
    read: (file) => ({accessToken: str(file.access_token), refreshToken: str(file.refresh_token), expiresAt: num(file.expiry_date)}),
    write(previous, token) {
      const c = credentialsOf(token);
      return {
        ...previous,
        access_token: c.access,
        refresh_token: c.refresh,
        token_type: str(token.token_type) ?? 'Bearer',
        resource_url: str(token.resource_url) ?? (previous?.resource_url as string | undefined) ?? 'portal.qwen.ai',
        expiry_date: c.expiresAt,
      };
    },
  },
];

export function nativeFormat(provider: string): NativeFormat | undefined {
  return NATIVE_FORMATS.find((format) => format.provider === provider);
}

/** Fields of a token file that take what the agent refreshed (nested Gemini files keep their layout). */
export function tokenFileUpdate(current: TokenFile, tokens: NativeTokens): TokenFile {
  const expired = tokens.expiresAt === undefined ? undefined : new Date(tokens.expiresAt).toISOString();
  const nested = obj(current.token);
  if (nested && current.access_token === undefined) {
    return {
      ...current,
      token: {
        ...nested,
        ...(tokens.accessToken ? {access_token: tokens.accessToken} : {}),
        ...(tokens.refreshToken ? {refresh_token: tokens.refreshToken} : {}),
        ...(expired ? {expiry: expired} : {}),
      },
    };
  }
  return {
    ...current,
    ...(tokens.accessToken ? {access_token: tokens.accessToken} : {}),
    ...(tokens.refreshToken ? {refresh_token: tokens.refreshToken} : {}),
    ...(tokens.idToken ? {id_token: tokens.idToken} : {}),
    ...(expired ? {expired} : {}),
  };
}

/** Whether the agent's tokens are already what the token file holds. */
export function sameTokens(token: TokenFile, tokens: NativeTokens): boolean {
  const c = credentialsOf(token);
  return c.access === tokens.accessToken && c.refresh === tokens.refreshToken;
}

/** The refresh token a token file holds (flat, or nested in CLIProxyAPI's Gemini layout). */
export function refreshTokenOf(token: TokenFile): string | undefined {
  return credentialsOf(token).refresh;
}
