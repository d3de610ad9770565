// The proxy's URL surface, as CCS and CLIProxyAPI clients use it: `/v1/...` routes to the provider
// being served, `/api/provider/<provider>/v1/...` to a named provider.
import {ownValue} from '../core/id-map.js';
import type {ApiProtocol, ProviderRow} from '../providers/table.js';
import type {ErrorShape} from './errors.js';

export type Endpoint = 'messages' | 'count-tokens' | 'chat-completions' | 'responses' | 'models';

export interface Route {
  endpoint: Endpoint;
  /** From `/api/provider/<provider>/`; undefined for the root routes. */
  provider?: string;
}

const ENDPOINTS: Record<string, Endpoint> = {
  '/v1/messages': 'messages',
  '/v1/messages/count_tokens': 'count-tokens',
  '/v1/chat/completions': 'chat-completions',
  '/v1/responses': 'responses',
  '/v1/models': 'models',
};

/** Parses a request path (query ignored); undefined when it is not a proxy route. */
export function parseRoute(url: string): Route | undefined {
  // Up to the query, trailing slashes dropped; neither an array nor an expression when there are none (issue 14).
  const query = url.indexOf('?');
  let path = query < 0 ? url : url.slice(0, query);
  if (path.endsWith('/')) path = path.replace(/\/+$/, '');
  const direct = ownValue(ENDPOINTS, path);
  if (direct) return {endpoint: direct};
  const match = /^\/api\/provider\/([A-Za-z0-9_-]+)(\/.*)$/.exec(path);
  if (!match) return undefined;
  const rest = match[2]!.startsWith('/v1/') ? match[2]! : `/v1${match[2]}`;
  const endpoint = ownValue(ENDPOINTS, rest);
  return endpoint ? {endpoint, provider: match[1]!.toLowerCase()} : undefined;
}

/** The wire protocol a route speaks. */
export function protocolOf(endpoint: Exclude<Endpoint, 'models'>): ApiProtocol {
  switch (endpoint) {
    case 'messages':
    case 'count-tokens':
      return 'anthropic';
    case 'chat-completions':
      return 'openai-chat';
    case 'responses':
      return 'openai-responses';
  }
}

/**
 * The error shape a request's client reads: its route's protocol (Anthropic on /v1/messages, OpenAI
 * on /v1/chat/completions and /v1/responses). A path that names no protocol (/v1/models, an unknown
 * path) goes by the `anthropic-version` header, which Anthropic's SDKs always send and OpenAI's
 * never do (as /v1/models' list does, models.ts).
 */
export function errorShapeOf(route: Route | undefined, anthropicVersion: boolean): ErrorShape {
  if (!route || route.endpoint === 'models') return anthropicVersion ? 'anthropic' : 'openai';
  return protocolOf(route.endpoint) === 'anthropic' ? 'anthropic' : 'openai';
}

const ROUTE_FOR: Record<ApiProtocol, string> = {
  anthropic: '/v1/messages',
  'openai-chat': '/v1/chat/completions',
  'openai-responses': '/v1/responses',
  'gemini-internal': "Gemini's internal API (no client speaks it; the proxy translates to it)",
  'gemini-native': 'the Gemini API (the proxy has no route for it; it translates to it)',
};

/** Why a provider cannot serve a route's protocol as is (a translator may still bridge it). */
export function protocolMismatch(row: ProviderRow, endpoint: Exclude<Endpoint, 'models'>): string | undefined {
  return protocolMismatchFor(row, protocolOf(endpoint));
}

export function protocolMismatchFor(row: ProviderRow, wanted: ApiProtocol): string | undefined {
  if (row.api.includes(wanted)) return undefined;
  const speaks = row.api.map((p) => ROUTE_FOR[p]).join(' or ');
  return `${row.displayName} does not speak this API and no translator bridges it; send its requests to ${speaks || 'nothing (no inference API)'}`;
}
