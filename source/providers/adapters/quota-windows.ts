// Quota windows as the usage endpoints report them (PROVIDERS.md, "Quota sources"): the pieces
// every provider's quota reader (adapter.fetchQuota) shares. Unknown numbers stay null.
import type {QuotaWindow, QuotaWindowKind} from '../../core/types.js';
import {clampPct} from '../../core/quota.js';

export type Json = Record<string, unknown>;
export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A window read from a usage endpoint now. */
export function usageWindow(kind: QuotaWindowKind, usedPct: number | null, resetsAt: string | null, windowSeconds: number | null, now: number): QuotaWindow {
  return {kind, usedPct: usedPct === null ? null : clampPct(usedPct), resetsAt, windowSeconds, source: 'usage-endpoint', observedAt: new Date(now).toISOString()};
}

/** `Claude Sonnet 4.5` → `sonnet-4.5`; `seven_day_opus` → `opus`. */
export function modelScope(name: string): string {
  return name.toLowerCase().replace(/^claude[\s_-]*/, '').trim().replace(/[\s_]+/g, '-');
}
