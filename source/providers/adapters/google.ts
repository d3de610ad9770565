// Google accounts (gemini, antigravity, vertex): what Cloud Code's set-up answers mean, which
// installed-app OAuth client an account belongs to, and CLIProxyAPI's nested token-file layout.
// Pure data and functions; the set-up requests are made in code-assist.ts, the refresh in
// services/refresh.ts (which asks the adapter's refreshClients).
//
// Sources (facts only): Gemini CLI `packages/core/src/code_assist/` (setup.ts: loadCodeAssist →
// onboardUser → operation polling, tier choice, VALIDATION_REQUIRED; types.ts: field names and
// enums; server.ts: `v1internal:<method>` URLs, `GET v1internal/<operation name>`), CLIProxyAPI
// `internal/auth/antigravity` (Antigravity metadata, client ids) and `internal/auth/gemini`
// (the nested `token` layout with `client_id` / `client_secret` inside it).
import type {TokenFile} from '../../core/types.js';
import type {OAuthClient} from '../types.js';

type Json = Record<string, unknown>;
const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const obj = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);

// ---------------------------------------------------------------------------------------------
// Cloud Code set-up (loadCodeAssist / onboardUser)

/** Tier ids Cloud Code answers with (Gemini CLI types.ts `UserTierId`). */
export const TIER = {free: 'free-tier', legacy: 'legacy-tier', standard: 'standard-tier'} as const;

/**
 * How each client sets up Cloud Code. `metadata` is the `ClientMetadata` it sends: Gemini CLI
 * IDE_UNSPECIFIED / PLATFORM_UNSPECIFIED / GEMINI (setup.ts); Antigravity announces ideType
 * ANTIGRAVITY (CLIProxyAPI antigravity auth). `onboardWithoutProject`: Antigravity onboards an
 * account that has a tier but no project (CLIProxyAPI); Gemini CLI asks the user for a project.
 */
