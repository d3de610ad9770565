// `/v1/models` as the proxy answers it. Which models an account serves is store/model-rules.ts's
// accountResolution, the one resolver the TUI preview, `ccs-tui models` and the proxy share.
import type {ModelResolution} from '../core/model-rules.js';

/** `/v1/models` in the shape the asking client expects (Anthropic's when it sent `anthropic-version`). */
export function modelsPayload(resolution: ModelResolution, anthropic: boolean): unknown {
  const ids = resolution.models.map((m) => m.id);
  if (anthropic) {
    return {
      data: ids.map((id) => ({type: 'model', id, display_name: id, created_at: '1970-01-01T00:00:00Z'})),
      has_more: false,
      first_id: ids[0] ?? null,
      last_id: ids[ids.length - 1] ?? null,
    };
  }
  return {object: 'list', data: ids.map((id) => ({id, object: 'model', created: 0, owned_by: resolution.provider}))};
}
