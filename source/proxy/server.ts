// The proxy server: loopback only, API key required, provider protocols passed through unbuffered
// (or translated when the client speaks another protocol than the provider), the chosen account's
// credentials and headers injected, and on quota exhaustion (or a server error, an overload) the
// request moves to the next healthy account of the pool. Everything it does is reported as
// ProxyEvents. The request path's steps live beside it: client-request.ts, prepare.ts, outcome.ts,
// deliver.ts.
import {cutText, ERROR_TEXT, excerpt, maskCredentialPatterns, redactedForm, SHOWN_TEXT} from '../core/redact.js';
import {maskJoinedJson} from '../core/joined-text-mask.js';
import {createHash, timingSafeEqual} from 'node:crypto';
import {createServer, request as httpRequest, STATUS_CODES, type ClientRequest as UpstreamRequest, type IncomingMessage, type RequestOptions, type Server, type ServerResponse} from 'node:http';
import {request as httpsRequest} from 'node:https';
import {basename} from 'node:path';
import type {SecureContext} from 'node:tls';
import {accountLabel, canServeNow, healthWords, noUsableAccount} from '../core/accounts.js';
import {isOwn, nullRecord} from '../core/id-map.js';
import {matchesPattern, resolveRequestedModel, shownModelName, splitModelSuffix, type ModelResolution, type VisibleModel} from '../core/model-rules.js';
import {formatLocalTime} from '../core/relative-time.js';
import {AccountPool, applyStoredCooldowns, failoverOrder, newPool, refusesKey, type PickResult, type UpstreamFailure} from '../core/pool.js';
import {isoOrUndefined} from '../core/provider-wait.js';
import type {RedactOptions} from '../core/redact.js';
import type {RotationStrategy} from '../core/rotation.js';
import {quoted, sanitizeLine} from '../core/sanitize.js';
import {shellCommand, shellOption, shellWord} from '../core/quote.js';
import {actionKey, type KeyAction} from '../core/keymap.js';
import {countOf} from '../core/wording.js';
import type {Account, ErrorAdvice, TokenFile} from '../core/types.js';
import {findProvider, rootProvider, type ProviderRow} from '../providers/table.js';
import type {ApiProtocol} from '../providers/types.js';
import {resolveProvider, type ResolvedProvider} from '../services/oauth/provider-config.js';
import type {ProxyEvent, ProxyStatus, RotateResult} from '../services/proxy/ipc.js';
import {credentialRedactor, sentEntryKey, type CredentialRedactor} from '../services/credential-redactor.js';
import {markRefreshRefused, refreshDue, type Fresh} from '../services/refresh.js';
import {heldApiKey, type AccountCooldown, type AccountStore, type StoreProblem} from '../store/accounts.js';
import {errorAdvice} from '../store/errors.js';
import type {CliproxyConfig} from '../store/cliproxy-config.js';
import {accountResolution, fromStaticList, type LiveBase} from '../store/model-rules.js';
import {DEFAULT_SETTINGS, endpointOverrides, SettingsUnreadableError, settingsUnreadable, type TuiSettings} from '../store/settings.js';
import {AccountSource, requestArrived} from './accounts.js';
import {bodySpent, ClientLeft, MAX_PARSED_BODY_BYTES, sendBody, STREAM_ABOVE_BYTES, type OutgoingBody} from './body.js';
import type {Duplex} from 'node:stream';
import {readClientRequest, readWhole, withBody, type ClientRequest} from './client-request.js';
import type {TranslateError} from './translate/types.js';
import {deliverCollected, deliverTranslated, deliverTranslatedError, pipeThrough, sendJson, type ClientGone, type LateFailure, type RefusedAnswer} from './deliver.js';
import {AdvisedHttpError, errorJson, HttpError, pinnedAdvice, type ErrorShape} from './errors.js';
import {modelsPayload, type ListedModels} from './models.js';
import {LiveListCache, providerModelList, ROUTING_LIST_DEADLINE_MS, ROUTING_LIST_TIMEOUT_MS, waitAtMost, type CachedList} from './live-models.js';
import {hostOf, undiciHttpClient, type HttpClient} from '../services/http.js';
import {keyRefusalReason, noteKeyAnswer} from '../services/key-check.js';
import {classifyOutcome, plainSuccess, refusedAnswerOutcome, unreachable, type ErrorOutcome, type Outcome} from './outcome.js';
import {prepareRequest, protocolPlan, streamedHeadHoldsTag, type ForwardEndpoint, type PreparedRequest, type ProtocolPlan, type TranslatorLookup, type Translation} from './prepare.js';
import {closeAfterAnswer, CLIENT_TIMEOUTS, declaresBody, lingerOnClose, type ClientTimeouts} from './refusal.js';
import {errorShapeOf, parseRoute, protocolOf, type Route} from './routes.js';
import {InFlight, type Slotted} from './in-flight.js';
import {estimatedCountTokensResponse} from './translate/estimate-tokens.js';
import {translatorFor} from './translate/index.js';
import {reasoningRefusal, SKIPPED_CALL_SIGNATURES, withoutReasoning, type ReasoningRefusal, type RetryScope, type WithoutReasoning} from './translate/reasoning-refusal.js';
import {openaiErrorType} from './translate/pairs/openai-client.js';
import {decodedAnswer, forwardedResponseHeaders, UncheckableEncoding, upstreamAddress, addHostFields} from './upstream.js';
import {transcodedAnswer} from './charset.js';
import {UpstreamAgents, type FreeSocketIdle} from './upstream-agents.js';
import {controlProof} from '../services/proxy/pid-file.js';
import {LIVE_LIST_TRIES} from '../services/proxy/serving-order.js';

export {HttpError};

export interface ProxyServerOptions {
  port: number;
  /** Provider served on the root routes; without it the model name decides. */
  provider?: string;
  /** Serve only this account (id, nickname or email); `rotate` moves it on. */
  account?: string;
  store: AccountStore;
  settings: TuiSettings;
  /**
   * tui.json as it now is when it changed (store/settings.ts settingsWhenChanged), else undefined:
   * asked before each request while `settings` came from a broken file (settingsUnreadable). Once it
   * parses the proxy serves with it, without a restart; still broken, its fault as it now is is the
   * one the proxy's 503 and status say. Unset: a broken file stays broken.
   */
  rereadSettings?: () => Promise<TuiSettings | undefined>;
  /** The current config.yaml (the caller reloads it when the file changes). */
  config: () => CliproxyConfig;
  /** The single-flight refresher shared with the TUI (services/refresh.ts ensureFresh): the token, and how it came. */
  refresh: (provider: string, accountId: string, force: boolean) => Promise<Fresh>;
  onQuotaHeaders?: (provider: string, accountId: string, headers: Record<string, string>) => void;
  /** most-headroom: account ids best first, from the cached quota. */
  rank?: (provider: string, accounts: readonly Account[], after?: string) => readonly string[] | undefined;
  /** A rotation moved the account served alone (`accountId`, of the served `provider`): the runner's record follows. */
  onPinMoved?: (provider: string, accountId: string) => void;
  now?: () => number;
  emit?: (event: ProxyEvent) => void;
  host?: string;
  /** Translator lookup (default: translate/index.ts translatorFor); tests pass their own. */
  translators?: TranslatorLookup;
  /** Limits for slow clients (default: refusal.ts CLIENT_TIMEOUTS); tests pass short ones. */
  clientTimeouts?: ClientTimeouts;
  /** How long (ms) an upstream request may go without a byte either way (default UPSTREAM_IDLE); tests pass short ones. */
  upstreamIdle?: UpstreamIdle;
  /** How long an upstream socket is kept unused (default upstream-agents.ts FREE_SOCKET_IDLE, 3–4 s); tests pass short ones. */
  freeSocketIdle?: FreeSocketIdle;
  /** HTTP for the live model lists routing asks (default: undici). */
  modelListHttp?: HttpClient;
  /**
   * Its record's nonce (services/proxy/pid-file.ts ProxyPidFile nonce): `GET /_ccs-tui/hello?challenge=C`
   * answers `{proof}` (controlProof over C and the asking connection's port), without an API key, so
   * that a client knows it is this proxy, on this connection, before it sends one.
   */
  nonce?: string;
}

/** A Host field the proxy answers: a loopback name, with a port or without, and nothing else (no `@`, no path). */
const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/;

/** Whether the request's head has more than one Host field (node:http keeps the first in req.headers and drops the rest). */
function hostGivenTwice(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}

/** Socket-sized stream buffers: fewer, larger writes for bulk bodies (SSE events are batched per event-loop turn by deliver.ts pipeThrough). */
const STREAM_HIGH_WATER_MARK = 64 * 1024;
/**
 * An upstream request is given up after `ms` without a byte either way, as found by one look at
 * every request in flight each `checkEveryMs` (so at the latest 2 × checkEveryMs later). One timer
 * for all, not a socket timeout per request: node:http arms a fresh timer and its listeners on
 * every request and clears them again, ~3 % of the proxy's CPU on a small answer (issue 14).
 */
export interface UpstreamIdle {
  ms: number;
  checkEveryMs: number;
}
const UPSTREAM_IDLE: UpstreamIdle = {ms: 10 * 60_000, checkEveryMs: 30_000};
/** How long (ms) aliasOwners' answer is reused: the account list's own TTL (AccountSource), so an alias edited into a token file counts within seconds. */
const ALIAS_OWNERS_TTL_MS = 3000;
/**
 * How long (ms) after an upstream of a provider last refused reasoning (reasoning-refusal.ts) that
 * provider's streamed bodies are read whole: a conversation that carries reasoning another account
 * or provider made carries it every turn, and only a body read whole can be sent again without it.
 */
const READ_WHOLE_AFTER_REFUSAL_MS = 60 * 60_000;
/** A request line's note for an answer the client did not wait for (ActiveRequest broke). */
const CLIENT_LEFT = 'the client left before the answer ended';
/** The same, when the client's body had not all come either (a large body is sent upstream as it comes). */
const CLIENT_LEFT_MID_BODY = 'the client left while its body was still being sent upstream';
/** How long (ms) a stopping proxy lets requests in flight finish: under the supervisor's 5 s SIGKILL, so the log still closes. */
export const CLOSE_GRACE_MS = 4000;

interface ActiveRequest extends Slotted {
  provider: string;
  account?: string;
  model?: string;
  /** The model is listed by no provider: a root route sent it to the root provider (providerFor). */
  unlisted?: boolean;
  req: IncomingMessage;
  res: ServerResponse;
  started: number;
  /** Logged as cut by stop (close): its end, if it still comes, is not logged again. */
  cut?: boolean;
  /** Set once the request goes upstream: the idle check looks at its upstream request. */
  watch?: ClientWatch;
  /** The answer broke off (after its head was sent, or the client left first): why. The log line says so, as the last error does for an upstream's break. */
  broke?: string;
  /** Sent again without reasoning the upstream refused (withoutRefusedReasoning): what was taken out and the refusal, for the log line. */
  retried?: string;
}

type PoolMember = {id: string; label: string};

/** An account's model list as the proxy serves it (ProxyServer.servedList). */
interface ServedList {
  resolution: ModelResolution;
  /** Its models that stand for static ids: root routing matches them, and /v1/models lists them, before live-only ones. */
  fromStatic: readonly VisibleModel[];
}

/** What pickAccount gives: the account and its token, or 'next' (try again) / 'exhausted' (the last failure is the answer). */
type Picked = {account: Account; poolAccount: PoolMember; token: TokenFile} | 'next' | 'exhausted';

/** The protocol the upstream speaks for a request on `endpoint` under `plan`. */
const upstreamProtocolOf = (endpoint: ForwardEndpoint, plan: ProtocolPlan): ApiProtocol => (plan.kind === 'translate' ? plan.translator.upstream : protocolOf(endpoint));

/** What one request has tried so far, across its attempts. */
interface Attempts {
  /** Accounts tried (markTried; made on the first, as most requests are served by the first account). */
  tried?: Set<string>;
  /** Accounts refreshed after an auth failure (once per account and request). */
  refreshed?: Set<string>;
  /** How many accounts an upstream answered with a failure that moved the request on (failOver): the proxy's own 429 says it asked them. */
  asked?: number;
  /** After a successful refresh the same account is tried once more, whatever the strategy says. */
  retrySame?: PoolMember;
  /**
   * The client's reasoning taken out after an upstream refused it (RetryScope: the earlier turns', then
   * all), and the body that was refused: a retry that would send the same bytes is not sent.
   */
  reasoning?: {
    refusal: ReasoningRefusal;
    scope: RetryScope;
    /** What was taken out and the refusal, for the request's log line (`retried`) once it is sent. */
    takenOut: string;
    why: string;
    refusedBody: Buffer;
    sent: boolean;
  };
  /** The last account's failure: the client's answer when no account is left and it is not a cooldown. */
  lastFailure?: {outcome: ErrorOutcome; translation: Translation | undefined};
  /**
   * The last provider fault met (an overload, a server error, an unreachable upstream): the client's
   * answer when no account is left, before any later account's failure, since that account is not
   * parked (core/pool.ts SERVER_BACKOFF_MS) and the client's retry may land there.
   */
  transient?: {outcome: ErrorOutcome; translation: Translation | undefined};
}

/** What tryRefresh came to: a new token, why none came (logged already), or neither (nothing to refresh with). */
interface RefreshTry {
  token?: TokenFile;
  failed?: {message: string; advice?: ErrorAdvice};
}

/** How often at most an account's last use is written (noteServed): the TUI shows it to the minute. */
const SERVED_NOTE_MS = 60_000;

/** The provider's default account and when a person made it the default (its registry `lastUsedAt`, ISO). */
interface DefaultChoice {
  id: string;
  setAt: string | undefined;
}

/** The default among a pool's usable accounts (DefaultChoice), undefined when none is. */
function defaultChoice(usable: readonly Account[]): DefaultChoice | undefined {
  const account = usable.find((a) => a.default);
  return account && {id: account.id, setAt: account.lastUsedAt};
}

