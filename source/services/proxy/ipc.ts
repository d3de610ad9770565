// The IPC contract between the proxy child (source/proxy/serve.ts) and its supervisor
// (services/proxy-supervisor.ts): what the child reports and writes to its log, what the supervisor
// may ask. It lives below both so that the supervisor never imports the proxy.
import {formatCooldown} from '../../core/relative-time.js';
import {isoOrUndefined} from '../../core/provider-wait.js';

export type ProxyEvent =
  | {type: 'listening'; port: number; pid: number; provider?: string; account?: string; apiKeyGenerated?: boolean}
  /** `cut`: the proxy stopped before the answer ended (`status` 0 when none was sent). */
  /** `unlisted`: no provider lists the model; a root route sent it to the root provider (`provider`). */
  | {type: 'request'; provider: string; account: string; method: string; path: string; model?: string; unlisted?: true; status: number; ms: number; cut?: 'stop'}
  /**
   * `until` (epoch ms): when the account serves again; absent when it is not parked (an overload,
   * issue 11). `model`: the cooldown covers this model only (a 404), the account serves others.
   */
  | {type: 'failover'; provider: string; from: string; reason: string; until?: number; model?: string}
  | {type: 'refresh'; provider: string; account: string; ok: boolean; message?: string}
  | {type: 'rotated'; provider: string; account: string}
  | {type: 'error'; message: string}
  | {type: 'fatal'; code: string; message: string};

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

/** Messages the supervisor sends to its child. */
export type ProxyCommand = {type: 'rotate'; provider?: string} | {type: 'status'} | {type: 'shutdown'};

/** The child's answer to `status` (also served at `GET /_ccs-tui/status` for background proxies). */
export interface ProxyStatus {
  pid: number;
  port: number;
  startedAt: string;
  provider?: string;
  /** Label of the account that serves the next request of the primary provider. */
  account?: string;
  /** Requests that got an upstream's answer (or a local one in its place), each with a log line. */
  requestsPerMinute: number;
  totalRequests: number;
  /**
   * Requests the proxy answered with its own error instead (counted apart from the above): a bad
   * key or route, no usable account, every account cooling down (429), its own 502.
   */
  refusedPerMinute: number;
  refusedRequests: number;
  lastError?: {message: string; at: string};
  /** Whole-account cooldowns (a model's own cooldown is not listed); `until`: ISO UTC. */
  cooling: {provider: string; account: string; until: string; reason: string}[];
}

/** The request counts of a proxy's status. */
export type ProxyTraffic = Pick<ProxyStatus, 'requestsPerMinute' | 'totalRequests' | 'refusedPerMinute' | 'refusedRequests'>;

/** The request counts as `proxy status` and the proxy screen word them (`/min`: the last minute's). */
export function trafficText(traffic: ProxyTraffic): string {
  return `${traffic.totalRequests} forwarded (${traffic.requestsPerMinute}/min) · ${traffic.refusedRequests} refused by the proxy (${traffic.refusedPerMinute}/min)`;
}

/** What a proxy started without a provider serves on its root routes (proxy/server.ts providerFor). */
export const SERVED_BY_MODEL = 'every provider, picked by the model asked for';

/** A cooldown's end (epoch ms) as its wait and local clock time (`42s (until 20:21:05)`). */
function cooldownOf(at: number | undefined, now: number): string {
  const iso = isoOrUndefined(at);
  return iso ? formatCooldown(iso, now) : 'until an unknown time';
}

/** One log line for a person (secrets are redacted by the writer); `now`: when it is written (ms). */
export function describeEvent(event: ProxyEvent, now = Date.now()): string {
  switch (event.type) {
    case 'listening':
      return `listening on http://127.0.0.1:${event.port} (pid ${event.pid}) serving ${event.provider ?? SERVED_BY_MODEL}${event.account ? ` / ${event.account}` : ''}`;
    case 'request':
      return `${event.method} ${event.path} ${event.model ?? '-'} → ${event.provider}/${event.account} ${event.cut ? 'cut by stop' : event.status} ${event.ms} ms${event.unlisted ? ` (model listed by no provider: sent to ${event.provider}, the root provider)` : ''}`;
    case 'failover':
      return event.until === undefined
        ? `${event.provider}/${event.from} not parked, trying another account: ${event.reason}`
        : `${event.provider}/${event.from}${event.model ? ` model ${event.model}` : ''} cooling ${cooldownOf(event.until, now)}${event.model ? ' (other models still served)' : ''}: ${event.reason}`;
    case 'refresh':
      return `${event.provider}/${event.account} token refresh ${event.ok ? 'ok' : `failed: ${event.message ?? ''}`}`;
    case 'rotated':
      return `${event.provider} now serves ${event.account}`;
    case 'error':
      return `error: ${event.message}`;
    case 'fatal':
      return `fatal: ${event.message}`;
  }
}
