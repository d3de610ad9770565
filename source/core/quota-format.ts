// Quota as text: window names, percentages, countdowns, run-out and bars, shared by the dashboard,
// the home screen's summary and `ccs-tui quota`. Never colour alone: every state has a mark or word.
import {instantMs, paceStatus, pacePct, runOut, windowState, type RunOut} from './quota.js';
import {formatDuration} from './relative-time.js';
import type {QuotaWindow, QuotaWindowKind} from './types.js';

/** Short name of a window kind: `5h`, `week`, `week opus`, `month`, `30d`, `day gemini-2.5-pro`. */
export function windowLabel(kind: QuotaWindowKind): string {
  if (kind === 'weekly') return 'week';
  if (kind === 'monthly') return 'month';
  if (kind.startsWith('weekly:')) return `week ${kind.slice('weekly:'.length)}`;
  if (kind.startsWith('daily:')) return `day ${kind.slice('daily:'.length)}`;
  if (kind.startsWith('5h:')) return `5h ${kind.slice('5h:'.length)}`;
  return kind;
}

/** `42%`, or `?%` when unknown (never 0 or 100). Always 4 columns. */
export function formatPct(usedPct: number | null): string {
  return (usedPct === null ? '?%' : `${Math.round(usedPct)}%`).padStart(4);
}

/** `2h 10m`, `reset` (passed, waiting for fresh numbers), or `?` when the reset is unknown. */
export function formatResetCountdown(window: QuotaWindow, now: number): string {
  const state = windowState(window, now);
  if (state.resetPassed) return 'reset';
  if (!window.resetsAt) return '?';
  const at = instantMs(window.resetsAt);
  return Number.isNaN(at) ? '?' : formatDuration(at - now);
}

export function formatRunOut(result: RunOut | null): string {
  if (!result) return '';
  if (result.kind === 'exhausted') return 'used up';
  if (result.kind === 'lasts') return 'lasts until reset';
  return `runs out in ${formatDuration(result.inMs)}`;
}

/** `▲` over pace, `!` used up, ` ` otherwise: readable without colour. */
export function paceMark(window: QuotaWindow, now: number): string {
  const used = windowState(window, now).usedPct;
  if (used !== null && used >= 100) return '!';
  return paceStatus(window, now) === 'over' ? '▲' : ' ';
}

export type QuotaLevel = 'unknown' | 'ok' | 'warn' | 'over' | 'exhausted';

/** What colour means: exhausted, over pace or above 80 % warns, else ok. */
export function quotaLevel(window: QuotaWindow, now: number): QuotaLevel {
  const used = windowState(window, now).usedPct;
  if (used === null) return 'unknown';
  if (used >= 100) return 'exhausted';
  if (used > 90) return 'over';
  if (paceStatus(window, now) === 'over' || used > 80) return 'warn';
  return 'ok';
}

export const BAR_FILLED = '█';
export const BAR_EMPTY = '░';
export const BAR_UNKNOWN = '·';
export const BAR_PACE = '│';

export interface BarParts {
  /** Cells that are used (filled). */
  filled: string;
  /** Cells that are left (empty), with the pace marker in place. */
  rest: string;
  /** Index of the pace marker in the whole bar, or -1. */
  paceIndex: number;
}

/**
 * A bar of `width` cells: used cells filled, the rest empty, and a `│` where even use would be now.
 * Unknown use draws dots, not an empty or a full bar. The marker replaces the cell it falls on.
 */
export function quotaBar(window: QuotaWindow, now: number, width: number): BarParts {
  const cells = Math.max(1, width);
  const used = windowState(window, now).usedPct;
  const pace = pacePct(window, now);
  const paceIndex = pace === null ? -1 : Math.min(cells - 1, Math.floor((pace / 100) * cells));
  const chars: string[] = [];
  const filledCount = used === null ? 0 : Math.round((used / 100) * cells);
  for (let i = 0; i < cells; i++) chars.push(used === null ? BAR_UNKNOWN : i < filledCount ? BAR_FILLED : BAR_EMPTY);
  if (paceIndex >= 0) chars[paceIndex] = BAR_PACE;
  return {filled: chars.slice(0, filledCount).join(''), rest: chars.slice(filledCount).join(''), paceIndex};
}

/** One line per window for plain text (the `quota` command): `week  81% ▲ resets in 2d · runs out in 1d`. */
export function describeWindow(window: QuotaWindow, now: number): string {
  const countdown = formatResetCountdown(window, now);
  const reset = countdown === 'reset' ? 'reset, awaiting fresh data' : countdown === '?' ? 'reset unknown' : `resets in ${countdown}`;
  const run = formatRunOut(runOut(window, now));
  const used = windowState(window, now).usedPct;
  return `${windowLabel(window.kind)} ${formatPct(used).trim()}${paceMark(window, now).trimEnd() ? ` ${paceMark(window, now)}` : ''} ${reset}${run ? ` · ${run}` : ''}`;
}
