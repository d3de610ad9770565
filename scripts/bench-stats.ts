// Order statistics for the benchmarks, and a figure judged against its budget.
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** One figure against its budget (DESIGN.md's, or the it names): `ok` is PASS, else OVER. */
export interface Verdict {
  name: string;
  value: string;
  budget: string;
  ok: boolean;
}
