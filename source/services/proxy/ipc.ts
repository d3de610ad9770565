// The IPC contract between the proxy child (source/proxy/serve.ts) and its supervisor
// (services/proxy-supervisor.ts): what the child reports and writes to its log, what the supervisor
// may ask. It lives below both so that the supervisor never imports the proxy.
import {problemText, type ProblemSeverity} from '../../core/problems.js';
import {formatCooldown, formatLocalClock, formatRelative} from '../../core/relative-time.js';
import {isoOrUndefined} from '../../core/provider-wait.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {UserError, type ErrorAdvice, type ErrorSurface} from '../../core/types.js';
import {withAdvice} from '../../store/errors.js';
import type {StopRequest} from './pid-file.js';

/**
 * process.send for the proxy child, whose parent may die at any moment: a message sent after the
 * channel broke but before its 'disconnect' is seen (EPIPE; a busy child runs its timers before it
 * reads the channel's end) is dropped, where Node would throw it as an unhandled 'error' event and
 * end the child with a stack trace. Undefined when the process has no IPC channel.
 */
export function parentSender(proc: NodeJS.Process = process): ((message: unknown) => void) | undefined {
  if (typeof proc.send !== 'function') return undefined;
  const send = proc.send.bind(proc);
  return (message) => void send(message, undefined, undefined, () => undefined);
}

export type ProxyEvent =
  /** `pinned`, `poolSize`: as ServingFacts (one wording with `proxy status` and the proxy screen). */
  | {type: 'listening'; port: number; pid: number; provider?: string; account?: string; pinned?: boolean; poolSize?: number; apiKeyGenerated?: boolean}
  /** `cut`: the proxy stopped before the answer ended (`status` 0 when none was sent). */
  /** `unlisted`: no provider lists the model; a root route sent it to the root provider (`provider`). */
  /** `broke`: the answer broke off after its head (`status`) was sent, and why (an upstream's break is also the last error); `status` 0: no head was sent. */
  | {type: 'request'; provider: string; account: string; method: string; path: string; model?: string; unlisted?: true; status: number; ms: number; cut?: 'stop'; broke?: string; retried?: string}
  /**
   * A request the proxy answered with its own error (ProxyStatus refusedRequests): `path` without
   * its query, `reason` in a few words (never the presented key), `provider` when it was known.
   * `status` 0: none was sent (the client left before its body ended; not counted as refused).
   * Logged through the request batch like `request`, but not counted as forwarded. `over`: `ms` is
   * only what the request took at least (its start was not seen: a 408 on a kept-alive connection).
   */
  | {type: 'refused'; provider?: string; method: string; path: string; status: number; reason: string; ms: number; over?: true}
  /**
   * `until` (epoch ms): when the account serves again; absent when it is not parked (an overload,
   * a first server error, issue 11). `triedLast`: until then it is only passed over while another
   * account can serve (repeated server errors, core/pool.ts SERVER_BACKOFF_MS). `model`: the
   * cooldown covers this model only (a 404), the account serves others.
   */
  | {type: 'failover'; provider: string; from: string; reason: string; until?: number; triedLast?: boolean; model?: string}
  // `advice`: the failure's way out (a new login), worded per reader by describeEvent.
  | {type: 'refresh'; provider: string; account: string; ok: boolean; message?: string; advice?: ErrorAdvice}
  /** `pinned`: the provider is now served by this account alone (no pool), as ServingFacts. */
  | {type: 'rotated'; provider: string; account: string; pinned?: boolean}
  /** Switched live to every provider, each request by the model it asks for (`proxy switch --every-provider`, `a`). */
  | {type: 'serves-every-provider'}
  /** An error with what the proxy serves: its last error (status `lastError`) until a newer one. */
  | {type: 'error'; message: string; advice?: ErrorAdvice}
  /**
   * A line for the log only, never the last error: a warning (a token file others can read, a live
   * list not had), or an error about what this proxy does not serve (another provider's token file).
   */
  | {type: 'problem'; severity: ProblemSeverity; message: string}
  | {type: 'fatal'; code: string; message: string}
  /**
   * The proxy's last line: it stopped, and why (`reason`: a signal's name, `proxy stop`, its starter
   * gone). `by`: the stop request its SIGTERM came with (pid-file.ts StopRequest), when one did.
   */
  | {type: 'stopped'; pid: number; reason: string; by?: StopRequest};

/**
 * Request events as the child sends them over IPC: gathered over a tenth of a second, `count` of
 * them, the newest (at most 50) in `recent` for the log tail, as their log lines without the time
 * (describeEvent's text, sanitised, keys masked). The log file has every one.
 */
export interface ProxyRequestBatch {
  type: 'requests';
  count: number;
  recent: string[];
}

/**
 * Messages the supervisor sends to its child. `rotate`: `provider` defaults to the one served (a
 * proxy serving every provider needs one named); `id`, when given, gets a RotateAnswer back.
 */
export type ProxyCommand = {type: 'rotate'; provider?: string; id?: number} | {type: 'status'} | {type: 'shutdown'};

