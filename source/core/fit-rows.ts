// Which rows of a screen to draw when they do not all fit its height: the ones that matter most stay,
// in their order, and one row says what was left out (never a row squeezed to nothing, which Ink
// draws as one row over another).

/** A row a screen would draw. `drop`: 0 never dropped; the highest are dropped first. `label`: how the note names it. */
export interface FitRow<T> {
  value: T;
  drop: number;
  label?: string;
}

export interface FittedRows<T> {
  shown: T[];
  /** Labels of the rows left out (deduplicated, in their order); empty when all fit. */
  hidden: string[];
  /** How many labelled rows were left out (blank spacers are not counted). */
  hiddenCount: number;
}

/**
 * The rows to draw in `room` rows: all of them when they fit; else the rows dropped last, keeping
 * their order. Rows without a label (blank spacers) go silently; once a labelled row goes, one row is
 * kept for the note `hiddenNote` words. Rows that are never dropped stay even when they alone
 * overflow (the caller's box clips them: its size is the terminal's).
 */
export function fitRows<T>(rows: readonly FitRow<T>[], room: number): FittedRows<T> {
  // Dropped first: the highest `drop`, and among equals the last one (the bottom of a group goes first).
  const order = rows.map((row, index) => ({row, index})).filter(({row}) => row.drop > 0).sort((a, b) => b.row.drop - a.row.drop || b.index - a.index);
  const out = new Set<number>();
  const noted = () => [...out].some((i) => rows[i]!.label !== undefined);
  for (const {index} of order) {
    if (rows.length - out.size <= room - (noted() ? 1 : 0)) break;
    out.add(index);
  }
  const left = rows.filter((r, i) => out.has(i) && r.label !== undefined);
  return {shown: rows.filter((_, i) => !out.has(i)).map((r) => r.value), hidden: [...new Set(left.map((r) => r.label!))], hiddenCount: left.length};
}

/** The note in place of the rows left out, naming them: "+2 rows in a taller terminal: Created, Last used". */
export function hiddenNote(fitted: FittedRows<unknown>): string | undefined {
  if (fitted.hiddenCount === 0) return undefined;
  return `+${fitted.hiddenCount} row${fitted.hiddenCount === 1 ? '' : 's'} in a taller terminal: ${fitted.hidden.join(', ')}`;
}