export class ProxyServer {
  readonly server: Server;
  private readonly accounts: AccountSource;
  private readonly pools = new Map<string, AccountPool>();
  /** The usable-account list each pool was last built or updated from. */
  private readonly poolSources = new Map<string, readonly Account[]>();
  /** The default account each pool last saw (poolOf), with when it was made the default: a pool follows a default a person sets. */
  private readonly poolDefaults = new Map<string, DefaultChoice>();
  private readonly resolvedProviders = new Map<string, ResolvedProvider>();
  /** servedList's answers, by provider id and account id ('' for none). */
  private readonly resolutions = new Map<string, Map<string, ServedList & {token: TokenFile | undefined; config: CliproxyConfig; live: LiveBase | undefined}>>();
  private readonly agents: UpstreamAgents;
  private readonly now: () => number;
  private readonly startedAt: number;
  /** Requests of the last minute, counted per second (a timestamp per request held 60 s grew with the rate). */
  private readonly recent = new PerSecondCounts(60);
  private totalRequests = 0;
  /** Requests answered with the proxy's own error (ProxyStatus refusedRequests), counted apart. */
  private readonly recentRefused = new PerSecondCounts(60);
  private refusedRequests = 0;
  private refreshes = 0;
  /**
   * The refreshes (their result or their error, one object each) already logged: requests that meet
   * one in flight share it (services/refresh.ts), and it is one refresh, logged and recorded once.
   */
  private readonly reportedRefreshes = new WeakSet<object>();
  /** Provider + NUL + account id of the cooldowns this process wrote to the account state (persistCooldown). */
  private readonly storedCooldowns = new Set<string>();
  /** Accounts (as listed) whose stored cooldown a success ended: the list may still show it until re-read. */
  private readonly endedStored = new WeakSet<Account>();
  /** Node's own answer to a connection (clientError) whose request handle() is still reading: that request's log line. */
  private readonly clientErrors = new WeakMap<object, HttpError>();
  /**
   * When each connection was accepted (epoch ms), until its first request reaches handle(): the
   * start of a first message Node refuses before handle() sees it (clientError).
   */
  private readonly connectedAt = new WeakMap<object, number>();
  /** `servedSince`: when a forwarded request first succeeded after it (ms): the error is past. */
  private lastError: {message: string; at: number; advice?: ErrorAdvice; servedSince?: number} | undefined;
  private readonly emit: (event: ProxyEvent) => void;
  private readonly credentials: CredentialRedactor;
  /** The key each connection last proved it holds, with the api-keys list it was checked against. */
  private readonly acceptedKeys = new WeakMap<object, {keys: readonly string[]; key: string}>();
  /** Forwarded requests not yet answered (close logs them as cut by stop). */
  private readonly inFlight = new InFlight<ActiveRequest>();
  private port: number;
  private pinnedAccountId: string | undefined;
  /** The pinned account's token file name: a problem with another file is not this proxy's error (fileProblem). */
  private pinnedTokenFile: string | undefined;
  /** The pinned account's name as last seen (accountLabel): what a 503 calls it once it is removed, never its bare id. */
  private pinnedLabelSeen: string | undefined;
  private readonly upstreamIdle: UpstreamIdle;
  private idleCheck: NodeJS.Timeout | undefined;
  /** Cooldown writes to the account state, in order; close waits for them. */
  private persisting: Promise<void> = Promise.resolve();
  /** pinToOwners' last answer per provider (aliasOwners). */
  private readonly aliasOwnersKept = new Map<string, {usable: readonly Account[]; model: string; at: number; owners: ReadonlySet<string>}>();
  /** Live model lists for the root routes' routing (providerFor, asked only for unknown models) and /v1/models. */
  private readonly liveLists: LiveListCache;
  /** When (ms) an upstream of each provider (its id) last refused reasoning: READ_WHOLE_AFTER_REFUSAL_MS. */
  private readonly reasoningRefusedAt = new Map<string, number>();

