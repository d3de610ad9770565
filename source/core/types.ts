// Domain types shared by every layer. Pure data: no I/O, no Ink.

/** Provider id as used in the CCS registry and on the command line (`claude`, `codex`, ...). */
export type ProviderId = string;

/** Why an account cannot be used right now, as shown in the TUI and `accounts --json`. */
export type AccountHealth =
  | 'ok'
  | 'expired' // access token past `expired`, refresh not yet attempted
  | 'needs-login' // refresh token revoked / reused: only a new login helps
  | 'missing-token' // registry names a token file that is not there
  | 'unreadable' // token file exists but is not valid JSON
  | 'refresh-unknown' // a refresh of the held refresh token was sent and its answer lost: it is never sent again, so a new login is needed once the access token expires
  | 'refresh-failed' // a refresh (`t`, the proxy's, the quota poll's) was refused by the provider (not invalid_grant, not a 429): that refresh token is never sent again (services/refresh-attempt.ts), the access token serves until it expires, and a new login (or another tool's refresh of the file) is the way out
  | 'key-rejected' // the upstream refused the account's API key (401, or 403 with an auth error; the proxy's request, `t`): shown until the key file holds another key or a request with this key succeeds; still tried (the proxy's cooldown rests it)
  | 'cooling'; // a CLIProxyAPI server rests the account until `coolingUntil` (its next_retry_after)

/** One account as every layer above the store sees it: registry entry merged with its token file. */
export interface Account {
  provider: ProviderId;
  /** Registry key (CCS uses the email, `email#variant` for same-email accounts, else a file-derived id). */
  id: string;
  email?: string;
  nickname?: string;
  /** Token file name, relative to `cliproxy/auth/` (or `auth-paused/` while paused). */
  tokenFile: string;
  default: boolean;
  paused: boolean;
  pausedAt?: string;
  createdAt?: string;
  /** The registry's `lastUsedAt`: when it was made the default (ccs-tui `use`/`rotate`), or CCS used it. */
  lastUsedAt?: string;
  /** When the local proxy last had a request on it answered (account state `served`, RFC 3339). */
  servedAt?: string;
  /** Its token file's `last_refresh`: when its access token was last refreshed (or it logged in). */
  refreshedAt?: string;
  tier?: string;
  projectId?: string;
  /** The token file's `base_url` as shown (no user info, query or fragment): where an API-key account's requests go instead of the provider's host. */
  baseUrl?: string;
  /** Access-token expiry (RFC 3339) from the token file's `expired`. */
  expiresAt?: string;
  /** The token file holds an API key, no OAuth grant: nothing expires or is refreshed; `refreshedAt` is when the key was stored. */
  apiKey?: true;
  /** False for a token file found in `auth/` that the registry does not list yet. */
  registered: boolean;
  health: AccountHealth;
  /** Human explanation for a health other than ok (e.g. the JSON parse error). */
  healthDetail?: string;
  /** When the mark behind the health was made (RFC 3339): needs-login, refresh-unknown, refresh-failed, key-rejected. */
  healthSince?: string;
  /**
   * Until when (RFC 3339) a CLIProxyAPI server rests the account after a quota or rate error (its
   * auth file's `next_retry_after`), or the local proxy does (tui/account-state.json `cooldown`:
   * health stays as it is, the proxy waits it out); set only while in the future.
   */
  coolingUntil?: string;
  /** Local files: why the proxy cools the account (the provider's words), and whether it is a quota or a rate limit. */
  coolingReason?: string;
  coolingKind?: 'quota' | 'rate-limit';
  /** A CLIProxyAPI server's own status word for the account (`active`, `error`, …); remote targets only. */
  serverStatus?: string;
}

/** A CLIProxyAPI token file. Unknown keys are kept verbatim on rewrite. */
export interface TokenFile {
  type: string;
  access_token?: string;
  refresh_token?: string;
  expired?: string;
  email?: string;
  last_refresh?: string;
  disabled?: boolean;
  excluded_models?: string[];
  model_aliases?: ModelAlias[];
  [key: string]: unknown;
}

/** One `oauth-model-alias` entry. */
export interface ModelAlias {
  name: string;
  alias: string;
  fork?: boolean;
}

/**
 * Quota window kinds, as in `quota --json`. `weekly:<model>` for model-scoped weekly windows;
 * `5h:<scope>` for a second 5-hour window of one model family (antigravity's third-party models);
 * `daily:<model>` for Gemini's per-model daily buckets.
 */
export type QuotaWindowKind = '5h' | 'weekly' | 'monthly' | '30d' | `weekly:${string}` | `5h:${string}` | `daily:${string}`;

export interface QuotaWindow {
  kind: QuotaWindowKind;
  /** 0–100, or null when the source did not say (never guessed as 0 or 100). */
  usedPct: number | null;
  /** RFC 3339, or null when unknown (e.g. an unused Claude window). */
  resetsAt: string | null;
  windowSeconds: number | null;
  /** Where the numbers came from, e.g. `usage-endpoint`, `response-headers`. */
  source: string;
  /** RFC 3339 time the numbers were read. */
  observedAt: string;
  stale?: boolean;
}

/** Where a message is shown: the command line advises commands, the TUI advises its keys. */
export type ErrorSurface = 'cli' | 'tui';

/**
 * The way out of an error, said per surface (store/errors.ts words it): the command line names the
 * `command`, the TUI the key bound to `action` (a core/keymap.ts action id) in `scope`.
 */
export interface ErrorAdvice {
  command: string;
  action?: string;
  scope?: string;
  /** The TUI's words when no key does it (the command line's flag has no key). */
  tui?: string;
}

/** A user-facing error with the file / field / flag it is about. Printed as-is (never a stack). */
export class UserError extends Error {
  constructor(
    message: string,
    /** Exit code for the command line: 1 failure, 2 bad usage, 3 (quota) all used up, 130 cancelled by Ctrl-C (128 + SIGINT). */
    readonly exitCode: 1 | 2 | 3 | 130 = 1,
    /** What to do about it, kept out of `message` so each surface can say it its own way. */
    readonly advice?: ErrorAdvice,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
