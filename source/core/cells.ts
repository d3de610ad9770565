// Text measured in terminal cells, not string length: a CJK character takes two cells, a combining
// mark or a zero-width joiner none, an emoji sequence two. Every column of the command line's tables
// (and any list that aligns text) pads and cuts with these, so nicknames, emails and model ids in
// any script keep the columns straight. Widths are string-width's (Unicode East Asian Width, with
// ambiguous characters narrow, as most terminals draw them).
import stringWidth from 'string-width';
import {graphemes, ONE_CELL_TEXT} from './graphemes.js';

/**
 * The number of terminal cells `text` takes (ANSI escapes count as none). Text of one-cell characters
 * (graphemes.ts ONE_CELL_TEXT) is measured by its length: the accounts list measures every account's
 * name for its first frame (Ink's string-width gets the same shortcut at bundle time:
 * scripts/bundle-tui.mjs).
 */
export function cellWidth(text: string): number {
  return ONE_CELL_TEXT.test(text) ? text.length : stringWidth(text);
}

/**
 * `text` cut to at most `width` cells, never inside a character (a grapheme cluster: a letter with
 * its combining marks, an emoji sequence); when cut, the last cell is `ellipsis` (a one-cell `…` by
 * default, or '' for a hard cut). A wide character that would straddle the edge is dropped whole.
 */
export function truncateCells(text: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return '';
  if (cellWidth(text) <= width) return text;
  const room = width - cellWidth(ellipsis);
  if (room < 0) return truncateCells(ellipsis, width, '');
  let out = '';
  let used = 0;
  for (const {segment} of graphemes(text)) {
    const w = cellWidth(segment);
    if (used + w > room) break;
    out += segment;
    used += w;
  }
  return out + ellipsis;
}

/**
 * `text` padded with spaces to exactly `width` cells (`align: 'right'` pads on the left); longer
 * text is returned as is, unless `truncate` is set, then it is cut with truncateCells.
 */
export function padCells(text: string, width: number, options: {align?: 'left' | 'right'; truncate?: boolean} = {}): string {
  const fitted = options.truncate ? truncateCells(text, width) : text;
  const gap = ' '.repeat(Math.max(0, width - cellWidth(fitted)));
  return options.align === 'right' ? gap + fitted : fitted + gap;
}

/**
 * `text` in a column of exactly `width` cells: cut with `…` (keeping one cell of gap unless `last`) or
 * padded. `cut`: how a text too long is cut (truncateName for an account's name).
 */
export function fitCell(text: string, width: number, last = false, cut: (text: string, width: number) => string = truncateCells): string {
  if (width <= 0) return '';
  // A row's last cell has nothing after it to keep apart from: it may fill its width.
  const room = last ? width : width - 1;
  const fitted = cellWidth(text) > room ? cut(text, Math.max(1, room)) : text;
  return fitted + ' '.repeat(Math.max(0, width - cellWidth(fitted)));
}

/**
 * An account's name (an email, `nickname · email`, a label `carol@example.com#team` or
 * `id (token file)`) cut to at most `width` cells so that what tells it from the others stays: the
 * email's domain is cut first (`carol@exam…#team`), and when that is not enough the name is cut in
 * the middle, keeping its end (a token file's `…-team.json)`, which tells two logins of one email
 * apart). An email whose local part alone is too long keeps its domain (`first.middle.l…@example.com`)
 * while the local part keeps half the width. A name without an email or a token file is cut at its end.
 */
export function truncateName(text: string, width: number): string {
  if (cellWidth(text) <= width) return text;
  const email = /^([^@]*@)([^\s#()@]+)(.*)$/s.exec(text);
  if (email) {
    const [, before, domain, after] = email as unknown as [string, string, string, string];
    const room = width - cellWidth(before) - cellWidth(after);
    if (room >= 2) return `${before}${truncateCells(domain, room)}${after}`;
    if (after === '') {
      // A local part too long to leave the domain any room (an unusually long email): the local part
      // is cut instead and the domain stays whole, while the local part keeps half the width.
      const local = width - cellWidth(domain) - 1;
      return local >= width / 2 ? `${truncateCells(before.slice(0, -1), local)}@${domain}` : truncateCells(text, width);
    }
    return truncateMiddle(`${before}…${after}`, width);
  }
  return / \(.+\)$/s.test(text) ? truncateMiddle(text, width) : truncateCells(text, width);
}

/** `text` cut in the middle to `width` cells: a third of it before the `…`, the rest (its end) after. */
function truncateMiddle(text: string, width: number): string {
  if (cellWidth(text) <= width) return text;
  if (width < 5) return truncateCells(text, width);
  const head = Math.floor((width - 1) / 3);
  return `${truncateCells(text, head, '')}…${lastCells(text, width - 1 - head)}`;
}

/** The end of `text` that fits in `width` cells, whole characters only (a path cut from its start). */
export function lastCells(text: string, width: number): string {
  const segments = Array.from(graphemes(text), (s) => s.segment);
  let out = '';
  let used = 0;
  for (let i = segments.length - 1; i >= 0; i--) {
    const w = cellWidth(segments[i]!);
    if (used + w > width) break;
    out = segments[i]! + out;
    used += w;
  }
  return out;
}

/**
 * `text` broken into rows of at most `width` cells at spaces; a word longer than a row is cut into
 * pieces. No row starts with the space it was broken at (Ink's own wrap keeps it, which shifts
 * continuation rows one cell right).
 */
export function wrapWords(text: string, width: number): string[] {
  const rows: string[] = [];
  let row = '';
  for (const word of text.split(' ')) {
    if (row && cellWidth(row) + 1 + cellWidth(word) > width) {
      rows.push(row);
      row = '';
    }
    let rest = row ? `${row} ${word}` : word;
    while (cellWidth(rest) > width && width > 0) {
      // A wide character on a one-cell row still goes somewhere: a row of its own.
      const head = truncateCells(rest, width, '') || [...graphemes(rest)][0]!.segment;
      rows.push(head);
      rest = rest.slice(head.length);
    }
    row = rest;
  }
  rows.push(row);
  return rows;
}

/**
 * `items` joined with `separator` into as few rows of at most `width` cells as they need, each item
 * whole on one row (a legend that would be cut goes on to a second row instead); an item wider
 * than a row is cut with …
 */
export function packItems(items: readonly string[], width: number, separator = ' · '): string[] {
  const rows: string[] = [];
  let row = '';
  for (const item of items) {
    const joined = row ? `${row}${separator}${item}` : item;
    if (row && cellWidth(joined) > width) {
      rows.push(row);
      row = item;
    } else row = joined;
  }
  rows.push(row);
  return rows.map((r) => truncateCells(r, width));
}
