// The Redactor: built from a set of secrets, it masks every echo of them in text, headers and
// JSON-like values; and the StreamRedactor it makes for a body that arrives in chunks, which asks it
// which chunks may hold an echo (mayHoldEcho) and where a chunk's tail must be held back
// (holdBytesFrom). One file because the two call each other. It puts the other files of
// core/redact/ together; the options and constants only it reads are kept here.
import {isOwn} from '../id-map.js';
import {ASCII, BACKSLASH, BACKSLASH_U00, base64Cores, charPattern, CORE_MIN_BYTES, CUT_ESCAPE_AT_END, decodeEchoed, decodeVerbatimEscapes, ECHO_EXPANSION, ESCAPED_CONTROL, ESCAPED_SHORT_CONTROL, ESCAPE_HINT, ESCAPED_VERBATIM, escapeRegExp, hasPercentVerbatim, mayHoldEscapedVerbatim, MIN_SECRET_LENGTH, PARTIAL_ESCAPE, PARTIAL_ESCAPES, PERCENT, redactedForm, utf8OfBytes, VERBATIM_CODES} from './echo-forms.js';
import {CHAIN_CODES, chainToken, hasBase64Run, isBase64, PARTIAL_CHAIN_TOKEN, SPACE_FOLDED_WIDTH} from './wrapped-base64.js';
import {CoreHeads, type EchoMask, LiteralFinder} from './finders.js';
import {EchoFilter} from './echo-filter.js';
import {maskCredentialPatterns} from './credentials.js';
import {withoutControls} from '../sanitize.js';
import {INVISIBLE_CHARACTER} from '../invisible.js';

/** Characters of a secret's head that decide whether a stream's tail may be the start of an echo. */
const HEAD_CHARS = 6;

export interface RedactOptions {
  /** Also mask generic credential shapes (`Bearer …`, `sk-ant-…`, JWTs): for text from a server whose tokens we cannot know. */
  patterns?: boolean;
  /**
   * Also mask an echo the sender cut short (`Incorrect API key provided: sk-abc…0123…`): at least
   * CUT_ECHO_MIN characters that are the start of a secret, ending where the text ends or at a
   * character that cannot go on a token; or as many that are the end of one, beginning where the
   * text begins or after such a character (`token …ECRETACCESS0123…`, the second line of a token
   * broken in two). For messages (excerpts, errors, logs), not for bodies forwarded.
   */
  cutEchoes?: boolean;
  /**
   * Look at the text as a terminal draws it (maskSeenThrough: controls, escape sequences and their
   * JSON escapes gone; invisible characters and combining marks between two visible characters gone
   * when that finds a credential): for text a person reads, where a token with such characters
   * between its letters is shown whole. Not for bodies forwarded as they came.
   */
  dropControls?: boolean;
}

/** An echo found in a text: where it starts and ends (exclusive), and its masked form. */
interface EchoSpan {
  index: number;
  end: number;
  masked: string;
  /** A cut echo's kind: a secret's start (cut at its end) or its end (cut at its start). */
  cut?: 'start' | 'end';
  /** A cut echo's secret (as its form was found). */
  secret?: string;
}

/** The default options, one shared object (redact runs for every string of every request's log event). */
const NO_OPTIONS: RedactOptions = Object.freeze({});
const CUT_ECHOES: RedactOptions = Object.freeze({cutEchoes: true});

/**
 * How much of a secret is what every token of its kind begins with (`sk-ant-oat01-`, `gho_`,
 * `ya29.`): up to the last `-`, `_` or `.` of its first 16 characters.
 */
function publicPrefixLength(secret: string): number {
  const head = secret.slice(0, 16);
  return Math.max(head.lastIndexOf('-'), head.lastIndexOf('_'), head.lastIndexOf('.')) + 1;
}

/** A masked form as a stream's latin1 text holds it: its UTF-8 bytes, one character each. */
const latin1Form = (masked: string) => Buffer.from(masked, 'utf8').toString('latin1');

