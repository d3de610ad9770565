// The shapes of the provider table (one row per provider) and of a provider's adapter (its quirks
// as functions). Kept apart from the table so adapters and the table import these, not each other.
import type {UpstreamFailure} from '../core/pool.js';
import type {Account, ErrorAdvice, ProviderId, QuotaWindow, TokenFile} from '../core/types.js';

export type EndpointName = 'authorize' | 'token' | 'device' | 'discovery' | 'userinfo' | 'usage' | 'api';
export type Endpoints = Partial<Record<EndpointName, string>>;

export type LoginFlow =
  | {
      kind: 'auth-code';
      pkce: boolean;
      /** Loopback callback: `http://localhost:<port><path>`. */
      callbackPort: number;
      fallbackPorts?: number[];
      callbackPath: string;
      /** Redirect used in paste mode when the provider hosts a page that shows the code. */
      pasteRedirectUri?: string;
      extraAuthorizeParams?: Record<string, string>;
      /** Token request body encoding. */
      tokenBody: 'form' | 'json';
      /** Client authentication at the token endpoint. */
      tokenAuth: 'none' | 'client-secret-post' | 'basic';
    }
  | {
      kind: 'device';
      scheme: 'rfc8628' | 'openai' | 'github';
      pkce?: boolean;
      /** Seconds between polls when the server sends no `interval`. */
      defaultIntervalSeconds: number;
      /** Where the endpoints come from: fixed, or OIDC discovery (xai). */
      discovery?: boolean;
      /** Provider gives no identity: ask the user for a label. */
      asksForLabel?: boolean;
    }
  | ApiKeyLogin
  | {kind: 'service-account'};

/** An API-key login; the examples are what the login's prompts show of each expected value. */
export interface ApiKeyLogin {
  kind: 'api-key';
  /** The provider has no fixed API host: the person gives the base URL too (a second step). */
  needsBaseUrl: boolean;
  /** What a key looks like and where it comes from, e.g. `AIza… (39 characters) from aistudio.google.com`. */
  keyExample: string;
  /** An example base URL (only with needsBaseUrl). */
  baseUrlExample?: string;
}

/** Which usage endpoint reports the provider's quota (PROVIDERS.md "Quota sources"); its adapter's fetchQuota reads it. */
export type QuotaSource = string;

/**
 * Wire protocol of the provider's inference API, which decides the proxy routes it can serve.
 * `gemini-internal`: Cloud Code's `v1internal` methods, the Gemini request in a `{model, project,
 * request}` envelope and answers in `{response}`; `gemini-native`: the native Gemini API (Vertex
 * AI, AI Studio), the same request and answer objects without the envelopes, the model in the URL.
 * A row that speaks several takes a client's own protocol as is, else translates to the first one
 * listed that a translator reaches (proxy/prepare.ts planFor).
 */
export type ApiProtocol = 'anthropic' | 'openai-chat' | 'openai-responses' | 'gemini-internal' | 'gemini-native';

