// A compact two-window quota summary for one account row (home screen): `5h ██░ 42% week ███ 81%▲`.
// Give it the account's cached windows (useQuota() in screens/quota/useQuota.ts reads them once for
// the whole list) and the ticking `now`. Unknown reads `?%`, never 0 or 100.
import {Text} from './Text.js';
import {summaryWindows} from '../../core/quota-dashboard.js';
import {currentWindows} from '../../core/quota.js';
import type {QuotaWindow} from '../../core/types.js';
import {WindowCell} from '../screens/quota/WindowCell.js';
import {useTheme} from '../theme.js';

export interface QuotaSummaryProps {
  /** Undefined: nothing read yet (draws nothing); []: read, but no window known (`quota ?`). */
  windows: readonly QuotaWindow[] | undefined;
  now: number;
  /** Cells per bar; 0 leaves the bars out (percentages only). */
  barWidth?: number;
  /** Why no window is known (screens/quota/quota-cause.ts), shown after `?` instead of `quota ?`. */
  cause?: string;
}

/** Columns the summary takes for a bar width (two cells: `label bar 100%▲ `, one space between). */
export const quotaSummaryWidth = (barWidth: number) => 2 * (4 + 1 + (barWidth > 0 ? barWidth + 1 : 0) + 6) + 1;

export function QuotaSummary({windows, now, barWidth = 4, cause}: QuotaSummaryProps) {
  const theme = useTheme();
  // Nothing read yet for this account: blank, not a guess.
  if (!windows) return null;
  const shown = summaryWindows(currentWindows(windows, now));
  if (shown.length === 0) return <Text dimColor>{cause ? `? ${cause}` : 'quota ?'}</Text>;
  return (
    <Text>
      {shown.map((w, i) => (
        <Text key={w.kind}>
          {i > 0 ? ' ' : ''}
          <WindowCell window={w} now={now} labelWidth={4} barWidth={barWidth} binding={false} theme={theme} countdown={false} />
        </Text>
      ))}
    </Text>
  );
}
