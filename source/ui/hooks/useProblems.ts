// The problems the banner and the M list show: tui.json's, config.yaml's, the accounts' read, and
// each file's (StoreProblem), each with its severity (core/problems.ts), errors first, then the newest first.
import {useEffect, useRef, useState, useSyncExternalStore} from 'react';
import {extraCaWarnings, onExtraCaWarning} from '../../services/extra-ca-certs.js';
import {describeError} from '../errors.js';
import {orderProblems, problemText, type ProblemSeverity} from '../../core/problems.js';
import {useAccounts} from './useAccounts.js';
import {useSettings, useSettingsProblem} from './useSettings.js';
import {plainHttpWarnings, wrongSettingsWarning} from '../../store/settings.js';
import {LOCAL_TARGET, plainHttpTargetNote} from '../../store/targets.js';
import {useTarget} from './useTarget.js';
import {useServices} from '../services.js';

/** Each problem as one line, `error: …` or `warning: …`, paths relative to the CCS dir, most pressing first. */
export function useProblems(): string[] {
  const {paths} = useServices();
  const accounts = useAccounts();
  const settingsProblem = useSettingsProblem();
  const settings = useSettings()?.settings;
  const target = useTarget();
  // The live remote target's own URL (`where`), as it was opened.
  const remotePlainHttp = target.name !== LOCAL_TARGET ? plainHttpTargetNote(target.name, target.where) : undefined;
  const configProblem = useConfigProblem();
  // NODE_EXTRA_CA_CERTS read in part or not at all (services/extra-ca-certs.ts): kept off the screen's stderr.
  const caWarnings = useSyncExternalStore(onExtraCaWarning, extraCaWarnings);
  // When each problem was first met in this session (a count, not a time: only the order matters).
  const seen = useRef({next: 0, at: new Map<string, number>()});
  const list: Array<{severity: ProblemSeverity; message: string}> = [
    // While it holds, no token goes to any provider (store/settings.ts endpointOverrides).
    ...(settingsProblem ? [{severity: 'error' as const, message: settingsProblem}] : []),
    // While it holds, the proxy does not start and no rule or export can be read from it.
    ...(configProblem ? [{severity: 'error' as const, message: configProblem}] : []),
    ...(accounts.error ? [{severity: 'error' as const, message: `cannot read the accounts: ${accounts.error}`}] : []),
    // What the command line warns of when it uses them (an endpoint override in plain http://), in its words.
    ...(settings ? plainHttpWarnings(settings) : []).map((message) => ({severity: 'warning' as const, message})),
    // Settings of the wrong kind, each read as its default (the rest of tui.json holds).
    ...(settings && wrongSettingsWarning(settings) ? [{severity: 'warning' as const, message: wrongSettingsWarning(settings)!}] : []),
    // The live remote target in plain http:// (allowed in tui.json): said on every screen, as its name is in the title.
    ...(remotePlainHttp ? [{severity: 'warning' as const, message: `${paths.settings}: ${remotePlainHttp}`}] : []),
    ...caWarnings.map((message) => ({severity: 'warning' as const, message})),
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

/** Why config.yaml cannot be read (it names the file and the place), read again on each change; undefined while it reads fine. */
function useConfigProblem(): string | undefined {
  const {paths, watchCcsDir} = useServices();
  const [problem, setProblem] = useState<string | undefined>(undefined);
  useEffect(() => {
    let alive = true;
    const read = () =>
      void import('../../store/cliproxy-config.js')
        .then(({loadCliproxyConfig}) => loadCliproxyConfig(paths))
        .then(
          () => alive && setProblem(undefined),
          (error: unknown) => alive && setProblem(describeError(error)),
        );
    read();
    const unwatch = watchCcsDir(read, 'config');
    return () => {
      alive = false;
      unwatch();
    };
  }, [paths, watchCcsDir]);
  return problem;
}
