// Grapheme clusters (Unicode UAX #29, as Intl.Segmenter finds them) of text drawn on a terminal.
// The first Intl.Segmenter a process makes loads ICU's break rules (~10 ms on Node 20), and
// iterating one makes a C++ call and an object per grapheme. Most of what the TUI draws (ASCII,
// Latin, Greek, Cyrillic, box drawing, › ★ ⏸, escape sequences) is one grapheme per UTF-16 code unit,
// found here without a segmenter; the segmenter is made on first need. The TUI's bundle routes its
// dependencies' segmenters here too (scripts/bundle-tui.mjs), so a first frame of such text makes none.

/** One grapheme of a text and where it starts (UTF-16 index), as Intl.Segmenter's segments give them. */
export interface Grapheme {
  segment: string;
  index: number;
}

/**
 * Characters that are each one cell and a grapheme of their own, whatever is beside them: printable
 * ASCII, Latin, Greek, Cyrillic, punctuation (· … ›), arrows, ⏸, box drawing, blocks, ★, ✓, braille
 * (a character class's ranges).
 */
const ONE_CELL_CHARS = '\\u0020-\\u007E\\u00A0-\\u00AC\\u00AE-\\u02FF\\u0370-\\u0482\\u2010-\\u2027\\u202F-\\u205E\\u2190-\\u2319\\u23F4-\\u23FF\\u2500-\\u25FC\\u2600-\\u2613\\u270C-\\u2727\\u2800-\\u28FF';

/**
 * Text made only of one-cell characters: as many cells as characters, and as many graphemes.
 * string-width finds the same widths, but past ASCII it segments and tests each character against
 * emoji tables (~60 µs for `nick · email`). test/core/cells.test.ts checks every character here
 * against string-width and Intl.Segmenter.
 */
export const ONE_CELL_TEXT = new RegExp(`^[${ONE_CELL_CHARS}]*$`);

/**
 * Text of one-cell characters and terminal escape sequences (ESC, and BEL ending an OSC link): every
 * character outside the escapes is one cell, however a library counts. Ink's bundle draws a line of
 * it that fits its box as it is, without cutting it (scripts/bundle-tui.mjs).
 */
export const ONE_CELL_STYLED_TEXT = new RegExp(`^[\\u0007\\u001B${ONE_CELL_CHARS}]*$`);

/**
 * Whether Ink's bundle may draw `line` (fitting its box) as it is instead of cutting it with slice-ansi:
 * one-cell styled text without both bold and dim. Bold and dim share their end code (22): the cut
 * keeps one of them, the line both, and Ink then ends bold with 22 and never turns dim on again,
 * so `<Text dimColor><Text bold>Name</Text> rest</Text>` would lose the dim of ` rest`. Such a line is cut, as before.
 */
export function drawnUncut(line: string): boolean {
  return ONE_CELL_STYLED_TEXT.test(line) && !(line.includes('\u001b[1m') && line.includes('\u001b[2m'));
}

/**
 * Text in which every UTF-16 code unit is a grapheme of its own: the one-cell characters, and control
 * characters (a grapheme each, UAX #29 GB4/GB5) but CR, which joins a following LF.
 */
const SINGLE_UNIT_GRAPHEMES = new RegExp(`^[\\u0000-\\u000C\\u000E-\\u001F\\u007F${ONE_CELL_CHARS}]*$`);

/**
 * An object with Intl.Segmenter's `segment` that makes the segmenter on its first call. For code that
 * makes one when it loads (string-width, slice-ansi, ansi-tokenize in the TUI's bundle).
 */
export function lazySegmenter(locales?: string | string[], options?: Intl.SegmenterOptions): Pick<Intl.Segmenter, 'segment'> {
  let made: Intl.Segmenter | undefined;
  return {segment: (text: string) => (made ??= new Intl.Segmenter(locales, options)).segment(text)};
}

const graphemeSegmenter = lazySegmenter(undefined, {granularity: 'grapheme'});

/** The graphemes of text whose every code unit is one (SINGLE_UNIT_GRAPHEMES), as Intl.Segmenter gives them. */
function eachCodeUnit(text: string): Grapheme[] {
  const out: Grapheme[] = [];
  for (let index = 0; index < text.length; index++) out.push({segment: text[index]!, index});
  return out;
}

/** The graphemes of `text` in order: `segment` and `index` as Intl.Segmenter's grapheme segments have them. */
export function graphemes(text: string): Iterable<Grapheme> {
  return SINGLE_UNIT_GRAPHEMES.test(text) ? eachCodeUnit(text) : graphemeSegmenter.segment(text);
}

/** What code reads of Intl.Segmenter's Segments: the grapheme at a UTF-16 index, and every grapheme in order. */
export interface GraphemeSegments extends Iterable<Grapheme> {
  /** The grapheme that holds UTF-16 index `index` (default 0); undefined past either end. */
  containing(index?: number): Grapheme | undefined;
}

/**
 * The graphemes of `text` as Intl.Segmenter's `segment(text)` gives them (for code that asks which
 * grapheme holds an index: slice-ansi, in the TUI's bundle), without a segmenter where every code
 * unit is a grapheme (graphemes()).
 */
export function graphemeSegments(text: string): GraphemeSegments {
  if (!SINGLE_UNIT_GRAPHEMES.test(text)) return graphemeSegmenter.segment(text);
  return {
    containing(at = 0) {
      const index = Math.trunc(Number(at)) || 0;
      return index >= 0 && index < text.length ? {segment: text[index]!, index} : undefined;
    },
    [Symbol.iterator]: () => eachCodeUnit(text)[Symbol.iterator](),
  };
}