export interface ProviderRow {
  id: ProviderId;
  displayName: string;
  /** Value of `type` in CLIProxyAPI token files. */
  tokenType: string;
  /** Other `type` values that mean this provider (CCS reads `copilot` as GitHub Copilot; CCS auth-types.ts). */
  tokenTypeAliases?: string[];
  /**
   * Keys CCS uses for this provider in `accounts.json` besides `id` (CCS 8.x: `agy` is antigravity,
   * `ghcp` is copilot). Read under every spelling; written back under the one the file uses.
   */
  registryKeys?: string[];
  /**
   * Token file name prefixes CCS strips to name an account whose file has no email (CCS auth-types.ts
   * PROVIDER_AUTH_PREFIXES, plus `ghcp-`). Default: `<tokenType>-` and `<id>-`.
   */
  tokenFilePrefixes?: string[];
  /**
   * config.yaml channel (`oauth-model-alias.<channel>`) when it is not the token type: Google OAuth
   * accounts run as `gemini-cli` (CLIProxyAPI internal/watcher/synthesizer/file.go).
   */
  configChannel?: string;
  /**
   * The login route of a remote CLIProxyAPI server's Management API for this provider
   * (`GET /v0/management/<route>-auth-url`; e.g. `anthropic` for Claude), from its
   * auth_files_provider_oauth.go. Absent: the server has no login for it. Newer servers dropped some
   * (gemini-cli, qwen, iflow): they answer 404, reported as "too old / not offered".
   */
  cliproxyAuthRoute?: string;
  /** Login flows, preferred first. */
  logins: LoginFlow[];
  endpoints: Endpoints;
  /**
   * Keys whose tui.json override is not a whole URL used as given, or that have no default here,
   * with what the override replaces (the README's endpoint table says it).
   */
  endpointNotes?: Endpoints;
  clientId?: string;
  /** Public "installed app" secrets only (Google's desktop clients). */
  clientSecret?: string;
  /** Other public clients whose accounts exist in the wild (refresh with the one a token belongs to). */
  alternateClients?: OAuthClient[];
  scopes: string[];
  /**
   * Static model list; `byPlan` picks by the account's plan (codex); `tiers`: see ModelTiers.
   * `patterns`: ids the provider serves beyond the list (its own naming scheme, CLIProxyAPI's `*`
   * wildcards, model-rules matchesPattern), so the proxy's root routes send a newer model of its own
   * there without asking any provider's live list (proxy/server.ts providerFor).
   */
  models: {default: string[]; byPlan?: Record<string, string[]>; tiers?: ModelTiers; patterns?: string[]};
  /** Null: the provider reports no quota (then its adapter has no fetchQuota). */
  quotaSource: QuotaSource | null;
  /** Refresh this long before `expired`. */
  refreshLeadSeconds: number;
  api: ApiProtocol[];
  /**
   * The proxy's root routes (`/v1/messages` without `/api/provider/<id>`) serve this provider, and
   * `ccs-tui env` points Claude Code there without model variables (its own /model choice is kept),
   * as CCS does for Claude. One row has it.
   */
  servesRootRoutes?: boolean;
  /** Everything about this provider that is not data: see ProviderAdapter. */
  adapter: ProviderAdapter;
}

/**
 * Which of the provider's models fill an agent's model slots, each a preference list of catalogue ids
 * (the first one the account's resolved list has wins; plans differ, so later ids are fallbacks):
 * `big` is the provider's default (Claude Code's ANTHROPIC_MODEL and opus slot, Codex CLI's `model`),
 * `mid` the sonnet slot, `small` the small/fast (haiku) slot of background calls. Ids are matched
 * exactly, never by part of a name (from PROVIDERS.md's model lists).
 */
export interface ModelTiers {
  big: string[];
  mid: string[];
  small: string[];
}

/** An OAuth client: its id and, for Google's desktop ("installed app") clients, the secret that is public in their CLIs. */
export interface OAuthClient {
  clientId: string;
  clientSecret?: string;
}

/** Who logged in, as the provider tells it. */
export interface Identity {
  email?: string;
  /** Provider extras written into the token file (PROVIDERS.md "Token files"). */
  extras: Record<string, unknown>;
  /** Registry tier (plan). */
  tier?: string;
  projectId?: string;
}

/** A token endpoint's JSON answer (RFC 6749 §5.1) with the provider's extra fields. */
export interface TokenResponseLike {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in?: number;
  [key: string]: unknown;
}

/**
 * The HTTP client adapters are handed (services/http.ts's HttpClient fits it): adapters never open
 * connections themselves, so tests and the services decide how requests go out.
 */
export interface AdapterHttp {
  send(req: {url: string; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string | object; signal?: AbortSignal}): Promise<{
    status: number;
    headers: Record<string, string>;
    text: string;
  }>;
}

