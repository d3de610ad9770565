// Problems with the files the accounts live in, as every surface words them (the CLI's stderr, the
// TUI's banner and M list, the proxy's log and status): one severity per problem, the same everywhere.

/**
 * `error`: a file that cannot be read, or whose changes are refused (an account that cannot serve, a
 * registry rebuilt, settings not applied); `warning`: everything still works, but something should be
 * fixed (a token file others can read).
 */
export type ProblemSeverity = 'error' | 'warning';

/** `error: …` or `warning: …`, as the CLI prints it after `ccs-tui: `. */
export function problemText(problem: {severity: ProblemSeverity; message: string}): string {
  return `${problem.severity}: ${problem.message}`;
}

/**
 * The order a banner shows problems in: errors before warnings, then the newest first (`seenAt`:
 * when this session first met it, ms); problems seen together keep their order. A new array.
 */
export function orderProblems<T extends {severity: ProblemSeverity; seenAt: number}>(problems: readonly T[]): T[] {
  const rank = (p: T) => (p.severity === 'error' ? 0 : 1);
  return problems
    .map((problem, index) => ({problem, index}))
    .sort((a, b) => rank(a.problem) - rank(b.problem) || b.problem.seenAt - a.problem.seenAt || a.index - b.index)
    .map(({problem}) => problem);
}