  constructor(private readonly options: ProxyServerOptions) {
    this.now = options.now ?? Date.now;
    // Credentials masked (issue 11): events, logs and status never carry an account's token.
    this.credentials = credentialRedactor(options.store.paths);
    this.config();
    const emit = options.emit ?? (() => {});
    // A request event (one per request) is flat and its keys are this file's: only its values are
    // masked. Events are logged: a credential's cut echo is masked too (cutEchoes), as in every log.
    this.emit = (event) => emit(event.type === 'request' || event.type === 'refused' ? this.credentials.currentForSender().redactValues(event) : this.credentials.currentForSender().redactDeep(event, SHOWN_TEXT));
    this.startedAt = this.now();
    this.port = options.port;
    this.accounts = new AccountSource(options.store, this.now, undefined, (file, stamp, token) => this.credentials.noteToken(file, stamp, token), (problem) => this.fileProblem(problem));
    const listHttp = options.modelListHttp ?? undiciHttpClient;
    // What a list's request found of an API-key account's key is recorded as a request's is (noteKeyAnswer).
    const onKeyAnswer = (provider: string, account: Account, token: TokenFile, refusal: string | undefined) => {
      const row = findProvider(provider);
      if (row) this.noteKeyAnswer(row, account, token, refusal);
    };
    this.liveLists = new LiveListCache(providerModelList({http: listHttp, endpoints: (provider) => endpointOverrides(options.settings, provider), now: this.now, timeoutMs: ROUTING_LIST_TIMEOUT_MS, deadlineMs: ROUTING_LIST_DEADLINE_MS, onKeyAnswer}), this.now, (provider, why) =>
      // A warning, not the proxy's last error: what it serves goes on, from the static list.
      this.emit({type: 'problem', severity: 'warning', message: `${provider}: live model list not had, its static list is served: ${why}`}),
    );
    const timeouts = options.clientTimeouts ?? CLIENT_TIMEOUTS;
    this.upstreamIdle = options.upstreamIdle ?? UPSTREAM_IDLE;
    this.agents = new UpstreamAgents(options.freeSocketIdle);
    this.server = createServer(
      {
        noDelay: true,
        keepAlive: true,
        highWaterMark: STREAM_HIGH_WATER_MARK,
        headersTimeout: timeouts.headersMs,
        requestTimeout: timeouts.requestMs,
        connectionsCheckingInterval: timeouts.checkEveryMs,
      },
      (req, res) => void this.handle(req, res),
    );
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => this.clientError(error, socket, timeouts));
    this.server.on('connection', (socket: Duplex) => this.connectedAt.set(socket, this.now()));
    this.server.keepAliveTimeout = 30_000;
  }

  /** Binds 127.0.0.1; rejects with the listen error (EADDRINUSE) for the caller to report. */
  async listen(): Promise<number> {
    if (this.options.account) {
      const provider = this.requireProvider(this.options.provider);
      const accounts = await this.accounts.all();
      const {findAccount} = await import('../core/accounts.js');
      const pinned = findAccount(accounts, provider.id, this.options.account);
      this.pinnedAccountId = pinned.id;
      this.pinnedTokenFile = pinned.tokenFile;
      this.pinnedLabelSeen = accountLabel(pinned, accounts);
    }
    // The served provider's pool exists from the start, so status names the account that will serve.
    if (this.options.provider) await this.poolFor(this.requireProvider(this.options.provider));
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(this.port, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address();
    if (address && typeof address === 'object') this.port = address.port;
    this.idleCheck ??= setInterval(() => this.giveUpIdleUpstreams(), this.upstreamIdle.checkEveryMs).unref();
    return this.port;
  }

  /**
   * Stops accepting connections; requests in flight finish (up to CLOSE_GRACE_MS, then their
   * connections are cut), idle keep-alive connections close at once and each busy one as soon as
   * its response is done (else it would idle out at keepAliveTimeout, 5 s, holding the exit).
   */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      const idle = setInterval(() => this.server.closeIdleConnections(), 50);
      // The requests still under way when the grace ends are logged as cut by the stop (status 0),
      // then cut: logged then, not as the stop starts (most end within the grace and are logged as
      // they end), and before the cut, so what the cut breaks is no upstream's fault (deliver onBroken).
      const cut = setTimeout(() => {
        for (const active of this.inFlight.entries()) this.finish(active, active.model, 0, true);
        this.server.closeAllConnections();
      }, CLOSE_GRACE_MS);
      this.server.close(() => {
        clearInterval(idle);
        clearTimeout(cut);
        resolve();
      });
      this.server.closeIdleConnections();
    });
    clearInterval(this.idleCheck);
    this.agents.destroy();
    // A cooldown being written reaches the file before the process exits (the next start reads it).
    await this.persisting;
  }

  /** Destroys every upstream request that has had no byte either way for upstreamIdle.ms. */
  private giveUpIdleUpstreams(): void {
    const now = this.now();
    for (const active of this.inFlight.entries()) active.watch?.giveUpIfIdle(now, this.upstreamIdle.ms);
  }

  get listeningPort(): number {
    return this.port;
  }

  /**
   * An upstream answer cut to one log line, credentials masked before the cut (core/redact.ts
   * excerpt): the accounts' own, and any text of a credential's shape (ERROR_TEXT), as in the
   * error bodies the clients get.
   */
  private excerpt(text: string): string {
    const redactor = this.credentials.currentForSender();
    return excerpt(text, 200, (seen) => redactor.redact(seen, ERROR_TEXT));
  }

  // ---- status and rotation ----

  status(): ProxyStatus {
    const now = this.now();
    const cooling: ProxyStatus['cooling'] = [];
    for (const [provider, pool] of this.pools) {
      // One account served alone (the pin `r` may have moved): the pool's others serve nothing here, so their waits are not this proxy's (kept for the pool's return).
      const alone = pool.single ? pool.current?.id : undefined;
      for (const account of pool.list()) {
        if (alone !== undefined && account.id !== alone) continue;
        const cooldown = pool.cooldownOf(account.id, now);
        if (cooldown) cooling.push({provider, account: account.label, accountId: account.id, until: isoOrUndefined(cooldown.until) ?? 'unknown', reason: cooldown.message, ...(cooldown.triedLast ? {triedLast: true} : {})});
        // A model the upstream answered 404 for: that model alone is not asked of the account again.
        for (const wait of pool.modelCooldownsOf(account.id, now)) {
          // The name as a client sent it: a key pasted there is masked (shownModelName), as in the 404 the client got.
          cooling.push({provider, account: account.label, accountId: account.id, until: isoOrUndefined(wait.until) ?? 'unknown', reason: wait.message, model: shownModelName(wait.model!)});
        }
      }
    }
    const provider = this.options.provider;
    const primary = provider ? this.pools.get(provider) : undefined;
    // What serves "now" is what the pool serves next (the same answer its next pick acts on), else,
    // every account waiting, the one that served last.
    const next = primary && (primary.next({now, ranked: this.rankingOf(provider!, primary)}) ?? primary.current);
    const pinned = this.pinnedAccountId !== undefined;
    // Each pool's next pick (the root's is `account` above): `rotate` moves off what a pool serves.
    const pools: NonNullable<ProxyStatus['pools']> = [];
    for (const [id, pool] of this.pools) {
      const serves = id === provider ? next : (pool.next({now, ranked: this.rankingOf(id, pool)}) ?? pool.current);
      if (serves) pools.push({provider: id, account: serves.label, accountId: serves.id});
    }
    // Credentials masked (issue 11): cooling reasons and the last error quote upstream bodies.
    return this.credentials.currentForSender().redactDeep({
      pid: process.pid,
      port: this.port,
      startedAt: new Date(this.startedAt).toISOString(),
      provider: this.options.provider,
      // An account served alone and gone since: named as it was last seen (its nickname), not by the id it was asked by.
      account: next?.label ?? this.pinnedLabel() ?? this.pinnedLabelSeen ?? this.options.account,
      ...((next?.id ?? this.pinnedAccountId) !== undefined ? {accountId: next?.id ?? this.pinnedAccountId} : {}),
      ...(provider ? {pinned, ...(pinned || !primary ? {} : {poolSize: primary.size})} : {}),
      ...(this.options.account ? {pinnedAccount: this.options.account} : {}),
      requestsPerMinute: this.recent.total(now),
      totalRequests: this.totalRequests,
      refusedPerMinute: this.recentRefused.total(now),
      refusedRequests: this.refusedRequests,
      lastError: this.lastError && {
        message: this.lastError.message,
        at: isoOrUndefined(this.lastError.at) ?? 'unknown',
        ...(this.lastError.advice ? {advice: this.lastError.advice} : {}),
        ...(this.lastError.servedSince === undefined ? {} : {servedSince: isoOrUndefined(this.lastError.servedSince)}),
      },
      cooling,
      pools,
    } satisfies ProxyStatus);
  }

  /** status() with the served provider's pool brought up to date with the files first (a new default, a pause). */
  async currentStatus(): Promise<ProxyStatus> {
    // A broken tui.json read again, as a request would: the status says whether it still is.
    const rereading = this.settingsIfFixed();
    if (rereading) await rereading;
    // Every pool, not only the served provider's: an account that cannot serve since (needing a
    // login after its refresh was refused, paused) is no longer listed as waiting.
    await this.accounts.reloadIfChanged();
    for (const id of new Set([...(this.options.provider ? [this.options.provider] : []), ...this.pools.keys()])) await this.poolFor(this.requireProvider(id));
    // The account served alone gone or unable to serve: said before a request meets its 503 (first:
    // it takes the account's name as it is now, which the status names it by).
    const trouble = this.options.provider ? this.pinnedGone(this.requireProvider(this.options.provider), await this.accounts.all()) : undefined;
    const status = this.status();
    const unreadable = settingsUnreadable(this.options.settings);
    return {
      ...status,
      ...(trouble ? {pinnedTrouble: this.credentials.currentForSender().redactDeep({message: trouble.text, advice: trouble.advice})} : {}),
      ...(unreadable === undefined ? {} : {settingsTrouble: new SettingsUnreadableError(unreadable).message}),
    };
  }

  /** most-headroom's order for a pool (the quota ranking of its usable accounts); undefined for other strategies. */
  private rankingOf(provider: string, pool: AccountPool, after?: string): readonly string[] | undefined {
    const usable = this.poolSources.get(provider);
    return pool.strategy === 'most-headroom' && usable ? this.options.rank?.(provider, usable, after) : undefined;
  }

  /** The pinned account's label, from the account list as last read (it may have left the pool). */
  private pinnedLabel(): string | undefined {
    const id = this.pinnedAccountId;
    const account = id === undefined ? undefined : this.accounts.usableNow(this.options.provider ?? '')?.find((a) => a.id === id);
    // Kept as it was last seen: a rename is the name the account is known by once it is gone.
    if (account) this.pinnedLabelSeen = this.accounts.labelOf(account);
    return account && this.pinnedLabelSeen;
  }

  /**
   * Puts the provider's next healthy account first in its pool (core/pool.ts rotate: held until the
   * pool's rule moves it). Streams already running keep their upstream connection; only new
   * requests see the new account.
   */
  async rotate(providerId?: string): Promise<string | undefined> {
    const asked = providerId ?? this.options.provider;
    if (!asked) return undefined;
    // By its own id (`CLAUDE`, CCS's other names): the ranking and the events are keyed by it.
    const row = this.requireProvider(asked);
    const provider = row.id;
    const pool = await this.poolFor(row);
    const now = this.now();
    // Off the account serving now; accounts of equal room in turn after it (rotating again reaches each).
    const from = pool.next({now, ranked: this.rankingOf(provider, pool)}) ?? pool.current;
    const next = pool.rotate(now, this.rankingOf(provider, pool, from?.id), from);
    // One account served alone: the pin moves to it (what status, a 503's words and env go by; the
    // runner's record follows, proxy/serve.ts).
    if (next && pool.single && provider === this.options.provider) {
      this.pinnedAccountId = next.id;
      this.pinnedTokenFile = this.poolSources.get(provider)?.find((a) => a.id === next.id)?.tokenFile;
      this.pinnedLabelSeen = next.label;
      this.options.account = next.id;
      this.options.onPinMoved?.(provider, next.id);
    }
    if (next) this.emit({type: 'rotated', provider, account: next.label, ...(pool.single ? {pinned: true} : {})});
    return next?.label;
  }

  /**
   * Ends the waits of one account (`accountId`) of `providerId` in every pool that holds it, and its
   * stored cooldown (so a restart does not wait it out again): the person's `C`, when they know its
   * limit has reset. True when a pool held a wait.
   */
  async clearCooldown(providerId: string, accountId: string): Promise<boolean> {
    const row = this.requireProvider(providerId);
    // An id the files do not have (a typo, an account removed meanwhile) is said, not "no wait".
    if (!(await this.accounts.all()).some((a) => a.provider === row.id && a.id === accountId)) {
      throw new HttpError(404, `no ${row.id} account has the id ${quoted(accountId)} (removed meanwhile?)`, 'not_found_error', {}, 'unknown account');
    }
    const cleared = this.pools.get(row.id)?.clearCooldowns(accountId) ?? false;
    this.storedCooldowns.delete(`${row.id}\u0000${accountId}`);
    const store = this.options.store;
    // After the cooldown writes under way; whenever it was met (the person asked).
    this.persisting = this.persisting.then(() => store.endCooldown(row.id, accountId, Number.POSITIVE_INFINITY)).catch(() => undefined);
    await this.persisting;
    return cleared;
  }

  /**
   * rotate() as the TUI's `r` asks it (over IPC, or `POST /_ccs-tui/rotate[?provider=ID]`): the
   * account now first, or the reason none is, in words shown to the person as they are.
   */
  async rotateResult(providerId?: string): Promise<RotateResult> {
    const asked = providerId || this.options.provider;
    if (!asked) return {error: 'this proxy serves every provider: name the one to rotate', refused: true};
    const provider = findProvider(asked)?.id;
    if (!provider) return {error: `unknown provider "${sanitizeLine(asked)}"`, refused: true};
    try {
      const account = await this.rotate(provider);
      if (account) return {provider, account};
      // None at all (paused ones count: they are the provider's), in `ccs-tui rotate`'s words.
      await this.accounts.reloadIfChanged();
      const none = !(await this.accounts.all()).some((a) => a.provider === provider);
      return {error: none ? `${sanitizeLine(provider)} has no accounts to rotate` : `${sanitizeLine(provider)}: no other healthy account to rotate to`, refused: true};
    } catch (error) {
      // A fault met while rotating (a file that cannot be read), not the proxy's "no".
      return {error: sanitizeLine((error as Error).message)};
    }
  }

  /**
   * Makes `providerId` the served provider (root routes) with its pool, or only `accountRef` when
   * given (`ccs-tui run` reusing a running proxy). Running streams keep their account.
   */
  async serve(providerId: string, accountRef?: string): Promise<string | undefined> {
    // '': every provider, by the model asked for (a proxy started without --provider).
    const row = providerId === '' ? undefined : this.requireProvider(providerId);
    const {findAccount} = await import('../core/accounts.js');
    const all = await this.accounts.all();
    const pinned = accountRef && row ? findAccount(all, row.id, accountRef) : undefined;
    // The provider the root leaves serves its pool on its own route again: one account alone is the
    // served target's (status says only the root's), never a pin left where no status names it.
    const left = this.options.provider !== row?.id ? this.options.provider && this.pools.get(this.options.provider) : undefined;
    if (left && left.single) this.pools.set(this.options.provider!, left.withMode({current: this.poolSources.get(this.options.provider!)?.find((a) => a.default)?.id ?? left.current?.id, single: false}));
    if (!row) {
      this.pinnedAccountId = this.pinnedTokenFile = this.pinnedLabelSeen = undefined;
      this.options.provider = this.options.account = undefined;
      // Said in the log as a switch to one provider is (`rotated`): the log tells what served when.
      this.emit({type: 'serves-every-provider'});
      return undefined;
    }
    this.pinnedAccountId = pinned?.id;
    this.pinnedTokenFile = pinned?.tokenFile;
    this.pinnedLabelSeen = pinned && accountLabel(pinned, all);
    this.options.provider = row.id;
    this.options.account = accountRef;
    // The account list as the files say now (a cooldown another process stored, a new default).
    await this.accounts.reloadIfChanged();
    const before = this.pools.get(row.id);
    const usable = await this.accounts.usable(row.id);
    if (before) {
      // Served another way, with what the pool met kept: an account cooling before is still cooling.
      const pinned = this.pinnedAccountId;
      this.pools.set(row.id, before.withMode({current: pinned ?? usable.find((a) => a.default)?.id, single: pinned !== undefined}));
      this.applyStoredCooldowns(this.pools.get(row.id)!, usable);
    }
    const pool = this.poolOf(row, usable);
    const label = (pool.next({now: this.now(), ranked: this.rankingOf(row.id, pool)}) ?? pool.current)?.label;
    if (label) this.emit({type: 'rotated', provider: row.id, account: label, ...(accountRef ? {pinned: true} : {})});
    return label;
  }

  // ---- request handling ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = this.now();
    const active: ActiveRequest = {provider: '-', req, res, started};
    this.connectedAt.delete(req.socket);
    // The files' looks of this turn taken before it arrived are not its (accounts.ts statThisTurn).
    requestArrived(req.socket);
    try {
      this.checkHost(req);
      if (this.options.nonce && req.method === 'GET' && req.url?.startsWith('/_ccs-tui/hello?')) {
        const challenge = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1)).get('challenge') ?? '';
        // Keyless, as a refusal is: a body is not read, the connection ends with the answer.
        if (declaresBody(req)) closeAfterAnswer(req, res);
        return sendJson(res, 200, {proof: controlProof(this.options.nonce, challenge, req.socket.remotePort)});
      }
      this.checkKey(req);
      if (req.url === '/_ccs-tui/status' && req.method === 'GET') return sendJson(res, 200, await this.currentStatus());
      if ((req.url === '/_ccs-tui/rotate' || req.url?.startsWith('/_ccs-tui/rotate?')) && req.method === 'POST') {
        const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
        const provider = new URLSearchParams(query).get('provider') ?? undefined;
        const result = await this.rotateResult(provider);
        return sendJson(res, 'error' in result ? (result.refused ? 409 : 500) : 200, 'error' in result ? {error: {message: result.error}} : result);
      }
      if (req.url?.startsWith('/_ccs-tui/clear-cooldown?') && req.method === 'POST') {
        const query = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1));
        return sendJson(res, 200, {cleared: await this.clearCooldown(query.get('provider') ?? '', query.get('account') ?? '')});
      }
      if (req.url?.startsWith('/_ccs-tui/serve?') && req.method === 'POST') {
        const query = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1));
        const account = await this.serve(query.get('provider') ?? '', query.get('account') ?? undefined);
        return sendJson(res, 200, {provider: query.get('provider'), account: account ?? null, accountId: this.pinnedAccountId ?? null});
      }
      const rereading = this.settingsIfFixed();
      if (rereading) await rereading;
      const route = parseRoute(req.url ?? '/');
      if (!route) throw new HttpError(404, `no such endpoint: ${sanitizeLine(req.method)} ${sanitizeLine(req.url)} (served: /v1/messages, /v1/chat/completions, /v1/responses, /v1/models, and /api/provider/<provider>/v1/…)`, 'not_found_error', {}, 'unknown route');
      if (route.endpoint === 'models') {
        if (req.method !== 'GET') throw new HttpError(405, 'use GET for /v1/models', undefined, {}, 'wrong method');
        return await this.serveModels(req, res, route, active);
      }
      if (req.method !== 'POST') throw new HttpError(405, `use POST for ${req.url}`, undefined, {}, 'wrong method');
      // tui.json is broken (settingsIfFixed read it again just now): its endpoint overrides are
      // unknown, so no account's token goes upstream (store/settings.ts endpointOverrides).
      const unreadable = settingsUnreadable(this.options.settings);
      if (unreadable !== undefined) throw new HttpError(503, `${new SettingsUnreadableError(unreadable).message}; the proxy reads it again on each request until it is a valid one (a removed file is no fix)`, 'api_error', {}, 'tui.json unreadable');
      this.inFlight.add(active);
      await this.forward(req, res, route as Route & {endpoint: ForwardEndpoint}, active);
    } catch (error) {
      // Cut by a stop (close): logged as such already; what the cut broke is no error of the proxy's.
      if (active.cut) {
        if (!res.headersSent) res.destroy();
        return;
      }
      // The client left mid-body (or Node timed its request out and answered 408: clientError): no proxy error.
      const left = error instanceof ClientLeft ? (this.clientErrors.get(req.socket) ?? new HttpError(0, error.message, undefined, {}, error.message)) : undefined;
      if (left) return this.refused(active, left);
      const err = error instanceof HttpError ? error : new HttpError(502, `proxy error: ${sanitizeLine((error as Error).message)}`, 'api_error');
      if (err.status >= 500 || err.status === 429) this.recordError(err instanceof AdvisedHttpError ? err.text : err.message, err instanceof AdvisedHttpError ? err.advice : undefined);
      if (res.headersSent) res.destroy();
      else {
        this.refused(active, err);
        // Refused before the body was read: answered and closed, the rest of the body read and dropped
        // meanwhile (a lingering close; resumed: a reader that stopped at the fault left it paused).
        if (!req.complete) closeAfterAnswer(req, res);
        this.sendError(res, err, req);
      }
    } finally {
      this.inFlight.delete(active);
    }
  }

  /** The settings the proxy serves with (tui.json as read at start, or once fixed: rereadSettings). */
  get settings(): TuiSettings {
    return this.options.settings;
  }

  /**
   * While the settings came from a broken tui.json, reads it again (rereadSettings); once it parses,
   * serves with it: rows, pools (their rotation strategy) and live lists asked while broken are
   * dropped, to be made again from the fixed file. Undefined, at once, when the settings are not
   * broken (every request but those): an await of an async no-op was a promise and a microtask hop
   * more per request (issue 14).
   */
  private settingsIfFixed(): Promise<void> | undefined {
    const reread = this.options.rereadSettings;
    if (!reread || settingsUnreadable(this.options.settings) === undefined) return undefined;
    return this.takeFixedSettings(reread);
  }

  private async takeFixedSettings(reread: () => Promise<TuiSettings | undefined>): Promise<void> {
    const read = await reread();
    if (!read || settingsUnreadable(this.options.settings) === undefined) return;
    this.options.settings = read;
    // Still broken: only its fault is new (where the 503 and the status point).
    if (settingsUnreadable(read) !== undefined) return;
    this.resolvedProviders.clear();
    this.pools.clear();
    this.poolSources.clear();
    this.liveLists.forget();
  }

  private checkHost(req: IncomingMessage): void {
    // A second Host field (which node:http drops) could name another site than the first: refused, whatever the first says.
    if (hostGivenTwice(req.rawHeaders)) throw new HttpError(400, 'refusing a request with two Host fields: send one, naming 127.0.0.1 or localhost', 'invalid_request_error', {}, 'two Host fields');
    const raw = req.headers.host;
    // A client sends the same Host on every request: the last one accepted is not parsed again.
    if (raw !== undefined && raw === this.acceptedHost) return;
    const host = (raw ?? '').toLowerCase();
    // The whole field, not its start: `127.0.0.1:8317@evil.example` names another site to a browser.
    if (!LOOPBACK_HOST.test(host)) {
      throw new HttpError(403, `refusing Host "${cutText(sanitizeLine(host), 100)}": the proxy only answers loopback names (127.0.0.1, localhost)`, 'permission_error', {}, 'Host not a loopback name');
    }
    this.acceptedHost = raw;
  }

  /** The Host field last accepted as it was sent (checkHost). */
  private acceptedHost: string | undefined;

  /**
   * config.yaml as it is now (options.config), its api-keys masked like any account's credential
   * from this version on: an upstream may quote a prompt that held the key (a 400's message, an
   * echoed header), and it reaches the client, proxy.log and status in every echoed form (base64,
   * escaped), not only the plain one. A key dropped from the file stays masked (harmless).
   */
  private config(): CliproxyConfig {
    const config = this.options.config();
    // The same list object until the file changes (liveConfig re-parses it): one comparison per request.
    if (config.apiKeys !== this.maskedApiKeys) {
      this.maskedApiKeys = config.apiKeys;
      this.credentials.add(...config.apiKeys);
    }
    return config;
  }

  private maskedApiKeys: readonly string[] | undefined;

  private checkKey(req: IncomingMessage): void {
    const presented = presentedKey(req);
    const keys = this.config().apiKeys;
    // A keep-alive connection presents the same key on every request: checked once per connection
    // and config. Comparing with the key this same connection already proved holding tells its
    // client nothing it does not know.
    const accepted = this.acceptedKeys.get(req.socket);
    if (presented !== undefined && accepted?.keys === keys && accepted.key === presented) return;
    if (presented && isApiKey(presented.trim(), keys)) {
      this.acceptedKeys.set(req.socket, {keys, key: presented});
      return;
    }
    // The log says only "wrong key": the presented key is never written, not even masked.
    if (presented) throw new HttpError(401, 'invalid API key (not in api-keys of config.yaml)', 'authentication_error', {}, 'wrong key');
    throw new HttpError(401, 'missing API key: send one of config.yaml api-keys as x-api-key or Authorization: Bearer', 'authentication_error', {}, 'no key');
  }

  /** The provider row with tui.json's endpoint overrides applied. */
  private requireProvider(id: string | undefined): ProviderRow {
    return this.resolved(id).row;
  }

  /** requireProvider's row, or none when its endpoint overrides are of the wrong kind (store/settings.ts endpointOverrides). */
  private providerIfServable(id: string): ProviderRow[] {
    try {
      return [this.requireProvider(id)];
    } catch (error) {
      if (error instanceof SettingsUnreadableError) return [];
      throw error;
    }
  }

  private resolved(id: string | undefined): ResolvedProvider {
    const row = id ? findProvider(id) : undefined;
    if (!row) throw new HttpError(404, `unknown provider "${sanitizeLine(id)}"`, 'not_found_error');
    let resolved = this.resolvedProviders.get(row.id);
    if (!resolved) {
      // tui.json is broken: rows without overrides serve status and model lists; nothing is sent
      // upstream (handle refuses, endpointOverrides and refreshes throw).
      resolved = resolveProvider(settingsUnreadable(this.options.settings) === undefined ? this.options.settings : DEFAULT_SETTINGS, row.id);
      this.resolvedProviders.set(row.id, resolved);
    }
    return resolved;
  }

  /** The route's provider or the served one (known without a look at the accounts), else undefined. */
  private servedProvider(route: Route): ProviderRow | undefined {
    if (route.provider) return this.requireProvider(route.provider);
    if (this.options.provider) return this.requireProvider(this.options.provider);
    return undefined;
  }

  /**
   * The provider for a request: the route's, the served one, or the first with accounts whose list
   * names the model (config.yaml's rules on the lists the proxy holds, servedList): its static ids
   * first, then a live list's; then the list of the account `/v1/models` lists the provider with
   * (listingAccount: its token file's own aliases; forward's pinToOwners then sends it only to the
   * accounts whose files name it); then
   * its model patterns (ProviderRow models.patterns). Only a model none of those name
   * makes the proxy ask the live lists it lacks (once per provider, ROUTING_LIST_TIMEOUT_MS,
   * LiveListCache): a provider without a static list (AI Studio) is known only that way. When a list
   * that could have named the model cannot be had, the request is refused (404 naming the provider,
   * `ccs-tui models <p> --live` and its own route) rather than sent with another provider's
   * credential. A model no provider could serve goes to the root provider (Claude), `unlisted` then,
   * as CCS's root URL is Claude's.
   */
  private async providerFor(route: Route, model: string | undefined): Promise<{row: ProviderRow; unlisted?: boolean}> {
    const served = this.servedProvider(route);
    if (served) return {row: served};
    const root = () => this.requireProvider(rootProvider().id);
    if (!model) return {row: root()};
    const accounts = await this.accounts.all();
    const rows = [...new Set(accounts.filter((a) => a.provider).map((a) => a.provider))].map((id) => findProvider(id)).filter((row): row is ProviderRow => row !== undefined);
    const lists = (models: readonly VisibleModel[]) => models.some((m) => m.id.toLowerCase() === model.toLowerCase());
    const liveNames = (row: ProviderRow, entry: CachedList | undefined) => entry !== undefined && 'models' in entry && lists(this.servedList(row).resolution.models);
    const listed = rows.find((row) => lists(this.servedList(row).fromStatic)) ?? rows.find((row) => liveNames(row, this.liveLists.cached(row.id)));
    if (listed) return {row: this.requireProvider(listed.id)};
    // An account's own alias is listed with its provider (listedModels): a stat per provider, only for a model no rule of config.yaml names.
    for (const row of rows) {
      const account = await this.listingAccount(row);
      if (account && lists(this.servedList(row, account, this.accounts.token(account)).resolution.models)) return {row: this.requireProvider(row.id)};
    }
    const found = rows.find((row) => row.models.patterns?.some((p) => matchesPattern(p, model)));
    if (found) return {row: this.requireProvider(found.id)};
    // The root provider's own model with no account of it yet: its provider is known (a 503 says none
    // can serve), not "listed by no provider", and no other provider's list is asked about it.
    const rootRow = root();
    if (!rows.includes(rootRow) && (lists(this.servedList(rootRow).fromStatic) || rootRow.models.patterns?.some((p) => matchesPattern(p, model)))) return {row: rootRow};
    const unknown: {row: ProviderRow; why: string}[] = [];
    // A failure still cached counts as one met now: the model is not sent with another provider's
    // credential for the minute the failure is remembered (LIVE_LIST_FAILURE_TTL_MS).
    const asked = await Promise.all(rows.map(async (row) => ({row, entry: this.liveLists.cached(row.id) ?? (await this.askLiveList(row))})));
    for (const {row, entry} of asked) {
      if (liveNames(row, entry)) return {row: this.requireProvider(row.id)};
      // A provider with a static list is known enough; one without is known only by its live list.
      if (entry && 'error' in entry && row.models.default.length === 0) unknown.push({row, why: entry.error});
    }
    if (unknown.length > 0) {
      // The command names the account the list is asked with (`--live` needs one).
      const seeWith = async (row: ProviderRow) => {
        const account = await this.liveListAccount(row);
        return `ccs-tui models ${row.id}${account ? ` ${shellOption('account', this.accounts.labelOf(account))}` : ''} --live`;
      };
      const each = await Promise.all(unknown.map(async ({row, why}) => `${row.displayName}'s list could not be had (${why}); see ${await seeWith(row)}, or send it to /api/provider/${row.id}/v1/…`));
      throw new HttpError(404, `model "${sanitizeLine(model)}" is listed by no provider whose list is known: ${each.join('; ')}`, 'not_found_error');
    }
    return {row: root(), unlisted: true};
  }

  /**
   * The account a provider's model list is shown with (its own aliases listed): its pool's current
   * one, else the default, else the first usable, so the list holds still while a pool rotates; but
   * one that is cooling down serves no request, so then the one the pool serves next
   * (liveListAccount), whose aliases are the ones a request reaches.
   */
  private async listingAccount(row: ProviderRow): Promise<Account | undefined> {
    const usable = await this.accounts.usable(row.id);
    const current = this.pools.get(row.id)?.current?.id;
    const held = usable.find((a) => a.id === current) ?? usable.find((a) => a.default) ?? usable[0];
    if (!held || this.poolOf(row, usable).isHealthy(held.id, this.now())) return held;
    return this.liveListAccount(row);
  }

  /**
   * The account a provider's live list is asked with: the one its pool serves next (what status and
   * the quota screen's ★ name; a pool may serve another than its default first, and the default's key
   * may be the one refused), else, every account waiting, the one that served last, else the default.
   */
  private async liveListAccount(row: ProviderRow): Promise<Account | undefined> {
    return (await this.liveListAccounts(row))[0];
  }

  /**
   * The accounts a provider's live list is asked with, in turn while each fails (at most
   * LIVE_LIST_TRIES): liveListAccount, then the ones the pool would go on to, then the waiting ones.
   */
  private async liveListAccounts(row: ProviderRow): Promise<Account[]> {
    const usable = await this.accounts.usable(row.id);
    const pool = this.poolOf(row, usable);
    const now = this.now();
    const ranked = this.rankingOf(row.id, pool);
    const serving = (pool.next({now, ranked}) ?? pool.current)?.id;
    const first = usable.find((a) => a.id === serving) ?? usable.find((a) => a.default) ?? usable[0];
    return first ? failoverOrder(pool, usable, [first], now, ranked, LIVE_LIST_TRIES) : [];
  }

  /** A provider's live list for routing (LiveListCache), asked with liveListAccounts; undefined: none to ask. */
  private async askLiveList(row: ProviderRow): Promise<CachedList | undefined> {
    const tries = (await this.liveListAccounts(row)).flatMap((account) => {
      const token = this.accounts.read(account);
      return token && token !== 'missing' ? [{account, token, label: this.accounts.labelOf(account)}] : [];
    });
    if (tries.length === 0) return undefined;
    try {
      return await this.liveLists.get(row.id, tries);
    } catch {
      // No URL to ask (an API-key account without its base URL): nothing to know.
      return undefined;
    }
  }

  private strategy(): RotationStrategy {
    return this.options.settings.rotation.strategy;
  }

  private async poolFor(row: ProviderRow): Promise<AccountPool> {
    return this.poolOf(row, await this.accounts.usable(row.id));
  }

  /** The provider's pool, built or brought up to date from its usable accounts `usable`. */
  private poolOf(row: ProviderRow, usable: readonly Account[]): AccountPool {
    let pool = this.pools.get(row.id);
    // The same list as last time (AccountSource keeps it until the files change): nothing to compare.
    if (pool && this.poolSources.get(row.id) === usable) return pool;
    this.poolSources.set(row.id, usable);
    const chosen = defaultChoice(usable);
    if (!pool) {
      const pinned = row.id === this.options.provider ? this.pinnedAccountId : undefined;
      pool = newPool(usable, (a) => this.accounts.labelOf(a), this.strategy(), this.now(), pinned);
      this.pools.set(row.id, pool);
    } else {
      const members = usable.map((a) => ({id: a.id, label: this.accounts.labelOf(a)}));
      const had = new Set(pool.list().map((a) => a.id));
      if (!sameMembers(pool.list(), members)) {
        pool.setAccounts(members);
        // An account that joins (resumed, logged in, its file added) brings its stored wait too.
        this.applyStoredCooldowns(pool, usable.filter((a) => !had.has(a.id)));
      }
      // The files changed: a refused key replaced (a login writes its file anew) serves again now, beside the others too.
      this.endChangedRefusals(row, pool, usable);
      // A person set the default (`ccs-tui rotate`, `use`, the TUI's `r` or `u`): the pool serves it
      // next, as after its own rotate, and says so. Told by when it was set (its `lastUsedAt`), not
      // only by which account it is: two quick changes (alice → work → alice) between two looks
      // leave the same account the default, and were lost. Not when either only joined or left:
      // pausing the default moves it, and without a default in the registry the first account
      // listed is shown as one (a file added by hand may sort first).
      const before = this.poolDefaults.get(row.id);
      const set = chosen !== undefined && before !== undefined && (chosen.id !== before.id || chosen.setAt !== before.setAt);
      // One that joined in the same look counts when it was made the default after the last one was
      // (a login, then `use` of it, before the next request): a person's choice, not the list's order.
      const chosenLater = set && chosen.setAt !== undefined && (before.setAt === undefined || Date.parse(chosen.setAt) > Date.parse(before.setAt));
      const moved = set && (had.has(chosen.id) || chosenLater) && had.has(before.id) && usable.some((a) => a.id === before.id);
      if (moved && !pool.single && pool.select(chosen.id)) {
        this.emit({type: 'rotated', provider: row.id, account: pool.held!.label});
      }
    }
    if (chosen !== undefined) this.poolDefaults.set(row.id, chosen);
    return pool;
  }

  /** A provider's wait met before a restart, or by another process (account-state.json, written by persistCooldown), still holds. */
  private applyStoredCooldowns(pool: AccountPool, accounts: readonly Account[]): void {
    applyStoredCooldowns(pool, accounts, this.now());
  }

  /** The account's model list (servedList). */
  private resolutionFor(row: ProviderRow, account: Account, token: TokenFile | undefined): ModelResolution {
    return this.servedList(row, account, token).resolution;
  }

  /**
   * The account's model list (without an account: config.yaml's rules alone): its static list and
   * the provider's live list while the cache holds it fresh (store/model-rules.ts servedBase: a
   * complete live list drops the static ids it does not name; an alias of a live-only model is served
   * as /v1/models lists it), and those of its models that stand for static ids; recomputed only when
   * its token file, config.yaml or that live list changed.
   */
  private servedList(row: ProviderRow, account?: Account, token?: TokenFile): ServedList {
    const config = this.config();
    const entry = this.liveLists.cached(row.id);
    const live = entry && 'models' in entry ? entry : undefined;
    // By provider, then account: no key string built (and hashed) per request.
    let ofProvider = this.resolutions.get(row.id);
    if (!ofProvider) this.resolutions.set(row.id, (ofProvider = new Map()));
    const cached = ofProvider.get(account?.id ?? '');
    if (cached && cached.token === token && cached.config === config && cached.live === live) return cached;
    const resolution = accountResolution(row, config, account, token, live);
    const list = {token, config, live, resolution, fromStatic: fromStaticList(resolution, row, account, token)};
    ofProvider.set(account?.id ?? '', list);
    return list;
  }

  /**
   * `/v1/models`: what the proxy would serve on this route. A provider route or a served provider:
   * its list; else every provider with an account that can serve now (root routing picks among them; Claude's
   * list when there is none). Each list is its pool's current account's (rules applied) on the
   * static list and the live one (LiveListCache, asked when not held, waited for at most
   * ROUTING_LIST_DEADLINE_MS: a list not had by then is served as its static list, and a failure is
   * logged by the cache).
   */
  private async serveModels(req: IncomingMessage, res: ServerResponse, route: Route, active: ActiveRequest): Promise<void> {
    const served = this.servedProvider(route);
    const accounts = served ? [] : await this.accounts.all();
    const now = this.now();
    const withAccounts = [...new Set(accounts.filter((a) => canServeNow(a, now)).map((a) => a.provider))].filter((id) => findProvider(id) !== undefined);
    // A provider whose endpoint override is of the wrong kind is left out of the list of all (its own
    // requests are refused naming the field): one provider's mistake does not fail the others'.
    const rows = served ? [served] : (withAccounts.length > 0 ? withAccounts : [rootProvider().id]).flatMap((id) => this.providerIfServable(id));
    await waitAtMost(Promise.all(rows.map((row) => (this.liveLists.cached(row.id) ? undefined : this.askLiveList(row)))), ROUTING_LIST_DEADLINE_MS);
    const lists = await Promise.all(rows.map((row) => this.listedModels(row)));
    // Root routing's order: every static list before any live one (providerFor).
    const ordered = [...lists.map((l) => ({provider: l.provider, models: l.staticModels})), ...lists];
    // Credentials masked: a live list is an upstream's answer, which may echo the account's token as an id.
    const redactor = this.credentials.currentForSender();
    sendJson(res, 200, modelsPayload(ordered, req.headers['anthropic-version'] !== undefined), (text) => redactor.redact(text));
    // A local answer in an upstream's place: counted and logged as one (ProxyStatus totalRequests).
    active.provider = rows.map((row) => row.id).join('+');
    active.account = lists.length === 1 ? lists[0]!.account : undefined;
    this.finish(active, undefined, 200);
  }

  /** A provider's models as the account its pool serves next serves them (servedList), and those standing for static ids. */
  private async listedModels(row: ProviderRow): Promise<ListedModels & {staticModels: ListedModels['models']; account?: string}> {
    await this.poolFor(row);
    const account = await this.listingAccount(row);
    const {resolution, fromStatic} = this.servedList(row, account, account ? this.accounts.token(account) : undefined);
    return {provider: row.id, models: resolution.models, staticModels: fromStatic, account: account ? this.accounts.labelOf(account) : undefined};
  }

  /**
   * One inference request: route → pick account → prepare request → send → classify outcome →
   * fail over (next account, or the same one after a refresh) or stream the answer. Failover happens
   * only before the first byte reaches the client, and only while the body can be sent again.
   */
  private async forward(req: IncomingMessage, res: ServerResponse, route: Route & {endpoint: ForwardEndpoint}, active: ActiveRequest): Promise<void> {
    const served = this.servedProvider(route);
    // Known before the body is read: a refusal of the body names it too.
    if (served) active.provider = served.id;
    // The one hop before the body is read: node:http parses a body that came with its head into
    // `req` only after this handler's synchronous part (client-request.ts readClientRequest).
    await undefined;
    const reading = readClientRequest(req);
    let client = reading instanceof Promise ? await reading : reading;
    active.model = client.model;
    let row = served;
    if (!row) {
      const found = await this.providerFor(route, client.model);
      row = found.row;
      active.unlisted = found.unlisted;
    }
    active.provider = row.id;
    const plan = protocolPlan(row, route.endpoint, this.options.translators ?? translatorFor);
    // A streamed body goes upstream unchanged but for its model; a translator or an adapter's rewrite needs it whole.
    // So does a thinking suffix (`model(8192)`): it becomes a field of the body (translate/thinking-suffix.ts).
    // And so does an upstream that answers only streams: whether the client asked for one, and what
    // the upstream requires (adapter.upstreamStreamsOnly), may stand anywhere in the body.
    // And so does one that holds reasoning this proxy tagged for another upstream (a conversation that
    // switched providers): it is taken out (prepare.ts streamedHeadHoldsTag).
    if (client.streamed) {
      if (plan.kind === 'translate' || row.adapter.rewriteBody || row.adapter.upstreamStreamsOnly || client.model?.includes('(')) client = await readWhole(client, wholeBodyReason(row));
      else if (streamedHeadHoldsTag(route.endpoint, client.streamed.head, client.streamed.declaredLength)) client = await readWhole(client, ' to be read whole: it holds reasoning another provider made, which this upstream would refuse and the proxy takes out');
      else if (client.streamed.declaredLength <= MAX_PARSED_BODY_BYTES && this.refusedReasoningLately(row.id)) client = await readWhole(client, ` to be read whole: ${row.displayName} refused reasoning another account or provider made lately, and only a body read whole can be sent again without it`);
    }
    let usable = this.accounts.usableNow(row.id) ?? (await this.accounts.usable(row.id));
    let pool = this.poolOf(row, usable);
    // An empty pool may only be an old view of the files (an account resumed a moment ago).
    if (pool.size === 0 && (await this.accounts.reloadIfChanged())) {
      usable = await this.accounts.usable(row.id);
      pool = this.poolOf(row, usable);
    }
    if (pool.size === 0) throw await this.noAccountError(row, active.unlisted ? client.model : undefined);
    const watch = (active.watch = new ClientWatch(res));
    const attempts: Attempts = {};
    const finish = (model: string | undefined, status: number) => this.finish(active, model, status);
    const answerError = (translation: Translation | undefined, outcome: ErrorOutcome) =>
      this.answerError(res, errorShapeOf(route, req.headers['anthropic-version'] !== undefined), translation, outcome);
    // Counting tokens is advice, not inference: its failure never cools an account or a model (the
    // next real request would meet that cooldown); the client gets the local estimate instead.
    const counting = route.endpoint === 'count-tokens' && !client.streamed;
    const countEstimate = (model: string | undefined, why: string) => {
      this.recordError(`${row.id}: count_tokens answered with the local estimate: ${why}`);
      sendJson(res, 200, estimatedCountTokensResponse(client.body));
      return finish(model, 200);
    };

    for (;;) {
      const now = this.now();
      let picked: Picked;
      try {
        const pending = this.pickAccount(row, pool, usable, client, attempts, now);
        picked = pending instanceof Promise ? await pending : pending;
      } catch (error) {
        if (counting && error instanceof HttpError) return countEstimate(client.model, error.message);
        throw error;
      }
      if (picked === 'next') continue;
      if (picked === 'exhausted') {
        const last = attempts.transient ?? attempts.lastFailure!;
        return finish(client.model, answerError(last.translation, last.outcome));
      }
      const {account, poolAccount, token} = picked;
      active.account = poolAccount.label;
      let resolution = this.resolutionFor(row, account, token);
      // An alias of a model only the live list names works once that list is held (resolutionFor):
      // a request for such an alias waits for it (LiveListCache, within the routing deadline), else
      // the alias would go upstream as if it were a model id. Looked at for the picked account only:
      // every usable one's token per request was a stat each (a pool of hundreds).
      if (client.model !== undefined && !this.liveLists.cached(row.id) && aliasOfUnlisted(resolution, client.model)) {
        await waitAtMost(this.askLiveList(row), ROUTING_LIST_DEADLINE_MS);
        resolution = this.resolutionFor(row, account, token);
      }

      // Every token the proxy sends is masked before it can be echoed (the one gate: noteSent).
      this.credentials.noteSent(this.accounts.pathOf(account), token);
      const prepared = prepareRequest({
        row,
        overrides: endpointOverrides(this.options.settings, row.id),
        token,
        recordedProject: account.projectId,
        resolution,
        client,
        endpoint: route.endpoint,
        plan,
        now,
        reasoningRefused: attempts.reasoning !== undefined,
      });
      if ('local' in prepared) {
        sendJson(res, 200, prepared.local);
        return finish(prepared.sentModel, 200);
      }
      if (prepared.unknownModel && this.pinToOwners(row, pool, usable, client.model!, poolAccount.id, attempts)) continue;
      if (attempts.reasoning && !attempts.reasoning.sent) {
        // Taking the earlier turns' reasoning out changed nothing the upstream gets (the proxy leaves
        // it out itself: another upstream's, or not in the translated body): all of it, then; when
        // that changes nothing either, the refusal stands.
        if (Buffer.isBuffer(prepared.body) && prepared.body.equals(attempts.reasoning.refusedBody)) {
          const all = attempts.reasoning.scope === 'earlier-turns' ? this.withoutRefusedReasoning(route.endpoint, plan, client, attempts.reasoning.refusal, 'earlier-turns') : undefined;
          if (!all) return finish(prepared.sentModel, answerError(attempts.lastFailure!.translation, attempts.lastFailure!.outcome));
          attempts.reasoning = {...attempts.reasoning, scope: all.scope, takenOut: all.takenOut};
          client = withBody(client, all.body);
          attempts.retrySame = poolAccount;
          continue;
        }
        attempts.reasoning.sent = true;
        active.retried = `sent again without ${attempts.reasoning.takenOut}: ${attempts.reasoning.why}`;
      }

      let upstream: IncomingMessage;
      try {
        // Its content coding undone, then its charset made one the masker reads as the client does (charset.ts).
        upstream = transcodedAnswer(decodedAnswer(await this.send(prepared.url, prepared.headers, prepared.body, watch)));
      } catch (error) {
        if (watch.aborted) {
          // Node cut a streamed body not complete in time and answered 408 itself (clientError): a refusal.
          const timedOut = this.clientErrors.get(req.socket);
          if (timedOut) return this.refused(active, timedOut);
          active.broke ??= req.complete ? CLIENT_LEFT : CLIENT_LEFT_MID_BODY;
          return finish(prepared.sentModel, 0);
        }
        // Cut by a stop (close): the stop broke it, not the network or the account (no error, no backoff).
        if (active.cut) return finish(prepared.sentModel, 0);
        // The rest of a streamed body was refused on its way (body.ts sendBody): the client's 400,
        // and the upstream request was cut before its end.
        if (error instanceof HttpError) throw error;
        if (error instanceof UncheckableEncoding) {
          const outcome = unreachable(prepared.url, error, error.message);
          this.recordError(`${row.id}/${poolAccount.label}: ${outcome.message}`);
          return finish(prepared.sentModel, answerError(prepared.translation, outcome));
        }
        // The network, not the account: try the next account (it may live elsewhere), park none;
        // but in a row it backs the account off as server errors do (tried last, never a lone account).
        const outcome = unreachable(prepared.url, error);
        if (counting) return countEstimate(prepared.sentModel, outcome.message);
        this.recordError(`${row.id}/${poolAccount.label}: ${outcome.message}`);
        const backoff = pool.recordFailure(account.id, {kind: 'server', status: outcome.status, message: outcome.message}, this.now(), undefined, now);
        if (backoff) this.emit({type: 'failover', provider: row.id, from: poolAccount.label, reason: backoff.message, until: backoff.until, triedLast: true});
        markTried(attempts, poolAccount.id);
        attempts.lastFailure = attempts.transient = {outcome, translation: prepared.translation};
        if (bodySpent(prepared.body)) return finish(prepared.sentModel, answerError(prepared.translation, outcome));
        continue;
      }

      // However this answer ends (a header the client cannot take, a throw anywhere, a retry), the
      // upstream answer ends with the client's: never a connection left generating unread.
      watch.answered(upstream);
      // The upstream answered before the client's (streamed) body had all come: whatever answer the
      // client gets is its connection's last, as Go's net/http server closes one whose handler
      // answered with more than 256 KB of the body unread. A client still uploading may wait for
      // its socket to drain, and node:http's client stops relaying 'drain' once its answer has come:
      // kept alive, that connection would serve no next request. `Connection: close` makes it end
      // the upload; until the socket closes (a lingering close, refusal.ts), body.ts sendBody reads
      // and drops what still comes.
      if (!req.complete) {
        res.setHeader('connection', 'close');
        lingerOnClose(req);
      }
      const headers = flatHeaders(upstream.headers);
      this.options.onQuotaHeaders?.(row.id, account.id, headers);
      const credential = account.apiKey ? 'key' : 'token';
      let outcome = plainSuccess(row, upstream, headers) ?? (await classifyOutcome(row, upstream, headers, now, credential));
      if (counting && outcome.kind === 'error') return countEstimate(prepared.sentModel, `upstream ${outcome.upstreamStatus}: ${this.excerpt(outcome.upstreamText)}`);
      if (outcome.kind !== 'error') {
        const served = () => {
          if (counting) return;
          pool.recordSuccess(account.id);
          this.noteServed(row, account, now);
          if (account.health === 'key-rejected' || this.keysRejected.size > 0) this.noteKeyAnswer(row, account, token, undefined);
          if (account.coolingUntil !== undefined || this.storedCooldowns.size > 0) this.endStoredCooldown(row, pool, account, poolAccount, now);
        };
        // A stream that began and then ended in a rate or quota limit: too late for this request to
        // move on, but the account cools as for a 429 status (the client's retry goes to another).
        const endedInLimit = (failure: TranslateError) => {
          if (counting || failure.status !== 429) return;
          // The wait it names counts from now (the stream may have run for minutes), not from the send.
          const limit = refusedAnswerOutcome(429, failure.upstreamBody, headers, this.now(), credential).failure;
          if (limit) this.coolAccount(row, pool, poolAccount, limit, now, client.model);
        };
        // A translated or collected answer is a success once it begins (deliver's onAnswer): until
        // then its 200 may hold only an error, which is this account's failure, not a success.
        const delivered = await this.deliver(prepared, upstream, res, watch, outcome, client.stream, active, protocolOf(route.endpoint), served, endedInLimit);
        if (typeof delivered === 'number') {
          if (watch.aborted) active.broke ??= CLIENT_LEFT;
          return this.finish(active, prepared.sentModel, delivered, false, true);
        }
        // Its 200 held only an error, and nothing was sent: an error answer of the status its code
        // word stands for (a rate limit: 429), classified as one, so the pool moves on as for a status.
        if (watch.aborted) {
          active.broke ??= CLIENT_LEFT;
          return finish(prepared.sentModel, 0);
        }
        const {refused} = delivered;
        // A pass-through client (a stream collected for it) gets it worded in OpenAI's error shape, as a translated one does.
        const own = prepared.translation ? undefined : {message: refused.message, type: openaiErrorType(refused.status), code: refused.code};
        outcome = refusedAnswerOutcome(refused.status, refused.upstreamBody, headers, now, credential, own);
        if (counting) return countEstimate(prepared.sentModel, `upstream ${outcome.upstreamStatus}: ${this.excerpt(delivered.refused.message)}`);
      }
      // Reasoning the upstream cannot verify (another provider's or account's): the same account once
      // more without the earlier turns' reasoning, then without any, else the conversation fails for
      // good (translate/reasoning-refusal.ts).
      const sentBody = prepared.body;
      const refusal = attempts.reasoning?.scope === 'all' ? undefined : reasoningRefusal(upstreamProtocolOf(route.endpoint, plan), outcome.upstreamStatus, outcome.upstreamText);
      if (refusal) this.reasoningRefusedAt.set(row.id, this.now());
      const retry = refusal && Buffer.isBuffer(sentBody) && this.withoutRefusedReasoning(route.endpoint, plan, client, refusal, attempts.reasoning?.scope);
      if (refusal && !Buffer.isBuffer(sentBody)) {
        // Streamed as it came (over body.ts STREAM_ABOVE_BYTES): gone, it cannot be sent again. The
        // provider's next large bodies are read whole (refusedReasoningLately): the client's next try is.
        this.recordError(`${row.id}/${poolAccount.label}: upstream ${outcome.upstreamStatus}: ${this.excerpt(outcome.upstreamText)} (the request, over ${STREAM_ABOVE_BYTES / 1024 / 1024} MB, was streamed upstream as it came and cannot be sent again without that reasoning; ${row.displayName}'s next large requests are read whole so that they can be)`);
        return finish(prepared.sentModel, answerError(prepared.translation, outcome));
      }
      if (retry && Buffer.isBuffer(sentBody)) {
        const why = `upstream ${outcome.upstreamStatus}, ${this.excerpt(outcome.upstreamText)}`;
        attempts.reasoning = {refusal: refusal!, scope: retry.scope, takenOut: retry.takenOut, why, refusedBody: sentBody, sent: false};
        attempts.lastFailure = {outcome, translation: prepared.translation};
        client = withBody(client, retry.body);
        attempts.retrySame = poolAccount;
        continue;
      }
      if (refusesKey(outcome.upstreamStatus, outcome.upstreamText)) this.noteKeyAnswer(row, account, token, keyRefusalReason(outcome.upstreamStatus, hostOf(prepared.url), this.excerpt(outcome.upstreamText)));
      let failure = outcome.failure;
      let advice: ErrorAdvice | undefined;
      if (failure?.kind === 'auth' && !attempts.refreshed?.has(account.id)) {
        // One refresh per account and request, then the same account once more.
        (attempts.refreshed ??= new Set()).add(account.id);
        const refreshed = await this.tryRefresh(row, account, true);
        if (refreshed.token) {
          // A streamed body is gone: the refreshed token serves the client's next request.
          if (bodySpent(prepared.body)) return finish(prepared.sentModel, answerError(prepared.translation, outcome));
          attempts.retrySame = poolAccount;
          continue;
        }
        // The wait and the last error say why no new token came, and the way out (a login, say):
        // "token rejected (401)" alone read as a wait while `accounts` said the account needs a login.
        if (refreshed.failed) {
          failure = {...failure, message: `${failure.message}, and its refresh failed: ${refreshed.failed.message}`};
          advice = refreshed.failed.advice;
        }
      }
      if (!outcome.failure || outcome.failure.kind === 'server') {
        this.recordError(`${row.id}/${poolAccount.label}: upstream ${outcome.status}: ${this.excerpt(outcome.upstreamText)}`);
        // A server error or an overload is the provider's transient fault (issue 11): another account
        // may serve, and this one is not parked (a server error only backs it off from the second in
        // a row, and only behind the others: core/pool.ts SERVER_BACKOFF_MS). Each account is tried
        // once (`tried`); when none is left, pickAccount answers with the last such fault.
        const backoff = outcome.failure && pool.recordFailure(account.id, outcome.failure, this.now(), undefined, now);
        const transient = outcome.overload || outcome.failure !== undefined;
        const moveOn = transient && !pool.single && pool.size > 1 && !bodySpent(prepared.body);
        if (moveOn || backoff) {
          const reason = outcome.failure?.message ?? `provider overloaded (${outcome.upstreamStatus})`;
          this.emit({type: 'failover', provider: row.id, from: poolAccount.label, reason: backoff?.message ?? reason, ...(backoff ? {until: backoff.until, triedLast: true} : {})});
        }
        if (!moveOn) return finish(prepared.sentModel, answerError(prepared.translation, outcome));
        markTried(attempts, poolAccount.id);
        attempts.lastFailure = attempts.transient = {outcome, translation: prepared.translation};
        continue;
      }
      // What was refused, so that another key or token in the file (a new key, a login) ends the wait at once (endChangedRefusals).
      if (failure!.kind === 'auth') this.refusedCredentials.set(`${row.id}\u0000${account.id}`, {credential: row.adapter.bearer(token) ?? '', markSeen: false});
      this.failOver(row, pool, poolAccount, attempts, failure!, now, client.model, `${row.id}/${poolAccount.label}: ${failure!.message}`, advice);
      attempts.lastFailure = {outcome, translation: prepared.translation};
      // A streamed body cannot be sent again: the client gets this answer; the account cools as usual.
      if (bodySpent(prepared.body)) return finish(prepared.sentModel, answerError(prepared.translation, outcome));
    }
  }

  /** Whether an upstream of provider `id` refused reasoning within READ_WHOLE_AFTER_REFUSAL_MS. */
  private refusedReasoningLately(id: string): boolean {
    const at = this.reasoningRefusedAt.get(id);
    return at !== undefined && this.now() - at < READ_WHOLE_AFTER_REFUSAL_MS;
  }

  /**
   * The client's request without the reasoning an upstream's error answer refused (reasoning-refusal.ts),
   * in the next scope after `after` that changes it; undefined when the answer refuses none, or
   * nothing is left to take out.
   */
  private withoutRefusedReasoning(endpoint: ForwardEndpoint, plan: ProtocolPlan, client: ClientRequest, refusal: ReasoningRefusal, after: RetryScope | undefined): (WithoutReasoning & {scope: RetryScope}) | undefined {
    const clientProtocol = protocolOf(endpoint);
    for (const scope of after === undefined ? (['earlier-turns', 'all'] as const) : (['all'] as const)) {
      const retry = withoutReasoning(clientProtocol, client.body, refusal, scope);
      if (retry) return {...retry, scope};
    }
    // A translated Chat body in front of Gemini gets Google's skip value on its calls on the retry
    // (prepare.ts reasoningRefused), whatever the client's body held: a loop another provider opened.
    if (refusal === 'google' && plan.kind === 'translate' && plan.translator.upstream === 'openai-chat') {
      return {body: client.body, takenOut: SKIPPED_CALL_SIGNATURES, scope: 'all'};
    }
    return undefined;
  }

  /**
   * "Pick account": the pool's next account with a usable credential (refreshed first when due).
   * 'next' when this one could not serve (try again), 'exhausted' when the last failure (or an
   * overload met on the way) is the client's answer; throws 429 when every account is cooling down.
   * Answers at once when nothing is to be waited for (a listed account whose token needs no
   * refresh: nearly every request), else a promise: an await per request was a microtask and a
   * promise more on a small answer's path (issue 14).
   */
  private pickAccount(row: ProviderRow, pool: AccountPool, usable: readonly Account[], client: ClientRequest, attempts: Attempts, now: number): Picked | Promise<Picked> {
    // The same account once more (a refreshed token, reasoning taken out), unless a request beside
    // this one has since parked it: no request goes to an account its cooldown bars.
    const same = attempts.retrySame && !pool.cooldownOf(attempts.retrySame.id, now, client.model) ? attempts.retrySame : undefined;
    const pick = same
      ? {account: same}
      : pool.pick({now, session: client.session, model: client.model, exclude: attempts.tried, ranked: pool.strategy === 'most-headroom' ? this.options.rank?.(row.id, usable) : undefined});
    attempts.retrySame = undefined;
    if (!pick.account) return this.noneToPick(row, pool, attempts, pick);
    const poolAccount = pick.account;
    const account = usable.find((a) => a.id === poolAccount.id);
    return account ? this.pickedAccount(row, pool, account, poolAccount, attempts, now) : this.pickUnlisted(row, pool, poolAccount, attempts, now);
  }

  /**
   * A model the picked account's list does not name (prepare.ts unknownModel) but other accounts'
   * own rules do (a token file's `model_aliases`, which /v1/models lists: listingAccount): the
   * request goes only to those accounts, on every route, whatever the strategy picked; the picked
   * one would send the alias upstream as a model id (a 404 and a 12 h not-found cooldown). Marks
   * every other pool member tried and returns true (pick again); false when no usable account names
   * it (the id goes upstream as asked) or the pool serves one account only.
   */
  private pinToOwners(row: ProviderRow, pool: AccountPool, usable: readonly Account[], model: string, picked: string, attempts: Attempts): boolean {
    if (pool.single || pool.size < 2) return false;
    const owners = this.aliasOwners(row, usable, model);
    if (owners.size === 0 || owners.has(picked)) return false;
    for (const member of pool.list()) if (!owners.has(member.id)) markTried(attempts, member.id);
    return true;
  }

  /**
   * The usable accounts whose own list serves `model` (resolveRequestedModel 'served'): a stat per
   * account, so the answer is kept per provider for the same usable list and model for
   * ALIAS_OWNERS_TTL_MS (a pool of hundreds asked for a model no account names, request after request).
   */
  private aliasOwners(row: ProviderRow, usable: readonly Account[], model: string): ReadonlySet<string> {
    const now = this.now();
    const kept = this.aliasOwnersKept.get(row.id);
    if (kept && kept.usable === usable && kept.model === model && now - kept.at < ALIAS_OWNERS_TTL_MS) return kept.owners;
    const owners = new Set<string>();
    for (const account of usable) {
      const token = this.accounts.token(account);
      if (token && resolveRequestedModel(this.resolutionFor(row, account, token), model, row.adapter.normalizeModel).kind === 'served') owners.add(account.id);
    }
    this.aliasOwnersKept.set(row.id, {usable, model, at: now, owners});
    return owners;
  }

  /** pickAccount when the pool has no account left to try: the answer, or why none can serve. */
  private async noneToPick(row: ProviderRow, pool: AccountPool, attempts: Attempts, pick: Exclude<PickResult, {account: unknown}>): Promise<Picked> {
    const last = attempts.lastFailure;
    // A provider fault met on the way is the answer, not the proxy's own 429 (issue 11).
    if (attempts.transient) return 'exhausted';
    if (last && last.outcome.failure?.kind !== 'quota' && last.outcome.failure?.kind !== 'rate-limit') return 'exhausted';
    // A lone account's own limit: the upstream's answer (its Retry-After) is the client's; its cooldown holds for the next.
    if (last && (pool.size === 1 || pool.single)) return 'exhausted';
    // Nothing is cooling down: every account left (paused or moved meanwhile); waiting will not help.
    if (!pick.cooling) throw await this.noAccountError(row);
    // A refused key or token replaced since (a new key under the same name, a login): tried now.
    if (pick.credentialRefused && this.endChangedRefusals(row, pool, this.poolSources.get(row.id) ?? [])) return 'next';
    const seconds = Math.max(1, Math.ceil(pick.retryAfterMs / 1000));
    // The model missing upstream (each account's 404 for it): the client's answer is that 404, not a
    // wait of hours that no retry outlasts.
    if (pick.modelMissing) {
      const who = pool.single || pool.size === 1 ? `${row.displayName} answered 404 for it` : `every ${row.displayName} account answered 404 for it`;
      throw new HttpError(
        404,
        `model "${shownModelName(pick.modelMissing.model)}" was not found upstream: ${who} (not asked again before ${formatLocalTime(new Date(pick.modelMissing.until).toISOString())}, or until the proxy restarts); ccs-tui models ${row.id} lists its models, and ccs-tui cooldown clear ${row.id} <account> asks again now (a fixed endpoint, a model just enabled)`,
        'not_found_error',
        {},
        'model not found upstream (404), remembered',
      );
    }
    // A pinned account is no pool: "every account" would hide that the others were never asked.
    const pinned = pool.single ? pool.current : undefined;
    if (pinned) {
      const cooldown = pool.cooldownOf(pinned.id, this.now(), undefined);
      if (cooldown?.kind === 'auth') {
        // Its credential refused: a login (or a new key), not a wait, is the way out, so no 429 that
        // tells a client to retry later. The refusal's mark on disk (needs a login) once written.
        await this.persisting;
        if (await this.accounts.reloadIfChanged()) await this.poolFor(row);
        const gone = this.pinnedGone(row, await this.accounts.all());
        if (gone) throw new AdvisedHttpError(503, gone.text, gone.advice, 'api_error', {}, `pinned account cannot serve: ${gone.text}`);
        // An API key refused wants a new key under the same name; an OAuth token a new login.
        const keyed = this.poolSources.get(row.id)?.find((a) => a.id === pinned.id)?.apiKey === true;
        const advice = pinnedAdvice(row.id, pinned.label, keyed ? 'newkey' : 'relogin');
        // A refusal that passed (the key is good: `t` says so) needs no new key: the wait ended by hand.
        const clear = `${shellCommand('ccs-tui cooldown clear', [row.id, pinned.label])} tries it again now`;
        throw new AdvisedHttpError(503, `${row.displayName}: ${pinned.label}, which this proxy serves alone, cannot serve now (${cooldown.message}); it is tried again in ${seconds} s`, {command: `${advice.command}; ${clear}`, tui: [advice.tui, `${actionKey('account.clearCooldown', 'home')} on the accounts screen tries it again now`].filter(Boolean).join('; ')}, 'api_error', {'retry-after': String(seconds)}, `pinned account refused (${cooldown.kind}); tried again in ${seconds} s`);
      }
      const why = cooldown?.message ?? 'cooling down';
      throw new AdvisedHttpError(429, `${row.displayName}: ${pinned.label}, which this proxy serves alone, is cooling down (${why}); retry in ${seconds} s`, pinnedAdvice(row.id, pinned.label), 'rate_limit_error', {'retry-after': String(seconds)}, `pinned account cooling; retry in ${seconds} s`);
    }
    // Its log line and count are the proxy's own answer's; the line says when upstreams were asked
    // first (their 429s are in the failover lines above it), not as if none was.
    const asked = last && attempts.asked ? `, after asking ${countOf(attempts.asked, 'account')}` : '';
    // Every account waits because its credential was refused: a new key or login is the way out, so
    // no 429 that tells a client to retry later (it would, for half an hour).
    if (pick.credentialRefused) {
      throw new AdvisedHttpError(503, `${row.displayName}: ${pick.reason}; tried again in ${seconds} s, or at once with a new key or login`, this.refusedAdvice(row, pool), 'api_error', {'retry-after': String(seconds)}, `${cutText(pick.reason, 100)}${asked}; tried again in ${seconds} s`);
    }
    // The log line's reason is cut to its length (refusal events): the reason quoted is cut, not the count and the wait after it.
    throw new HttpError(429, `${row.displayName}: ${pick.reason}; retry in ${seconds} s`, 'rate_limit_error', {'retry-after': String(seconds)}, `${cutText(pick.reason, 100)}${asked}; retry in ${seconds} s`);
  }

  /** pickAccount for a pool member not in the usable list it was given (that list is older than the pool's): the list now. */
  private async pickUnlisted(row: ProviderRow, pool: AccountPool, poolAccount: PoolMember, attempts: Attempts, now: number): Promise<Picked> {
    const account = (await this.accounts.usable(row.id)).find((a) => a.id === poolAccount.id);
    if (!account) return this.missingAccount(row, poolAccount, attempts);
    return this.pickedAccount(row, pool, account, poolAccount, attempts, now);
  }

  /** Paused, removed or moved since the list was read: not a failure of its credential. */
  private async missingAccount(row: ProviderRow, poolAccount: PoolMember, attempts: Attempts): Promise<Picked> {
    markTried(attempts, poolAccount.id);
    if (await this.accounts.reloadIfChanged()) await this.poolFor(row);
    return 'next';
  }

  /** The picked account's token: read (one stat), refreshed when due (waited for), checked to hold a credential. */
  private pickedAccount(row: ProviderRow, pool: AccountPool, account: Account, poolAccount: PoolMember, attempts: Attempts, now: number): Picked | Promise<Picked> {
    // One stat tells both whether the file is there and whether it changed since it was read.
    const read = this.accounts.read(account);
    if (read === 'missing') return this.missingAccount(row, poolAccount, attempts);
    if (!read) {
      // Unreadable or cut short (an in-place rewrite truncates first): not an auth failure; skipped
      // for this request without a cooldown, and read again on the next one.
      markTried(attempts, account.id);
      return 'next';
    }
    if (refreshDue(this.resolved(row.id), read, now)) return this.tryRefresh(row, account, false).then((refreshed) => this.withCredential(row, pool, account, poolAccount, refreshed.token ?? read, attempts, now));
    return this.withCredential(row, pool, account, poolAccount, read, attempts, now);
  }

  /** The pick, when the token holds a credential the adapter can send; else the account fails as unauthorised. */
  private withCredential(row: ProviderRow, pool: AccountPool, account: Account, poolAccount: PoolMember, token: TokenFile, attempts: Attempts, now: number): Picked {
    if (!row.adapter.bearer(token)) {
      pool.recordFailure(account.id, {kind: 'auth', status: 401, message: 'no usable credential in the token file'}, now);
      this.refusedCredentials.set(`${row.id}\u0000${account.id}`, {credential: '', markSeen: false});
      markTried(attempts, account.id);
      return 'next';
    }
    return {account, poolAccount, token};
  }

  /**
   * 503 when the provider has no account that can serve: none at all, every one paused, or none
   * healthy on disk (core/accounts.ts). `unlistedModel`: why a root route chose this provider.
   */
  private async noAccountError(row: ProviderRow, unlistedModel?: string): Promise<HttpError> {
    const all = await this.accounts.all();
    const pinned = this.pinnedGone(row, all);
    if (pinned) return new AdvisedHttpError(503, pinned.text, pinned.advice, 'api_error', {}, `pinned account cannot serve: ${pinned.text}`);
    const reason = noUsableAccount(row, all, this.now()) ?? `no usable ${row.displayName} account`;
    const why = unlistedModel === undefined ? '' : ` (model "${sanitizeLine(unlistedModel)}" is listed by no provider, so it went to ${row.displayName}, the root provider)`;
    return new HttpError(503, `${reason}${why}`, 'api_error', {}, `no usable account: ${reason}`);
  }

  /**
   * Why the one account this proxy serves `row` with (`--account`, `ccs-tui run` on an account)
   * cannot serve (paused, removed, needing a login), and what to do; undefined when nothing is
   * pinned for `row` or the account is usable. Never another account in its place: the person
   * named this one.
   */
  private pinnedGone(row: ProviderRow, accounts: readonly Account[]): {text: string; advice: ErrorAdvice} | undefined {
    const id = row.id === this.options.provider ? this.pinnedAccountId : undefined;
    if (id === undefined) return undefined;
    const account = accounts.find((a) => a.provider === row.id && a.id === id);
    if (account && canServeNow(account, this.now())) return undefined;
    if (account) this.pinnedLabelSeen = accountLabel(account, accounts);
    const label = account ? this.pinnedLabelSeen! : sanitizeLine(this.pinnedLabelSeen ?? this.options.account ?? id);
    const state = !account ? 'is gone (removed, or its token file moved)' : account.paused ? 'is paused' : `cannot serve (${healthWords(account)})`;
    return {text: `${row.displayName} account ${label}, which this proxy serves alone, ${state}`, advice: pinnedAdvice(row.id, label, !account ? (row.logins.every((flow) => flow.kind === 'api-key') ? 'addkey' : 'login') : account.paused ? 'resume' : 'relogin', !account && label !== id)};
  }

  /**
   * The credential each account's refusal wait was met with (provider NUL id → the credential sent,
   * '' for none), and whether the account has since been seen marked `key-rejected` on disk: another
   * credential in its token file, or that mark ended (a success with the key elsewhere: `t`, a live
   * model list), ends that wait (endChangedRefusals).
   */
  private readonly refusedCredentials = new Map<string, {credential: string; markSeen: boolean}>();

  /**
   * Ends the waits of `pool`'s accounts (`usable`: as the pool was built from) whose credential the
   * upstream refused and whose token file holds another one now (a new key under the same name, a
   * login, another process's refresh), or whose `key-rejected` mark a success elsewhere ended. So they
   * are tried at once, not after COOLDOWN_MS.auth (30 min). True when a wait ended.
   */
  private endChangedRefusals(row: ProviderRow, pool: AccountPool, usable: readonly Account[]): boolean {
    if (this.refusedCredentials.size === 0) return false;
    let ended = false;
    for (const account of usable) {
      const key = `${row.id}\u0000${account.id}`;
      const refused = this.refusedCredentials.get(key);
      if (refused === undefined) continue;
      // The mark this refusal writes (noteKeyAnswer), seen once on disk, then gone: a request with the
      // key succeeded since, in another process (`t`, `models --live`): the key is good again.
      if (account.health === 'key-rejected') refused.markSeen = true;
      const markEnded = refused.markSeen && account.health !== 'key-rejected';
      const token = this.accounts.token(account);
      const held = token && (row.adapter.bearer(token) ?? '');
      // Blanks around a key are no new key (a client sends it trimmed or not at all).
      if (!markEnded && (!held || held.trim() === refused.credential.trim())) continue;
      this.refusedCredentials.delete(key);
      ended = pool.endCredentialRefusals(account.id) || ended;
    }
    return ended;
  }

  /** What a client is told to do when every account's credential was refused: a new key or login (by name when one account), or the wait cleared. */
  private refusedAdvice(row: ProviderRow, pool: AccountPool): ErrorAdvice {
    const members = pool.list();
    const only = members.length === 1 ? members[0]! : undefined;
    const keyed = only !== undefined && this.poolSources.get(row.id)?.find((a) => a.id === only.id)?.apiKey === true;
    const fix = only ? (keyed ? `a new key: ccs-tui login ${row.id} ${shellOption('nickname', only.label)}` : `log in again: ccs-tui login ${row.id}`) : `ccs-tui accounts says which; ccs-tui login ${row.id} logs one in again`;
    const clear = only ? `; or try it again now: ${shellCommand('ccs-tui cooldown clear', [row.id, only.label])}` : '';
    const key = (action: KeyAction) => actionKey(action, 'home');
    return {command: `${fix}${clear}`, tui: `${key('account.relogin')} on the accounts screen: ${keyed ? 'a new key' : 'log in again'}; ${key('account.clearCooldown')} there tries it again now`};
  }

  /** "Fail over": the account cools down, the event says why, and the pool is asked again. */
  private failOver(row: ProviderRow, pool: AccountPool, from: PoolMember, attempts: Attempts, failure: UpstreamFailure, now: number, model: string | undefined, logLine: string, advice?: ErrorAdvice): void {
    this.coolAccount(row, pool, from, failure, now, model);
    this.recordError(logLine, advice);
    if (!attempts.tried?.has(from.id)) attempts.asked = (attempts.asked ?? 0) + 1;
    markTried(attempts, from.id);
  }

  /**
   * The account's failure recorded in its pool (a cooldown for a limit or a refusal, saved for a
   * restart when it is a quota or rate limit of the whole account) and said as a `failover` event.
   * `now`: when the request was sent (ms): one already in flight adds to no streak.
   */
  private coolAccount(row: ProviderRow, pool: AccountPool, from: PoolMember, failure: UpstreamFailure, now: number, model: string | undefined): void {
    const cooldown = pool.recordFailure(from.id, failure, this.now(), model, now);
    this.emit({type: 'failover', provider: row.id, from: from.label, reason: failure.message, until: cooldown?.until, ...(cooldown?.model ? {model: shownModelName(cooldown.model)} : {})});
    if (cooldown && !cooldown.model && (cooldown.kind === 'quota' || cooldown.kind === 'rate-limit')) this.persistCooldown(row, from, {until: new Date(cooldown.until).toISOString(), kind: cooldown.kind, reason: cooldown.message, met: new Date(this.now()).toISOString()});
  }

  /**
   * Writes a quota or rate-limit cooldown to the account state (store setCooldown), after the
   * request moved on: a restarted proxy reads it back (poolOf). A server error's "tried last"
   * backoff is not written: it is seconds long and the new process may meet a recovered provider.
   * `{endedBy}`: a success on a request sent then (ms) ends the stored cooldown (endStoredCooldown).
   */
  private persistCooldown(row: ProviderRow, account: PoolMember, cooldown: AccountCooldown | {endedBy: number}): void {
    if ('until' in cooldown) this.storedCooldowns.add(`${row.id}\u0000${account.id}`);
    const store = this.options.store;
    this.persisting = this.persisting
      .then(() => ('until' in cooldown ? store.setCooldown(row.id, account.id, cooldown) : store.endCooldown(row.id, account.id, cooldown.endedBy)))
      .catch((error: unknown) => this.recordError(`${row.id}/${account.label}: cooldown not saved for a restart: ${sanitizeLine((error as Error).message)}`));
  }

  /**
   * Records that `account` had a request answered (account state `served`: the TUI's "Last used"),
   * off the request's path and at most once a minute per account (a busy pool writes no file per
   * request). Not saved: a line in the log, never the proxy's last error.
   */
  private noteServed(row: ProviderRow, account: Account, now: number): void {
    // By provider, then account: no key string built (and hashed) per request.
    let noted = this.servedNoted.get(row.id);
    if (!noted) this.servedNoted.set(row.id, (noted = new Map()));
    const last = noted.get(account.id);
    if (last !== undefined && now - last < SERVED_NOTE_MS) return;
    noted.set(account.id, now);
    const store = this.options.store;
    this.persisting = this.persisting
      .then(() => store.noteServed(row.id, account.id, now))
      .catch((error: unknown) => this.emit({type: 'problem', severity: 'warning', message: `${row.id}/${this.accounts.labelOf(account)}: its last use not saved: ${sanitizeLine((error as Error).message)}`}));
  }

  /** When each account's last use was written (ms; noteServed). */
  private readonly servedNoted = new Map<string, Map<string, number>>();

  /**
   * An API-key account's answer, recorded off the request's path (services/key-check.ts): a refusal
   * of its key marks it `key-rejected` wherever accounts are listed; a success ends that mark, once
   * (the account list may show it a few seconds more: AccountSource's TTL). An account with an OAuth
   * grant (heldApiKey: none) is no API-key account: its refusals are the refresh's business.
   */
  private noteKeyAnswer(row: ProviderRow, account: Account, token: TokenFile, refusal: string | undefined): void {
    const key = heldApiKey(token);
    if (key === undefined) return;
    const id = `${row.id}\u0000${account.id}`;
    if (refusal === undefined) {
      if (!this.keysRejected.has(id) && (account.health !== 'key-rejected' || this.keyMarksEnded.has(account))) return;
      this.keysRejected.delete(id);
      this.keyMarksEnded.add(account);
    } else this.keysRejected.add(id);
    const store = this.options.store;
    this.persisting = this.persisting
      .then(() => noteKeyAnswer(store, row.id, account, key, refusal))
      .catch((error: unknown) => this.recordError(`${row.id}/${this.accounts.labelOf(account)}: key ${refusal === undefined ? 'accepted' : 'rejected'} not recorded: ${sanitizeLine((error as Error).message)}`));
  }

  /** Accounts whose key this process marked rejected (provider and id), and those whose mark a success ended (noteKeyAnswer). */
  private readonly keysRejected = new Set<string>();
  private readonly keyMarksEnded = new WeakSet<Account>();

  /**
   * A success on an account ends its stored wait (account-state.json, from this process or another
   * one), so `accounts`, the TUI and a restarted proxy stop treating it as cooling; unless its pool
   * holds a wait met since this request was sent at `now` (that answer is newer than this success),
   * or the stored one was (another proxy's: store endCooldown).
   */
  private endStoredCooldown(row: ProviderRow, pool: AccountPool, account: Account, member: PoolMember, now: number): void {
    const key = `${row.id}\u0000${account.id}`;
    if (!this.storedCooldowns.has(key) && (account.coolingUntil === undefined || this.endedStored.has(account))) return;
    const holding = pool.cooldownOf(account.id, now);
    if (holding && !holding.triedLast) return;
    this.storedCooldowns.delete(key);
    // The account list may show the stored wait for a few more seconds (AccountSource's TTL): ended once.
    this.endedStored.add(account);
    this.persistCooldown(row, member, {endedBy: now});
  }

  /**
   * "Stream": a success goes to the client, through the translator when there is one. Returns the
   * status sent, or a RefusedAnswer when a translated or collected 200 held only a failure (nothing
   * sent); `onAnswer` runs when the success begins (at once for a pass-through), `onLateFailure`
   * when a stream that began ended in the upstream's error event. `clientStream`: the client asked for a stream (it reads the answer as SSE);
   * `protocol`: the route's, which a pass-through answer is in (its final event ends the client's).
   */
  private deliver(
    prepared: PreparedRequest,
    upstream: IncomingMessage,
    res: ServerResponse,
    signal: ClientGone,
    outcome: Exclude<Outcome, ErrorOutcome>,
    clientStream: boolean,
    active: ActiveRequest,
    protocol: ApiProtocol,
    onAnswer: () => void,
    onLateFailure: LateFailure,
  ): Promise<number | RefusedAnswer> | number {
    const onBroken = (message: string) => {
      // Cut by a stop (close): the stop broke it, not the upstream or the account.
      if (active.cut) return;
      active.broke = message;
      this.recordError(`${active.provider}/${active.account}: ${message}`);
    };
    const readText = outcome.kind === 'success-read' ? outcome.text : undefined;
    const redactor = this.credentials.currentForSender();
    if (prepared.translation) return deliverTranslated(prepared.translation, upstream, res, signal, onBroken, redactor, readText, onAnswer, onLateFailure);
    // A stream collected for a client that asked for none; an upstream that answered with a whole
    // document anyway passes it through as such.
    if (prepared.collect && /event-stream/i.test(String(upstream.headers['content-type'] ?? ''))) {
      return deliverCollected(prepared.collect(), upstream, res, signal, onBroken, redactor, readText, onAnswer);
    }
    onAnswer();
    // Its promise as it is (it resolves with the status): no async wrapper, one hop less per answer.
    if (readText === undefined) return pipeThrough(upstream, res, signal, onBroken, redactor, clientStream, protocol, onLateFailure);
    // A success read whole (one that may hide an error): its joined strings masked, as pipeThrough masks a whole JSON answer.
    this.endMasked(res, outcome.status, forwardedResponseHeaders(upstream.headers), readText, {}, true);
    return outcome.status;
  }

  /**
   * An error that is the client's answer, with the status sent. One the proxy words itself
   * (`outcome.own`) is in the client's protocol's `shape`; an upstream's goes as the upstream sent it
   * to a pass-through client, or through the translator to the client's protocol.
   */
  private answerError(res: ServerResponse, shape: ErrorShape, translation: Translation | undefined, outcome: ErrorOutcome): number {
    if (outcome.own) {
      this.endMasked(res, outcome.status, outcome.headers, errorJson(shape, outcome.own), ERROR_TEXT);
      return outcome.status;
    }
    // Credentials masked (issue 11): the client must never learn an account token an upstream echoed.
    const masked = this.credentials.currentForSender();
    if (translation) {
      const retryAfter = outcome.headers['retry-after'];
      if (retryAfter) res.setHeader('retry-after', masked.redactHeaders({'retry-after': retryAfter})['retry-after']);
      return deliverTranslatedError(translation, res, outcome.upstreamStatus, outcome.upstreamText, masked);
    }
    this.endMasked(res, outcome.status, outcome.headers, outcome.upstreamText, ERROR_TEXT);
    return outcome.status;
  }

  /**
   * A body the proxy read whole (an upstream's error, iFlow's error-with-200), sent with every account
   * credential masked (issue 11): the proxy's clients hold only the proxy key and must never learn
   * an account's token, in the body or a header. The length is recomputed for the masked body. An
   * error also gets generic credential shapes masked (`patterns`); a success keeps its content.
   * `joined`: a JSON answer, whose blocks, items or parts a client joins (core/joined-text-mask.ts).
   */
  private endMasked(res: ServerResponse, status: number, headers: Record<string, string | string[]>, text: string, options: RedactOptions, joined = false): void {
    const redactor = this.credentials.currentForSender();
    const redacted = redactor.redact(text, options);
    const body = joined ? (maskJoinedJson(redacted, redactor) ?? redacted) : redacted;
    const out = redactor.redactHeaders(Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length')));
    res.writeHead(status, {...out, 'content-length': Buffer.byteLength(body)});
    res.end(body);
  }

  /** Whether `refresh` (a refresh's result or error) is met here for the first time (reportedRefreshes). */
  private firstReport(refresh: object): boolean {
    if (this.reportedRefreshes.has(refresh)) return false;
    this.reportedRefreshes.add(refresh);
    return true;
  }

  private async tryRefresh(row: ProviderRow, account: Account, force: boolean): Promise<RefreshTry> {
    try {
      const fresh = await this.options.refresh(row.id, account.id, force).finally(() => this.accounts.forgetStats());
      const {token, outcome} = fresh;
      // Nothing to refresh with (an API key, a file without a refresh token): nothing happened to
      // log, and sending the same credential again would only meet the same answer.
      if (outcome.kind === 'cannot') return {};
      if (!this.firstReport(fresh)) return {token};
      // Masked from the first answer on, before the credential redactor's next look at the dirs.
      this.credentials.noteToken(sentEntryKey(this.accounts.pathOf(account), 'refreshed'), `refresh ${++this.refreshes}`, token);
      if (outcome.kind !== 'not-due') this.emit({type: 'refresh', provider: row.id, account: this.accounts.labelOf(account), ok: true});
      return {token};
    } catch (error) {
      const shared = typeof error === 'object' && error !== null && !this.firstReport(error);
      const label = this.accounts.labelOf(account);
      const full = sanitizeLine((error as Error).message);
      // The lines name the account already: the error's own "claude a@x.com: " is not said twice.
      const own = [label, account.id].flatMap((name) => [`${row.id} ${name}: `, `${row.id} account ${name}: `]).find((prefix) => full.startsWith(prefix));
      const message = own ? full.slice(own.length) : full;
      const advice = errorAdvice(error);
      if (shared) return {failed: {message, ...(advice ? {advice} : {})}};
      this.emit({type: 'refresh', provider: row.id, account: label, ok: false, message, ...(advice ? {advice} : {})});
      this.recordError(`${row.id}/${label}: refresh failed: ${message}`, advice);
      // Refused by the provider: the account shows refresh-failed, as after the TUI's `t` (close waits for the write).
      this.persisting = this.persisting
        .then(async () => void (await markRefreshRefused(this.options.store, row.id, account, error)))
        .catch((failure: unknown) => this.recordError(`${row.id}/${this.accounts.labelOf(account)}: refresh-failed not recorded: ${sanitizeLine((failure as Error).message)}`));
      return {failed: {message, ...(advice ? {advice} : {})}};
    }
  }

  /**
   * One upstream request over a keep-alive agent (node:http: no extra client library in the child).
   * `fresh`: over a connection of its own (no agent), for the one resend below.
   */
  private send(url: string, headers: string[], body: OutgoingBody, client: ClientWatch, fresh = false): Promise<IncomingMessage> {
    const address = upstreamAddress(url);
    const {https, hostname, port, path} = address;
    // Plain options, no key more than needed: node:http copies them (three times, upstream-agents.ts), so
    // a URL object's many fields cost on every request. `host`, not `hostname`: node:http adds a
    // `host` key with the same value to its copy otherwise. The headers go as one list, Host and any
    // Basic auth in it (addHostFields).
    const headerList = addHostFields(headers, address);
    const agent = fresh ? false : https ? this.agents.https : this.agents.http;
    const options: RequestOptions & {secureContext?: SecureContext} = port === undefined ? {host: hostname, path, method: 'POST', headers: headerList, agent} : {host: hostname, port, path, method: 'POST', headers: headerList, agent};
    // The connection of its own trusts what the agent's do.
    if (fresh && https && this.agents.secureContext) options.secureContext = this.agents.secureContext;
    return new Promise((resolve, reject) => {
      // 'response' comes once: on() rather than the once() wrapper a callback argument gets.
      const request = (https ? httpsRequest : httpRequest)(options);
      request.on('response', resolve).on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the upstream closed as it was reused (closing one that idled,
        // maybe sooner than upstream-agents.ts retires them) fails before any answer: a body held
        // whole goes once more, over a new connection (never reused, so never a third time). A
        // streamed body is gone; and only proxied requests come here, a refresh is never sent twice.
        if (closedOnReuse(request, error) && Buffer.isBuffer(body) && !client.aborted) resolve(this.send(url, headers, body, client, true));
        else reject(error);
      });
      client.track(request);
      sendBody(request, body);
    });
  }

  /**
   * A request's end, counted and logged. `upstreamAnswered`: an upstream's success was delivered
   * (never a local answer: /v1/models, a count estimate, a refusal), the only success that makes the
   * last error history (`servedSince`: "requests have succeeded since").
   */
  private finish(active: ActiveRequest, model: string | undefined, status: number, cut = false, upstreamAnswered = false): void {
    this.inFlight.delete(active);
    if (active.cut) return;
    active.cut = cut;
    const now = this.now();
    this.totalRequests++;
    this.recent.add(now);
    // Its optional fields set only when they hold (no object spread per request).
    const event: Extract<ProxyEvent, {type: 'request'}> = {
      type: 'request',
      provider: active.provider,
      account: active.account ?? '-',
      method: active.req.method ?? 'POST',
      path: pathOf(active.req.url ?? ''),
      model: model === undefined ? undefined : withoutKeys(model, presentedKey(active.req)),
      status,
      ms: now - active.started,
    };
    if (active.unlisted) event.unlisted = true;
    if (active.retried) event.retried = active.retried;
    if (cut) event.cut = 'stop';
    else if (active.broke) event.broke = active.broke;
    // An upstream's success after the last error makes it history (status `servedSince`), not the state now.
    else if (upstreamAnswered && status < 400 && this.lastError && this.lastError.servedSince === undefined) this.lastError.servedSince = now;
    this.emit(event);
  }

  /**
   * A request the proxy answered with its own error: counted apart from forwarded ones, and one log
   * line (through the same batch as theirs, serve.ts) saying why, without the query or any key.
   */
  private refused(active: Pick<ActiveRequest, 'provider' | 'started'> & {req?: IncomingMessage}, error: HttpError, startUnknown = false, now = this.now()): void {
    const req = active.req;
    // Status 0: the client left before any answer (logged, but not an answer the proxy gave).
    if (error.status !== 0) {
      this.refusedRequests++;
      this.recentRefused.add(now);
    }
    this.emit({
      type: 'refused',
      ...(active.provider !== '-' ? {provider: active.provider} : {}),
      method: req ? sanitizeLine(req.method ?? '-') : '-',
      path: req ? cutText(withoutKeys(sanitizeLine(pathOf(req.url ?? '')), presentedKey(req)), 200) : '-',
      status: error.status,
      reason: cutText(req ? withoutKeys(sanitizeLine(error.reason ?? error.message), presentedKey(req)) : sanitizeLine(error.reason ?? error.message), 160),
      ms: now - active.started,
      ...(startUnknown ? {over: true as const} : {}),
    });
  }

  /**
   * A connection Node refuses before (or while) handle() reads its request: an HTTP message it
   * cannot parse (400), headers over its limit (431), a request not complete in time (408). It is
   * answered as Node would, and logged as a refusal: its own line, or (a request handle() is still
   * reading) that request's line; one whose answer had begun says after its status why it was cut.
   * A connection the client reset or ended mid-request is only closed.
   */
  private clientError(error: NodeJS.ErrnoException, socket: Duplex, timeouts: ClientTimeouts): void {
    const code = error.code ?? '';
    const refusal =
      code === 'ERR_HTTP_REQUEST_TIMEOUT' ? new HttpError(408, 'request timeout', undefined, {}, `request not complete in time (headers within ${timeouts.headersMs / 1000} s, body within ${timeouts.requestMs / 1000} s)`)
      : code === 'HPE_HEADER_OVERFLOW' ? new HttpError(431, 'request headers too large', undefined, {}, 'request headers too large')
      // A connection ended mid-request (HPE_INVALID_EOF_STATE) is a client that left, not a malformed message.
      : code.startsWith('HPE_') && code !== 'HPE_INVALID_EOF_STATE' ? new HttpError(400, 'bad request', undefined, {}, `malformed HTTP request (${sanitizeLine(code)})`)
      : undefined;
    if (refusal) {
      const onSocket = this.inFlight.entries().filter((active) => active.req.socket === socket);
      // Only a request whose body is still coming is the one refused; a whole one before it (pipelined)
      // goes with the connection, and its line says why (the client did not leave).
      const reading = onSocket.find((active) => !active.req.complete);
      for (const active of onSocket) if (active !== reading) active.broke ??= `the next message on its connection was refused: ${refusal.reason}`;
      // Its answer had begun (the upstream answered a streamed body before its end): its line says why it was cut.
      if (reading?.res.headersSent) reading.broke ??= refusal.reason;
      else if (reading) this.clientErrors.set(socket, refusal);
      else this.refusedUnread(socket, refusal, timeouts);
      // An answer begun on the connection (its own, or a request's before it) takes no second status line.
      if (socket.writable && !onSocket.some((active) => active.res.headersSent)) socket.write(`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy();
  }

  /**
   * The line of a message Node refused before handle() saw it, timed from its start as far as it is
   * known: the connection's start for its first message (Node times it from its first byte, or from
   * there when none came); for a later one on a kept-alive connection (its first byte is not seen
   * here), a 408 took over the shorter limit (logged as "over"), anything else was found as its bytes came.
   */
  private refusedUnread(socket: Duplex, refusal: HttpError, timeouts: ClientTimeouts): void {
    const now = this.now();
    const began = this.connectedAt.get(socket);
    if (began !== undefined) return this.refused({provider: '-', started: began}, refusal, false, now);
    const timedOut = refusal.status === 408;
    // The same clock reading as the start worked out from it: a second reading a millisecond on would log "over 401 ms".
    this.refused({provider: '-', started: timedOut ? now - Math.min(timeouts.headersMs, timeouts.requestMs) : now}, refusal, timedOut, now);
  }

  /**
   * A problem a read of the account files met (store/accounts.ts StoreProblem), with its severity: an
   * error about what this proxy serves (its provider's files, or files of no known provider, or all
   * of them when it serves by model name) is its last error; a warning, or another provider's error,
   * is a log line only.
   */
  private fileProblem(problem: StoreProblem): void {
    const message = sanitizeLine(problem.message);
    const served = this.options.provider;
    // Serving one account alone: only that account's own file is about what this proxy serves (its
    // request would fail and say so anyway); another account's broken file is a log line.
    const ours =
      this.options.account !== undefined
        ? this.pinnedTokenFile !== undefined && basename(problem.file) === this.pinnedTokenFile
        : problem.provider === undefined || served === undefined || problem.provider === served;
    if (problem.severity === 'error' && ours) this.recordError(message);
    else this.emit({type: 'problem', severity: problem.severity, message});
  }

  /**
   * An error met outside a request (config.yaml's reload refused, a quota hook's failure): the last
   * error, as a request's is, so the newest one is what `proxy status` and the proxy screen show.
   */
  reportError(message: string): void {
    this.recordError(message);
  }

  /** `advice`: the error's way out (errorAdvice), kept apart so that each reader words it (ipc.ts). */
  private recordError(message: string, advice?: ErrorAdvice): void {
    this.lastError = {message, at: this.now(), ...(advice ? {advice} : {})};
    this.emit({type: 'error', message, ...(advice ? {advice} : {})});
  }

  private sendError(res: ServerResponse, error: HttpError, req: IncomingMessage): void {
    // The proxy's own errors (cooling, no account, bad input) in the shape of the client's protocol.
    const shape = errorShapeOf(parseRoute(req.url ?? '/'), req.headers['anthropic-version'] !== undefined);
    // Credentials masked (issue 11): a "proxy error: …" message may quote a failure's text.
    const text = this.credentials.currentForSender().redact(errorJson(shape, {message: error.message, type: error.type}), ERROR_TEXT);
    res.writeHead(error.status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...error.headers});
    res.end(text);
  }

}

/** The SHA-256 of each API key, by the config's key list (hashed once per config, not per request). */
const keyDigests = new WeakMap<readonly string[], Buffer[]>();

/** Whether `presented` is one of `keys`, compared in constant time (hashing first makes lengths equal). */
function isApiKey(presented: string, keys: readonly string[]): boolean {
  let digests = keyDigests.get(keys);
  if (!digests) keyDigests.set(keys, (digests = keys.map((key) => createHash('sha256').update(key).digest())));
  const digest = createHash('sha256').update(presented).digest();
  let found = false;
  for (const key of digests) found = timingSafeEqual(digest, key) || found;
  return found;
}

/** Marks an account tried by this request. */
function markTried(attempts: Attempts, id: string): void {
  (attempts.tried ??= new Set()).add(id);
}

function sameMembers(a: readonly {id: string; label: string}[], b: readonly {id: string; label: string}[]): boolean {
  return a.length === b.length && a.every((x, i) => x.id === b[i]!.id && x.label === b[i]!.label);
}

/** node:http's header record (its names lower case already: none is folded again, issue 14), one string per field. */
function flatHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  // No Object.prototype: a header name is data (node:http hands `__proto__` over as an own key).
  const out = nullRecord<string>();
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && isOwn(headers, name)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Events counted per whole second over the last `seconds` seconds, in constant memory. */
class PerSecondCounts {
  private readonly counts: Uint32Array;
  private readonly stamps: Float64Array;

  constructor(private readonly seconds: number) {
    this.counts = new Uint32Array(seconds);
    this.stamps = new Float64Array(seconds).fill(-1);
  }

  add(nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    const slot = second % this.seconds;
    if (this.stamps[slot] !== second) {
      this.stamps[slot] = second;
      this.counts[slot] = 0;
    }
    this.counts[slot]!++;
  }

  /** Events in the last `seconds` whole seconds, this one included. */
  total(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    let sum = 0;
    for (let slot = 0; slot < this.seconds; slot++) if (this.stamps[slot]! > second - this.seconds) sum += this.counts[slot]!;
    return sum;
  }
}

/**
 * How long (ms) an upstream answer still coming when its client's answer is complete (a stream ended
 * at its final event) has to end: its end mostly comes in the same read or the next, and its
 * connection then goes back to the pool (a TLS handshake saved on the next request). One that holds
 * its connection open longer is dropped.
 */
const ANSWER_END_GRACE_MS = 1000;

const destroyAnswer = (answer: IncomingMessage) => answer.destroy();

/** An upstream answer whose client got all it needed: the rest read and dropped, the connection kept if the answer ends within ANSWER_END_GRACE_MS. */
function releaseAnswer(answer: IncomingMessage): void {
  // Read to its end, not only all come (`complete`): one left paused after its last byte came holds its connection.
  if (answer.readableEnded || answer.destroyed) return;
  // Paused by the client's backpressure, or left by a reader (deliver.ts keptOnBreak), it would never reach its end.
  answer.resume();
  const timer = setTimeout(() => answer.destroy(), ANSWER_END_GRACE_MS).unref();
  answer.once('end', () => clearTimeout(timer)).once('close', () => clearTimeout(timer));
}

/**
 * The client going away destroys whatever upstream request is running for it (which also ends the
 * answer's stream). A listener on the response, not an AbortController: one of those per request,
 * with its signal wired into node:http, cost more than the rest of the request's bookkeeping.
 * It also tells when that upstream request last moved a byte (giveUpIfIdle).
 */
class ClientWatch implements ClientGone {
  aborted = false;
  private upstream: UpstreamRequest | undefined;
  /** Upstream answers got for this client (one per attempt), destroyed when its response closes. */
  private answers: IncomingMessage | IncomingMessage[] | undefined;
  /** The upstream socket's bytes read + written at the last look (-1: not looked at yet). */
  private bytesSeen = -1;
  /** The look (ms) that first saw those bytes: no byte moved since before then. */
  private quietSince = 0;

  constructor(res: ServerResponse) {
    // One listener for the client's going and the answers' end (a listener per answer cost as much
    // again). A response closes once: on(), not the wrapper and removal once() adds (issue 14).
    res.on('close', () => {
      const finished = res.writableFinished;
      if (!finished) {
        this.aborted = true;
        this.upstream?.destroy(new Error('client disconnected'));
      }
      // Only the answer the client got may still be coming (a stream ended at its final event):
      // earlier attempts' answers are dropped at once.
      const answers = this.answers;
      const last = finished ? releaseAnswer : destroyAnswer;
      if (Array.isArray(answers)) answers.forEach((answer, i) => (i === answers.length - 1 ? last(answer) : answer.destroy()));
      else if (answers) last(answers);
    });
  }

  /** An upstream answer now read for this client: it ends with the client's response, however that ends. */
  answered(answer: IncomingMessage): void {
    const answers = this.answers;
    this.answers = answers === undefined ? answer : Array.isArray(answers) ? [...answers, answer] : [answers, answer];
  }

  /** The upstream request now sent for this client (destroyed at once if the client already left). */
  track(request: UpstreamRequest): void {
    this.upstream = request;
    this.bytesSeen = -1;
    if (this.aborted) request.destroy(new Error('client disconnected'));
  }

  /**
   * Destroys the upstream request when its socket has moved no byte since `idleMs` before `now`.
   * A kept-alive socket's counts carry over from earlier requests: only a change counts.
   */
  giveUpIfIdle(now: number, idleMs: number): void {
    const request = this.upstream;
    if (!request || request.destroyed) return;
    const socket = request.socket;
    const bytes = socket ? socket.bytesRead + socket.bytesWritten : 0;
    // A change, or the first look (what moved before it is not known), starts the quiet time afresh.
    if (bytes !== this.bytesSeen) {
      this.bytesSeen = bytes;
      this.quietSince = now;
      return;
    }
    if (now - this.quietSince >= idleMs) request.destroy(new Error(`no answer within ${idleMs >= 60_000 ? `${Math.round(idleMs / 60_000)} min` : `${idleMs} ms`}`));
  }
}

/**
 * The upstream closed a reused connection before answering: reset (ECONNRESET, also node:http's
 * "socket hang up"), or closed under the request's write (EPIPE). `res` is node:http's answer,
 * set once its head came.
 */
function closedOnReuse(request: UpstreamRequest, error: NodeJS.ErrnoException): boolean {
  return request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') && !(request as {res?: IncomingMessage | null}).res;
}

/** A request target without its query. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** The API key a request presents (x-api-key, else an Authorization bearer), right or wrong. */
function presentedKey(req: IncomingMessage): string | undefined {
  const header = req.headers['x-api-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (key !== undefined) return key;
  const authorization = req.headers.authorization;
  return authorization === undefined ? undefined : /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
}

/**
 * Request text (a path, a model or provider name) for a log line or status: the key the client
 * presented, and any generic credential shape (maskCredentialPatterns), masked. A client may paste
 * a key into the path or the model name; a wrong key is in no redactor's list.
 */
function withoutKeys(text: string, presented: string | undefined): string {
  // The same model and key as the request before, most of the time: its answer is reused.
  if (text === lastWithoutKeys.text && presented === lastWithoutKeys.presented) return lastWithoutKeys.masked;
  const masked = maskedOfKeys(text, presented);
  lastWithoutKeys = {text, presented, masked};
  return masked;
}

let lastWithoutKeys: {text: string; presented: string | undefined; masked: string} = {text: '', presented: undefined, masked: ''};

function maskedOfKeys(text: string, presented: string | undefined): string {
  const key = presented?.trim();
  const masked = key && key.length >= 8 ? text.split(key).join(redactedForm(key)) : text;
  return maskCredentialPatterns(masked);
}

/** Whether `model` (a thinking suffix aside) is an alias whose model the resolution's list does not name (a live-only one). */
/**
 * Why a body of `row`'s is read whole, for the 413 of one too large to be (client-request.ts
 * readWhole); undefined: the general reason (translated or rewritten).
 */
function wholeBodyReason(row: ProviderRow): string | undefined {
  const streamsOnly = row.adapter.upstreamStreamsOnly;
  if (!streamsOnly) return undefined;
  return ` to be read whole: ${row.displayName}'s upstream answers only streamed requests, so the proxy reads each one to set ${streamsOnly.fields.map((name) => `"${name}"`).join(', ')} where missing and to answer a client that asked for no stream with JSON`;
}

function aliasOfUnlisted(resolution: ModelResolution, model: string): boolean {
  // Asked on every request; nearly every list has no such alias (nothing to build then, issue 14).
  if (!resolution.aliases.some((alias) => alias.status === 'unknown')) return false;
  const wanted = new Set([model.trim().toLowerCase(), splitModelSuffix(model.trim()).base.toLowerCase()]);
  return resolution.aliases.some((alias) => alias.status === 'unknown' && wanted.has(alias.alias.toLowerCase()));
}
