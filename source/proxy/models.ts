// The model list an account serves: the provider's catalogue with the account's and config.yaml's
// rules applied by the one resolver the TUI preview and `ccs-tui models` use.
import {resolveModels, type ModelResolution} from '../core/model-rules.js';
import type {Account, TokenFile} from '../core/types.js';
import {staticModels, type ProviderRow} from '../providers/table.js';
import type {CliproxyConfig} from '../store/cliproxy-config.js';
import {accountPlan, accountRules, globalRules, modelNormalizer} from '../store/model-rules.js';

export function accountResolution(
  row: ProviderRow,
  config: CliproxyConfig,
  account?: Account,
  token?: TokenFile,
): ModelResolution {
  return resolveModels({
    provider: row.id,
    base: {models: staticModels(row, accountPlan(account, token)), source: 'static'},
    global: globalRules(config, row.id),
    account: accountRules(token),
    normalize: modelNormalizer(row.id),
  });
}

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