/** One character a terminal draws as nothing, or as a mark on the letter before it (a combining mark). */
export const DRAWN_AS_NOTHING = new RegExp(`^(?:${INVISIBLE_CHARACTER}|\\p{M})$`, 'u');

/**
 * A run of such characters, raw or as JSON `\u` escapes at any level (a surrogate pair's two), between
 * two visible characters (no backslash before it: a run of backslashes is tried once, not at each).
 * Its escapes are checked by drawnAsNothing.
 */
const DRAWN_AS_NOTHING_RUN = new RegExp(`(?<=[^\\s\\\\])(?:${INVISIBLE_CHARACTER}|\\p{M}|\\\\+u[0-9a-fA-F]{4})+(?=\\S)`, 'gu');

/** Whether a run DRAWN_AS_NOTHING_RUN found draws as nothing: each of its escapes is of such a character. */
function drawnAsNothing(run: string): boolean {
  const decoded = run.replace(/\\+u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  for (const char of decoded) if (!DRAWN_AS_NOTHING.test(char)) return false;
  return true;
}

/**
 * Printable ASCII without a backslash, and the proxy's request-line arrow (`→`, as core/sanitize.ts
 * PRINTABLE_PLAIN): nothing in it a terminal hides, nothing escaped; the proxy's log lines take this way.
 */
const PLAIN_TEXT = /^[\x20-\x5b\x5d-\x7e\u2192]*$/;

/**
 * `text` without what a person's terminal would hide or act on: escape sequences, controls (tab and
 * newline kept) and bidi controls (core/sanitize.ts withoutControls), and their JSON escapes
 * (ESCAPED_CONTROL, ESCAPED_SHORT_CONTROL) a client decodes before it prints. Among them are the
 * ones that move the cursor back (`\r`, backspace, CSI `D`), which draw pieces written apart as one
 * word: they go whatever is masked.
 */
export function withoutTerminalControls(text: string): string {
  if (PLAIN_TEXT.test(text)) return text;
  return withoutControls(text).replace(ESCAPED_CONTROL, '').replace(ESCAPED_SHORT_CONTROL, '$1');
}

/**
 * `mask` applied to text a person reads, as a terminal draws it: withoutTerminalControls always;
 * then, when the masker finds something there, with runs of invisible characters or combining marks
 * (raw or JSON-escaped) between two visible characters gone too (a variation selector after each
 * digit, U+0332 under each letter, `\u200b` escapes a client decodes), the result of that look
 * (elsewhere they are kept: accents, emoji sequences).
 */
export function maskSeenThrough(text: string, mask: (text: string) => string): string {
  const plain = withoutTerminalControls(text);
  const drawn = PLAIN_TEXT.test(plain) ? plain : plain.replace(DRAWN_AS_NOTHING_RUN, (run: string) => (drawnAsNothing(run) ? '' : run));
  if (drawn === plain) return mask(plain);
  const masked = mask(drawn);
  return masked !== drawn ? masked : mask(plain);
}

/**
 * For text a person reads, from secrets this Redactor knows (a log line, a stored reason, an error
 * of a local account): cut echoes masked too, controls dropped first.
 */
export const SHOWN_TEXT: RedactOptions = Object.freeze({cutEchoes: true, dropControls: true});

/**
 * For an error's text that a client or a person reads (an upstream's error body, the proxy's own
 * words quoting a failure): SHOWN_TEXT, and generic credential shapes masked too.
 */
export const ERROR_TEXT: RedactOptions = Object.freeze({...SHOWN_TEXT, patterns: true});

/** The shortest start of a secret masked as a cut echo (see RedactOptions.cutEchoes). */
export const CUT_ECHO_MIN = 12;

/** After the start of a secret, a character that makes it another token ('.' may end a sentence). */
const TOKEN_GOES_ON = /[A-Za-z0-9_\-+/=]/;

/**
 * Whether `text` just before `at` is an escape of a character that no token holds: JSON's `\n`
 * (`\r`, `\t`, `\b`, `\f`), a `\uXXXX` or a `%XX` (`%25XX` …) of such a character (`\u2026` for
 * `…`, `%0A`, `%2520`, the last byte of a UTF-8 sequence such as `%E2%80%A6`).
 */
function escapeEndsAt(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - 16), at);
  if (/\\[nrtbf]$/.test(before)) return true;
  // `%2520`: a URL encoded again keeps its last pair.
  const escaped = /\\u([0-9a-fA-F]{4})$/.exec(before) ?? /%(?:25)*([0-9a-fA-F]{2})$/.exec(before);
  return escaped !== null && !TOKEN_GOES_ON.test(String.fromCharCode(parseInt(escaped[1]!, 16)));
}

