// What an echo of a secret looks like, for the rest of core/redact/: the forms a Redactor looks for
// (as sent, percent-encoded or JSON-escaped: charPattern; base64: base64Cores), letters sent as JSON
// `\u00XX` escapes (ESCAPED_VERBATIM: no encoder writes them, but a client decodes them), how a
// found echo is decoded back and shown masked (decodeEchoed, redactedForm), and the characters no
// encoding touches (VERBATIM). Every other file here builds on these, so this one imports none of
// them (only core/code-units.ts, which cuts text without splitting a character).
import {headOf} from '../code-units.js';

/** Secrets shorter than this are not masked (they would mask ordinary words and numbers). */
export const MIN_SECRET_LENGTH = 8;

/**
 * `sk-ant-oat01-…` → `sk-a…(redacted)` (three code units shown when the fourth would be half a
 * character); a secret shorter than MIN_SECRET_LENGTH shows none of it (four would be most of it).
 */
export function redactedForm(secret: string): string {
  return `${secret.length < MIN_SECRET_LENGTH ? '' : headOf(secret, 4)}…(redacted)`;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** JSON's two-character escapes: the character after the backslash, by the character it stands for. */
const JSON_SHORT_ESCAPES: Record<string, string> = {'\n': 'n', '\r': 'r', '\t': 't', '\b': 'b', '\f': 'f', '"': '"', '\\': '\\'};
const JSON_SHORT_DECODED: Record<string, string> = Object.fromEntries(Object.entries(JSON_SHORT_ESCAPES).map(([char, short]) => [short, char]));

/**
 * A regex source: a run of backslashes (one level of JSON escaping or several), matched from its
 * first backslash only. Without the lookbehind every backslash of a long run began a try that read
 * the rest of the run: text of many backslashes took time growing with the square of its length.
 */
const BACKSLASH_RUN = '(?<!\\\\)\\\\+';

/**
 * How one character of a secret may appear in text that echoes it: as itself, percent-encoded (a URL,
 * a form body) once or more (`%252F`: a URL inside a URL), JSON-escaped as `\uXXXX` (either hex case)
 * or `\n`-style, or `\/` (PHP, Jackson and many gateways escape '/'), at any depth of JSON nesting (a
 * JSON string inside a JSON string doubles each backslash and escapes it: `\\\/`, `\\u0026`).
 * Letters, digits and `-_.` are never escaped by any of these; `~` is by some URL encoders (`%7E`).
 * A regex source.
 */
export function charPattern(char: string): string {
  if (VERBATIM.test(char)) return char === '.' ? '\\.' : char === '-' ? '\\-' : char;
  const code = char.charCodeAt(0);
  const either = (value: number, digits: number) => value.toString(16).padStart(digits, '0').replace(/[a-f]/g, (h) => `[${h}${h.toUpperCase()}]`);
  if (code > 0x7f) {
    // Percent-encoding takes the UTF-8 bytes; JSON's \u escapes the UTF-16 units (two for an astral character).
    const percent = [...Buffer.from(char, 'utf8')].map((byte) => `%(?:25)*${either(byte, 2)}`).join('');
    const unicode = [...Array(char.length).keys()].map((i) => `${BACKSLASH_RUN}u${either(char.charCodeAt(i), 4)}`).join('');
    return `(?:${escapeRegExp(char)}|${percent}|${unicode})`;
  }
  const either2 = either(code, 2);
  const forms = [escapeRegExp(char), `%(?:25)*${either2}`, `${BACKSLASH_RUN}u00${either2}`];
  if (char === '/') forms.push(`${BACKSLASH_RUN}/`);
  // JSON's short escapes (a private key's newlines echoed inside a JSON string).
  const short = JSON_SHORT_ESCAPES[char];
  if (short) forms.push(`${BACKSLASH_RUN}${escapeRegExp(short)}`);
  return `(?:${forms.join('|')})`;
}

/**
 * The base64 text of a secret wherever it sits in an encoded value (`Basic base64(user:TOKEN)`, a
 * bare base64 of the token): for each alignment of the secret within 3-byte groups, the characters
 * that come from whole groups of the secret's own bytes, which do not depend on what surrounds it.
 * Standard and URL-safe alphabets.
 */
export function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const from = coreStart(shift);
    const to = coreEnd(bytes.length, shift);
    if (to - from < CORE_MIN_BYTES) continue;
    // Whole groups: no '=' padding, so base64url is the standard text with '-' and '_'.
    const core = bytes.subarray(from, to);
    out.push(core.toString('base64'), core.toString('base64url'));
  }
  return out;
}

/**
 * Where a base64 core starts in the secret's bytes: with `shift` bytes before the secret, groups
 * start at byte 3 - shift of it (the first group mixes in bytes before the secret).
 */
const coreStart = (shift: number) => (shift === 0 ? 0 : 3 - shift);
/** Where it ends (exclusive): a last partial group mixes in bytes after the secret. */
const coreEnd = (byteLength: number, shift: number) => coreStart(shift) + Math.floor((byteLength - coreStart(shift)) / 3) * 3;
/** Bytes of the shortest core: two groups, eight characters (MIN_SECRET_LENGTH). */
export const CORE_MIN_BYTES = 6;

