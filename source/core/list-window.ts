// Which rows of a long list are drawn. Only the visible window is rendered, so lists of 1,000+
// accounts cost the same as lists of 20. The window moves only when the cursor would leave it
// (htop/lazygit feel), so it needs the previous start.

export interface ListWindow {
  /** First visible index (inclusive). */
  start: number;
  /** One past the last visible index. */
  end: number;
}

export function listWindow(total: number, cursor: number, height: number, previousStart = 0): ListWindow {
  if (total <= 0 || height <= 0) return {start: 0, end: 0};
  if (total <= height) return {start: 0, end: total};
  const at = Math.max(0, Math.min(cursor, total - 1));
  let start = Math.max(0, Math.min(previousStart, total - height));
  if (at < start) start = at;
  else if (at >= start + height) start = at - height + 1;
  return {start, end: start + height};
}
