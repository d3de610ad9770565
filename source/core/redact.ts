// One masking facility for every output boundary: a Redactor built from every credential of every
// loaded account replaces each echo (URL-encoded, JSON-escaped, base64 too) with a masked form, `sk-a…(redacted)`:
// enough to recognise which secret it was, never enough to use it. Pure: callers gather the secrets.

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
 * a form body), JSON-escaped as `\uXXXX` (either hex case) or `\n`-style, or `\/` (PHP, Jackson and
 * many gateways escape '/'). Letters, digits and `-_.~` are never escaped by any of these. A regex source.
 */
function charPattern(char: string): string {
  if (/[A-Za-z0-9_.~-]/.test(char)) return char === '.' ? '\\.' : char === '-' ? '\\-' : char;
  const code = char.charCodeAt(0);
  if (code > 0x7f) return escapeRegExp(char);
  const hex = code.toString(16).padStart(2, '0');
  const either = hex.replace(/[a-f]/g, (h) => `[${h}${h.toUpperCase()}]`);
  const forms = [escapeRegExp(char), `%${either}`, `\\\\u00${either}`];
  if (char === '/') forms.push('\\\\/');
  // JSON's short escapes (a private key's newlines echoed inside a JSON string).
  const short = JSON_SHORT_ESCAPES[char];
  if (short) forms.push(`\\\\${escapeRegExp(short)}`);
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
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const from = shift === 0 ? 0 : 3; // the first group mixes in bytes before the secret
    const to = Math.floor(padded.length / 3) * 3; // a last partial group mixes in bytes after it
    if (to - from < 6) continue;
    const core = padded.subarray(from, to).toString('base64');
    out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out.filter((core) => core.length >= MIN_SECRET_LENGTH);
}