/** The decoded text of a match of any echoed form (for the masked form's first characters). */
export function decodeEchoed(found: string): string {
  return found.replace(/\\+u([0-9a-fA-F]{4})|%(?:25)*([0-9a-fA-F]{2})|\\+(\/)|\\+([nrtbf"\\])/g, (_, u?: string, p?: string, slash?: string, short?: string) =>
    slash ?? (short ? JSON_SHORT_DECODED[short]! : String.fromCharCode(parseInt((u ?? p)!, 16))),
  );
}

export const ASCII = /^[\x00-\x7f]*$/;

/** Text whose characters are all below 256 read as UTF-8 bytes when they are valid UTF-8 (a percent-decoded echo), else as it is. */
export function utf8OfBytes(text: string): string {
  if (ASCII.test(text) || /[^\x00-\xff]/.test(text)) return text;
  const decoded = Buffer.from(text, 'latin1').toString('utf8');
  return decoded.includes('\ufffd') ? text : decoded;
}

/** Text that may hold an escaped echo (`\/`, `\u00XX`, `%XX`); other text needs only the plain forms. */
export const ESCAPE_HINT = /\\[/unrtbf"\\]|%[0-9a-fA-F]{2}/;

/**
 * How many characters of text one character of a secret can take when echoed: `\\\\u002F` (a
 * `\u` escape inside JSON nested twice), `%25252F` (a URL encoded three times). A wrapped echo
 * (a chain, see SPACE_FOLDED_WIDTH) takes at most 9 characters per base64 character (`%2F%0D%0A`), 12 per byte of
 * the secret: within 10 per character of the longest form, a core (4 characters per 3 bytes).
 */
export const ECHO_EXPANSION = 10;

/** The start of a `\uXXXX`, `\/` or `%XX` escape that the end of the text cuts off. */
export const PARTIAL_ESCAPE = `(?:${BACKSLASH_RUN}(?:u[0-9a-fA-F]{0,3})?|%(?:25)*[0-9a-fA-F]?)$`;
/**
 * The same for a non-ASCII character, whose escape is several: `%C3%A`, `\\ud83d\\ud`. Never
 * empty: the head pattern then matched '' at every text's end, and a stream's held tail became
 * NaN (wrappedHoldFrom), so an echo cut at a chunk's end went out unmasked.
 */
export const PARTIAL_ESCAPES = `(?=[%\\\\])(?:(?:%(?:25)*[0-9a-fA-F]{2}){0,3}(?:%(?:25)*[0-9a-fA-F]?)?|(?:${BACKSLASH_RUN}u[0-9a-fA-F]{4})?\\\\+(?:u[0-9a-fA-F]{0,4})?)$`;

/**
 * Characters that every encoding of an echo leaves as they are (percent-encoding, JSON escapes and
 * base64's URL-safe alphabet never touch them; see charPattern): a secret's runs of them appear
 * verbatim, in the same order, in every echoed form.
 */
const VERBATIM = /^[A-Za-z0-9_.-]$/;

/**
 * A VERBATIM character escaped after all: as a JSON `\u` escape at any depth of JSON nesting (after
 * one backslash or several: `\u0061`, `\\u0061`), or percent-encoded once or more (`%61`, `%2D`,
 * `%252D`). No common encoder writes either for these characters (encodeURIComponent, Go's and
 * Python's quoting keep letters, digits and `-_.`), but a client or a browser decodes both, so an
 * echo spelled so is an echo. How many JSON decoding levels (why every one):
 * - A client decodes a text delta once (the event's JSON) but a tool call's arguments twice: the
 *   event's JSON, then the arguments' own (OpenAI's `function.arguments` and Responses' `arguments`
 *   are JSON strings; Anthropic's `partial_json` pieces join into one). A model that writes `q` as
 *   `\u0071` in its arguments reaches the proxy as `\\u0071`, which the client turns back into `q`.
 * - The proxy masks bytes and text without knowing which field or level they are (a stream's
 *   chunks, an error body, a log line), so the level is read from the escape itself: each level
 *   doubles the backslashes before the `u`, as charPattern already reads every other escaped
 *   character (`\\+u00XX`, `\\+/`). A JSON string inside the arguments (a third level, which a tool
 *   may decode) is masked the same way; its text is an echo either way. (Whole text at any depth;
 *   a stream's held tail covers every letter escaped up to three levels deep: ECHO_EXPANSION.)
 * - Not followed: escapes of the escape itself (`\u005cu0071`, `\\\u00750071`), which no JSON
 *   encoder writes at a level it encodes (JSON.stringify, Go, Python write `\\` and `u`), so they
 *   can only come from the model's own text, one level deeper than any client decodes.
 * An echo in text that holds such escapes is looked for with them decoded (decodeVerbatimEscapes).
 */
export const ESCAPED_VERBATIM = /(?:\\u00|%(?:25)*)(?:2[dDeE]|3[0-9]|4[1-9a-fA-F]|5[0-9aAfF]|6[1-9a-fA-F]|7[0-9aA])/;
export const BACKSLASH_U00 = Buffer.from('\\u00', 'latin1');
export const BACKSLASH = 0x5c;
export const PERCENT = 0x25;
/** An escape cut off at the text's end, one that may still become ESCAPED_VERBATIM (any backslash: it may be a level's). */
export const CUT_ESCAPE_AT_END = /(?:\\(?:u(?:0(?:0[2-7]?)?)?)?|%(?:25)*[2-7]?)$/;

/** A hex digit's value by byte, -1 for any other byte. */
const HEX_VALUES = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let code = 0; code < 256; code++) {
    const char = String.fromCharCode(code);
    if (/[0-9a-fA-F]/.test(char)) table[code] = parseInt(char, 16);
  }
  return table;
})();