/**
 * Characters a Redactor scans with its LiteralFinder, per character of its forms, before it compiles
 * them into one expression instead: compiling costs about as much per character of the forms as
 * scanning several characters of text, so a one-off listing (the command line) never compiles and a
 * proxy forwarding megabytes soon does.
 */
const COMPILE_AFTER = 8;

/** Text this long or longer is prefiltered as its UTF-8 bytes (redactWith): encoding it costs less than the faster loops save. */
const BYTES_PREFILTER_FROM = 1024;

/** A masked form as a header value takes it: ASCII (`…` is no valid header character, and Node's writeHead throws on it). */
const asciiMaskedForm = (masked: string) => masked.replace(/\u2026/g, '...').replace(/[^\x20-\x7e]/g, '?');

/** redactValues remembers values up to this long (a model name, a path)... */
const SHORT_MEMO_LENGTH = 256;
/** ...this many of them, then starts afresh. */
const SHORT_MEMO_SIZE = 512;

/**
 * Masks every echo of a set of secrets: as sent, percent-encoded, JSON-escaped (`\/`, `\u002f`), and
 * base64 (alone or inside `Basic base64(user:token)`), in one pass over the text however many
 * secrets, so the proxy can apply it to every body it forwards. The expressions for escaped echoes
 * and for a stream's tail are compiled on first use: most text has no escape, and only streams
 * need the tail's. The base64 forms are built once some text may hold one (CoreHeads): a listing
 * holds none.
 */
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
   * since a form that occurs nowhere in the text matches nowhere. `bytes`: the text's UTF-8 bytes,
   * when redactWith made them (read faster).
   */
  private replacePlain(text: string, mask: EchoMask, bytes?: Uint8Array): string {
    if (!this.plainPattern && (this.plainScanned += text.length) > COMPILE_AFTER * (this.all?.length ?? this.formsLengthBound)) {
      this.plainPattern = new RegExp(this.allForms().literals.map(escapeRegExp).join('|'), 'g');
    }
    if (this.plainPattern) return text.replace(this.plainPattern, mask);
    if (!this.all && !this.coreHeads().mayHoldCore(bytes ?? text)) return bytes && !this.ownFinder.mayOccurIn(bytes) ? text : this.ownFinder.replace(text, mask);
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
    return options.dropControls ? maskSeenThrough(text, (seen) => this.redactWith(seen, options)) : this.redactWith(text, options);
  }

  /**
   * redact, each masked form passed through `form`: a header takes ASCII only, a stream's latin1
   * text takes the UTF-8 bytes.
   */
  private redactWith(text: string, options: RedactOptions, form?: (masked: string) => string): string {
    if (!text) return text;
    if (this.count > 0 && mayHoldEscapedVerbatim(text)) {
      // A letter or digit sent as a JSON `\u` escape (`\u0061` for `a`) or percent-encoded (`%2D`
      // for `-`): no common encoder writes one, but a client decodes it, so the echo is looked for
      // with those escapes decoded. Only each echo found is replaced, with its escapes; the rest of
      // the text stays as it came, escapes and all.
      const {plain, origin} = decodeVerbatimEscapes(text);
      // Whole echoes, then (in messages) cut ones that none of them covers: a quoted start with its letters escaped too.
      const whole = this.echoSpans(plain, form);
      const cut = options.cutEchoes ? this.cutEchoSpans(plain, form).filter((c) => !whole.some((w) => c.index < w.end && w.index < c.end)) : [];
      const spans = cut.length === 0 ? whole : [...whole, ...cut].sort((a, b) => a.index - b.index);
      let out = '';
      let copied = 0;
      for (const span of spans) {
        const from = origin[span.index]!;
        if (from < copied) continue;
        out += text.slice(copied, from) + span.masked;
        copied = origin[span.end]!;
      }
      if (copied > 0) text = out + text.slice(copied);
    }
    // A long text's prefilters read its UTF-8 bytes, as a stream's (StreamRedactor): their byte
    // loops are several times faster than charCodeAt's (issue 14: a translated stream's joined
    // deltas). UTF-8 keeps every ASCII character, all an echo's verbatim run or a chain is made of,
    // in its order; any other becomes bytes of 0x80 and up, which neither prefilter takes as its own.
    let bytes = this.count > 0 && text.length >= BYTES_PREFILTER_FROM ? Buffer.from(text, 'utf8') : undefined;
    if (this.count > 0 && this.mayHoldWrappedEcho(bytes ?? text)) {
      const unwrapped = this.unwrapEchoes(text, form);
      if (unwrapped !== text) bytes = undefined;
      text = unwrapped;
    }
    if (this.filter && !this.filter.mayHoldEcho(bytes ?? text)) {
      // No whole echo; a cut one is shorter than the runs the filter samples, so it is looked for apart.
      const cut = options.cutEchoes ? this.maskCutEchoes(text, form) : text;
      return options.patterns ? maskCredentialPatterns(cut) : cut;
    }
    const mask = form ? (found: string) => form(this.maskFor(found)) : (found: string) => this.maskFor(found);
    let masked = this.count === 0 ? text : ESCAPE_HINT.test(text) ? text.replace(this.echoPattern(), mask) : this.replacePlain(text, mask, bytes);
    if (options.cutEchoes) masked = this.maskCutEchoes(masked, form);
    return options.patterns ? maskCredentialPatterns(masked) : masked;
  }

  /** The secrets by their first and by their last CUT_ECHO_MIN characters (built on first use). */
  private byCutEnd: Map<string, {heads: string[]; tails: string[]}> | undefined;

  /**
   * Masks each start of a secret (CUT_ECHO_MIN characters or more) that ends at a cut, and each end
   * of one that begins at a cut (`…ECRETACCESS0123…XYZ`, a line break inside a token): see
   * RedactOptions.cutEchoes.
   */
  private maskCutEchoes(text: string, form?: (masked: string) => string): string {
    let out = '';
    let copied = 0;
    for (const span of this.cutEchoSpans(text, form)) {
      out += text.slice(copied, span.index) + span.masked;
      copied = span.end;
    }
    return copied === 0 ? text : out + text.slice(copied);
  }

  /** Each cut echo in text (see maskCutEchoes), in order, none overlapping: where it starts and ends, and its masked form. */
  private cutEchoSpans(text: string, form?: (masked: string) => string): EchoSpan[] {
    const spans: EchoSpan[] = [];
    if (this.count === 0 || text.length < CUT_ECHO_MIN) return spans;
    if (!this.byCutEnd) {
      this.byCutEnd = new Map();
      const at = (key: string) => {
        let ends = this.byCutEnd!.get(key);
        if (!ends) this.byCutEnd!.set(key, (ends = {heads: [], tails: []}));
        return ends;
      };
      // The secrets themselves: neither a base64 core (no cut of one is masked) nor a latin1 form.
      for (const literal of this.ownForms) {
        if (literal.length <= CUT_ECHO_MIN || this.secretOfLatin1.has(literal)) continue;
        at(literal.slice(0, CUT_ECHO_MIN)).heads.push(literal);
        at(literal.slice(-CUT_ECHO_MIN)).tails.push(literal);
      }
    }
    const masked = (secret: string) => (form ? form(redactedForm(secret)) : redactedForm(secret));
    let copied = 0;
    scan: for (let i = 0; i + CUT_ECHO_MIN <= text.length; i++) {
      const ends = this.byCutEnd.get(text.slice(i, i + CUT_ECHO_MIN));
      if (!ends) continue;
      for (const secret of ends.heads) {
        let end = i + CUT_ECHO_MIN;
        while (end < text.length && end - i < secret.length && text[end] === secret[end - i]) end++;
        // Followed by more token characters: another token that shares the start (`sk-ant-oat01-`).
        if (end < text.length && TOKEN_GOES_ON.test(text[end]!)) continue;
        spans.push({index: i, end, masked: masked(secret), cut: 'start', secret});
        i = copied = end;
        i--;
        continue scan;
      }
      const end = i + CUT_ECHO_MIN;
      // Followed by more token characters: another token, whose middle this is.
      if (end < text.length && TOKEN_GOES_ON.test(text[end]!)) continue;
      for (const secret of ends.tails) {
        let start = i;
        while (start > copied && end - start < secret.length && text[start - 1] === secret[secret.length - (end - start) - 1]) start--;
        // Preceded by more token characters: another token that shares the end (but for an escape
        // that ends there: `\n`, `\u2026`, `%20` are no token's characters in what a client reads).
        if (start > 0 && TOKEN_GOES_ON.test(text[start - 1]!) && !escapeEndsAt(text, start)) continue;
        spans.push({index: start, end, masked: masked(secret), cut: 'end'});
        i = copied = end;
        i--;
        continue scan;
      }
    }
    return spans;
  }

  /**
   * `text` (latin1, a body's last bytes) with a secret's start of CUT_ECHO_MIN characters or more that
   * runs to its very end masked as a cut echo: the body was cut off in the middle of an echo, and
   * nothing after it will complete it. Only there: a text that is a body's tail does not begin at a
   * cut (what came before it was sent), so no secret's end is looked for at its start.
   */
  maskCutStartAtEnd(text: string): string {
    const span = this.cutEchoSpans(text, latin1Form).find((found) => found.cut === 'start' && found.end === text.length);
    // A body is forwarded: what every token of a kind begins with (`sk-ant-oat01-`) is no secret, and
    // a body that ends in it alone is left as it is.
    if (!span || span.end - span.index < publicPrefixLength(span.secret!) + 4) return text;
    return text.slice(0, span.index) + span.masked;
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
  private echoSpans(text: string, form?: (masked: string) => string): EchoSpan[] {
    const spans: EchoSpan[] = [];
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
    return this.redactWith(text, options, latin1Form);
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
   * A flat record (strings, numbers, booleans; no nested values) with each string value redacted,
   * cut echoes too (a record is logged: RedactOptions.cutEchoes); the record itself when nothing changed. Its keys are not looked at: for records whose keys are
   * the caller's own names (the proxy's request events, one per request, where redactDeep's copy
   * of every key and value was a measurable share of the request's time).
   */
  redactValues<T extends object>(record: T): T {
    if (this.count === 0) return record;
    let out: Record<string, unknown> | undefined;
    for (const key in record) {
      if (!isOwn(record, key)) continue;
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
    if (value.length > SHORT_MEMO_LENGTH) return this.redact(value, SHOWN_TEXT);
    let masked = this.shortMemo.get(value);
    if (masked === undefined) {
      masked = this.redact(value, SHOWN_TEXT);
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
   * A header whose name holds an echo is dropped: a name is an RFC 9110 token, whose characters
   * spell most keys (Node gives it lowercased: a lowercase key whole), and no masked form is one.
   * Every value also has a cut echo masked (RedactOptions.cutEchoes), whatever the status: an
   * error's words may quote the start of a token (`WWW-Authenticate: Bearer error_description="token
   * sk-ant-oat01-AbC... expired"`), a `Location` may be cut short, and an upstream may split a token
   * over two fields (`x-a: <its first 20 characters>`, `x-b: <the rest>`), which a client joins as
   * it joins a body's pieces.
   */
  redactHeaders<H extends Record<string, string | string[] | number | undefined>>(headers: H): H {
    if (this.count === 0) return headers;
    const out: Record<string, string | string[] | number | undefined> = {};
    const valueOf = (value: string) => this.headerValue(value);
    for (const name in headers) {
      if (!isOwn(headers, name) || this.headerValue(name) !== name) continue;
      const value = headers[name];
      out[name] = typeof value === 'string' ? valueOf(value) : Array.isArray(value) ? value.map(valueOf) : value;
    }
    return out as H;
  }

  /**
   * One header value (or name) redacted, cut echoes too (ASCII masked forms), remembered as
   * redactShort's values are (the same content-type with every answer).
   */
  private headerValue(value: string): string {
    if (value.length > SHORT_MEMO_LENGTH) return this.redactWith(value, CUT_ECHOES, asciiMaskedForm);
    let masked = this.headerMemo.get(value);
    if (masked === undefined) {
      masked = this.redactWith(value, CUT_ECHOES, asciiMaskedForm);
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
    if ((bytes.includes(BACKSLASH_U00) && ESCAPED_VERBATIM.test(bytes.toString('latin1'))) || hasPercentVerbatim(bytes)) return true;
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
    // A tail the walk below would read far (a bulk body's run of letters): when none of the bytes
    // that can make a tail hold (the first byte of a head, a separator, a backslash) is within
    // reach, it cannot hold, and a few native searches say so faster than the walk.
    const decisive = this.decisiveTailBytes;
    if (decisive && length - floor >= DECISIVE_SEARCH_FROM && (inChain || (codes[last]! & TAIL_ECHO) !== 0)) {
      let found = false;
      for (let k = 0; k < decisive.length && !found; k++) found = bytes.indexOf(decisive[k]!, floor) !== -1;
      if (!found) return length;
    }
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
    // A `%` only when it escapes a letter, or may once the next chunk comes (prose has `50%`), and
    // only when the bytes end in what an echo is made of: else no echo goes on into the next chunk
    // (an SSE event's closing newlines).
    const percent =
      (codes[last]! & TAIL_ECHO) !== 0 &&
      bytes.indexOf(PERCENT, floor) !== -1 &&
      (hasPercentVerbatim(bytes.subarray(floor)) || CUT_ESCAPE_AT_END.test(latin1(Math.max(floor, length - CUT_ESCAPE_BYTES))));
    if (percent || bytes.indexOf(BACKSLASH, floor) !== -1) hold = Math.min(hold, floor + this.escapedHoldFrom(latin1(floor), 0));
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
    const decisive: number[] = [];
    for (let code = 0; code < 256; code++) {
      let bits = echoChars[code] === 1 ? TAIL_ECHO : 0;
      if (heads[code] === 1) bits |= TAIL_HEAD;
      if (code < 128 && CHAIN_CODES[code] !== 0) bits |= CHAIN_CODES[code] === 2 ? TAIL_CHAIN | TAIL_SEPARATOR : TAIL_CHAIN;
      table[code] = bits;
      // A separator's first byte includes the backslash (CHAIN_CODES).
      if ((bits & (TAIL_HEAD | TAIL_SEPARATOR)) !== 0) decisive.push(code);
    }
    this.decisiveTailBytes = decisive.length <= DECISIVE_BYTES_MAX ? decisive : undefined;
    return (this.tailCodesTable = table);
  }

  /**
   * The bytes without which a tail cannot hold (holdBytesFrom): the first byte of every head, and
   * of every separator and escape; undefined when there are more than DECISIVE_BYTES_MAX (many
   * secrets' heads start with most letters), where searching for each costs more than the walk.
   */
  private decisiveTailBytes: number[] | undefined;

  /**
   * holdBytesFrom for a string (an event's text, or its latin1 bytes), or its part `[from, to)`:
   * where its tail may begin an echo that text joined after it completes; `to` when it cannot. A
   * character above 255 counts as one an echo may hold. What a caller looking at many parts of
   * one text (an SSE batch's fields) may know of it, found once for the text: `backslash`, the
   * index of its first backslash at or after `from` (-1: none; see escapedHoldFrom); `lineBreaks`,
   * false when `[from, to)` holds no raw line break.
   */
  holdTextFrom(text: string, from = 0, to = text.length, backslash?: number, lineBreaks = true): number {
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
    // Without a line break, only a run of SPACE_FOLDED_WIDTH base64 characters makes one: looked
    // for first by sampling, so that a field of prose is not walked character by character.
    if (lineBreaks || hasBase64Run(text, floor, to)) {
      let chain = to;
      let run = 0;
      let separated = false;
      for (let code = text.charCodeAt(to - 1); chain > floor && code < 128 && CHAIN_CODES[code] !== 0; code = text.charCodeAt(--chain - 1)) {
        run = isBase64(code) ? run + 1 : 0;
        separated ||= code === 10 || code === 13 || run >= SPACE_FOLDED_WIDTH;
      }
      if (separated && chain < start) hold = Math.min(hold, chain + this.wrappedHoldFrom(text.slice(chain, to)));
    }
    return Math.min(hold, this.escapedHoldFrom(text, floor, to, backslash));
  }

  /**
   * Escaped letters (ESCAPED_VERBATIM) hide an echo's start from the head pattern: where the text's
   * part `[floor, to)` must be held from for them, the first such escape in it (from the echo
   * characters right before it), or an escape cut off at `to` (`\`, `\u00`, `%2`); `to` when it holds neither.
   * `known`: the text's first backslash at or after some index up to `floor` (-1: none), so that a
   * caller looking at many parts of one text (an SSE batch's fields) searches it once, not once per
   * part to the text's end.
   */
  escapedHoldFrom(text: string, floor: number, to = text.length, known?: number): number {
    const backslash = known === undefined || (known !== -1 && known < floor) ? text.indexOf('\\', floor) : known;
    const tail = text.slice(floor, to);
    // A percent escape is looked for within the part only (no caller knows where one is).
    if ((backslash === -1 || backslash >= to) && !tail.includes('%')) return to;
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

  /**
   * What is still held back, masked (call once the body has ended). A body that ends in the start of
   * a secret (CUT_ECHO_MIN characters or more: the upstream cut its echo off) has that start masked
   * as a cut echo: nothing of the secret comes after it.
   */
  end(): Buffer {
    const rest = this.carry;
    this.carry = EMPTY;
    if (rest.length === 0) return rest;
    const text = rest.toString('latin1');
    // (mayHoldEcho looks for whole echoes: a cut one is looked for in any tail long enough to be one.)
    const whole = this.redactor.mayHoldEcho(rest) ? this.maskLatin1(text) : text;
    const masked = whole.length >= CUT_ECHO_MIN ? this.redactor.maskCutStartAtEnd(whole) : whole;
    return masked === text ? rest : Buffer.from(masked, 'latin1');
  }

  private maskLatin1(text: string): string {
    return this.redactor.redactLatin1(text);
  }
}

const EMPTY = Buffer.alloc(0);

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
/** The longest escape CUT_ESCAPE_AT_END may find cut at a chunk's end, with room for `%25` chains. */
const CUT_ESCAPE_BYTES = 16;
/** Redactor.decisiveTailBytes: at most this many bytes are searched for (each a native search of the tail)... */
const DECISIVE_BYTES_MAX = 10;
/** ...and only in a tail at least this long (a shorter walk costs less than the searches). */
const DECISIVE_SEARCH_FROM = 64;
