// Base64 cut into pieces: a block wrapped into lines (joinWrappedBase64, for a name shown on one
// line) and the chains a Redactor reads through (SPACE_FOLDED_WIDTH says which), with chainToken,
// their one tokenizer. Apart because three readers share it: CoreHeads' prefilter, the masking and
// a stream's held tail. Imports nothing from the rest of core/redact/.

/** By char code (below 128): the 6-bit value of a base64 character, either alphabet ('+' and '-' alike); -1 for others. */
export const BASE64_VALUES = (() => {
  const table = new Int8Array(128).fill(-1);
  const standard = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let value = 0; value < 64; value++) table[standard.charCodeAt(value)] = value;
  table['-'.charCodeAt(0)] = 62;
  table['_'.charCodeAt(0)] = 63;
  return table;
})();

/**
 * For joinWrappedBase64 (a Redactor finds more: see SPACE_FOLDED_WIDTH). A base64 block wrapped into lines
 * (MIME's 76 characters, PEM's 64), the line breaks raw or JSON-escaped: a base64 echo is found
 * only once its lines are joined. Its first line may be short:
 * a block that starts in the middle of a line (after `Authorization: Basic ` in a wrapped log) has
 * only its first few characters there, and the lines after it alone hold no core of the secret.
 */
const WRAPPED_BASE64 = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]+(?:(?:\r?\n|\\r\\n|\\n)[A-Za-z0-9+/]{4,})+={0,2}/g;

/** By char code: 1 for the standard base64 alphabet (WRAPPED_BASE64, chains). */
export const BASE64_CODES = (() => {
  const table = new Uint8Array(256);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') table[c.charCodeAt(0)] = 1;
  return table;
})();

/**
 * Whether text (a string, or latin1 bytes) may hold a WRAPPED_BASE64 block: some line break, raw or
 * `\n`, with 16 base64 characters before it and 4 after, or 1 before and 16 after (a block that
 * starts in the middle of a line). Looks only around line breaks (found
 * natively), so bulk text costs little.
 */
function mayHoldWrappedBase64(text: string | Buffer): boolean {
  const at = typeof text === 'string' ? (i: number) => text.charCodeAt(i) : (i: number) => text[i]!;
  const run = (from: number, step: 1 | -1, count: number) => {
    for (let k = 0, i = from; k < count; k++, i += step) if (i < 0 || i >= text.length || BASE64_CODES[at(i)] !== 1) return false;
    return true;
  };
  // Bytes are searched for a byte or a Buffer (native, no string needle to encode per call: an SSE
  // batch has a line break every few dozen bytes, issue 14).
  const find =
    typeof text === 'string'
      ? (needle: 'raw' | 'escaped', from: number) => text.indexOf(needle === 'raw' ? '\n' : '\\n', from)
      : (needle: 'raw' | 'escaped', from: number) => text.indexOf(needle === 'raw' ? 10 : ESCAPED_LINE_BREAK, from);
  for (let i = find('raw', 0); i >= 0; i = find('raw', i + 1)) {
    const end = i > 0 && at(i - 1) === 13 ? i - 2 : i - 1;
    if ((run(end, -1, 16) && run(i + 1, 1, 4)) || (run(end, -1, 1) && run(i + 1, 1, 16))) return true;
  }
  for (let i = find('escaped', 0); i >= 0; i = find('escaped', i + 2)) {
    const end = i >= 2 && at(i - 1) === 114 && at(i - 2) === 92 ? i - 3 : i - 1;
    if ((run(end, -1, 16) && run(i + 2, 1, 4)) || (run(end, -1, 1) && run(i + 2, 1, 16))) return true;
  }
  return false;
}
/**
 * Text with each wrapped base64 block (WRAPPED_BASE64 with a line of 16 characters or more) made one
 * line, for a name that is folded to one line before it is shown (sanitizeLine turns line breaks
 * into spaces): a token's wrapped base64 in it stays one block, the token shown as one masked
 * form rather than pieces around it. Other line breaks are left for the caller to fold.
 */
export function joinWrappedBase64(text: string): string {
  if (!mayHoldWrappedBase64(text)) return text;
  return text.replace(WRAPPED_BASE64, (block) => (/[A-Za-z0-9+/]{16}/.test(block) ? block.replace(LINE_BREAK, '') : block));
}
/** JSON's `\n` escape as bytes (native search). */
const ESCAPED_LINE_BREAK = Buffer.from('\\n', 'latin1');
const LINE_BREAK = /\r?\n|\\r\\n|\\n/g;

