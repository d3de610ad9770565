// Where a request goes upstream and with which headers, per provider. The quirks themselves live in
// the provider adapters; this file only picks them. Base URLs come from the provider table with the
// tui.json overrides applied (an override wins over a host named in the token file).
import type {TokenFile} from '../core/types.js';
import {claudeRequestHeaders} from '../providers/adapters/claude.js';
import {codexRequestHeaders} from '../providers/adapters/codex.js';
import {copilotRequestHeaders} from '../providers/adapters/copilot.js';
import {iflowRequestHeaders} from '../providers/adapters/iflow.js';
import {kimiHeaders} from '../providers/adapters/kimi.js';
import {QWEN_AUTH_TYPE_HEADER, qwenApiBase} from '../providers/adapters/qwen.js';
import type {Endpoints, ProviderRow} from '../providers/table.js';
import {bearerFor} from '../services/refresh.js';
import type {Endpoint} from './routes.js';

export interface UpstreamTarget {
  url: string;
  /** Lower-case names; these replace the client's headers of the same name. */
  headers: Record<string, string>;
}

export interface TargetContext {
  /** The client's session (affinity key), reused as iFlow's session id. */
  session?: string;
  anthropicBeta?: string;
  now: number;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const trimSlash = (url: string) => url.replace(/\/+$/, '');

function pathFor(endpoint: Exclude<Endpoint, 'models'>): string {
  switch (endpoint) {
    case 'messages':
      return '/messages';
    case 'count-tokens':
      return '/messages/count_tokens';
    case 'chat-completions':
      return '/chat/completions';
    case 'responses':
      return '/responses';
  }
}

export function upstreamTarget(
  row: ProviderRow,
  overrides: Endpoints | undefined,
  token: TokenFile,
  endpoint: Exclude<Endpoint, 'models'>,
  context: TargetContext,
): UpstreamTarget {
  const secret = bearerFor(row.id, token) ?? '';
  const api = trimSlash(overrides?.api ?? str(token.base_url) ?? row.endpoints.api ?? '');
  const bearer = {authorization: `Bearer ${secret}`};
  switch (row.id) {
    case 'claude':
      return {
        url: `${api}/v1${pathFor(endpoint)}?beta=true`,
        headers: claudeRequestHeaders(secret, {anthropicBeta: context.anthropicBeta}),
      };
    case 'codex':
      return {url: `${api}${pathFor(endpoint)}`, headers: codexRequestHeaders(secret, str(token.account_id))};
    case 'qwen': {
      const base = overrides?.api ? api : (qwenApiBase(token.resource_url) ?? api);
      return {url: `${trimSlash(base)}${pathFor(endpoint)}`, headers: {...bearer, ...QWEN_AUTH_TYPE_HEADER}};
    }
    case 'iflow':
      return {url: `${api}${pathFor(endpoint)}`, headers: iflowRequestHeaders(secret, {sessionId: iflowSession(context.session), now: context.now})};
    case 'kimi': {
      const device = str(token.device_id);
      const lower = device ? Object.fromEntries(Object.entries(kimiHeaders(device)).map(([k, v]) => [k.toLowerCase(), v])) : {};
      return {url: `${api}${pathFor(endpoint)}`, headers: {...bearer, ...lower}};
    }
    case 'copilot': {
      const base = overrides?.api ? api : trimSlash(str(token.copilot_api_base) ?? api);
      return {url: `${base}${pathFor(endpoint)}`, headers: copilotRequestHeaders(secret)};
    }
    case 'aistudio':
      return {url: `${api}/v1beta/openai${pathFor(endpoint)}`, headers: bearer};
    default:
      return {url: `${api}${pathFor(endpoint)}`, headers: bearer};
  }
}

/** A stable iFlow session id for a client session (`session-<uuid-shaped hash>`), or none. */
function iflowSession(session: string | undefined): string | undefined {
  if (!session) return undefined;
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < session.length; i++) {
    h1 = Math.imul(h1 ^ session.charCodeAt(i), 16777619) >>> 0;
    h2 = Math.imul(h2 ^ session.charCodeAt(i), 2246822519) >>> 0;
  }
  const hex = (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).repeat(2);
  return `session-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Request headers never forwarded: hop-by-hop, the proxy's own credentials, and compression (streams pass raw). */
const DROPPED_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
  'authorization',
  'x-api-key',
  'accept-encoding',
  'cookie',
  'user-agent',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'forwarded',
]);

export function forwardedRequestHeaders(
  client: Record<string, string | string[] | undefined>,
  upstream: Record<string, string>,
  bodyLength: number,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(client)) {
    if (value === undefined || DROPPED_REQUEST_HEADERS.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  Object.assign(out, upstream);
  out['accept-encoding'] = 'identity';
  out['content-length'] = String(bodyLength);
  return out;
}

const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'trailer', 'set-cookie']);

export function forwardedResponseHeaders(upstream: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name.toLowerCase())) continue;
    out[name] = value;
  }
  return out;
}