/**
 * The proxy's answer to a rotate: the account that now serves `provider` first, or why none does
 * (`refused`: the proxy's own "no", as no other healthy account; else a fault met on the way).
 */
export type RotateResult = {provider: string; account: string} | {error: string; refused?: boolean};

/**
 * The proxy's answer that it cannot rotate (RotateResult `refused`: no other healthy account, no
 * provider named): the person's request refused, not a fault of the proxy, so the TUI says it as
 * information.
 */
export class RotateRefusedError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'RotateRefusedError';
  }
}

/** The child's answer to a `rotate` command that had an `id`. */
export type RotateAnswer = {type: 'rotateAnswer'; id: number} & RotateResult;

/** An error the proxy met, `at` ISO UTC; `advice`: its way out, worded per reader (withAdvice). */
export interface LastError {
  message: string;
  at: string;
  advice?: ErrorAdvice;
  /** When a forwarded request first succeeded after it (ISO UTC): the error is history, not the state now. */
  servedSince?: string;
}

/** What the proxy screen and `proxy status` add to a last error that requests succeeded after. */
export const SERVED_SINCE = 'requests have succeeded since';

/** The child's answer to `status` (also served at `GET /_ccs-tui/status` for background proxies). */
export interface ProxyStatus {
  pid: number;
  port: number;
  startedAt: string;
  provider?: string;
  /** Label of the account that serves the next request of the primary provider (its pool's next pick). */
  account?: string;
  /** That account's id (`accounts --json` `id`), as every --json output names accounts; absent with `account` absent or only as named. */
  accountId?: string;
  /**
   * With a primary provider: whether one account serves it alone (`--account`, `ccs-tui run` on an
   * account), else the size of its pool (usable accounts). The proxy's own answer: the pid file
   * says only how the proxy was started.
   */
  pinned?: boolean;
  poolSize?: number;
  /**
   * The account `provider` serves alone, as it was named (`--account`, or `ccs-tui run` switching it
   * live); absent when the provider's pool serves. With `provider`: what the proxy serves now.
   */
  pinnedAccount?: string;
  /**
   * Why the account `provider` serves alone cannot serve now (removed, paused, needing a login), with
   * the way out: every request to it gets a 503 until then. Absent for a pool, or a usable account.
   */
  pinnedTrouble?: {message: string; advice?: ErrorAdvice};
  /**
   * Why no request can be served now whatever the account: tui.json cannot be read (the file and
   * the position named), so no token is sent until it is fixed; every forwarded request gets a 503.
   */
  settingsTrouble?: string;
  /** Requests that got an upstream's answer (or a local one in its place), each with a log line. */
  requestsPerMinute: number;
  totalRequests: number;
  /**
   * Requests the proxy answered with its own error instead (counted apart from the above): a bad
   * key or route, no usable account, every account cooling down (429), its own 502.
   */
  refusedPerMinute: number;
  refusedRequests: number;
  /**
   * The most recent error the proxy met (kept: it may still explain a problem), `at` ISO UTC; a past
   * event, not a current state (lastErrorText words it so).
   */
  lastError?: LastError;
  /**
   * Whole-account cooldowns (a model's own cooldown is not listed); `account` the label, `accountId`
   * the id (a proxy of an older version sends none); `until`: ISO UTC. `triedLast`:
   * a server-error backoff, the account still serves when no other can (see the failover event).
   */
  cooling: {provider: string; account: string; accountId?: string; until: string; reason: string; triedLast?: boolean; /** The wait is for this model alone (its 404). */ model?: string}[];
  /**
   * The account each provider's pool serves next (`account` the label, `accountId` the id), for every
   * pool the proxy has made so far (a provider asked for, and the served one); a proxy of an older
   * version sends none.
   */
  pools?: {provider: string; account: string; accountId: string}[];
}

/** The request counts of a proxy's status. */
export type ProxyTraffic = Pick<ProxyStatus, 'requestsPerMinute' | 'totalRequests' | 'refusedPerMinute' | 'refusedRequests'>;

/** The request counts as `proxy status` and the proxy screen word them (`/min`: the last minute's). */
export function trafficText(traffic: ProxyTraffic): string {
  return `${traffic.totalRequests} forwarded (${traffic.requestsPerMinute}/min) · ${traffic.refusedRequests} refused by the proxy (${traffic.refusedPerMinute}/min)`;
}

/**
 * The last error as `proxy status` words it: when (local clock, and how long ago), so it reads as a
 * past event, e.g. `last error 3m ago (at 05:01:02): upstream 500: …`. `now`: epoch ms.
 */
export function lastErrorText(lastError: LastError, now: number, surface: ErrorSurface = 'cli'): string {
  // The message is the proxy's answer (network text): no raw escapes.
  return `last error ${errorWhen(lastError.at, now)}${lastError.servedSince ? `, ${SERVED_SINCE}` : ''}: ${sanitizeLine(withAdvice(lastError.message, lastError.advice, surface))}`;
}

/** When an error happened, for humans: `3m ago (at 05:01:02)`, `just now (at …)`, `(time unknown)`. */
export function errorWhen(at: string, now: number): string {
  const ago = formatRelative(at, now);
  return ago ? `${ago.endsWith(' ago') ? ago : 'just now'} (at ${formatLocalClock(at, now)})` : '(time unknown)';
}

