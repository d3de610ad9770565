// Native mode's view of the agents' own credential files: each provider's format is its adapter's
// `nativeCredentials` (providers/adapters/native-credentials.ts, where the sources of the formats are
// named); this binds one to the row's scopes and the user's home, and maps the tokens the agent
// refreshed back into a token file.
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
//   sync.ts REFRESH_DUE_MS of expiry): agents refresh only then, while a `/login` as someone else can
//   happen at any time. The token file's previous content is kept aside (tui/native-kept/) whenever
//   tokens are taken on that ground alone. Anything else is a foreign login.
import {homedir} from 'node:os';
import type {TokenFile} from '../../core/types.js';
import {grantCredentials} from '../../providers/adapters/native-credentials.js';
import {findProvider} from '../../providers/table.js';
import type {NativeTokens} from '../../providers/types.js';

export type {NativeTokens};

type Json = Record<string, unknown>;

export interface NativeFormat {
  provider: string;
  /** Agent id (providers/agents.ts). */
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

const obj = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);

/** The provider's native format (its adapter's `nativeCredentials`), or undefined when it has none. */
export function nativeFormat(provider: string): NativeFormat | undefined {
  const row = findProvider(provider);
  const spec = row?.adapter.nativeCredentials;
  if (!row || !spec) return undefined;
  return {
    provider: row.id,
    agent: spec.agent,
    displayName: spec.displayName,
    file: (env) => spec.file(env, env.HOME || homedir()),
    read: (file) => spec.read(file),
    write: (previous, token, sameAccount) => spec.write(previous, token, sameAccount, row.scopes),
  };
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
    ...tokens.grant,
  };
}

/** Whether the agent's tokens are already what the token file holds. */
export function sameTokens(token: TokenFile, tokens: NativeTokens): boolean {
  const c = grantCredentials(token);
  return c.access === tokens.accessToken && c.refresh === tokens.refreshToken;
}

/** The refresh token a token file holds (flat, or nested in CLIProxyAPI's Gemini layout). */
export function refreshTokenOf(token: TokenFile): string | undefined {
  return grantCredentials(token).refresh;
}

/** The access token a token file holds (flat, or nested in CLIProxyAPI's Gemini layout). */
export function accessTokenOf(token: TokenFile): string | undefined {
  return grantCredentials(token).access;
}
