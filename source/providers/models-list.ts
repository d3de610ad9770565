// A provider's models list (GET), derived from its inference target so a gateway override or a
// token file's base URL applies to it too: `…/chat/completions` → `…/models` (OpenAI), `…/messages`
// → `…/models` (Anthropic). It is the cheapest authenticated call these APIs have: the live list for
// the rules preview (proxy/live-models.ts) and the key check of API-key logins (services/oauth/login.ts)
// both ask it. APIs without such a list (Responses, Gemini's) answer undefined.
import {sanitizeLine} from '../core/sanitize.js';
import type {TokenFile} from '../core/types.js';
import type {ProviderRow, UpstreamTarget} from './types.js';

export interface ModelsListTarget extends UpstreamTarget {
  /** Whose list shape and paging the answer has. */
  dialect: 'openai' | 'anthropic';
}

/** Whether the provider's API has a models list (so the proxy may serve a live list, not the static one). */
export const hasModelsList = (row: Pick<ProviderRow, 'api'>): boolean => row.api.includes('openai-chat') || row.api.includes('anthropic');

/** The models list call for `token` (the adapter builds URL and headers); undefined when the API has none. */
export function modelsListTarget(row: ProviderRow, apiOverride: string | undefined, token: TokenFile, now: number): ModelsListTarget | undefined {
  const secret = row.adapter.bearer(token) ?? '';
  const target = (protocol: 'openai-chat' | 'anthropic') => row.adapter.upstreamTarget({row, apiOverride, token, secret, protocol, method: 'generate', now});
  if (row.api.includes('openai-chat')) {
    const {url, headers} = target('openai-chat');
    return {url: url.replace(/\/chat\/completions$/, '/models'), headers, dialect: 'openai'};
  }
  if (row.api.includes('anthropic')) {
    const {url, headers} = target('anthropic');
    return {url: url.replace(/\/messages(\?|$)/, '/models$1'), headers, dialect: 'anthropic'};
  }
  return undefined;
}

/**
 * Model ids (trimmed, sanitised, blanks dropped) from a models list answer: OpenAI's and Anthropic's
 * are both `{data: [{id}, …]}`. Undefined when the body is not that shape (a web server's welcome
 * page, a gateway's other JSON): the caller says what came instead.
 */
export function modelIdsOf(body: unknown): string[] | undefined {
  const data = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).data : undefined;
  if (!Array.isArray(data)) return undefined;
  return data
    .map((entry) => (typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).id : undefined))
    .filter((id): id is string => typeof id === 'string' && id.trim() !== '')
    .map((id) => sanitizeLine(id.trim()));
}
