// The one set of characters that show nothing, or something else than themselves, on a terminal.
// A name read from a file (model ids, aliases, exclusion patterns: core/model-rules.ts) must not hold
// one, and display (core/sanitize.ts) never shows one as itself, so what is refused at read and what
// is escaped on screen cannot disagree.

/**
 * One such character (a code point; a lone surrogate counts as one):
 * - \p{Cc} controls (C0, DEL, C1: escape sequences, line breaks) and \p{Cf} format characters (bidi
 *   controls, zero-width space and joiners, BOM, soft hyphen, tag characters);
 * - \p{Zl} and \p{Zp}, the line and paragraph separators (U+2028, U+2029: a line break to some readers);
 * - \p{Zs} spaces other than U+0020 (no-break space, en/em/thin spaces, ideographic space): they look
 *   like a space, or like nothing, but are another name;
 * - \p{Cs}: a lone surrogate (half of a UTF-16 pair, from a JSON `\ud800`), written out as U+FFFD;
 * - \p{Default_Ignorable_Code_Point}: characters a renderer is to show as nothing (combining grapheme
 *   joiner U+034F, Hangul fillers U+115F, U+1160, U+3164, U+FFA0, variation selectors, invisible
 *   operators, musical format controls);
 * - U+2800, the blank braille pattern, which renders as a blank cell.
 */
export const INVISIBLE_CHARACTER = '(?! )[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Zs}\\p{Cs}\\p{Default_Ignorable_Code_Point}\\u2800]';
const ONE = new RegExp(INVISIBLE_CHARACTER, 'u');
const EVERY = new RegExp(INVISIBLE_CHARACTER, 'gu');

/** The first character of the set in `text` (a whole code point), undefined when none. */
export function firstInvisible(text: string): string | undefined {
  return ONE.exec(text)?.[0];
}

/** Whether `text` holds a character of the set. */
export const hasInvisible = (text: string) => ONE.test(text);

/** `text` with each character of the set replaced by what `replace` returns for it (its offset in `text`). */
export function replaceInvisible(text: string, replace: (char: string, offset: number, text: string) => string): string {
  return text.replace(EVERY, (char: string, offset: number) => replace(char, offset, text));
}

/** What kind of character of the set `char` is, in words for a message: `a control character`. */
export function invisibleKind(char: string): string {
  if (/\p{Cc}/u.test(char)) return 'a control character';
  if (/\p{Cs}/u.test(char)) return 'a lone surrogate (half of a UTF-16 pair)';
  if (/[\p{Zl}\p{Zp}]/u.test(char)) return 'a line or paragraph separator';
  if (/\p{Zs}/u.test(char)) return 'a space other than U+0020';
  if (/\p{Cf}/u.test(char)) return 'an invisible formatting character';
  return 'a character that shows nothing';
}

/** `U+034F`, `U+E0041`: a code point as Unicode writes it. */
export function codePointName(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
