// The live base list for the model rules preview: the provider's own models endpoint, asked with the
// chosen account's credentials and the same URL and headers the proxy uses for inference (so a
// gateway override in tui.json applies here too). Upstream ids, before any rule: the running proxy's
// `/v1/models` is not used because it already has the rules applied.
// Providers without a models endpoint (codex, the Google ones) have no live list: the caller falls
// back to the static catalogue and labels it so.
// It sits in proxy/ because it builds its request with the proxy's own upstreamTarget (upstream.ts).
import {sanitizeLine} from '../core/sanitize.js';
import type {Account, TokenFile} from '../core/types.js';
import {upstreamTarget} from './upstream.js';
import {findProvider, type Endpoints, type ProviderRow} from '../providers/table.js';
import type {LiveModelList} from '../store/model-rules.js';
import type {CcsPaths} from '../store/paths.js';
import {endpointOverrides, loadSettings} from '../store/settings.js';
import {bodyExcerpt, jsonBody, undiciHttpClient, UnexpectedResponseError, type HttpClient} from '../services/http.js';

const MAX_MODELS = 1000;
const TIMEOUT_MS = 8000;

/** The models URL and headers for a provider, derived from its inference target; undefined = none. */
export function modelsRequest(row: ProviderRow, overrides: Endpoints | undefined, token: TokenFile, now: number) {
  const context = {now};
  if (row.api.includes('openai-chat')) {
    const target = upstreamTarget(row, overrides, token, 'chat-completions', context);
    return {url: target.url.replace(/\/chat\/completions$/, '/models'), headers: target.headers};
  }
  if (row.api.includes('anthropic')) {
    const target = upstreamTarget(row, overrides, token, 'messages', context);
    return {url: target.url.replace(/\/messages(\?|$)/, '/models$1'), headers: target.headers};
  }
  return undefined;
}

/** Model ids from an OpenAI (`{data: [{id}]}`) or Anthropic (`{data: [{id}]}`) list answer. */
export function parseModelList(body: Record<string, unknown>, url: string, status: number): string[] {
  const data = body.data;
  if (!Array.isArray(data)) throw new UnexpectedResponseError(url, status, 'expected {"data": [{"id": …}]}');
  const ids = data
    .map((entry) => (typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).id : undefined))
    .filter((id): id is string => typeof id === 'string' && id.trim() !== '')
    .map((id) => sanitizeLine(id.trim()));
  return [...new Set(ids)].slice(0, MAX_MODELS);
}

/**
 * A LiveModelList over HTTP. Without an account (no credentials) or for a provider with no models
 * endpoint it answers undefined; a failed request throws with the reason (status, host, excerpt).
 */
export function providerModelList(options: {http: HttpClient; endpoints: (provider: string) => Endpoints | undefined; now?: () => number}): LiveModelList {
  return async (provider: string, account: Account | undefined, token: TokenFile | undefined) => {
    const row = findProvider(provider);
    if (!row || !account || !token) return undefined;
    const request = modelsRequest(row, options.endpoints(row.id), token, (options.now ?? Date.now)());
    if (!request) return undefined;
    const response = await options.http.send({url: request.url, method: 'GET', headers: request.headers, timeoutMs: TIMEOUT_MS});
    if (response.status !== 200) throw new UnexpectedResponseError(request.url, response.status, bodyExcerpt(response.text, 120));
    return parseModelList(jsonBody(response, request.url), request.url, response.status);
  };
}

/** The live list with the user's tui.json endpoint overrides, over undici unless told otherwise. */
export async function liveModelList(paths: CcsPaths, http: HttpClient = undiciHttpClient): Promise<LiveModelList> {
  const {settings} = await loadSettings(paths);
  return providerModelList({http, endpoints: (provider) => endpointOverrides(settings, provider)});
}