/**
 * A base64 echo cut into pieces (a "chain"), as a Redactor finds it: pieces of standard base64
 * (MIME and PEM wrap it; base64url is not wrapped), `+` and `/` also as `%2B`, `%2F` or JSON's
 * `\/`, one separator between two pieces: a
 * line break raw (`\n`, `\r\n`), JSON-escaped (`\\n`, `\\r\\n`) or percent-encoded (`%0A`,
 * `%0D%0A`: a wrapped block in a URL or form body), lines of any width (MIME's 76, PEM's 64, or a
 * few characters); or one space (a wrapped block folded to one line) next to SPACE_FOLDED_WIDTH
 * base64 characters on one side: narrower pieces between spaces are ordinary prose (`the cat sat`),
 * which no prefilter could read cheaply. Chains still match ordinary text (`a\nb\nc`, a long word
 * and the next), so the rule that keeps ordinary text as it is: only a whole base64 core of a
 * credential (base64Cores: 8 characters or more that decode to the credential's own bytes) found
 * in the pieces joined is masked, and only the characters from its first to its last (separators
 * inside it included): every other character of the chain stays as it was. Text is changed only
 * where it spells a credential's base64 in order with nothing but single separators between.
 * Read by chainToken, the one tokenizer of the prefilter (CoreHeads.mayHoldWrappedCore), the
 * masking (Redactor.unwrapEchoes) and a stream's held tail (Redactor.wrappedHoldFrom).
 */
export const SPACE_FOLDED_WIDTH = 16;

/**
 * The next space (at or after `cursor.sample`) next to a run of SPACE_FOLDED_WIDTH base64
 * characters or more, or -1: looks at every SPACE_FOLDED_WIDTH-th character, which lands in every
 * such run, and walks only the run it lands in (in prose, a word).
 */
export function foldedSpace(text: string, cursor: {sample: number}): number {
  const length = text.length;
  while (cursor.sample >= 0 && cursor.sample < length) {
    const sample = cursor.sample;
    if (!isBase64(text.charCodeAt(sample))) {
      cursor.sample += SPACE_FOLDED_WIDTH;
      continue;
    }
    let start = sample;
    while (start > 0 && isBase64(text.charCodeAt(start - 1))) start--;
    let end = sample + 1;
    while (end < length && isBase64(text.charCodeAt(end))) end++;
    // Past this run: the sample that lands in the next 16 characters after it.
    cursor.sample += Math.ceil((end - sample) / SPACE_FOLDED_WIDTH) * SPACE_FOLDED_WIDTH;
    if (end - start < SPACE_FOLDED_WIDTH) continue;
    // A space after the run is read with the chain that the space before it starts.
    if (text.charCodeAt(start - 1) === 32) return start - 1;
    if (text.charCodeAt(end) === 32) return end;
  }
  return -1;
}

/**
 * Whether `text[from, to)` has SPACE_FOLDED_WIDTH base64 characters in a row: looks at every
 * SPACE_FOLDED_WIDTH-th character from the end, which lands in every such run, and walks only the
 * runs it lands in (in prose, a word).
 */
export function hasBase64Run(text: string, from: number, to: number): boolean {
  for (let sample = to - 1; sample >= from; sample -= SPACE_FOLDED_WIDTH) {
    if (!isBase64(text.charCodeAt(sample))) continue;
    let start = sample;
    while (start > from && isBase64(text.charCodeAt(start - 1))) start--;
    let end = sample + 1;
    while (end < to && isBase64(text.charCodeAt(end))) end++;
    if (end - start >= SPACE_FOLDED_WIDTH) return true;
  }
  return false;
}

