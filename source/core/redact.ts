// One masking facility for every output boundary: a Redactor built from every credential of every
// loaded account replaces each echo (URL-encoded, JSON-escaped, base64 too) with a masked form, `sk-a…(redacted)`:
// enough to recognise which secret it was, never enough to use it. Pure: callers gather the secrets.
import {sanitizeLine} from './sanitize.js';

/** Secrets shorter than this are not masked (they would mask ordinary words and numbers). */
export const MIN_SECRET_LENGTH = 8;

/** Token-file fields that hold credentials (CLIProxyAPI names), beyond those matched by name. */
const CREDENTIAL_FIELDS = ['access_token', 'refresh_token', 'id_token', 'api_key', 'copilot_token', 'token', 'key', 'secret', 'client_secret', 'password'];
/** Any other field named like a credential (`github_token`, `session_key`, …); `token_type` is not one. */
const CREDENTIAL_NAME = /(^|_)(token|key|secret|password|cookie)$/i;

/** `sk-ant-oat01-…` → `sk-a…(redacted)`. */
export function redactedForm(secret: string): string {
  return `${secret.slice(0, 4)}…(redacted)`;
}

/**
 * Every credential in a token file: the known fields, any string field named like a credential, and
 * the same inside nested objects (a Vertex service account's private key, a Copilot token object).
 */
export function credentialsOf(token: unknown, depth = 0): string[] {
  if (typeof token !== 'object' || token === null || depth > 3) return [];
  const out: string[] = [];
  for (const [name, value] of Object.entries(token as Record<string, unknown>)) {
    if (typeof value === 'string' && (CREDENTIAL_FIELDS.includes(name) || CREDENTIAL_NAME.test(name))) out.push(value);
    else if (typeof value === 'object') out.push(...credentialsOf(value, depth + 1));
  }
  return out.filter((s) => s.length >= MIN_SECRET_LENGTH);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** JSON's two-character escapes: the character after the backslash, by the character it stands for. */
const JSON_SHORT_ESCAPES: Record<string, string> = {'\n': 'n', '\r': 'r', '\t': 't', '\b': 'b', '\f': 'f', '"': '"', '\\': '\\'};
const JSON_SHORT_DECODED: Record<string, string> = Object.fromEntries(Object.entries(JSON_SHORT_ESCAPES).map(([char, short]) => [short, char]));

/**
 * How one character of a secret may appear in text that echoes it: as itself, percent-encoded (a URL,
 * a form body) once or more (`%252F`: a URL inside a URL), JSON-escaped as `\uXXXX` (either hex case)
 * or `\n`-style, or `\/` (PHP, Jackson and many gateways escape '/'), at any depth of JSON nesting (a
 * JSON string inside a JSON string doubles each backslash and escapes it: `\\\/`, `\\u0026`).
 * Letters, digits and `-_.` are never escaped by any of these; `~` is by some URL encoders (`%7E`).
 * A regex source.
 */
function charPattern(char: string): string {
  if (VERBATIM.test(char)) return char === '.' ? '\\.' : char === '-' ? '\\-' : char;
  const code = char.charCodeAt(0);
  const either = (value: number, digits: number) => value.toString(16).padStart(digits, '0').replace(/[a-f]/g, (h) => `[${h}${h.toUpperCase()}]`);
  if (code > 0x7f) {
    // Percent-encoding takes the UTF-8 bytes; JSON's \u escapes the UTF-16 units (two for an astral character).
    const percent = [...Buffer.from(char, 'utf8')].map((byte) => `%(?:25)*${either(byte, 2)}`).join('');
    const unicode = [...Array(char.length).keys()].map((i) => `\\\\+u${either(char.charCodeAt(i), 4)}`).join('');
    return `(?:${escapeRegExp(char)}|${percent}|${unicode})`;
  }
  const either2 = either(code, 2);
  const forms = [escapeRegExp(char), `%(?:25)*${either2}`, `\\\\+u00${either2}`];
  if (char === '/') forms.push('\\\\+/');
  // JSON's short escapes (a private key's newlines echoed inside a JSON string).
  const short = JSON_SHORT_ESCAPES[char];
  if (short) forms.push(`\\\\+${escapeRegExp(short)}`);
  return `(?:${forms.join('|')})`;
}

/**
 * The base64 text of a secret wherever it sits in an encoded value (`Basic base64(user:TOKEN)`, a
 * bare base64 of the token): for each alignment of the secret within 3-byte groups, the characters
 * that come from whole groups of the secret's own bytes, which do not depend on what surrounds it.
 * Standard and URL-safe alphabets.
 */
function base64Cores(secret: string): string[] {
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
const CORE_MIN_BYTES = 6;

/** By char code (below 128): the 6-bit value of a base64 character, either alphabet ('+' and '-' alike); -1 for others. */
const BASE64_VALUES = (() => {
  const table = new Int8Array(128).fill(-1);
  const standard = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let value = 0; value < 64; value++) table[standard.charCodeAt(value)] = value;
  table['-'.charCodeAt(0)] = 62;
  table['_'.charCodeAt(0)] = 63;
  return table;
})();

/**
 * The first six bytes of every base64 core of a set of secrets (what a core's first eight
 * characters decode to), so that text can be ruled out as holding any core without building the
 * cores: every core lies where some run of eight base64 characters (either alphabet) decodes to
 * one of them. A listing of 1,000 accounts has no such run, and is then masked without building
 * (and sorting, and searching for) the ~12,000 cores (issue 14). Six bytes are 48 bits: two
 * 24-bit halves (three bytes, four characters each), kept in an open-addressing table of int32
 * pairs (a set of 48-bit numbers took longer to build than the cores it spares).
 */
class CoreHeads {
  /** Pairs (high half | OCCUPIED, low half); a quarter full or less, so a miss mostly ends at its first slot. */
  private readonly table: Int32Array;
  private readonly mask: number;

  constructor(secrets: readonly string[]) {
    let slots = 16;
    while (slots < secrets.length * 3 * 4) slots *= 2;
    this.table = new Int32Array(slots * 2);
    this.mask = slots - 1;
    const bytes = new Uint8Array(8);
    for (const secret of secrets) {
      // Every secret has 8 bytes or more (MIN_SECRET_LENGTH), so each alignment has a core
      // (base64Cores), starting at byte 0, 2 or 1 of it: its head is 6 of the first 8 bytes.
      if (ASCII.test(secret)) for (let i = 0; i < 8; i++) bytes[i] = secret.charCodeAt(i);
      else bytes.set(Buffer.from(secret, 'utf8').subarray(0, 8));
      for (let from = 0; from < 3; from++) {
        this.add((bytes[from]! << 16) | (bytes[from + 1]! << 8) | bytes[from + 2]!, (bytes[from + 3]! << 16) | (bytes[from + 4]! << 8) | bytes[from + 5]!);
      }
    }
  }

  private add(high: number, low: number): void {
    const {table, mask} = this;
    for (let slot = coreHeadSlot(high, low) & mask; ; slot = (slot + 1) & mask) {
      if (table[2 * slot] === 0) {
        table[2 * slot] = high | OCCUPIED;
        table[2 * slot + 1] = low;
        return;
      }
      if (table[2 * slot] === (high | OCCUPIED) && table[2 * slot + 1] === low) return;
    }
  }

  /** Whether some core may lie in text (false: certainly none does). One pass, a rolling 48-bit window. */
  mayHoldCore(text: string): boolean {
    const {table, mask} = this;
    let high = 0;
    let low = 0;
    let run = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const value = code < 128 ? BASE64_VALUES[code]! : -1;
      if (value < 0) {
        run = 0;
        continue;
      }
      high = ((high << 6) | (low >>> 18)) & 0xffffff;
      low = ((low << 6) | value) & 0xffffff;
      if (++run < 8) continue;
      for (let slot = coreHeadSlot(high, low) & mask; table[2 * slot] !== 0; slot = (slot + 1) & mask) {
        if (table[2 * slot] === (high | OCCUPIED) && table[2 * slot + 1] === low) return true;
      }
    }
    return false;
  }

  /** mayHoldCore over bytes[first, start) followed by bytes[after, last) (plain base64: two pieces, a line break skipped). */
  private mayHoldCoreAcross(bytes: Uint8Array, first: number, start: number, after: number, last: number): boolean {
    const {table, mask} = this;
    let high = 0;
    let low = 0;
    let run = 0;
    for (let i = first; i < last; i = i + 1 === start ? after : i + 1) {
      high = ((high << 6) | (low >>> 18)) & 0xffffff;
      low = ((low << 6) | BASE64_VALUES[bytes[i]!]!) & 0xffffff;
      if (++run < 8) continue;
      for (let slot = coreHeadSlot(high, low) & mask; table[2 * slot] !== 0; slot = (slot + 1) & mask) {
        if (table[2 * slot] === (high | OCCUPIED) && table[2 * slot + 1] === low) return true;
      }
    }
    return false;
  }

  /**
   * For bytes without a folded space or `%0`: whether some raw or JSON-escaped line break may join
   * pieces that hold a core (false: certainly none). Settled on the bytes, without decoding them,
   * where a line break sits between two pieces of plain base64 that end at bytes no chain goes on
   * through (an SSE event's `content_block_delta\ndata:`): the windows of those two pieces are
   * looked up. Any other line break between pieces (a longer chain, an escape): true.
   */
  private lineBreaksMayJoinCore(bytes: Buffer): boolean {
    const length = bytes.length;
    /** Where the run of plain base64 from `at` on (by `step`) ends: its first byte past it. */
    const runEnd = (at: number, step: number): number => {
      while (at >= 0 && at < length && BASE64_CODES[bytes[at]!] === 1) at += step;
      return at;
    };
    /** Whether no chain goes on through this byte (none; a space only between two runs shorter than SPACE_FOLDED_WIDTH). */
    const ends = (at: number): boolean => {
      if (at < 0 || at >= length) return true;
      const code = bytes[at]!;
      if (code !== 32) return code >= 128 || CHAIN_CODES[code] === 0;
      return at - 1 - runEnd(at - 1, -1) < SPACE_FOLDED_WIDTH && runEnd(at + 1, 1) - at - 1 < SPACE_FOLDED_WIDTH;
    };
    for (const needle of LINE_BREAK_NEEDLES) {
      for (let found = bytes.indexOf(needle); found >= 0; found = bytes.indexOf(needle, found + 1)) {
        let start = found;
        if (needle === 10 && bytes[found - 1] === 13) start = found - 1;
        else if (needle !== 10 && bytes[found - 1] === 114 && bytes[found - 2] === 92) start = found - 2;
        const after = found + (needle === 10 ? 1 : 2);
        const first = runEnd(start - 1, -1) + 1;
        const last = runEnd(after, 1);
        // No piece before it; or none after it but one that starts with an escape (`%2F`, `\/`).
        if (first === start) continue;
        if (last === after) {
          if (bytes[after] === 37 || bytes[after] === 92) return true;
          continue;
        }
        if (!ends(first - 1) || !ends(last)) return true;
        if (last - after + start - first < 8) continue;
        // The two pieces' windows of 8 atoms, their line break skipped.
        if (this.mayHoldCoreAcross(bytes, first, start, after, last)) return true;
      }
    }
    return false;
  }

  /**
   * Whether some core may lie in a chain of text (false: certainly none does): as mayHoldCore,
   * over each chain's atoms, its separators skipped, so a core cut by line breaks or spaces is
   * seen whole. Only chains are read: line breaks are found by native search, spaces only next to
   * a run of SPACE_FOLDED_WIDTH base64 characters (found by looking at every 16th character), so
   * a bulk body, prose and JSON punctuation are never walked character by character.
   */
  mayHoldWrappedCore(input: string | Uint8Array, maxEchoLength: number): boolean {
    let text: string;
    if (typeof input === 'string') text = input;
    else {
      // Bytes are decoded (latin1) only when some separator may join pieces: most chunks have none.
      const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.length);
      const spaces = bytes.indexOf(32) < 0 ? -1 : SPACE_FOLDED_WIDTH - 1;
      if (bytes.indexOf(PERCENT_LF) < 0 && foldedSpaceInBytes(bytes, {sample: spaces}) < 0 && !this.lineBreaksMayJoinCore(bytes)) return false;
      text = bytes.toString('latin1');
    }
    const length = text.length;
    const at = (i: number) => text.charCodeAt(i);
    const find = (needle: 0 | 1 | 2, from: number) => text.indexOf(needle === 0 ? '\n' : needle === 1 ? '\\n' : '%0', from);
    const next = [find(0, 0), find(1, 0), find(2, 0), -1];
    /** Where to look for the next run of base64 next to a space (-1: no space in the text). */
    const cursor = {sample: text.indexOf(' ') < 0 ? -1 : SPACE_FOLDED_WIDTH - 1};
    const nextSpace = () => foldedSpace(text, cursor);
    next[3] = nextSpace();
    const {table, mask} = this;
    /** Text before this has been read as part of a chain. */
    let done = 0;
    for (;;) {
      let which = -1;
      for (let n = 0; n < 4; n++) if (next[n]! >= 0 && (which < 0 || next[n]! < next[which]!)) which = n;
      if (which < 0) return false;
      const found = next[which]!;
      next[which] = which === 3 ? nextSpace() : find(which as 0 | 1 | 2, found + 1);
      if (found < done) continue;
      // The piece before this separator (an earlier separator of its chain was read first), then
      // the chain read forward to its end. `\r\n` and `\\r\\n` start before the `\n` found.
      let i = which === 0 && at(found - 1) === 13 ? found - 1 : which === 1 && at(found - 1) === 114 && at(found - 2) === 92 ? found - 2 : found;
      const floor = Math.max(done, i - maxEchoLength);
      while (i > floor && (CHAIN_CODES[at(i - 1)] === 1 || at(i - 1) === 37 || at(i - 1) === 92)) i--;
      let high = 0;
      let low = 0;
      let run = 0;
      for (let pieceEnd = false; i < length; ) {
        const token = chainToken(text, i, pieceEnd, false);
        if (token > 0) {
          high = ((high << 6) | (low >>> 18)) & 0xffffff;
          low = ((low << 6) | (token & 63)) & 0xffffff;
          i += token >>> 8;
          pieceEnd = true;
          if (++run < 8) continue;
          for (let slot = coreHeadSlot(high, low) & mask; table[2 * slot] !== 0; slot = (slot + 1) & mask) {
            if (table[2 * slot] === (high | OCCUPIED) && table[2 * slot + 1] === low) return true;
          }
        } else if (token < 0) {
          i -= token;
          pieceEnd = false;
        } else if (i > found) break;
        else {
          run = 0;
          pieceEnd = false;
          i++;
        }
      }
      done = i;
    }
  }
}

