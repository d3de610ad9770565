// Cached quota on disk (tui/quota-cache.json) for tests and the screenshot script.
import type {TempCcs} from './ccs.js';

/** One cached window, `usedPct` of `windowSeconds` used, resetting `resetInMs` after `now`, seen 2 min before it. */
export function quotaWindowFixture(now: number, kind: string, usedPct: number | null, resetInMs: number | null, windowSeconds: number) {
  const at = (ms: number) => new Date(now + ms).toISOString();
  return {kind, usedPct, resetsAt: resetInMs === null ? null : at(resetInMs), windowSeconds, source: 'usage-endpoint', observedAt: at(-2 * 60_000)};
}

/** Writes the quota cache: windows by provider, then account id, all fetched at `fetchedAt`. */
export function writeQuotaCache(ccs: TempCcs, fetchedAt: Date, accounts: Record<string, Record<string, unknown[]>>): void {
  const entries = Object.fromEntries(
    Object.entries(accounts).map(([provider, byId]) => [
      provider,
      Object.fromEntries(Object.entries(byId).map(([id, windows]) => [id, {fetchedAt: fetchedAt.toISOString(), windows}])),
    ]),
  );
  ccs.writeRaw('tui/quota-cache.json', JSON.stringify({version: 1, accounts: entries}));
}