const CODE_ASSIST: Record<string, {metadata: Json; onboardWithoutProject: boolean}> = {
  gemini: {metadata: {ideType: 'IDE_UNSPECIFIED', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI'}, onboardWithoutProject: false},
  antigravity: {metadata: {ideType: 'ANTIGRAVITY', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI'}, onboardWithoutProject: true},
};

/** Whether the provider's accounts need a Cloud Code project (set up at login). */
export const usesCodeAssist = (providerId: string): boolean => Object.hasOwn(CODE_ASSIST, providerId);

export const loadCodeAssistBody = (providerId: string): Json => ({metadata: {...CODE_ASSIST[providerId]?.metadata}});

/**
 * The onboardUser body. The free tier uses a Google-managed project: naming one there fails with
 * FAILED_PRECONDITION (Gemini CLI setup.ts), so no project is sent (we have none for other tiers).
 */
export const onboardUserBody = (providerId: string, tierId: string): Json => ({tierId, metadata: {...CODE_ASSIST[providerId]?.metadata}});

/** Cloud Code method URL under the `api` base: `<api>/v1internal:<method>`. */
export const codeAssistUrl = (apiBase: string, method: string): string => `${apiBase.replace(/\/+$/, '')}/v1internal:${method}`;

/** A long-running operation's URL: `<api>/v1internal/<name>` (name is `operations/…`). */
export function operationUrl(apiBase: string, name: string): string | undefined {
  // The name comes from the network: only a plain `operations/<id>` becomes a path.
  if (!/^operations\/[A-Za-z0-9._~-]+$/.test(name)) return undefined;
  return `${apiBase.replace(/\/+$/, '')}/v1internal/${name}`;
}

/** `cloudaicompanionProject` is a string (loadCodeAssist) or `{id, name}` (onboardUser). */
export function projectOf(value: unknown): string | undefined {
  return str(value) ?? str(obj(value)?.id);
}

export type CodeAssistStep =
  /** The account has a project: done. */
  | {kind: 'project'; projectId: string; tierId?: string}
  /** No tier yet: onboard to this tier (the server's default allowed tier, else legacy-tier). */
  | {kind: 'onboard'; tierId: string}
  /** Google wants the person to verify the account first (VALIDATION_REQUIRED). */
  | {kind: 'validation-required'; url: string; message: string}
  /** No Cloud Code for this account: the reasons Google gave, or none. */
  | {kind: 'no-access'; message: string};

function ineligibleReasons(body: Json): string[] {
  const tiers = Array.isArray(body.ineligibleTiers) ? body.ineligibleTiers : [];
  return tiers.map((t) => str(obj(t)?.reasonMessage) ?? str(obj(t)?.reasonCode)).filter((m): m is string => Boolean(m));
}

/**
 * What a loadCodeAssist answer means (Gemini CLI setup.ts `setupUser`):
 * - `currentTier` with a project: that project (the paid tier's id wins for the tier);
 * - no `currentTier` and an ineligible tier with VALIDATION_REQUIRED and a `validationUrl`: verify;
 * - no `currentTier`: onboard to the default allowed tier (else legacy-tier), unless no tier is
 *   allowed and Google said why not (then there is no access);
 * - `currentTier` without a project: Gemini CLI needs a user-set project (GOOGLE_CLOUD_PROJECT) here;
 *   Antigravity onboards instead (CLIProxyAPI).
 */
export function readLoadCodeAssist(providerId: string, body: Json): CodeAssistStep {
  const current = obj(body.currentTier);
  const paid = obj(body.paidTier);
  const project = projectOf(body.cloudaicompanionProject);
  const allowed = (Array.isArray(body.allowedTiers) ? body.allowedTiers : []).map(obj).filter((t): t is Json => Boolean(t));
  const defaultTier = str(allowed.find((t) => t.isDefault === true)?.id);
  if (current && project) return {kind: 'project', projectId: project, tierId: str(paid?.id) ?? str(current.id)};
  if (!current) {
    const validation = (Array.isArray(body.ineligibleTiers) ? body.ineligibleTiers : [])
      .map(obj)
      .find((t) => t?.reasonCode === 'VALIDATION_REQUIRED' && str(t.validationUrl));
    if (validation) {
      return {kind: 'validation-required', url: str(validation.validationUrl)!, message: str(validation.reasonMessage) ?? 'Google asks to verify this account'};
    }
    const reasons = ineligibleReasons(body);
    if (!defaultTier && reasons.length > 0) return {kind: 'no-access', message: reasons.join('; ')};
    return {kind: 'onboard', tierId: defaultTier ?? TIER.legacy};
  }
  if (CODE_ASSIST[providerId]?.onboardWithoutProject) return {kind: 'onboard', tierId: defaultTier ?? str(current.id) ?? TIER.free};
  const reasons = ineligibleReasons(body);
  return {
    kind: 'no-access',
    message: reasons.length
      ? reasons.join('; ')
      : `the account is on ${str(current.name) ?? str(current.id) ?? 'a Code Assist tier'} but has no Cloud Code project; its Google Cloud project must be set up for Gemini Code Assist (ccs-tui cannot choose one)`,
  };
}

/** A finished onboardUser operation's project, or undefined while it runs / when it has none. */
export function readOnboardOperation(op: Json): {done: boolean; projectId?: string; error?: string} {
  const done = op.done === true;
  const error = obj(op.error);
  return {
    done,
    projectId: done ? projectOf(obj(op.response)?.cloudaicompanionProject) : undefined,
    error: error ? (str(error.message) ?? str(error.status) ?? 'the operation failed') : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Installed-app OAuth clients

/**
 * The OAuth client to refresh a Google account with, preferred first. Google binds a refresh token
 * to the client that obtained it (another client gets `unauthorized_client`), and two Antigravity
 * clients are in circulation: `1071006060591-…` (PROVIDERS.md, older CLIProxyAPI, Antigravity
 * itself) and `884354919052-…` (newest CLIProxyAPI). So:
 * - a file that records `client_id` (ours do; CLIProxyAPI's nested gemini `token` does) is
 *   refreshed with that client and its secret (the file's own `client_secret`, else the known one);
 * - a file that records none gets the table's client first, then the other known clients. Trying
 *   the next client is safe because Google does not rotate refresh tokens: a refused refresh
 *   spends nothing.
 * `known` is the table's client followed by its alternates.
 */
export function refreshClients(known: OAuthClient[], token: TokenFile): OAuthClient[] {
  const nested = obj(token.token);
  const recordedId = str(token.client_id) ?? str(nested?.client_id);
  if (recordedId) {
    const secret = str(token.client_secret) ?? str(nested?.client_secret) ?? known.find((c) => c.clientId === recordedId)?.clientSecret;
    return [{clientId: recordedId, clientSecret: secret}];
  }
  return known;
}

// ---------------------------------------------------------------------------------------------
// CLIProxyAPI's nested layout: {"type":"gemini","token":{"access_token","refresh_token","expiry",…},"project_id",…}
// (internal/auth/gemini GeminiTokenStorage: the oauth2 token object under `token`, no flat copy).
// Flat files exist too (ours, older tools); each file is kept in its own layout. Stateless: whether
// a view goes back nested is read from its `token` object, so a copied or merged view still does.

/** Flat token-file field ↔ field inside the nested `token` object. */
const NESTED_FIELDS: ReadonlyArray<readonly [flat: string, nested: string]> = [
  ['access_token', 'access_token'],
  ['refresh_token', 'refresh_token'],
  ['expired', 'expiry'],
];

/** The credentials object of a nested file, or undefined (a flat file, or a `token` key that holds no credentials). */
function nestedCredentials(file: TokenFile): Json | undefined {
  const nested = obj(file.token);
  return nested && (str(nested.access_token) !== undefined || str(nested.refresh_token) !== undefined) ? nested : undefined;
}

/**
 * The flat view every layer above the store works with: a nested file gets `access_token`,
 * `refresh_token` and `expired` from its `token` object, which stays in the view so that
 * `nestTokenFile` puts updates back where they came from. Any other file is returned as is.
 */
export function flattenTokenFile(file: TokenFile): TokenFile {
  const nested = nestedCredentials(file);
  if (!nested) return file;
  const view: Json = {...file};
  for (const [flat, inner] of NESTED_FIELDS) if (nested[inner] !== undefined) view[flat] = nested[inner];
  return view as TokenFile;
}

/** The file to write for a (possibly updated) view: a nested file gets the credentials back inside `token`, with no flat copy. */
export function nestTokenFile(view: TokenFile): TokenFile {
  const nested = nestedCredentials(view);
  if (!nested) return view;
  const token: Json = {...nested};
  const file: Json = {...view};
  for (const [flat, inner] of NESTED_FIELDS) {
    if (view[flat] !== undefined) token[inner] = view[flat];
    delete file[flat];
  }
  file.token = token;
  return file as TokenFile;
}
