// Which account `rotate` (and the TUI's `r`) moves to: the strategy from tui.json
// (`rotation.strategy`, most-headroom by default) applied to the cached quota. Accounts with a used-up
// window, paused ones and ones needing a login are never chosen.
import {chooseNext} from '../core/rotation.js';
import type {Account, QuotaWindow} from '../core/types.js';
import type {CcsPaths} from '../store/paths.js';
import {loadSettings} from '../store/settings.js';
import {systemClock, type Clock} from './clock.js';
import {readQuotaCache} from './quota/cache.js';

export type RotationChooser = (accounts: Account[], current: Account | undefined) => Account | undefined;

export async function chooseRotationTarget(paths: CcsPaths, provider: string, clock: Clock = systemClock): Promise<RotationChooser> {
  const [{settings}, cache] = await Promise.all([loadSettings(paths), readQuotaCache(paths)]);
  const windows = new Map<string, QuotaWindow[]>(
    Object.entries(cache.accounts[provider] ?? {}).map(([id, entry]) => [id, entry.windows] as const),
  );
  return (accounts, current) => chooseNext(settings.rotation.strategy, accounts, current?.id, windows, clock.now());
}
