// The problems the banner and the M list show: tui.json's, the accounts' read, and each file's
// (StoreProblem), each with its severity (core/problems.ts), errors first, then the newest first.
import {useRef} from 'react';
import {orderProblems, problemText, type ProblemSeverity} from '../../core/problems.js';
import {useAccounts} from './useAccounts.js';
import {useSettingsProblem} from './useSettings.js';
import {useServices} from '../services.js';

/** Each problem as one line, `error: …` or `warning: …`, paths relative to the CCS dir, most pressing first. */
export function useProblems(): string[] {
  const {paths} = useServices();
  const accounts = useAccounts();
  const settingsProblem = useSettingsProblem();
  // When each problem was first met in this session (a count, not a time: only the order matters).
  const seen = useRef({next: 0, at: new Map<string, number>()});
  const list: Array<{severity: ProblemSeverity; message: string}> = [
    // While it holds, no token goes to any provider (store/settings.ts endpointOverrides).
    ...(settingsProblem ? [{severity: 'error' as const, message: settingsProblem}] : []),
    ...(accounts.error ? [{severity: 'error' as const, message: `cannot read the accounts: ${accounts.error}`}] : []),
    ...(accounts.snapshot?.problems ?? []).map((p) => ({
      severity: p.severity,
      message: `${p.message.includes(p.file) ? '' : `${p.file}: `}${p.message}${p.backup ? ` (backup: ${p.backup})` : ''}`,
    })),
  ];
  const lines = list.map((p) => problemText(p).split(`${paths.root}/`).join(''));
  const {at} = seen.current;
  for (const line of lines) if (!at.has(line)) at.set(line, seen.current.next++);
  // Forget the ones that went away: one that comes back is new again.
  for (const line of [...at.keys()]) if (!lines.includes(line)) at.delete(line);
  return orderProblems(list.map((p, i) => ({...p, line: lines[i]!, seenAt: at.get(lines[i]!)!}))).map((p) => p.line);
}
