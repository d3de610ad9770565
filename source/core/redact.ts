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

/**
 * How one character of a secret may appear in text that echoes it: as itself, percent-encoded (a URL,
 * a form body), JSON-escaped as `\uXXXX` (either hex case), or `\/` (PHP, Jackson and many gateways
 * escape '/'). Letters, digits and `-_.~` are never escaped by any of these. A regex source.
 */
function charPattern(char: string): string {
  if (/[A-Za-z0-9_.~-]/.test(char)) return char === '.' ? '\\.' : char === '-' ? '\\-' : char;
  const code = char.charCodeAt(0);
  if (code > 0x7f) return escapeRegExp(char);
  const hex = code.toString(16).padStart(2, '0');
  const either = hex.replace(/[a-f]/g, (h) => `[${h}${h.toUpperCase()}]`);
  const forms = [escapeRegExp(char), `%${either}`, `\\\\u00${either}`];
  if (char === '/') forms.push('\\\\/');
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
  return found.replace(/\\u00([0-9a-fA-F]{2})|%([0-9a-fA-F]{2})|\\(\/)/g, (_, u?: string, p?: string, slash?: string) => slash ?? String.fromCharCode(parseInt((u ?? p)!, 16)));
}

/** Text that may hold an escaped echo (`\/`, `\u00XX`, `%XX`); other text needs only the plain forms. */
const ESCAPE_HINT = /\\[/u]|%[0-9a-fA-F]{2}/;

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
 * echo's length, and only when the tail matches the first characters of a secret). Bytes are handled
 * as latin1 text so that pass-through bytes come out identical (the same Buffer when nothing matched).
 */
export class StreamRedactor {
  private carry = '';

  constructor(private readonly redactor: Redactor) {}

  push(chunk: Buffer): Buffer {
    if (this.redactor.size === 0) return chunk;
    const text = this.carry + chunk.toString('latin1');
    const masked = this.maskLatin1(text);
    const hold = this.redactor.holdFrom(masked, masked.length - this.redactor.maxEchoLength);
    this.carry = masked.slice(hold);
    if (!this.carry && masked === text && text.length === chunk.length) return chunk;
    return Buffer.from(masked.slice(0, hold), 'latin1');
  }

  /** What is still held back, masked (call once the body has ended). */
  end(): Buffer {
    const rest = this.carry;
    this.carry = '';
    return Buffer.from(this.maskLatin1(rest), 'latin1');
  }

  private maskLatin1(text: string): string {
    // Secrets are ASCII; the masked form ('…') is written as its UTF-8 bytes.
    return this.redactor.redact(text).replace(/…/g, Buffer.from('…', 'utf8').toString('latin1'));
  }
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
