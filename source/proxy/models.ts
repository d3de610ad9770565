// `/v1/models` as the proxy answers it. Which models an account serves is store/model-rules.ts's
// accountResolution, the one resolver the TUI preview, `ccs-tui models` and the proxy share; which
// providers and lists make up the answer is proxy/server.ts serveModels'.
import {maskedModelName, type VisibleModel} from '../core/model-rules.js';

/** Models one provider serves (the account's rules applied), in the order the answer lists them. */
export interface ListedModels {
  provider: string;
  models: readonly Pick<VisibleModel, 'id'>[];
}

/**
 * `/v1/models` in the shape the asking client expects (Anthropic's when it sent `anthropic-version`,
 * else OpenAI's). `lists` in the order the proxy's root routes pick a provider for a model (static
 * lists first, then live ones): an id is listed once, owned by the first provider that lists it
 * (compared ignoring case, as routing compares them). The answer lists each provider's ids together,
 * providers in the order they first appear: a live-only id follows its own provider's ids, not
 * another provider's. An id holding a key or token (maskedModelName) is left out.
 */
export function modelsPayload(lists: readonly ListedModels[], anthropic: boolean): unknown {
  const seen = new Set<string>();
  const entries: {id: string; provider: string}[] = [];
  for (const {provider, models} of lists) {
    for (const {id} of models) {
      // A rule whose name holds a key (config.yaml written by hand, before such names were refused) is
      // not listed: listed, the key would be shown to every client (masked, the id would be no use).
      if (seen.has(id.toLowerCase()) || maskedModelName(id) !== id) continue;
      seen.add(id.toLowerCase());
      entries.push({id, provider});
    }
  }
  const rank = new Map<string, number>();
  for (const {provider} of lists) if (!rank.has(provider)) rank.set(provider, rank.size);
  entries.sort((a, b) => rank.get(a.provider)! - rank.get(b.provider)!); // stable: each provider's order kept
  if (anthropic) {
    return {
      data: entries.map(({id}) => ({type: 'model', id, display_name: id, created_at: '1970-01-01T00:00:00Z'})),
      has_more: false,
      first_id: entries[0]?.id ?? null,
      last_id: entries.at(-1)?.id ?? null,
    };
  }
  return {object: 'list', data: entries.map(({id, provider}) => ({id, object: 'model', created: 0, owned_by: provider}))};
}
