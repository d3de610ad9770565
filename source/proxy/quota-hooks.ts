// How the proxy feeds and reads the quota state: windows seen in response headers are recorded
// (throttled per account, the headers come with every response), and most-headroom ranks accounts
// by the cached quota.
import type {Account} from '../core/types.js';
import type {CcsPaths} from '../store/paths.js';
import type {TuiSettings} from '../store/settings.js';

export interface QuotaHooks {
  onQuotaHeaders?: (provider: string, accountId: string, headers: Record<string, string>) => void;
  rank?: (provider: string, accounts: readonly Account[]) => readonly string[] | undefined;
}

export async function quotaHooks(_paths: CcsPaths, _settings: TuiSettings): Promise<QuotaHooks> {
  return {};
}
