// One quota window drawn as `label bar pct marks countdown`, used by the dashboard and the home
// summary. Colour follows the level (ok, warn, over, used up); the marks say the same without it.
import {Text} from '../../components/Text.js';
import {padCells} from '../../../core/cells.js';
import {formatPct, formatResetCountdown, paceMark, quotaBar, quotaLevel, windowLabel, type QuotaLevel} from '../../../core/quota-format.js';
import {windowState} from '../../../core/quota.js';
import type {QuotaWindow} from '../../../core/types.js';
import type {Theme} from '../../theme.js';

export const BINDING_MARK = '◆';

export function levelColor(theme: Theme, level: QuotaLevel): string | undefined {
  if (level === 'ok') return theme.ok;
  if (level === 'warn') return theme.warn;
  if (level === 'over' || level === 'exhausted') return theme.error;
  return theme.muted;
}

// Labels are model ids too (`week 模型-pro`): measured in terminal cells, cut with `…`.
const fit = (text: string, width: number) => padCells(text, width, {truncate: true});

export interface WindowCellProps {
  window: QuotaWindow;
  now: number;
  labelWidth: number;
  barWidth: number;
  binding: boolean;
  theme: Theme;
  /** Leave out the countdown (the home summary is narrow). */
  countdown?: boolean;
}

/** `5h   ████░│░░░  42%▲◆ 2h 10m` — widths: label, 1, bar, 1, 4, 1, 1, then ` ` and 6 with the countdown. */
export function WindowCell({window, now, labelWidth, barWidth, binding, theme, countdown = true}: WindowCellProps) {
  const bar = quotaBar(window, now, barWidth);
  const level = quotaLevel(window, now);
  const color = levelColor(theme, level);
  const used = windowState(window, now).usedPct;
  const paceAt = bar.paceIndex - bar.filled.length;
  const rest = bar.rest;
  return (
    <Text>
      <Text>{fit(windowLabel(window.kind), labelWidth)} </Text>
      {barWidth === 0 ? null : <Text color={color}>{bar.filled}</Text>}
      {barWidth === 0 ? null : paceAt >= 0 ? (
        <>
          <Text color={theme.muted}>{rest.slice(0, paceAt)}</Text>
          <Text color={theme.accent} bold>
            {rest.slice(paceAt, paceAt + 1)}
          </Text>
          <Text color={theme.muted}>{rest.slice(paceAt + 1)}</Text>
        </>
      ) : (
        <Text color={theme.muted}>{rest}</Text>
      )}
      <Text color={color} dimColor={window.stale} bold={level === 'exhausted'}>
        {barWidth === 0 ? '' : ' '}
        {formatPct(used)}
        {paceMark(window, now)}
      </Text>
      <Text bold>{binding ? BINDING_MARK : ' '}</Text>
      {countdown ? <Text dimColor>{` ${padCells(formatResetCountdown(window, now), 6)}`}</Text> : null}
    </Text>
  );
}
