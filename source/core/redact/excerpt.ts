// Text from the network or a file cut to a message's length without showing a credential: excerpt
// (masked, sanitised, then cut) and cutText. Above the Redactor, which excerpt takes as a masker.
import {charAfter, charBefore, pairSafeIndex} from '../code-units.js';
import {sanitizeLine, TOKEN_CHARACTER} from '../sanitize.js';
import {DRAWN_AS_NOTHING, maskSeenThrough, type Redactor} from './redactor.js';

/** Text to mask: a function, or a Redactor (whose cut-echo masking is then used too). */
export type Masker = ((text: string) => string) | Redactor;

/**
 * One line of at most `max` characters (plus `…`) of text from the network or a file, for a message:
 * maskedLine, then cut (cutText). The masker is required
 * because the order matters: a secret cut in half is no longer recognised by any later redaction.
 * Empty text → `(empty body)`.
 */
export function excerpt(text: string, max: number, mask: Masker): string {
  return cutText(maskedLine(text, mask).trim(), max) || '(empty body)';
}

/**
 * Text from the network or a file as one line for a message or a log, whole: masked as a terminal
 * would draw it FIRST (maskSeenThrough: a credential echoed with controls or invisible characters
 * between its letters is whole where the masker looks), then sanitised (sanitizeLine).
 */
export function maskedLine(text: string, mask: Masker): string {
  return sanitizeLine(maskSeenThrough(text, typeof mask === 'function' ? mask : (seen) => mask.redact(seen, {cutEchoes: true})));
}

/**
 * The most of a reason a server or a browser's redirect states (an OAuth `error_description`, its
 * `error`) that a message shows: real ones are a sentence; a page of text in that field is cut.
 */
export const REASON_CHARS = 300;


/** Characters of a cut token still shown: what a masked form shows of a secret (redactedForm). */
const CUT_TOKEN_SHOWN = 4;

/**
 * A character (a code point) drawn as nothing or as a mark (DRAWN_AS_NOTHING) but no space or line
 * break: between a token's letters it does not end the token for a person reading it, as the masker
 * looks through it (maskSeenThrough).
 */
const joinsToken = (char: string) => !/\s/.test(char) && DRAWN_AS_NOTHING.test(char);

/**
 * `text` when at most `max` characters, else its first `max` and `…`. A cut inside a run of token
 * characters (with characters drawn as nothing among them) drops that run's part when it shows more
 * than a masked form does: a cut credential (one no masker knew, or text not masked yet) shows no
 * more of itself than redactedForm does. For text that goes out unmasked by a masker that knows the
 * secrets, use excerpt instead.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never half a surrogate pair (core/code-units.ts).
  let cut = pairSafeIndex(text, max);
  let start = cut;
  let shown = 0;
  // By whole characters: a tag character or a supplementary variation selector is a surrogate pair.
  for (let before = charBefore(text, start); start > 0; start = before, before = charBefore(text, start)) {
    const char = text.slice(before, start);
    if (TOKEN_CHARACTER.test(char)) shown++;
    else if (!joinsToken(char)) break;
  }
  let next = cut;
  while (next < text.length && joinsToken(text.slice(next, charAfter(text, next)))) next = charAfter(text, next);
  if (next < text.length && TOKEN_CHARACTER.test(text[next]!) && shown > CUT_TOKEN_SHOWN) cut = start;
  return `${text.slice(0, cut)}…`;
}