/** What a login's identity lookup gets from the login service. */
export interface IdentifyContext {
  /** The row with the user's endpoint overrides applied. */
  row: ProviderRow;
  response: TokenResponseLike;
  /** The OAuth client id the login used (tui.json may replace the table's). */
  clientId: string;
  http: AdapterHttp;
  /** The login's abort signal: requests and waits stop with it. */
  signal?: AbortSignal;
  /** Milliseconds since the epoch, from the service's clock. */
  now(): number;
  /** Waits on the service's clock (between polls of a long-running operation); rejects when `signal` aborts. */
  sleep(ms: number): Promise<void>;
  /** GET as JSON; throws the service's error for anything but a 200 with a JSON object. */
  getJson(url: string, headers: Record<string, string>): Promise<Record<string, unknown>>;
  /** The endpoint's URL; throws a UserError naming the tui.json key when it is missing. */
  endpoint(name: EndpointName): string;
  /**
   * The userinfo endpoint, when the provider has one: the table's or tui.json's, else from OIDC
   * discovery, which is asked only now (so ask only when the identity needs it). Rejects when
   * discovery fails.
   */
  userinfoUrl(): Promise<string | undefined>;
  /** The service's error for an answer that is not what was expected. */
  unexpected(url: string, status: number, detail: string): Error;
  /** The answer's JSON object, or the service's error saying what came instead. */
  json(response: {status: number; text: string}, url: string): Record<string, unknown>;
}

/** What a provider-specific refresh request gets from the refresher (services/refresh.ts). */
export interface RefreshContext {
  row: ProviderRow;
  token: TokenFile;
  now: number;
  http: AdapterHttp;
  endpoint(name: EndpointName): string;
  /** POSTs to the token endpoint with the row's body encoding and client authentication. */
  postToken(params: Record<string, string>, options?: {url?: string; withoutClientId?: boolean}): Promise<TokenResponseLike>;
  /** Token-file fields from a token response (access, rotated refresh token, expiry, extras). */
  tokenFields(response: TokenResponseLike): Partial<TokenFile>;
  /** Errors the refresher acts on: revoked marks the account "needs login"; rate-limited waits. */
  revoked(url: string, description: string): Error;
  rateLimited(url: string, retryAfterSeconds: number | undefined): Error;
  /** The service's error for an answer with an unexpected status (names the status and an excerpt). */
  unexpected(url: string, response: {status: number; text: string}): Error;
  /** The answer's JSON object, or the service's error saying what came instead. */
  json(response: {status: number; text: string}, url: string): Record<string, unknown>;
}

/** What a quota reader (adapter.fetchQuota) gets from the quota service. */
export interface QuotaContext {
  /** The row with the user's endpoint overrides applied. */
  row: ProviderRow;
  account: Account;
  token: TokenFile;
  now: number;
  /** Sends the request and returns its JSON object; throws the service's classified failure (401, 403, 429, …). */
  getJson(req: {url: string; method?: 'GET' | 'POST'; headers: Record<string, string>; body?: object}): Promise<Record<string, unknown>>;
  /** The row's `usage` endpoint; throws when it has none. */
  usageUrl(): string;
  /** The token file's access token; throws "log in again" when it has none. */
  accessToken(): string;
  /** The error for an answer that lacks a field the reader needs (names the field). */
  missingField(url: string, field: string): Error;
}

/** What the upstream is asked to do; with the protocol it decides the URL path (Gemini's differ). */
export type UpstreamMethod = 'generate' | 'stream' | 'count-tokens';

export interface TargetContext {
  /** The row with the user's endpoint overrides applied. */
  row: ProviderRow;
  /** The `api` override from tui.json, if any: it wins over a host named in the token file. */
  apiOverride?: string;
  token: TokenFile;
  /** What `bearer(token)` gave (empty when none). */
  secret: string;
  protocol: ApiProtocol;
  method: UpstreamMethod;
  /** The model id sent upstream, for protocols that name it in the URL (native Gemini); absent when unknown. */
  model?: string;
  /** The client's session (affinity key), reused as iFlow's session id. */
  session?: string;
  /** The client's `anthropic-beta` header. */
  anthropicBeta?: string;
  now: number;
}

export interface UpstreamTarget {
  url: string;
  /** Lower-case names; these replace the client's headers of the same name. */
  headers: Record<string, string>;
}

/** An error the provider names in its own terms (iFlow's codes), mapped to what the client sees. */
export interface NamedUpstreamError {
  /** Status, error type and message of the error body the client gets, and the provider's code. */
  status: number;
  type: string;
  message: string;
  code?: string;
  /** What it means for the account (auth: refresh once, then fail over; rate-limit: fail over); none: answer as is. */
  failure?: UpstreamFailure;
}