/** What a proxy started without a provider serves on its root routes (proxy/server.ts providerFor). */
export const SERVED_BY_MODEL = 'every provider, picked by the model asked for';

/**
 * What a proxy serves. `pinned`: started (or switched) for one account, else the provider's pool of
 * `poolSize` usable accounts, `account` the one serving now (the status's label).
 */
export interface ServingFacts {
  provider?: string;
  account?: string;
  pinned: boolean;
  poolSize?: number;
}

/**
 * "claude / four@example.com" (one account), "claude / pool of 2 · now four@example.com" (a pool;
 * "claude / pool · now …" while its size is not known),
 * or SERVED_BY_MODEL (no provider: the request's model picks it). Names are sanitised.
 */
export function servingText({provider, account, pinned, poolSize: size}: ServingFacts): string {
  if (!provider) return SERVED_BY_MODEL;
  const now = account ? sanitizeLine(account) : '—';
  const name = sanitizeLine(provider);
  return pinned ? `${name} / ${now}` : `${name} / ${size === undefined ? 'pool' : `pool of ${size}`} · now ${now}`;
}

/** What a "tried last" backoff (a server error in a row, core/pool.ts SERVER_BACKOFF_MS) leaves the account doing. */
export const TRIED_LAST_NOTE = 'still serves when no other account can';

/**
 * How an account waits (`until`: ISO UTC): "cooling 42s (until 20:21:05)" when it serves nothing
 * meanwhile, "tried last for 16s (until 20:21:05), still serves when no other account can" for a backoff.
 */
export function waitText(until: string | undefined, now: number, triedLast = false): string {
  const wait = until ? formatCooldown(until, now) : 'until an unknown time';
  return triedLast ? `tried last for ${wait}, ${TRIED_LAST_NOTE}` : `cooling ${wait}`;
}

/** The longest model name a log line shows whole (characters); a client's to choose, so bounded. */
const LOGGED_NAME_MAX = 200;

/**
 * A model name as a log line shows it: whole up to LOGGED_NAME_MAX, else only how long it was (a cut
 * one could end inside a key the client put there, which the writer would then not know to mask).
 */
const loggedName = (name: string): string => (name.length <= LOGGED_NAME_MAX ? name : `…(a model name of ${name.length} characters)`);

/**
 * One log line for a person (secrets are redacted by the writer); `now`: when it is written (ms).
 * `surface`: who reads it: the log file is read from a shell (advice names commands), the TUI's log
 * tail (on the proxy screen) names its keys and their screen.
 */
export function describeEvent(event: ProxyEvent, now = Date.now(), surface: ErrorSurface = 'cli'): string {
  switch (event.type) {
    case 'listening':
      return `listening on http://127.0.0.1:${event.port} (pid ${event.pid}) serving ${servingText({provider: event.provider, account: event.account, pinned: event.pinned ?? false, poolSize: event.poolSize})}`;
    case 'request':
      return `${event.method} ${event.path} ${event.model === undefined ? '-' : loggedName(event.model)} → ${event.provider}/${event.account} ${event.cut ? 'cut by stop' : event.status === 0 ? 'not answered' : event.status} ${event.ms} ms${event.broke ? `${event.status === 0 ? ':' : ', then'} ${event.broke}` : ''}${event.unlisted ? ` (model listed by no provider: sent to ${event.provider}, the root provider)` : ''}${event.retried ? ` (${event.retried})` : ''}`;
    case 'refused':
      // Status 0: the client left before any answer; `method` and `path` '-': Node could not read the request.
      return `${event.method} ${event.path} → ${event.provider ? `${event.provider} ` : ''}${event.status === 0 ? 'not answered' : `refused by the proxy ${event.status}`} ${event.over ? 'over ' : ''}${event.ms} ms: ${event.reason}`;
    case 'failover':
      return event.until === undefined
        ? `${event.provider}/${event.from} not parked, trying another account: ${event.reason}`
        : `${event.provider}/${event.from}${event.model ? ` model ${event.model}` : ''} ${waitText(isoOrUndefined(event.until), now, event.triedLast)}${event.model ? ' (other models still served)' : ''}: ${event.reason}`;
    case 'refresh':
      return `${event.provider}/${event.account} token refresh ${event.ok ? 'ok' : `failed: ${withAdvice(event.message ?? '', event.advice, surface, 'proxy')}`}`;
    case 'rotated':
      return `${event.provider} now serves ${event.pinned ? `only ${event.account} (pinned: the pool's other accounts are not used)` : event.account}`;
    case 'serves-every-provider':
      return `now serves ${SERVED_BY_MODEL}`;
    case 'error':
      return problemText({severity: 'error', message: withAdvice(event.message, event.advice, surface, 'proxy')});
    case 'problem':
      return problemText(event);
    case 'fatal':
      return `fatal: ${event.message}`;
    case 'stopped':
      return `stopped (pid ${event.pid}): ${event.reason}`;
  }
}