/** The decoded text of a match of any echoed form (for the masked form's first characters). */
function decodeEchoed(found: string): string {
  return found.replace(/\\u00([0-9a-fA-F]{2})|%([0-9a-fA-F]{2})|\\(\/)|\\([nrtbf"\\])/g, (_, u?: string, p?: string, slash?: string, short?: string) =>
    slash ?? (short ? JSON_SHORT_DECODED[short]! : String.fromCharCode(parseInt((u ?? p)!, 16))),
  );
}

/** Text that may hold an escaped echo (`\/`, `\u00XX`, `%XX`); other text needs only the plain forms. */
const ESCAPE_HINT = /\\[/unrtbf"\\]|%[0-9a-fA-F]{2}/;

/** The start of a `\uXXXX`, `\/` or `%XX` escape that the end of the text cuts off. */
const PARTIAL_ESCAPE = '(?:\\\\(?:u[0-9a-fA-F]{0,3})?|%[0-9a-fA-F]?)$';

/** Characters of a secret's head that decide whether a stream's tail may be the start of an echo. */
const HEAD_CHARS = 6;

export interface RedactOptions {
  /** Also mask generic credential shapes (`Bearer …`, `sk-ant-…`, JWTs): for text from a server whose tokens we cannot know. */
  patterns?: boolean;
}

/**
 * Masks every echo of a set of secrets: as sent, percent-encoded, JSON-escaped (`\/`, `\u002f`), and
 * base64 (alone or inside `Basic base64(user:token)`), with one regular expression (one pass over the
 * text, however many secrets) so the proxy can apply it to every body it forwards.
 */
export class Redactor {
  /** Every echoed form (escapes included). */
  private readonly pattern: RegExp | undefined;
  /** The forms as sent only: many times faster, enough for text without any escape (ESCAPE_HINT). */
  private readonly plain: RegExp | undefined;
  /** Matches, from a position, text that may be the first characters of an echo cut off at the end. */
  private readonly head: RegExp | undefined;
  /** Rules out, cheaply, that a text holds any echo (see EchoFilter); undefined when it cannot. */
  private readonly filter: EchoFilter | undefined;
  /** By char code (0–255): whether it may be part of an echo (a character of a secret, or of an escape). */
  private readonly echoChars: Uint8Array = new Uint8Array(256);
  private readonly byDecoded = new Map<string, string>();
  private readonly count: number;
  /** The longest text one echo can take (a secret with every character `\u00XX`-escaped). */
  readonly maxEchoLength: number;

  constructor(secrets: Iterable<string | undefined | null>) {
    const unique = new Set<string>();
    for (const secret of secrets) if (secret && secret.length >= MIN_SECRET_LENGTH) unique.add(secret);
    this.count = unique.size;
    const forms = new Set<string>();
    for (const secret of unique) {
      forms.add(secret);
      this.byDecoded.set(secret, redactedForm(secret));
      for (const core of base64Cores(secret)) {
        forms.add(core);
        this.byDecoded.set(core, redactedForm(secret));
      }
    }
    // Longest first, so a secret that contains another is masked whole.
    const literals = [...forms].sort((a, b) => b.length - a.length);
    this.maxEchoLength = Math.max(0, ...literals.map((l) => l.length * 6));
    if (!literals.length) return;
    this.filter = EchoFilter.of(literals);
    this.echoChars = echoCharTable(literals);
    this.pattern = new RegExp(literals.map((l) => [...l].map(charPattern).join('')).join('|'), 'g');
    this.plain = new RegExp(literals.map(escapeRegExp).join('|'), 'g');
    // a1(?:$|a2(?:$|a3…)): the head of an echo, or as much of it as the text still holds (an escape
    // such as `\u00` cut off at the end included).
    const headAtoms = (l: string) => [...l].slice(0, HEAD_CHARS).map((c) => (charPattern(c).startsWith('(?:') ? `(?:${charPattern(c)}|${PARTIAL_ESCAPE})` : charPattern(c)));
    const heads = new Set(literals.map((l) => headAtoms(l).reduceRight((rest, atom) => (rest ? `${atom}(?:$|${rest})` : atom), '')));
    this.head = new RegExp([...heads].join('|'), 'g');
  }

  /** How many distinct secrets are masked. */
  get size(): number {
    return this.count;
  }

  /** The text with every known secret masked (and generic credential shapes, when asked). */
  redact(text: string, options: RedactOptions = {}): string {
    if (!text) return text;
    if (this.filter && !this.filter.mayHoldEcho(text)) return options.patterns ? maskCredentialPatterns(text) : text;
    const pattern = ESCAPE_HINT.test(text) ? this.pattern : this.plain;
    const masked = pattern ? text.replace(pattern, (found) => this.maskFor(found)) : text;
    return options.patterns ? maskCredentialPatterns(masked) : masked;
  }

  private maskFor(found: string): string {
    const decoded = decodeEchoed(found);
    return this.byDecoded.get(decoded) ?? redactedForm(decoded);
  }

  /** A copy of a JSON-like value with every string redacted (status objects, events, cache entries). */
  redactDeep<T>(value: T, options: RedactOptions = {}): T {
    if (!this.pattern && !options.patterns) return value;
    if (typeof value === 'string') return this.redact(value, options) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v, options)) as T;
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redactDeep(v, options);
      return out as T;
    }
    return value;
  }

  /** Response headers with every value redacted (an upstream may echo the bearer in any header). */
  redactHeaders<H extends Record<string, string | string[] | number | undefined>>(headers: H): H {
    if (!this.pattern) return headers;
    const out: Record<string, string | string[] | number | undefined> = {};
    for (const [name, value] of Object.entries(headers)) {
      out[name] = typeof value === 'string' ? this.redact(value) : Array.isArray(value) ? value.map((v) => this.redact(v)) : value;
    }
    return out as H;
  }

  /** A masker for a body that arrives in chunks (a streamed success): see StreamRedactor. */
  stream(): StreamRedactor {
    return new StreamRedactor(this);
  }

  /** Whether some echo may lie whole in `bytes` (false: certainly none; see EchoFilter). */
  mayHoldEcho(bytes: Uint8Array): boolean {
    return !this.filter || this.filter.mayHoldEcho(bytes);
  }

  /**
   * For the stream masker, on bytes that hold no whole echo: where their tail may begin an echo
   * that the next chunk completes; `bytes.length` when it cannot. Only the run after the last byte
   * that no echo can contain is looked at, so an SSE event's closing newlines (or a JSON answer's
   * closing brace) settle it without a regular expression.
   */
  holdBytesFrom(bytes: Uint8Array): number {
    if (!this.head) return bytes.length;
    const floor = Math.max(0, bytes.length - this.maxEchoLength);
    let start = bytes.length;
    while (start > floor && this.echoChars[bytes[start - 1]!] === 1) start--;
    if (start === bytes.length) return start;
    const tail = Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start).toString('latin1');
    return start + this.holdFrom(tail, 0);
  }

  /**
   * For the stream masker: where the text's tail may begin an echo that the next chunk completes
   * (only positions at or after `from`); the text's length when it cannot.
   */
  holdFrom(text: string, from: number): number {
    if (!this.head) return text.length;
    this.head.lastIndex = Math.max(0, from);
    for (let found = this.head.exec(text); found; found = this.head.exec(text)) {
      if (found.index + this.maxEchoLength > text.length) return found.index;
      this.head.lastIndex = found.index + 1;
    }
    return text.length;
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
    const hold = this.redactor.holdFrom(masked, masked.length - this.redactor.maxEchoLength);
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
    // Secrets are ASCII; the masked form ('…') is written as its UTF-8 bytes.
    return this.redactor.redact(text).replace(/…/g, Buffer.from('…', 'utf8').toString('latin1'));
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Characters that every encoding of an echo leaves as they are (percent-encoding, JSON escapes and
 * base64's URL-safe alphabet never touch them; see charPattern): a secret's runs of them appear
 * verbatim, in the same order, in every echoed form.
 */
const VERBATIM = /^[A-Za-z0-9_.~-]$/;

/**
 * A prefilter that proves, in one sampled pass, that a text holds no echo, so that the regular
 * expressions (slow with many secrets: thousands of alternatives) run only where one may be.
 * Every literal form (a secret, a base64 core) has a run of at least `run` verbatim characters,
 * which every echo of it carries unchanged. Looking at the `width`-character window at every
 * `step`-th position (step = run − width + 1) therefore lands inside that run at one of its first
 * `step` offsets; those windows of every literal are kept, hashed into a bit set. No sampled window
 * in the set: no echo. A hit only means "look closer" (the full regular expression decides).
 */
class EchoFilter {
  private constructor(
    private readonly width: 4 | 8,
    private readonly step: number,
    /** The shortest text that can hold a whole echo of any literal. */
    private readonly minEcho: number,
    private readonly bits: Int32Array,
    private readonly shift: number,
  ) {}

  /** The filter for these literal forms, or undefined when some literal has too short a verbatim run to sample. */
  static of(literals: readonly string[]): EchoFilter | undefined {
    const runs = literals.map(longestVerbatimRun);
    const run = Math.min(...runs.map((r) => r.length));
    if (run < 6) return undefined;
    const width = run >= 12 ? 8 : 4;
    const step = run - width + 1;
    const windows = new Set<string>();
    for (const r of runs) for (let i = 0; i < step; i++) windows.add(r.slice(i, i + width));
    // About 32 bits per window: a random window hits a set bit about 1 time in 32 at most.
    const log2 = Math.min(24, Math.max(10, Math.ceil(Math.log2(windows.size * 32))));
    const bits = new Int32Array(1 << (log2 - 5));
    const filter = new EchoFilter(width, step, Math.min(...literals.map((l) => l.length)), bits, 32 - log2);
    for (const w of windows) {
      // As sampleString hashes a window (the same bits as sampleBytes for ASCII).
      const a = w.charCodeAt(0) | (w.charCodeAt(1) << 8) | (w.charCodeAt(2) << 16) | (w.charCodeAt(3) << 24);
      const b = width === 8 ? w.charCodeAt(4) | (w.charCodeAt(5) << 8) | (w.charCodeAt(6) << 16) | (w.charCodeAt(7) << 24) : 0;
      const h = Math.imul(a ^ Math.imul(b, 0x85ebca6b), 0x9e3779b1) >>> (32 - log2);
      bits[h >>> 5]! |= 1 << (h & 31);
    }
    return filter;
  }

  /** Whether some echo may lie whole in `text` (bytes, or a string's UTF-16 code units). */
  mayHoldEcho(text: Uint8Array | string): boolean {
    if (text.length < this.minEcho) return false;
    return typeof text === 'string' ? this.sampleString(text) : this.sampleBytes(text);
  }

  // The two loops below are the hot path of every answer: kept monomorphic, fields in locals.
  private sampleBytes(bytes: Uint8Array): boolean {
    const {bits, step, shift} = this;
    const last = bytes.length - this.width;
    const wide = this.width === 8;
    for (let p = 0; p <= last; p += step) {
      const a = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
      const b = wide ? bytes[p + 4]! | (bytes[p + 5]! << 8) | (bytes[p + 6]! << 16) | (bytes[p + 7]! << 24) : 0;
      const h = Math.imul(a ^ Math.imul(b, 0x85ebca6b), 0x9e3779b1) >>> shift;
      if ((bits[h >>> 5]! & (1 << (h & 31))) !== 0) return true;
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
      if ((bits[h >>> 5]! & (1 << (h & 31))) !== 0) return true;
    }
    return false;
  }
}

/** The longest run of VERBATIM characters in a literal (the first, on ties). */
function longestVerbatimRun(literal: string): string {
  let best = '';
  let start = 0;
  for (let i = 0; i <= literal.length; i++) {
    if (i < literal.length && VERBATIM.test(literal[i]!)) continue;
    if (i - start > best.length) best = literal.slice(start, i);
    start = i + 1;
  }
  return best;
}

/** By char code 0–255: 1 when the character may be part of an echo of some literal (its own characters, or an escape's). */
function echoCharTable(literals: readonly string[]): Uint8Array {
  const table = new Uint8Array(256);
  for (const c of '%\\/u0123456789abcdefABCDEFnrt"') table[c.charCodeAt(0)] = 1;
  for (const literal of literals) for (let i = 0; i < literal.length; i++) if (literal.charCodeAt(i) < 256) table[literal.charCodeAt(i)] = 1;
  return table;
}

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