/** The tokens an agent's credential file holds, in one shape. */
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
  /** An API key the file holds (Codex's `OPENAI_API_KEY`): no account's, and a switch clears it. */
  apiKey?: string;
  /**
   * The adapter's per-grant fields (ProviderAdapter `grantFields`) as the agent wrote them beside
   * its tokens: Qwen Code's `resource_url`, the API host its refresh named. They go with the tokens.
   */
  grant?: Record<string, string>;
}

/**
 * The provider's own agent CLI and its credential file ("native mode", adapters/native-credentials.ts).
 * Pure: services/native/ reads and writes the file.
 */
export interface NativeCredentials {
  /** Agent id of the provider's own CLI (providers/agents.ts). */
  agent: string;
  displayName: string;
  /** The credential file, from the same variables the agent reads; `home`: the user's home dir. */
  file(env: NodeJS.ProcessEnv, home: string): string;
  /** The tokens in the agent's file (undefined when it holds none; an API-key login: only `apiKey`). */
  read(file: Record<string, unknown>): NativeTokens | undefined;
  /**
   * The agent's file holding `token`. `previous` is the file as it is: its unknown fields are kept;
   * account-specific fields of another account are not. `scopes`: the row's OAuth scopes.
   */
  write(previous: Record<string, unknown> | undefined, token: TokenFile, sameAccount: boolean, scopes: readonly string[]): Record<string, unknown>;
}

/**
 * A provider's quirks. Services, store and proxy ask the adapter; none of them branches on a provider
 * id. Optional members default to the common OAuth/OpenAI behaviour (adapters/base.ts).
 */
