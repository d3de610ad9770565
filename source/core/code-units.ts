// Text cut at a length in UTF-16 code units (JavaScript's string indices) without splitting a
// character: an astral character (an emoji, a rare CJK ideograph) is a surrogate pair, and half of
// one is a lone surrogate, which a terminal shows as U+FFFD, UTF-8 encodes as U+FFFD (EF BF BD)
// and JSON.stringify writes as a `\udXXX` escape that strict parsers reject. Pure.

/** Whether a UTF-16 code unit is the first (high) or the second (low) half of a surrogate pair. */
export const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
export const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

// String.prototype.isWellFormed / toWellFormed (ES2024, in Node 20's V8; TypeScript's ES2023 lib lacks them).
type WellFormed = {isWellFormed(): boolean; toWellFormed(): string};
/** Whether `text` holds no lone surrogate. */
export const isWellFormed = (text: string): boolean => (text as unknown as WellFormed).isWellFormed();
/** `text` with each lone surrogate made U+FFFD, as a UTF-8 encoder writes it. */
export const toWellFormed = (text: string): string => (text as unknown as WellFormed).toWellFormed();

/** `index`, or one less when it falls between the two halves of a surrogate pair of `text`. */
export function pairSafeIndex(text: string, index: number): number {
  return index > 0 && index < text.length && isLow(text.charCodeAt(index)) && isHigh(text.charCodeAt(index - 1)) ? index - 1 : index;
}

/** Where the character before `index` starts (`index - 1`, or `index - 2` before a pair). */
export const charBefore = (text: string, index: number): number => pairSafeIndex(text, index - 1);

/** Where the character at `index` ends (`index + 1`, or `index + 2` for a pair). */
export const charAfter = (text: string, index: number): number => (pairSafeIndex(text, index + 1) === index + 1 ? index + 1 : index + 2);

/** At most the first `count` code units of `text`: one fewer when the last would be half a pair. */
export const headOf = (text: string, count: number): string => (text.length <= count ? text : text.slice(0, pairSafeIndex(text, count)));

/** At most the last `count` code units of `text`: one fewer when the first would be half a pair. */
export function tailOf(text: string, count: number): string {
  if (text.length <= count) return text;
  const from = text.length - count;
  return text.slice(pairSafeIndex(text, from) === from ? from : from + 1);
}