/**
 * Whether bytes hold a percent escape of a VERBATIM character (ESCAPED_VERBATIM's `%` half: `%2D`,
 * `%252D`), found with native searches for `%` rather than by decoding the bytes (a stream chunk
 * with a `%` in its prose is looked at on every chunk).
 */
export function hasPercentVerbatim(bytes: Uint8Array): boolean {
  const hex = (at: number) => (at < bytes.length ? HEX_VALUES[bytes[at]!]! : -1);
  for (let i = bytes.indexOf(PERCENT); i !== -1; i = bytes.indexOf(PERCENT, i + 1)) {
    let at = i + 1;
    // `%25` encodes the `%` itself: a URL encoded again (`%252D`) keeps its last pair.
    while (bytes[at] === 0x32 && bytes[at + 1] === 0x35 && hex(at + 2) >= 0 && hex(at + 3) >= 0) at += 2;
    const high = hex(at);
    const low = hex(at + 1);
    if (high >= 0 && low >= 0 && high < 8 && VERBATIM_CODES[high * 16 + low] === 1) return true;
  }
  return false;
}

/**
 * A JSON `\u` escape, at any level (`\\u0001` in JSON inside JSON), of a character a terminal does
 * not show or that moves its cursor back: a C0 or C1 control but tab and newline, DEL, a bidi
 * control. A client decodes it, and its terminal shows the letters around it as one word, or puts
 * pieces written apart side by side (`\r`, backspace) (RedactOptions.dropControls). From a run's
 * first backslash only: tried at each backslash of a long run, the expression took seconds.
 */
export const ESCAPED_CONTROL = /(?<!\\)\\+u(?:00(?:0[0-8b-fB-F]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])|20(?:0[eEfF]|2[a-eA-E]|6[6-9])|061[cC])/g;

/** JSON's short escapes of such controls, `\b`, `\f`, `\r` (an odd run of backslashes: `\\r` is a backslash and an r); the run's escaped backslashes are group 1. */
export const ESCAPED_SHORT_CONTROL = /(?<!\\)((?:\\\\)*)\\[bfr]/g;

/** Whether text may hold an ESCAPED_VERBATIM escape (a cheap look for its first characters). */
export const mayHoldEscapedVerbatim = (text: string): boolean => (text.includes('\\u00') || text.includes('%')) && ESCAPED_VERBATIM.test(text);

/**
 * The text with each escape ESCAPED_VERBATIM finds replaced by its character, its backslashes or
 * `%25`s with it (other escapes kept), and where each character of it came from: `origin[i]` is
 * the index in `text` where character `i` of `plain` begins, `origin[plain.length]` is
 * `text.length` (so a part `[a, b)` of `plain` is `[origin[a], origin[b])` of `text`). A masker
 * puts its masked forms back in `text` by it: the escapes around an echo stay as they came (a
 * signed URL's `%2541` is not `%41`, nor `A`).
 */
export function decodeVerbatimEscapes(text: string): {plain: string; origin: number[]} {
  const origin: number[] = [];
  let plain = '';
  let copied = 0;
  // From a run's first backslash only (see BACKSLASH_RUN).
  for (const found of text.matchAll(/(?<!\\)\\+u00([0-9a-fA-F]{2})|%(?:25)*([0-9a-fA-F]{2})/g)) {
    const char = String.fromCharCode(parseInt((found[1] ?? found[2])!, 16));
    if (!VERBATIM.test(char)) continue;
    for (let i = copied; i < found.index; i++) origin.push(i);
    plain += text.slice(copied, found.index) + char;
    origin.push(found.index);
    copied = found.index + found[0].length;
  }
  for (let i = copied; i < text.length; i++) origin.push(i);
  origin.push(text.length);
  return {plain: plain + text.slice(copied), origin};
}

/** By char code: 1 for VERBATIM characters. */
export const VERBATIM_CODES = (() => {
  const table = new Uint8Array(128);
  for (let code = 0; code < 128; code++) if (VERBATIM.test(String.fromCharCode(code))) table[code] = 1;
  return table;
})();
