// Text measured in terminal cells, not UTF-16 units: a CJK character or an emoji takes two cells,
// a combining mark none (string-width, the measure Ink itself uses). Every column and cut-off in
// the TUI goes through these, so a wide nickname never pushes a row past its width.
import stringWidth from 'string-width';

/** Terminal cells `text` takes. */
export const cellWidth = (text: string): number => stringWidth(text);

/** `text` cut to at most `width` cells, ending in `…` when something was cut. */
export function truncateCells(text: string, width: number): string {
  if (width <= 0) return '';
  if (cellWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = cellWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out.trimEnd()}…`;
}

/** `text` in a column of exactly `width` cells: cut with `…` (keeping one cell of gap) or padded. */
export function fitCell(text: string, width: number): string {
  if (width <= 0) return '';
  const cut = cellWidth(text) > width - 1 ? truncateCells(text, Math.max(1, width - 1)) : text;
  return cut + ' '.repeat(Math.max(0, width - cellWidth(cut)));
}