/** Marks a used slot of CoreHeads' table (a high half is 24 bits, and may be 0). */
const OCCUPIED = 1 << 24;
/** The table slot of a core head's two 24-bit halves (before the table's mask). */
const coreHeadSlot = (high: number, low: number) => Math.imul(high ^ Math.imul(low, 0x85ebca6b), 0x9e3779b1) >>> 8;

/** The decoded text of a match of any echoed form (for the masked form's first characters). */
function decodeEchoed(found: string): string {
  return found.replace(/\\+u([0-9a-fA-F]{4})|%(?:25)*([0-9a-fA-F]{2})|\\+(\/)|\\+([nrtbf"\\])/g, (_, u?: string, p?: string, slash?: string, short?: string) =>
    slash ?? (short ? JSON_SHORT_DECODED[short]! : String.fromCharCode(parseInt((u ?? p)!, 16))),
  );
}

const ASCII = /^[\x00-\x7f]*$/;

/** Text whose characters are all below 256 read as UTF-8 bytes when they are valid UTF-8 (a percent-decoded echo), else as it is. */
function utf8OfBytes(text: string): string {
  if (ASCII.test(text) || /[^\x00-\xff]/.test(text)) return text;
  const decoded = Buffer.from(text, 'latin1').toString('utf8');
  return decoded.includes('\ufffd') ? text : decoded;
}

/** Text that may hold an escaped echo (`\/`, `\u00XX`, `%XX`); other text needs only the plain forms. */
const ESCAPE_HINT = /\\[/unrtbf"\\]|%[0-9a-fA-F]{2}/;

/**
 * How many characters of text one character of a secret can take when echoed: `\\\\u002F` (a
 * `\u` escape inside JSON nested twice), `%25252F` (a URL encoded three times). A wrapped echo
 * (a chain, see SPACE_FOLDED_WIDTH) takes at most 9 characters per base64 character (`%2F%0D%0A`), 12 per byte of
 * the secret: within 10 per character of the longest form, a core (4 characters per 3 bytes).
 */
const ECHO_EXPANSION = 10;

/**
 * For joinWrappedBase64 (a Redactor finds more: see SPACE_FOLDED_WIDTH). A base64 block wrapped into lines
 * (MIME's 76 characters, PEM's 64), the line breaks raw or JSON-escaped: a base64 echo is found
 * only once its lines are joined. Its first line may be short:
 * a block that starts in the middle of a line (after `Authorization: Basic ` in a wrapped log) has
 * only its first few characters there, and the lines after it alone hold no core of the secret.
 */
const WRAPPED_BASE64 = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]+(?:(?:\r?\n|\\r\\n|\\n)[A-Za-z0-9+/]{4,})+={0,2}/g;

/** By char code: 1 for the standard base64 alphabet (WRAPPED_BASE64, chains). */
const BASE64_CODES = (() => {
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
const SPACE_FOLDED_WIDTH = 16;

/**
 * The next space (at or after `cursor.sample`) next to a run of SPACE_FOLDED_WIDTH base64
 * characters or more, or -1: looks at every SPACE_FOLDED_WIDTH-th character, which lands in every
 * such run, and walks only the run it lands in (in prose, a word).
 */
function foldedSpace(text: string, cursor: {sample: number}): number {
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

/** foldedSpace for bytes, reading them directly: the hot path of every streamed chunk with spaces. */
function foldedSpaceInBytes(bytes: Uint8Array, cursor: {sample: number}): number {
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
const PARTIAL_CHAIN_TOKEN = /^(?:%(?:0(?:[dD](?:%0?)?)?|2)?|\\(?:r\\?)?|\r)$/;
/** By char code (below 128): for a character of a chain, 1, or 2 when it may start a separator; 0 for others. */
const CHAIN_CODES = (() => {
  const table = new Uint8Array(128);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') table[c.charCodeAt(0)] = 1;
  for (const c of '%\\ \r\n') table[c.charCodeAt(0)] = 2;
  return table;
})();
/** A raw and a JSON-escaped line break, as searched for in bytes. */
const LINE_BREAK_NEEDLES = [10, ESCAPED_LINE_BREAK] as const;
/** A percent-encoded line break's start, as bytes (native search). */
const PERCENT_LF = Buffer.from('%0', 'latin1');

/** Whether a char code is a character of standard base64 (NaN past a text's ends: no). */
const isBase64 = (code: number) => BASE64_CODES[code] === 1;

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
function chainToken(text: string, i: number, pieceEnd: boolean, open: boolean): number {
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

/** The start of a `\uXXXX`, `\/` or `%XX` escape that the end of the text cuts off. */
const PARTIAL_ESCAPE = '(?:\\\\+(?:u[0-9a-fA-F]{0,3})?|%(?:25)*[0-9a-fA-F]?)$';
/**
 * The same for a non-ASCII character, whose escape is several: `%C3%A`, `\\ud83d\\ud`. Never
 * empty: the head pattern then matched '' at every text's end, and a stream's held tail became
 * NaN (wrappedHoldFrom), so an echo cut at a chunk's end went out unmasked.
 */
const PARTIAL_ESCAPES = '(?=[%\\\\])(?:(?:%(?:25)*[0-9a-fA-F]{2}){0,3}(?:%(?:25)*[0-9a-fA-F]?)?|(?:\\\\+u[0-9a-fA-F]{4})?\\\\+(?:u[0-9a-fA-F]{0,4})?)$';

/** Characters of a secret's head that decide whether a stream's tail may be the start of an echo. */
const HEAD_CHARS = 6;

/** Masks one echo found at `where` in a text (its masked form). */
type EchoMask = (found: string, where: number) => string;

export interface RedactOptions {
  /** Also mask generic credential shapes (`Bearer …`, `sk-ant-…`, JWTs): for text from a server whose tokens we cannot know. */
  patterns?: boolean;
  /**
   * Also mask an echo the sender cut short (`Incorrect API key provided: sk-abc…0123…`): at least
   * CUT_ECHO_MIN characters that are the start of a secret, ending where the text ends or at a
   * character that cannot go on a token. For messages (excerpts, errors), not for bodies forwarded.
   */
  cutEchoes?: boolean;
}

/** The default options, one shared object (redact runs for every string of every request's log event). */
const NO_OPTIONS: RedactOptions = Object.freeze({});

/** The shortest start of a secret masked as a cut echo (see RedactOptions.cutEchoes). */
export const CUT_ECHO_MIN = 12;
/** Characters that may go on a token: a run of them is one word, wherever the text was cut. */
const TOKEN_CHAR = /[A-Za-z0-9_\-+/=.~]/;
/** After the start of a secret, a character that makes it another token ('.' may end a sentence). */
const TOKEN_GOES_ON = /[A-Za-z0-9_\-+/=]/;

/**
 * Finds literals (each at least MIN_SECRET_LENGTH long) in text as one regular expression alternating
 * them (longest first) would: leftmost match first, at one position the first literal in the given
 * order. Why: V8 takes tens of milliseconds to compile an alternation of the ~14,000 forms of 1,000
 * accounts' secrets, on every rebuild (each token refresh), while this is built in a few. It scans
 * several times slower than the compiled expression, so a Redactor switches to that expression once
 * it has scanned enough text to pay for compiling it (COMPILE_AFTER). Candidates come from a rolling
 * hash of the first MIN_SECRET_LENGTH characters, checked against a bit filter, then the literals
 * with those characters.
 */
class LiteralFinder {
  private readonly byHead = new Map<string, string[]>();
  /** 2^18 bits, one per value of the hash's top 18 bits: whether some literal's head hashes there. */
  private readonly filter = new Int32Array(1 << 13);

  /** `literals`: longest first (ties keep their order). */
  constructor(literals: readonly string[]) {
    for (const literal of literals) {
      const head = literal.slice(0, HEAD_LENGTH);
      const list = this.byHead.get(head);
      if (list) list.push(literal);
      else {
        this.byHead.set(head, [literal]);
        const bit = hashHead(literal, 0) >>> 14;
        this.filter[bit >>> 5]! |= 1 << (bit & 31);
      }
    }
  }

  /** The text with every literal found replaced by `mask(literal, where)`; the same string when none is found. */
  replace(text: string, mask: EchoMask): string {
    let out = '';
    let copied = 0;
    let i = 0;
    let hash = hashHead(text, 0);
    while (i + HEAD_LENGTH <= text.length) {
      const bit = hash >>> 14;
      if (this.filter[bit >>> 5]! & (1 << (bit & 31))) {
        const found = this.byHead.get(text.slice(i, i + HEAD_LENGTH))?.find((literal) => text.startsWith(literal, i));
        if (found) {
          out += text.slice(copied, i) + mask(found, i);
          i = copied = i + found.length;
          hash = hashHead(text, i);
          continue;
        }
      }
      // Roll the hash one character on: drop text[i], take in text[i + HEAD_LENGTH].
      hash = (Math.imul(hash - Math.imul(text.charCodeAt(i), HASH_BASE_TO_HEAD), HASH_BASE) + text.charCodeAt(i + HEAD_LENGTH)) | 0;
      i++;
    }
    return copied === 0 ? text : out + text.slice(copied);
  }
}

/**
 * Characters a Redactor scans with its LiteralFinder, per character of its forms, before it compiles
 * them into one expression instead: compiling costs about as much per character of the forms as
 * scanning several characters of text, so a one-off listing (the command line) never compiles and a
 * proxy forwarding megabytes soon does.
 */
const COMPILE_AFTER = 8;

/** Characters hashed to find candidates: every literal is at least this long. */
const HEAD_LENGTH = MIN_SECRET_LENGTH;
const HASH_BASE = 0x9e3779b1 | 0;
/** HASH_BASE ** (HEAD_LENGTH - 1), modulo 2^32. */
const HASH_BASE_TO_HEAD = Array.from({length: HEAD_LENGTH - 1}).reduce<number>((power) => Math.imul(power, HASH_BASE), 1);

/** Polynomial hash (modulo 2^32) of text[from, from + HEAD_LENGTH); characters past the end count as 0. */
function hashHead(text: string, from: number): number {
  let hash = 0;
  for (let i = from; i < from + HEAD_LENGTH; i++) hash = (Math.imul(hash, HASH_BASE) + (text.charCodeAt(i) || 0)) | 0;
  return hash;
}

/**
 * Masks every echo of a set of secrets: as sent, percent-encoded, JSON-escaped (`\/`, `\u002f`), and
 * base64 (alone or inside `Basic base64(user:token)`), in one pass over the text however many
 * secrets, so the proxy can apply it to every body it forwards. The expressions for escaped echoes
 * and for a stream's tail are compiled on first use: most text has no escape, and only streams
 * need the tail's. The base64 forms are built once some text may hold one (CoreHeads): a listing
 * holds none.
 */
/** A masked form as a header value takes it: ASCII (`…` is no valid header character, and Node's writeHead throws on it). */
const asciiMaskedForm = (masked: string) => masked.replace(/…/g, '...').replace(/[^\x20-\x7e]/g, '?');

/** redactValues remembers values up to this long (a model name, a path)... */
const SHORT_MEMO_LENGTH = 256;
/** ...this many of them, then starts afresh. */
const SHORT_MEMO_SIZE = 512;

export class Redactor {
  /**
   * The secrets' own forms (each secret, and a non-ASCII one's UTF-8 bytes as latin1), longest
   * first: every form but the base64 cores, which are built only once some text may hold one.
   */
  private readonly ownForms: string[];
  /** Finds ownForms: enough for text without any escape (ESCAPE_HINT) that holds no base64 core (CoreHeads). */
  private readonly ownFinder: LiteralFinder;
  /** Rules out base64 cores in a text without building them (built on first use). */
  private coreHeadsIndex: CoreHeads | undefined;
  /**
   * Every form as sent (ownForms and the base64 cores), longest first, with the sum of their
   * lengths; built on first need (see allForms), the finder over them on first use.
   */
  private all: {literals: string[]; length: number; finder?: LiteralFinder} | undefined;
  /** The same forms as one expression, once `plainScanned` passed COMPILE_AFTER × their length. */
  private plainPattern: RegExp | undefined;
  private plainScanned = 0;
  /** The sum of the lengths of every form before they are built: an upper bound (base64 and base64url cores are often the same). */
  private readonly formsLengthBound: number;
  /** Every echoed form (escapes included), compiled on first use. */
  private echoes: RegExp | undefined;
  /** Matches, from a position, text that may be the first characters of an echo cut off at the end (compiled on first use). */
  private head: RegExp | undefined;
  /** Each latin1 form of a non-ASCII secret → that secret (its masked form shows the secret's first characters). */
  private readonly secretOfLatin1 = new Map<string, string>();
  /** See secretOfCore. */
  private secretOfCoreMap: Map<string, string> | undefined;
  /** The distinct secrets (for the base64 cores, built on first use). */
  private readonly secrets: readonly string[];
  /**
   * Rules out, cheaply, that a text holds any echo (see EchoFilter); built for the first stream
   * (a one-off listing does not pay for it), used by every redaction from then on. `null` when it
   * cannot be built (a literal without a long enough verbatim run).
   */
  private filter: EchoFilter | null | undefined;
  private readonly count: number;
  /** The longest text one echo can take (a secret with every character escaped; see ECHO_EXPANSION). */
  readonly maxEchoLength: number;

  constructor(secrets: Iterable<string | undefined | null>) {
    const unique = new Set<string>();
    for (const secret of secrets) if (secret && secret.length >= MIN_SECRET_LENGTH) unique.add(secret);
    this.count = unique.size;
    this.secrets = [...unique];
    const forms = new Set<string>();
    let longest = 0;
    let bound = 0;
    for (const secret of unique) {
      forms.add(secret);
      let bytes = secret.length;
      // A stream is masked as latin1 text (StreamRedactor): there a non-ASCII secret is its UTF-8 bytes.
      if (!ASCII.test(secret)) {
        const latin1 = Buffer.from(secret, 'utf8').toString('latin1');
        forms.add(latin1);
        this.secretOfLatin1.set(latin1, secret);
        bytes = latin1.length;
      }
      // The longest core is the first alignment's (base64Cores): four characters per whole group.
      const core = bytes >= CORE_MIN_BYTES ? Math.floor(bytes / 3) * 4 : 0;
      longest = Math.max(longest, secret.length, bytes, core);
      bound += secret.length + (bytes === secret.length ? 0 : bytes) + 6 * core;
    }
    // Longest first, so a secret that contains another is masked whole.
    this.ownForms = [...forms].sort((a, b) => b.length - a.length);
    this.maxEchoLength = longest * ECHO_EXPANSION;
    this.ownFinder = new LiteralFinder(this.ownForms);
    this.formsLengthBound = bound;
  }

  /**
   * Every form: each secret, its latin1 form, its base64 cores (base64Cores), in that order per
   * secret, longest first. The escaped echoes, the stream filter and a text that may hold a core
   * need them; a listing whose text holds no core never builds them (~12,000 at 1,000 accounts).
   */
  private allForms(): {literals: string[]; length: number; finder?: LiteralFinder} {
    if (this.all) return this.all;
    const forms = new Set<string>();
    for (const secret of this.secrets) {
      forms.add(secret);
      if (!ASCII.test(secret)) forms.add(Buffer.from(secret, 'utf8').toString('latin1'));
      for (const core of base64Cores(secret)) forms.add(core);
    }
    const literals = [...forms].sort((a, b) => b.length - a.length);
    return (this.all = {literals, length: literals.reduce((sum, l) => sum + l.length, 0)});
  }

  private coreHeads(): CoreHeads {
    return (this.coreHeadsIndex ??= new CoreHeads(this.secrets));
  }

  /**
   * Each base64 core → the secret it comes from (its masked form shows the secret's first
   * characters); undefined for text that is none. The map is built on first use, and only when
   * the text may be a core: a listing usually masks nothing, or only secrets as they are (issue 14).
   */
  private secretOfCore(text: string): string | undefined {
    if (!this.secretOfCoreMap) {
      if (!this.coreHeads().mayHoldCore(text)) return undefined;
      const map = new Map<string, string>();
      const unique = new Set(this.secrets);
      for (const secret of this.secrets) for (const core of base64Cores(secret)) if (!unique.has(core)) map.set(core, secret);
      this.secretOfCoreMap = map;
    }
    return this.secretOfCoreMap.get(text);
  }

  /**
   * The forms as sent, masked: with a LiteralFinder, or the compiled expression once it pays. Text
   * that holds no base64 core (CoreHeads) needs only the secrets' own forms: the same matches,
   * since a form that occurs nowhere in the text matches nowhere.
   */
  private replacePlain(text: string, mask: EchoMask): string {
    if (!this.plainPattern && (this.plainScanned += text.length) > COMPILE_AFTER * (this.all?.length ?? this.formsLengthBound)) {
      this.plainPattern = new RegExp(this.allForms().literals.map(escapeRegExp).join('|'), 'g');
    }
    if (this.plainPattern) return text.replace(this.plainPattern, mask);
    if (!this.all && !this.coreHeads().mayHoldCore(text)) return this.ownFinder.replace(text, mask);
    const all = this.allForms();
    return (all.finder ??= new LiteralFinder(all.literals)).replace(text, mask);
  }

  private echoPattern(): RegExp {
    return (this.echoes ??= new RegExp(this.allForms().literals.map((l) => [...l].map(charPattern).join('')).join('|'), 'g'));
  }

  private headPattern(): RegExp {
    // a1(?:$|a2(?:$|a3…)): the head of an echo, or as much of it as the text still holds (an escape
    // such as `\u00` cut off at the end included).
    const partial = (c: string) => (c.charCodeAt(0) > 0x7f ? PARTIAL_ESCAPES : PARTIAL_ESCAPE);
    const headAtoms = (l: string) => [...l].slice(0, HEAD_CHARS).map((c) => (charPattern(c).startsWith('(?:') ? `(?:${charPattern(c)}|${partial(c)})` : charPattern(c)));
    const heads = () => new Set(this.allForms().literals.map((l) => headAtoms(l).reduceRight((rest, atom) => (rest ? `${atom}(?:$|${rest})` : atom), '')));
    return (this.head ??= new RegExp([...heads()].join('|'), 'g'));
  }

  /** How many distinct secrets are masked. */
  get size(): number {
    return this.count;
  }

  /** The text with every known secret masked (and generic credential shapes, when asked). */
  redact(text: string, options: RedactOptions = NO_OPTIONS): string {
    return this.redactWith(text, options);
  }

  /**
   * redact, each masked form passed through `form`: a header takes ASCII only, a stream's latin1
   * text takes the UTF-8 bytes.
   */
  private redactWith(text: string, options: RedactOptions, form?: (masked: string) => string): string {
    if (!text) return text;
    if (this.count > 0 && ESCAPED_VERBATIM.test(text)) {
      // A letter or digit sent as a JSON `\u` escape (`\u0061` for `a`): no encoder writes one,
      // but a client decodes it, so the echo is looked for with those escapes decoded. The text
      // changes (decoded) only when an echo is found there.
      const plain = decodeVerbatimEscapes(text);
      const masked = this.redactWith(plain, options, form);
      if (masked !== plain) return masked;
    }
    if (this.count > 0 && this.mayHoldWrappedEcho(text)) text = this.unwrapEchoes(text, form);
    if (this.filter && !this.filter.mayHoldEcho(text)) {
      // No whole echo; a cut one is shorter than the runs the filter samples, so it is looked for apart.
      const cut = options.cutEchoes ? this.maskCutEchoes(text, form) : text;
      return options.patterns ? maskCredentialPatterns(cut) : cut;
    }
    const mask = form ? (found: string) => form(this.maskFor(found)) : (found: string) => this.maskFor(found);
    let masked = this.count === 0 ? text : ESCAPE_HINT.test(text) ? text.replace(this.echoPattern(), mask) : this.replacePlain(text, mask);
    if (options.cutEchoes) masked = this.maskCutEchoes(masked, form);
    return options.patterns ? maskCredentialPatterns(masked) : masked;
  }

  /** The secrets by their first CUT_ECHO_MIN characters (built on first use). */
  private byCutHead: Map<string, string[]> | undefined;

  /** Masks each start of a secret (CUT_ECHO_MIN characters or more) that ends at a cut: see RedactOptions.cutEchoes. */
  private maskCutEchoes(text: string, form?: (masked: string) => string): string {
    if (this.count === 0 || text.length < CUT_ECHO_MIN) return text;
    if (!this.byCutHead) {
      this.byCutHead = new Map();
      // The secrets themselves: neither a base64 core (no cut of one is masked) nor a latin1 form.
      for (const literal of this.ownForms) {
        if (literal.length <= CUT_ECHO_MIN || this.secretOfLatin1.has(literal)) continue;
        const head = literal.slice(0, CUT_ECHO_MIN);
        this.byCutHead.set(head, [...(this.byCutHead.get(head) ?? []), literal]);
      }
    }
    let out = '';
    let copied = 0;
    for (let i = 0; i + CUT_ECHO_MIN <= text.length; i++) {
      const secrets = this.byCutHead.get(text.slice(i, i + CUT_ECHO_MIN));
      if (!secrets) continue;
      for (const secret of secrets) {
        let end = i + CUT_ECHO_MIN;
        while (end < text.length && end - i < secret.length && text[end] === secret[end - i]) end++;
        // Followed by more token characters: another token that shares the start (`sk-ant-oat01-`).
        if (end < text.length && TOKEN_GOES_ON.test(text[end]!)) continue;
        out += text.slice(copied, i) + (form ? form(redactedForm(secret)) : redactedForm(secret));
        i = copied = end;
        i--;
        break;
      }
    }
    return copied === 0 ? text : out + text.slice(copied);
  }

  /** Whether some text may hold a base64 echo cut into pieces (a chain, see SPACE_FOLDED_WIDTH); false: certainly none. */
  private mayHoldWrappedEcho(text: string | Uint8Array): boolean {
    return this.coreHeads().mayHoldWrappedCore(text, this.maxEchoLength);
  }

  /**
   * Each echo found in a chain's pieces joined, masked in place: from its first character to its
   * last, the separators between them included; the rest of the chain as it was (see
   * SPACE_FOLDED_WIDTH for why ordinary text is never changed).
   */
  private unwrapEchoes(text: string, form?: (masked: string) => string): string {
    let out = '';
    let copied = 0;
    for (let i = 0; i < text.length; ) {
      let joined = '';
      /** Index in text of each character of `joined`. */
      const origin: number[] = [];
      let separated = false;
      let end = i;
      for (let pieceEnd = false; end < text.length; ) {
        const token = chainToken(text, end, pieceEnd, false);
        if (token === 0) break;
        pieceEnd = token > 0;
        if (token < 0) {
          separated = true;
          end -= token;
          continue;
        }
        for (let k = 0; k < token >>> 8; k++) origin.push(end + k);
        joined += text.slice(end, (end += token >>> 8));
      }
      if (separated) {
        for (const span of this.echoSpans(joined, form)) {
          out += text.slice(copied, origin[span.index]) + span.masked;
          copied = origin[span.end - 1]! + 1;
        }
      }
      i = end > i ? end : i + 1;
    }
    return copied === 0 ? text : out + text.slice(copied);
  }

  /** Each echo in text (no wrapped ones): where it starts and ends, and its masked form. */
  private echoSpans(text: string, form?: (masked: string) => string): {index: number; end: number; masked: string}[] {
    const spans: {index: number; end: number; masked: string}[] = [];
    if (this.filter && !this.filter.mayHoldEcho(text)) return spans;
    const mask: EchoMask = (found, index) => {
      const masked = form ? form(this.maskFor(found)) : this.maskFor(found);
      spans.push({index, end: index + found.length, masked});
      return masked;
    };
    if (ESCAPE_HINT.test(text)) text.replace(this.echoPattern(), mask);
    else this.replacePlain(text, mask);
    return spans;
  }

  private maskFor(found: string): string {
    const decoded = decodeEchoed(found);
    return redactedForm(this.secretOfLatin1.get(decoded) ?? this.secretOfCore(decoded) ?? utf8OfBytes(decoded));
  }

  /** redact for latin1 text (a stream's bytes): each masked form written as its UTF-8 bytes. */
  redactLatin1(text: string, options: RedactOptions = NO_OPTIONS): string {
    return this.redactWith(text, options, (masked) => Buffer.from(masked, 'utf8').toString('latin1'));
  }

  /** A copy of a JSON-like value with every string redacted (status objects, events, cache entries). */
  redactDeep<T>(value: T, options: RedactOptions = {}): T {
    if (this.count === 0 && !options.patterns) return value;
    if (typeof value === 'string') return this.redact(value, options) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v, options)) as T;
    if (typeof value === 'object' && value !== null) {
      // Keys too: a translated tool call's arguments object may carry an echoed token as a key.
      // fromEntries defines own properties, so a `__proto__` key stays data, never a prototype.
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.redact(k, options), this.redactDeep(v, options)])) as T;
    }
    return value;
  }

  /**
   * A flat record (strings, numbers, booleans; no nested values) with each string value redacted;
   * the record itself when nothing changed. Its keys are not looked at: for records whose keys are
   * the caller's own names (the proxy's request events, one per request, where redactDeep's copy
   * of every key and value was a measurable share of the request's time).
   */
  redactValues<T extends object>(record: T): T {
    if (this.count === 0) return record;
    let out: Record<string, unknown> | undefined;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      const value = (record as Record<string, unknown>)[key];
      if (typeof value === 'object' && value !== null) throw new TypeError(`redactValues: "${key}" is not flat; use redactDeep`);
      if (typeof value !== 'string') continue;
      const masked = this.redactShort(value);
      if (masked !== value) (out ??= {...(record as Record<string, unknown>)})[key] = masked;
    }
    return (out as T | undefined) ?? record;
  }

  /**
   * redact() of a short value, remembered: a request event carries the same provider, account,
   * path and model as the last thousand did (redact is a function of the text and this Redactor's
   * secrets, and a Redactor's secrets never change). At most SHORT_MEMO_SIZE values of at most
   * SHORT_MEMO_LENGTH characters are kept.
   */
  private redactShort(value: string): string {
    if (value.length > SHORT_MEMO_LENGTH) return this.redact(value);
    let masked = this.shortMemo.get(value);
    if (masked === undefined) {
      masked = this.redact(value);
      if (this.shortMemo.size >= SHORT_MEMO_SIZE) this.shortMemo.clear();
      this.shortMemo.set(value, masked);
    }
    return masked;
  }

  private readonly shortMemo = new Map<string, string>();

  /**
   * Response headers with every value redacted (an upstream may echo the bearer in any header). The
   * masked form is ASCII here (`sk-a...(redacted)`): '…' is no valid header character, and Node's
   * writeHead throws on it. Header values arrive as latin1, so every other character stays valid.
   */
  redactHeaders<H extends Record<string, string | string[] | number | undefined>>(headers: H): H {
    if (this.count === 0) return headers;
    const out: Record<string, string | string[] | number | undefined> = {};
    for (const name in headers) {
      if (!Object.hasOwn(headers, name)) continue;
      const value = headers[name];
      out[name] = typeof value === 'string' ? this.headerValue(value) : Array.isArray(value) ? value.map((item: string) => this.headerValue(item)) : value;
    }
    return out as H;
  }

  /** One header value redacted (ASCII masked forms), remembered as redactShort's values are (the same content-type with every answer). */
  private headerValue(value: string): string {
    if (value.length > SHORT_MEMO_LENGTH) return this.redactWith(value, {}, asciiMaskedForm);
    let masked = this.headerMemo.get(value);
    if (masked === undefined) {
      masked = this.redactWith(value, {}, asciiMaskedForm);
      if (this.headerMemo.size >= SHORT_MEMO_SIZE) this.headerMemo.clear();
      this.headerMemo.set(value, masked);
    }
    return masked;
  }

  private readonly headerMemo = new Map<string, string>();

  /** A masker for a body that arrives in chunks (a streamed success): see StreamRedactor. */
  stream(): StreamRedactor {
    return new StreamRedactor(this);
  }

  private echoFilter(): EchoFilter | null {
    if (this.filter === undefined) this.filter = this.count === 0 ? null : EchoFilter.of(this.allForms().literals);
    return this.filter;
  }

  /** Whether some echo may lie whole in `bytes` (false: certainly none; see EchoFilter). */
  mayHoldEcho(bytes: Buffer): boolean {
    const filter = this.echoFilter();
    if (!filter) return true;
    // Searched for once, for both checks below: each search reads a bulk chunk's every byte.
    const lacksHittingByte = filter.lacksEveryHittingByte(bytes);
    if (filter.mayHoldEcho(bytes, lacksHittingByte)) return true;
    // Escaped letters break the verbatim runs the filter samples (see ESCAPED_VERBATIM).
    if (bytes.includes(BACKSLASH_U00) && ESCAPED_VERBATIM.test(bytes.toString('latin1'))) return true;
    // A wrapped base64 echo breaks the verbatim runs the filter samples: checked apart, only
    // around separators (line breaks, spaces) between base64 pieces (see SPACE_FOLDED_WIDTH). Its
    // characters are still all there, so bytes without any of the filter's bytes hold none.
    return !lacksHittingByte && this.mayHoldWrappedEcho(bytes);
  }

  /**
   * For the stream masker, on bytes that hold no whole echo: where their tail may begin an echo
   * that the next chunk completes; `bytes.length` when it cannot. Only the run after the last byte
   * that no echo can contain is looked at, so an SSE event's closing newlines (or a JSON answer's
   * closing brace) settle it without a regular expression.
   */
  holdBytesFrom(bytes: Uint8Array): number {
    const length = bytes.length;
    if (this.count === 0 || length === 0) return length;
    const floor = Math.max(0, length - this.maxEchoLength);
    const codes = this.tailCodes();
    // A wrapped echo's start: only when the bytes end in a chain (a base64 character, or a
    // separator after one), so an SSE event's closing `\n\n` still settles it at once.
    const last = bytes[length - 1]!;
    const before = length > 1 ? bytes[length - 2]! : 0;
    let inChain = isBase64(last) || last === 32 || last === 13 || last === 37 || last === 92 || (last === 10 && (isBase64(before) || before === 13));
    // One walk back over the trailing run of echo characters and the trailing chain (a bulk
    // body's run of letters is both): where the first byte an echo may start with is in the
    // first, where the second starts and whether it has a separator. The head pattern reads
    // only from that byte on, and a run without one is settled without building a string.
    let inEcho = true;
    let head = -1;
    let chain = length;
    let separated = false;
    for (let i = length - 1; i >= floor && (inEcho || inChain); i--) {
      const code = codes[bytes[i]!]!;
      if (inEcho) {
        if ((code & TAIL_ECHO) === 0) inEcho = false;
        else if ((code & TAIL_HEAD) !== 0) head = i;
      }
      if (inChain) {
        if ((code & TAIL_CHAIN) === 0) inChain = false;
        else {
          chain = i;
          if ((code & TAIL_SEPARATOR) !== 0) separated = true;
        }
      }
    }
    const latin1 = (from: number) => Buffer.from(bytes.buffer, bytes.byteOffset + from, length - from).toString('latin1');
    let hold = head < 0 ? length : head + this.holdFrom(latin1(head), 0, false);
    // Escaped letters near the end may begin an echo the next chunk completes (escapedHoldFrom).
    if (bytes.indexOf(BACKSLASH, floor) !== -1) hold = Math.min(hold, floor + this.escapedHoldFrom(latin1(floor), 0));
    // Decoded only when the trailing chain has a separator (a bulk body's run of letters has none).
    return separated ? Math.min(hold, chain + this.wrappedHoldFrom(latin1(chain))) : hold;
  }

  /** By byte, for holdBytesFrom: TAIL_ECHO, TAIL_HEAD, TAIL_CHAIN and TAIL_SEPARATOR bits (built on first use). */
  private tailCodesTable: Uint8Array | undefined;

  private tailCodes(): Uint8Array {
    if (this.tailCodesTable) return this.tailCodesTable;
    const echoChars = this.echoFilter()?.echoChars ?? ALL_CHARS;
    const table = new Uint8Array(256);
    // The head pattern's first atom (headPattern, charPattern): a verbatim character is itself;
    // any other is itself, or an escape or a cut one, which starts with `%` or a backslash.
    const heads = new Uint8Array(256);
    for (const literal of this.allForms().literals) {
      const first = literal.codePointAt(0)!;
      if (first < 256) heads[first] = 1;
      if (!(first < 128 && VERBATIM_CODES[first] === 1)) heads[37] = heads[BACKSLASH] = 1;
    }
    for (let code = 0; code < 256; code++) {
      let bits = echoChars[code] === 1 ? TAIL_ECHO : 0;
      if (heads[code] === 1) bits |= TAIL_HEAD;
      if (code < 128 && CHAIN_CODES[code] !== 0) bits |= CHAIN_CODES[code] === 2 ? TAIL_CHAIN | TAIL_SEPARATOR : TAIL_CHAIN;
      table[code] = bits;
    }
    return (this.tailCodesTable = table);
  }

  /**
   * holdBytesFrom for a string (an event's text, or its latin1 bytes), or its part `[from, to)`:
   * where its tail may begin an echo that text joined after it completes; `to` when it cannot. A
   * character above 255 counts as one an echo may hold.
   */
  holdTextFrom(text: string, from = 0, to = text.length): number {
    if (this.count === 0) return to;
    const floor = Math.max(from, to - this.maxEchoLength);
    const echoChars = this.echoFilter()?.echoChars ?? ALL_CHARS;
    let start = to;
    while (start > floor) {
      const code = text.charCodeAt(start - 1);
      if (code < 256 && echoChars[code] !== 1) break;
      start--;
    }
    let hold = start === to ? to : start + this.holdFrom(text.slice(start, to), 0);
    // A wrapped base64 echo's raw separators (a line break; a space next to SPACE_FOLDED_WIDTH
    // base64 characters) are no echo characters, so its chain may begin before `start`: read from
    // the chain's start, as holdBytesFrom does; only when the chain may have one (prose has none).
    let chain = to;
    let run = 0;
    let separated = false;
    for (let code = text.charCodeAt(to - 1); chain > floor && code < 128 && CHAIN_CODES[code] !== 0; code = text.charCodeAt(--chain - 1)) {
      run = isBase64(code) ? run + 1 : 0;
      separated ||= code === 10 || code === 13 || run >= SPACE_FOLDED_WIDTH;
    }
    if (separated && chain < start) hold = Math.min(hold, chain + this.wrappedHoldFrom(text.slice(chain, to)));
    return Math.min(hold, this.escapedHoldFrom(text, floor, to));
  }

  /**
   * Escaped letters (ESCAPED_VERBATIM) hide an echo's start from the head pattern: where the text's
   * part `[floor, to)` must be held from for them, the first such escape in it (from the echo
   * characters right before it), or an escape cut off at `to` (`\`, `\u00`); `to` when it holds neither.
   */
  escapedHoldFrom(text: string, floor: number, to = text.length): number {
    const backslash = text.indexOf('\\', floor);
    if (backslash === -1 || backslash >= to) return to;
    const tail = text.slice(floor, to);
    const escaped = tail.search(ESCAPED_VERBATIM);
    const cut = escaped === -1 ? tail.search(CUT_ESCAPE_AT_END) : -1;
    const at = escaped !== -1 ? escaped : cut;
    if (at === -1) return to;
    // Letters sent as they are may come before the first escaped one (`s\u006b-…`): held with it.
    const echoChars = this.echoFilter()?.echoChars ?? ALL_CHARS;
    let start = floor + at;
    for (let code = text.charCodeAt(start - 1); start > floor && (code > 255 || echoChars[code] === 1); code = text.charCodeAt(--start - 1));
    return start;
  }

  /**
   * For the stream masker: where the text's tail may begin an echo that the next chunk completes
   * (only positions at or after `from`); the text's length when it cannot.
   */
  holdFrom(text: string, from: number, wrapped = true): number {
    if (this.count === 0) return text.length;
    const unwrapped = this.unwrappedHoldFrom(text, from);
    return wrapped ? Math.min(unwrapped, this.wrappedHoldFrom(text, from)) : unwrapped;
  }

  private unwrappedHoldFrom(text: string, from: number): number {
    const head = this.headPattern();
    head.lastIndex = Math.max(0, from);
    for (let found = head.exec(text); found; found = head.exec(text)) {
      if (found.index + this.maxEchoLength > text.length) return found.index;
      head.lastIndex = found.index + 1;
    }
    return text.length;
  }

  /**
   * Where the text's last chain (SPACE_FOLDED_WIDTH; one that reaches the end, or a separator or
   * escape the end cuts off) may hold the first characters of an echo, its separators skipped: a
   * wrapped base64 echo cut between two chunks. The text's length when it cannot (only positions
   * at or after `from`).
   */
  private wrappedHoldFrom(text: string, from = 0): number {
    const at = (i: number) => text.charCodeAt(i);
    let start = text.length;
    let separators = false;
    for (let code = at(start - 1); start > from && code < 128 && CHAIN_CODES[code] !== 0; code = at(--start - 1)) separators ||= CHAIN_CODES[code] === 2;
    if (!separators) return text.length;
    let joined = '';
    const origin: number[] = [];
    let separated = false;
    for (let i = start, pieceEnd = false; i < text.length; ) {
      const token = chainToken(text, i, pieceEnd, true);
      pieceEnd = token > 0;
      if (token > 0) {
        for (let k = 0; k < token >>> 8; k++) origin.push(i + k);
        joined += text.slice(i, (i += token >>> 8));
        continue;
      }
      if (token < 0) {
        separated = true;
        i -= token;
        continue;
      }
      if (joined.length > 0 && at(i - 1) < 128 && isBase64(at(i - 1)) && PARTIAL_CHAIN_TOKEN.test(text.slice(i))) {
        separated = true;
        break;
      }
      joined = '';
      origin.length = 0;
      separated = false;
      i++;
    }
    // Without a separator, the unwrapped head pattern has seen it.
    if (!separated) return text.length;
    const head = this.headPattern();
    head.lastIndex = 0;
    const found = head.exec(joined);
    return found ? origin[found.index]! : text.length;
  }
}

/**
 * Masks a body chunk by chunk, bytes in and bytes out, without buffering it: each chunk goes out at
 * once, except a tail that may be the start of a secret cut between two chunks (at most the longest
 * echo's length, and only when the tail matches the first characters of a secret). A chunk that
 * certainly holds no echo (Redactor.mayHoldEcho) passes as the same Buffer, never decoded; one that
 * may is handled as latin1 text so that pass-through bytes come out identical.
 */
export class StreamRedactor {
  /** Bytes held back from the last chunk (a possible start of an echo), already masked. */
  private carry: Buffer = EMPTY;

  constructor(private readonly redactor: Redactor) {}

  push(chunk: Buffer): Buffer {
    if (this.redactor.size === 0) return chunk;
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    if (!this.redactor.mayHoldEcho(bytes)) {
      const hold = this.redactor.holdBytesFrom(bytes);
      // Copied: the carried bytes outlive a chunk its reader may reuse.
      this.carry = hold < bytes.length ? Buffer.from(bytes.subarray(hold)) : EMPTY;
      return hold < bytes.length ? bytes.subarray(0, hold) : bytes;
    }
    const text = bytes.toString('latin1');
    const masked = this.maskLatin1(text);
    const floor = Math.max(0, masked.length - this.redactor.maxEchoLength);
    const hold = Math.min(this.redactor.holdFrom(masked, floor), this.redactor.escapedHoldFrom(masked, floor));
    this.carry = hold < masked.length ? Buffer.from(masked.slice(hold), 'latin1') : EMPTY;
    if (hold === masked.length && masked === text) return bytes;
    return Buffer.from(masked.slice(0, hold), 'latin1');
  }

  /** What is still held back, masked (call once the body has ended). */
  end(): Buffer {
    const rest = this.carry;
    this.carry = EMPTY;
    if (rest.length === 0 || !this.redactor.mayHoldEcho(rest)) return rest;
    return Buffer.from(this.maskLatin1(rest.toString('latin1')), 'latin1');
  }

  private maskLatin1(text: string): string {
    return this.redactor.redactLatin1(text);
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Characters that every encoding of an echo leaves as they are (percent-encoding, JSON escapes and
 * base64's URL-safe alphabet never touch them; see charPattern): a secret's runs of them appear
 * verbatim, in the same order, in every echoed form.
 */
const VERBATIM = /^[A-Za-z0-9_.-]$/;

/** A JSON `\u` escape of a VERBATIM character, not itself escaped (`\\u0061` is a backslash and `u0061`). */
const ESCAPED_VERBATIM = /(?<!\\)(?:\\\\)*\\u00(?:2[dDeE]|3[0-9]|4[1-9a-fA-F]|5[0-9aAfF]|6[1-9a-fA-F]|7[0-9aA])/;
const BACKSLASH_U00 = Buffer.from('\\u00', 'latin1');
const BACKSLASH = 0x5c;
/** A `\u` escape cut off at the text's end, one that may still become ESCAPED_VERBATIM. */
const CUT_ESCAPE_AT_END = /(?<!\\)(?:\\\\)*\\(?:u(?:0(?:0[2-7]?)?)?)?$/;

/** The text with each escape ESCAPED_VERBATIM finds replaced by its character (other escapes kept). */
function decodeVerbatimEscapes(text: string): string {
  return text.replace(/\\(\\|u00([0-9a-fA-F]{2}))/g, (whole, _escaped: string, hex: string | undefined) => {
    if (hex === undefined) return whole;
    const char = String.fromCharCode(parseInt(hex, 16));
    return VERBATIM.test(char) ? char : whole;
  });
}

/**
 * A prefilter that proves, in one sampled pass, that a text holds no echo, so that the regular
 * expressions (slow with many secrets: thousands of alternatives) run only where one may be.
 * Every literal form (a secret, a base64 core) has a run of at least `run` verbatim characters,
 * which every echo of it carries unchanged. Looking at the `width`-character window at every
 * `step`-th position (step = run − width + 1) therefore lands inside that run at one of its first
 * `step` offsets; those windows of every literal are kept in a bit set (two hashes each, a Bloom
 * filter). No sampled window in the set: no echo. A hit only means "look closer" (the full regular expression decides).
 */
class EchoFilter {
  private constructor(
    private readonly width: 4 | 8,
    private readonly step: number,
    /** The shortest text that can hold a whole echo of any literal. */
    private readonly minEcho: number,
    private readonly bits: Int32Array,
    private readonly shift: number,
    /** By char code (0–255): 1 when the character may be part of an echo (a character of a literal, or of an escape). */
    readonly echoChars: Uint8Array,
    /** A few bytes, one of which is in every literal's verbatim run (empty: too many would be needed). */
    private readonly anyOf: readonly number[],
  ) {}

  /** The filter for these literal forms, or undefined when some literal has too short a verbatim run to sample. */
  static of(literals: readonly string[]): EchoFilter | null {
    const echoChars = new Uint8Array(256);
    for (const c of '%\\/u0123456789abcdefABCDEFnrt"') echoChars[c.charCodeAt(0)] = 1;
    const runs = literals.map((literal) => longestVerbatimRun(literal, echoChars));
    let run = Infinity;
    for (const r of runs) run = Math.min(run, r.length);
    if (run < 6) return null;
    const width = run >= 12 ? 8 : 4;
    const step = run - width + 1;
    // Two bits per window (two hashes), 512 bits per window up to 2 MB: a random window has both of
    // its bits set about 1 time in 60,000, so a 64 KB chunk of text without a secret rarely needs a
    // closer look (at 1,000 accounts the set is full enough that bulk chunks often do).
    const log2 = Math.min(24, Math.max(10, Math.ceil(Math.log2(runs.length * step * 512))));
    const bits = new Int32Array(1 << (log2 - 5));
    const shift = 32 - log2;
    let minEcho = Infinity;
    for (const literal of literals) minEcho = Math.min(minEcho, literal.length);
    for (const {text, start} of runs) {
      // The windows at the run's first `step` offsets, hashed as sampleString hashes a window.
      for (let p = start; p < start + step; p++) {
        const a = text.charCodeAt(p) | (text.charCodeAt(p + 1) << 8) | (text.charCodeAt(p + 2) << 16) | (text.charCodeAt(p + 3) << 24);
        const b = width === 8 ? text.charCodeAt(p + 4) | (text.charCodeAt(p + 5) << 8) | (text.charCodeAt(p + 6) << 16) | (text.charCodeAt(p + 7) << 24) : 0;
        const h = Math.imul(a ^ Math.imul(b, 0x85ebca6b), 0x9e3779b1) >>> shift;
        const g = Math.imul(b ^ Math.imul(a, 0x27d4eb2f), 0x165667b1) >>> shift;
        bits[h >>> 5]! |= 1 << (h & 31);
        bits[g >>> 5]! |= 1 << (g & 31);
      }
    }
    return new EchoFilter(width, step, minEcho, bits, shift, echoChars, hittingBytes(runs.map((r) => r.text.slice(r.start, r.start + r.length))));
  }

  /**
   * Whether some echo may lie whole in `text` (bytes, or a string's UTF-16 code units).
   * `lacksHittingByte`: lacksEveryHittingByte of the bytes, when the caller has it already.
   */
  mayHoldEcho(text: Uint8Array | string, lacksHittingByte?: boolean): boolean {
    if (text.length < this.minEcho) return false;
    if (typeof text === 'string') return this.sampleString(text);
    // Every echo holds one of these bytes (in its verbatim run): none in the chunk, no echo. A
    // native search, so a long chunk without any of them (bulk data) is not sampled at all.
    if (lacksHittingByte ?? this.lacksEveryHittingByte(text as Buffer)) return false;
    return this.sampleBytes(text);
  }

  /** Whether bytes hold none of the bytes one of which is in every literal (false when there are none such). */
  lacksEveryHittingByte(bytes: Buffer): boolean {
    return this.anyOf.length > 0 && !this.anyOf.some((byte) => bytes.includes(byte));
  }

  // The two loops below are the hot path of every answer: kept monomorphic, fields in locals.
  private sampleBytes(bytes: Uint8Array): boolean {
    const {bits, step, shift} = this;
    const last = bytes.length - this.width;
    const wide = this.width === 8;
    // Little-endian 32-bit reads: the same values as sampleString's four characters.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let p = 0; p <= last; p += step) {
      const a = view.getInt32(p, true);
      const b = wide ? view.getInt32(p + 4, true) : 0;
      const h = Math.imul(a ^ Math.imul(b, 0x85ebca6b), 0x9e3779b1) >>> shift;
      if ((bits[h >>> 5]! & (1 << (h & 31))) === 0) continue;
      const g = Math.imul(b ^ Math.imul(a, 0x27d4eb2f), 0x165667b1) >>> shift;
      if ((bits[g >>> 5]! & (1 << (g & 31))) !== 0) return true;
    }
    return false;
  }

  private sampleString(text: string): boolean {
    const {bits, step, shift} = this;
    const last = text.length - this.width;
    const wide = this.width === 8;
    for (let p = 0; p <= last; p += step) {
      const a = text.charCodeAt(p) | (text.charCodeAt(p + 1) << 8) | (text.charCodeAt(p + 2) << 16) | (text.charCodeAt(p + 3) << 24);
      const b = wide ? text.charCodeAt(p + 4) | (text.charCodeAt(p + 5) << 8) | (text.charCodeAt(p + 6) << 16) | (text.charCodeAt(p + 7) << 24) : 0;
      const h = Math.imul(a ^ Math.imul(b, 0x85ebca6b), 0x9e3779b1) >>> shift;
      if ((bits[h >>> 5]! & (1 << (h & 31))) === 0) continue;
      const g = Math.imul(b ^ Math.imul(a, 0x27d4eb2f), 0x165667b1) >>> shift;
      if ((bits[g >>> 5]! & (1 << (g & 31))) !== 0) return true;
    }
    return false;
  }
}

/** At most four bytes such that each run holds one of them (greedy: the byte in most runs left first); [] when four do not do. */
function hittingBytes(runs: readonly string[]): number[] {
  let left = [...new Set(runs)];
  const chosen: number[] = [];
  while (left.length > 0 && chosen.length < 4) {
    const counts = new Map<number, number>();
    for (const run of left) for (const code of new Set([...run].map((c) => c.charCodeAt(0)))) counts.set(code, (counts.get(code) ?? 0) + 1);
    const [best] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    chosen.push(best);
    left = left.filter((run) => !run.includes(String.fromCharCode(best)));
  }
  return left.length === 0 ? chosen : [];
}

/** By char code: 1 for VERBATIM characters. */
const VERBATIM_CODES = (() => {
  const table = new Uint8Array(128);
  for (let code = 0; code < 128; code++) if (VERBATIM.test(String.fromCharCode(code))) table[code] = 1;
  return table;
})();

/**
 * The longest run of VERBATIM characters in a literal (the first, on ties): where it starts, and its
 * length. Marks each of the literal's characters in `echoChars` on the way (one pass over the forms).
 */
function longestVerbatimRun(text: string, echoChars: Uint8Array): {text: string; start: number; length: number} {
  let best = {text, start: 0, length: 0};
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length) {
      const code = text.charCodeAt(i);
      if (code < 256) echoChars[code] = 1;
      if (code < 128 && VERBATIM_CODES[code] === 1) continue;
    }
    if (i - start > best.length) best = {text, start, length: i - start};
    start = i + 1;
  }
  return best;
}

/** Every byte may be part of an echo (no filter: the tail is left to the regular expression). */
const ALL_CHARS = new Uint8Array(256).fill(1);
/** Redactor.tailCodes bits: the byte may be part of an echo (EchoFilter.echoChars). */
const TAIL_ECHO = 1;
/** The byte may begin an echo: the head pattern may match from it. */
const TAIL_HEAD = 2;
/** The byte is a chain's (CHAIN_CODES: base64, or a separator's or escape's first character). */
const TAIL_CHAIN = 4;
/** The byte may start a chain's separator or escape (CHAIN_CODES 2). */
const TAIL_SEPARATOR = 8;

/**
 * Generic credential shapes, for text from a server whose credentials this process cannot know (a
 * remote CLIProxyAPI's accounts, its management key echoed back): a bearer value, and tokens with a
 * well-known prefix (Anthropic `sk-ant-`, Google `ya29.` access and `1//` refresh tokens, GitHub
 * `gho_`/`ghu_`/`ghp_`/`ghs_`/`ghr_`, OpenAI `sk-`, JWTs `eyJ….….…`). Also JSON-escaped `1\/\/`.
 */
const CREDENTIAL_PATTERNS =
  /(?<=\b(?:Bearer|Basic|token)[\s:="']+)[A-Za-z0-9._~+/=\\-]{12,}|\bsk-(?:ant-)?[A-Za-z0-9_-]{12,}|\bya29\.[A-Za-z0-9._-]{12,}|\b1(?:\/\/|\\\/\\\/)[A-Za-z0-9._-]{12,}|\bgh[opsur]_[A-Za-z0-9]{12,}|\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*/gi;

/** Text with every generic credential shape masked (see CREDENTIAL_PATTERNS). */
export function maskCredentialPatterns(text: string): string {
  return text.replace(CREDENTIAL_PATTERNS, (found) => redactedForm(decodeEchoed(found)));
}

/** Text to mask: a function, or a Redactor (whose cut-echo masking is then used too). */
export type Masker = ((text: string) => string) | Redactor;

/**
 * One line of at most `max` characters (plus `…`) of text from the network or a file, for a message:
 * masked whole FIRST, then sanitised (sanitizeLine), then cut (cutText). The masker is required
 * because the order matters: a secret cut in half is no longer recognised by any later redaction.
 * Empty text → `(empty body)`.
 */
export function excerpt(text: string, max: number, mask: Masker): string {
  const masked = typeof mask === 'function' ? mask(text) : mask.redact(text, {cutEchoes: true});
  return cutText(sanitizeLine(masked).trim(), max) || '(empty body)';
}

/** Characters of a cut token still shown: what a masked form shows of a secret (redactedForm). */
const CUT_TOKEN_SHOWN = 4;

/**
 * `text` when at most `max` characters, else its first `max` and `…`. A cut inside a run of token
 * characters drops that run's part when it is longer than a masked form shows: a cut credential
 * (one no masker knew, or text not masked yet) shows no more of itself than redactedForm does.
 * For text that goes out unmasked by a masker that knows the secrets, use excerpt instead.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max;
  let start = cut;
  while (start > 0 && TOKEN_CHAR.test(text[start - 1]!)) start--;
  if (TOKEN_CHAR.test(text[cut]!) && cut - start > CUT_TOKEN_SHOWN) cut = start;
  return `${text.slice(0, cut)}…`;
}