export interface ProviderAdapter {
  /** The token file name CLIProxyAPI would give this account. */
  tokenFileName(token: TokenFile, now: Date): string;
  /**
   * A token file layout other than the flat one (Gemini's nested `token` object). The store reads
   * every file into the flat shape (`toFlat`) and writes it back in the layout the file has (`toFile`).
   */
  tokenLayout?: {toFlat(file: TokenFile): TokenFile; toFile(flat: TokenFile): TokenFile};
  /** Provider-only fields a token response carries into the token file (qwen's `resource_url`). */
  tokenResponseFields?(response: TokenResponseLike): Record<string, unknown>;
  /**
   * Token-file fields besides the tokens, expiry and id_token that belong to the grant they came with
   * (qwen's `resource_url`, copilot's API token and host): a refresh keeps those it does not renew, a
   * new login over the account's file leaves none of the previous grant's (store saveLogin).
   */
  grantFields?: readonly string[];
  /** Who logged in. */
  identify(ctx: IdentifyContext): Promise<Identity>;
  /**
   * Device and token endpoints from the provider's OIDC discovery document (login flows with
   * `discovery: true`); throws naming the field it refuses. `overridden`: the discovery URL is the
   * person's choice (tui.json), so its answer is trusted.
   */
  fromDiscovery?(document: Record<string, unknown>, discoveryUrl: string, overridden: boolean): {device: string; token: string; userinfo?: string};
  /** Headers on every call to the auth server (kimi's X-Msh-*), given the account's device id. */
  authHeaders?(deviceId: string | undefined): Record<string, string>;
  /**
   * The provider's logins name no account at all (kimi: neither the token answer nor an API says who
   * logged in; CLIProxyAPI names the files by time), so each login is a new account. Without this, a
   * login whose answer names nobody (no email, account id, sub, user) is refused, nothing stored.
   */
  loginsNameNoAccount?: boolean;
  /** Logins need a stable per-installation device id (kimi); the service keeps it under tui/state. */
  deviceIdFile?: string;
  /** An expired device code starts over this many times (kimi's clients do). */
  deviceCodeRestarts?: number;
  /** Authorize URL parameters when the provider's page is not plain OAuth (iFlow's `redirect`). */
  authorizeParams?(p: {clientId: string; redirectUri: string; state: string; extra: Record<string, string>}): Record<string, string>;
  /** Extra token-exchange parameters (Claude wants the state in the body). */
  exchangeParams?(p: {state: string}): Record<string, string>;
  /** Whether there is anything to refresh with. */
  canRefresh(token: TokenFile): boolean;
  /** Due whatever the expiry says (no Copilot API token yet). */
  refreshAlwaysDue?(token: TokenFile): boolean;
  /**
   * The OAuth clients a refresh_token grant tries, preferred first (`known`: the login's client, then
   * the row's others). A refusal as another client's token (`unauthorized_client`) tries the next.
   * Default: the login's client alone. Google: the client the file records, else every known one.
   */
  refreshClients?(known: OAuthClient[], token: TokenFile): OAuthClient[];
  /** A refresh that is not the RFC 6749 refresh_token grant (Copilot's API token, Vertex's JWT). */
  refresh?(ctx: RefreshContext): Promise<Partial<TokenFile>>;
  /** Reads the account's quota windows from the provider's usage endpoint (rows with a quotaSource). */
  fetchQuota?(ctx: QuotaContext): Promise<QuotaWindow[]>;
  /** Quota is read with a long-lived credential: no refresh before a quota fetch (Copilot). */
  quotaWithoutRefresh?: boolean;
  /** The secret an upstream request carries for this account, or undefined when the file has none. */
  bearer(token: TokenFile): string | undefined;
  /** URL and headers of an inference request. */
  upstreamTarget(ctx: TargetContext): UpstreamTarget;
  /** The id the provider receives for a requested/catalogue id (iFlow's legacy ids). */
  normalizeModel?(id: string): string;
  /**
   * The model id for an id as the provider's models list gives it, when the list names models
   * otherwise than requests and rules do (Google's resource names, `models/gemini-2.5-pro`). Applied
   * once, where a live list is read (proxy/live-models.ts providerModelList): routing, `/v1/models`,
   * `ccs-tui models --live` and the rules screen all get the ids it gives.
   */
  listedModelId?(listed: string): string;
  /**
   * The upstream answers only streamed requests (the codex backend: PROVIDERS.md "Wire formats"). A
   * client that did not ask for a stream gets the streamed answer collected into the one JSON
   * document its protocol answers with (proxy/collect.ts), and every request body is read whole.
   */
  upstreamStreamsOnly?: StreamsOnly;
  /** Rewrites the outgoing body in place for the model sent (iFlow's glm params); true when it changed. */
  rewriteBody?(body: Record<string, unknown>, model: string): boolean;
  /** A 2xx answer of this content type may still be an error (iFlow answers some with 200 JSON). */
  mayHideErrorInSuccess?(contentType: string): boolean;
  /** The provider's own error in an answer (status, body text), or undefined when it is not one. */
  namedError?(status: number, bodyText: string): NamedUpstreamError | undefined;
  /** Quota windows from the rate-limit headers of an inference answer (lower-case names). */
  quotaHeaderWindows?(headers: Record<string, string>, now: number): QuotaWindow[];
  /** The provider's own agent CLI and its credential file, when the format is public (native mode). */
  nativeCredentials?: NativeCredentials;
}

/** What a provider whose upstream answers only streams requires of a request body (ProviderAdapter.upstreamStreamsOnly). */
export interface StreamsOnly {
  /** The top-level fields `require` may set, for messages (`stream`, `store`, `instructions`). */
  fields: readonly string[];
  /**
   * Sets in place what the upstream refuses a request of the provider's protocol without (codex:
   * `stream: true`, `store: false`, `instructions` when there are none); true when it changed the body.
   */
  require(body: Record<string, unknown>): boolean;
}

/**
 * A token file's field that a refresh cannot use (e.g. Vertex's `service_account.private_key`). The
 * refresher adds the account and the file to the message.
 */
export class TokenFieldError extends Error {
  constructor(
    readonly field: string,
    readonly detail: string,
    /** The way out, worded by each surface (store/errors.ts withAdvice). */
    readonly advice?: ErrorAdvice,
  ) {
    super(`field "${field}" ${detail}`);
    this.name = 'TokenFieldError';
  }
}