/** foldedSpace for bytes, reading them directly: the hot path of every streamed chunk with spaces. */
export function foldedSpaceInBytes(bytes: Uint8Array, cursor: {sample: number}): number {
  const length = bytes.length;
  while (cursor.sample >= 0 && cursor.sample < length) {
    const sample = cursor.sample;
    if (BASE64_CODES[bytes[sample]!] === 0) {
      cursor.sample += SPACE_FOLDED_WIDTH;
      continue;
    }
    let start = sample;
    while (start > 0 && BASE64_CODES[bytes[start - 1]!] === 1) start--;
    let end = sample + 1;
    while (end < length && BASE64_CODES[bytes[end]!] === 1) end++;
    cursor.sample += Math.ceil((end - sample) / SPACE_FOLDED_WIDTH) * SPACE_FOLDED_WIDTH;
    if (end - start < SPACE_FOLDED_WIDTH) continue;
    if (start > 0 && bytes[start - 1] === 32) return start - 1;
    if (end < length && bytes[end] === 32) return end;
  }
  return -1;
}
/** What the end of a text may cut off of a chain's separator or escape: `%0D%0`, `\\r\\`, `%2`, `\r`. */
export const PARTIAL_CHAIN_TOKEN = /^(?:%(?:0(?:[dD](?:%0?)?)?|2)?|\\(?:r\\?)?|\r)$/;
/** By char code (below 128): for a character of a chain, 1, or 2 when it may start a separator; 0 for others. */
export const CHAIN_CODES = (() => {
  const table = new Uint8Array(128);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') table[c.charCodeAt(0)] = 1;
  for (const c of '%\\ \r\n') table[c.charCodeAt(0)] = 2;
  return table;
})();
/** A raw and a JSON-escaped line break, as searched for in bytes. */
export const LINE_BREAK_NEEDLES = [10, ESCAPED_LINE_BREAK] as const;
/** A percent-encoded line break's start, as bytes (native search). */
export const PERCENT_LF = Buffer.from('%0', 'latin1');

/** Whether a char code is a character of standard base64 (NaN past a text's ends: no). */
export const isBase64 = (code: number) => BASE64_CODES[code] === 1;

/** The length of a chain's line break at `i`; 0 when none starts there. */
function lineBreakAt(text: string, i: number): number {
  switch (text.charCodeAt(i)) {
    case 10:
      return 1;
    case 13:
      return text.charCodeAt(i + 1) === 10 ? 2 : 0;
    case 92:
      return text.charCodeAt(i + 1) === 110 ? 2 : text.charCodeAt(i + 1) === 114 && text.charCodeAt(i + 2) === 92 && text.charCodeAt(i + 3) === 110 ? 4 : 0;
    case 37: {
      if (text.charCodeAt(i + 1) !== 48) return 0;
      const hex = text.charCodeAt(i + 2) | 0x20;
      if (hex === 97) return 3;
      return hex === 100 && text.charCodeAt(i + 3) === 37 && text.charCodeAt(i + 4) === 48 && (text.charCodeAt(i + 5) | 0x20) === 97 ? 6 : 0;
    }
    default:
      return 0;
  }
}

/** A chain's atom at `i`: its 6-bit value plus 256 × its length (1, or 3 for `%2F`, 2 for `\/`); -1 when none starts there. */
function atomAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (BASE64_CODES[code] === 1) return BASE64_VALUES[code]! | 0x100;
  if (code === 37 && text.charCodeAt(i + 1) === 50) {
    const hex = text.charCodeAt(i + 2) | 0x20;
    return hex === 98 ? 62 | 0x300 : hex === 102 ? 63 | 0x300 : -1;
  }
  return code === 92 && text.charCodeAt(i + 1) === 47 ? 63 | 0x200 : -1;
}

/**
 * The chain token at `i` of a text: an atom (atomAt, > 0), a separator between two
 * pieces (minus its length), or 0. `pieceEnd`: whether base64 ends right before `i` (a separator
 * needs a piece before it). `open`: the text may go on (a stream's tail), so a separator at its
 * end, or a space before fewer than SPACE_FOLDED_WIDTH base64 characters that reach its end, may
 * still join a piece.
 */
export function chainToken(text: string, i: number, pieceEnd: boolean, open: boolean): number {
  const length = text.length;
  const atom = atomAt(text, i);
  if (atom >= 0) return atom;
  if (!pieceEnd) return 0;
  let separator: number;
  if (text.charCodeAt(i) === 32) {
    let before = 0;
    while (before < SPACE_FOLDED_WIDTH && isBase64(text.charCodeAt(i - 1 - before))) before++;
    let after = 0;
    while (after < SPACE_FOLDED_WIDTH && isBase64(text.charCodeAt(i + 1 + after))) after++;
    if (before < SPACE_FOLDED_WIDTH && after < SPACE_FOLDED_WIDTH && !(open && i + 1 + after >= length)) return 0;
    separator = 1;
  } else separator = lineBreakAt(text, i);
  if (separator === 0) return 0;
  const next = i + separator;
  // In an open text, the next piece may not have begun yet, or only as a cut escape (`%2`, `\`).
  return atomAt(text, next) >= 0 || (open && (next >= length || (length - next <= 2 && (text.charCodeAt(next) === 37 || text.charCodeAt(next) === 92)))) ? -separator : 0;
}
