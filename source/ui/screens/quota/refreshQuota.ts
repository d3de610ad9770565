// `R` on the home and detail screens: fetch the selected account's quota now (or the provider's
// accounts when none is selected), ignoring any 429 backoff.
import {accountLabel} from '../../../core/accounts.js';
import {hasQuotaSource} from '../../../services/quota/service.js';
import type {AccountActionContext} from '../registry.js';

export async function refreshQuota({services, provider, account}: AccountActionContext): Promise<string> {
  if (!hasQuotaSource(provider)) throw new Error(`${provider} does not report quota`);
  if (!services.quota) throw new Error('quota polling is off in this session');
  const targets = account ? [account] : (await services.store.load()).accounts.filter((a) => a.provider === provider);
  await services.quota.refresh(targets);
  const entry = services.quota.snapshot.accounts[provider]?.[account?.id ?? ''];
  if (account && entry?.error) throw new Error(`quota of ${accountLabel(account)}: ${entry.error.message}`);
  return account ? `quota of ${accountLabel(account)} refreshed` : `quota of ${targets.length} ${provider} accounts refreshed`;
}
