// The character encoding of an upstream answer's text, made one the credential masker reads as the
// client does. The masker reads bytes as UTF-8 (ASCII): a token echoed in UTF-16 or UTF-32 (`a\0t\0…`)
// or in UTF-7 (`+AGEAdA-…`) is no echo it knows, yet a client that decodes the body by its charset,
// its BOM, or JSON's byte patterns (Python's json.loads on bytes, RFC 4627 §3) reads the token whole.
// So an answer in UTF-16 or UTF-32 is transcoded to UTF-8 before anything reads it (the masker, the
// error classifier, a translator), and one in a charset that cannot be transcoded here and is not
// ASCII-compatible (UTF-7, EBCDIC, ISO-2022-JP) is refused (UncheckableEncoding: the client's 502).
import {IncomingMessage} from 'node:http';
import {pipeline, Transform, type TransformCallback} from 'node:stream';
import {sanitizeLine} from '../core/sanitize.js';
import {UncheckableEncoding} from './upstream.js';

/** A Unicode encoding form the masker cannot read, transcoded to UTF-8: code unit width (bytes) and byte order. */
export interface UnicodeForm {
  readonly width: 2 | 4;
  readonly littleEndian: boolean;
}

const UTF16LE: UnicodeForm = {width: 2, littleEndian: true};
const UTF16BE: UnicodeForm = {width: 2, littleEndian: false};
const UTF32LE: UnicodeForm = {width: 4, littleEndian: true};
const UTF32BE: UnicodeForm = {width: 4, littleEndian: false};

/**
 * Labels of UTF-16 and UTF-32 (WHATWG Encoding's and IANA's), by the form a body without a BOM is read
 * in. A bare `utf-16` is little-endian, as browsers read it; its BOM, when it has one, decides.
 */
const UNICODE_LABELS: ReadonlyMap<string, UnicodeForm> = new Map([
  ...['utf-16', 'utf-16le', 'utf16', 'utf16le', 'unicode', 'ucs-2', 'csunicode', 'iso-10646-ucs-2', 'unicodefeff'].map((label) => [label, UTF16LE] as const),
  ...['utf-16be', 'utf16be', 'unicodefffe'].map((label) => [label, UTF16BE] as const),
  ...['utf-32', 'utf-32le', 'utf32', 'utf32le', 'ucs-4', 'iso-10646-ucs-4', 'csucs4'].map((label) => [label, UTF32LE] as const),
  ...['utf-32be', 'utf32be'].map((label) => [label, UTF32BE] as const),
]);

/** The charsets nearly every answer declares, ASCII-compatible: decided without a table. */
const COMMON_ASCII_COMPATIBLE = /^(?:utf-?8|us-ascii|ascii|iso-?8859-\d{1,2}|latin-?1|windows-125\d)$/;

/**
 * WHATWG Encoding's encodings (as Node's TextDecoder names a label) that are not ASCII-compatible: a
 * client may read ASCII from bytes that are not the ASCII text (UTF-16's NULs, ISO-2022-JP's escape
 * sequences, which a decoder drops, can sit inside a token). Every other encoding it knows maps each
 * byte below 0x80 to that ASCII character and no other bytes to one, so the masker reads what a
 * client reads. (UTF-16 labels never get here: UNICODE_LABELS.)
 */
const NOT_ASCII_COMPATIBLE = new Set(['utf-16le', 'utf-16be', 'iso-2022-jp', 'replacement']);

/**
 * Media types (the Content-Type before its parameters, lower case) whose bodies no client reads as
 * text: their first bytes are not looked at for UTF-16's NULs (a declared charset still counts: a
 * client decodes `r.text` by it whatever the type).
 */
const BINARY_MEDIA_TYPE = /^(?:(?:image|audio|video|font)\/[^\s;]+|application\/(?:octet-stream|(?:x-)?protobuf|grpc(?:\+[a-z]+)?|pdf|zip|gzip))$/;

/** Every `charset` parameter a Content-Type may hold, in any spelling a client's parser reads (RFC 2231's `charset*` too). */
const CHARSET_PARAMETER = /charset\s*\*?[\d*]*\s*=/gi;

/** The `charset` parameter of a Content-Type, lower case, unquoted; undefined when there is none (or it is empty). */
export function charsetOf(contentType: string): string | undefined {
  const found = /;\s*charset\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/i.exec(contentType);
  if (!found) return undefined;
  const label = (found[1] !== undefined ? found[1].replace(/\\(.)/g, '$1') : found[2]!).trim().toLowerCase();
  // `charset=` names none: read as undeclared.
  return label === '' ? undefined : label;
}

/**
 * How a declared charset is read: `ascii` (ASCII-compatible, passed as it is: its first bytes still
 * decide, see unicodeFormOf), a UnicodeForm (transcoded), or undefined (refused: not
 * ASCII-compatible, or not known here).
 */
export function declaredForm(label: string): 'ascii' | UnicodeForm | undefined {
  const unicode = UNICODE_LABELS.get(label);
  if (unicode) return unicode;
  if (COMMON_ASCII_COMPATIBLE.test(label)) return 'ascii';
  let encoding: string;
  try {
    // WHATWG Encoding's label table, as Node knows it (an unknown label throws).
    encoding = new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
  return NOT_ASCII_COMPATIBLE.has(encoding) ? undefined : 'ascii';
}

/**
 * The Unicode form a body's first bytes (up to 4) show, or undefined when they show none (UTF-8 or
 * ASCII-compatible text): a UTF-32 or UTF-16 BOM first (browsers let it override the declared
 * charset), then NULs where RFC 4627 §3 reads them (`00 00 00 xx` UTF-32BE, `xx 00 00 00` UTF-32LE,
 * `00 xx` UTF-16BE, `xx 00` UTF-16LE); any other NUL in them is taken as UTF-16's zero half of an
 * ASCII character (an odd place: little-endian). `declared`: the charset's form, whose width a BOM
 * of the other width does not override (`FF FE 00 00` in UTF-16 is a BOM and U+0000).
 */
export function unicodeFormOf(head: Uint8Array, declared?: UnicodeForm): UnicodeForm | undefined {
  const [b0, b1, b2, b3] = [head[0], head[1], head[2], head[3]];
  const width = declared?.width;
  if (width !== 2 && head.length >= 4) {
    if (b0 === 0x00 && b1 === 0x00 && b2 === 0xfe && b3 === 0xff) return UTF32BE;
    if (b0 === 0xff && b1 === 0xfe && b2 === 0x00 && b3 === 0x00) return UTF32LE;
  }
  if (width !== 4 && head.length >= 2) {
    if (b0 === 0xfe && b1 === 0xff) return UTF16BE;
    if (b0 === 0xff && b1 === 0xfe) return UTF16LE;
  }
  if (declared) return declared;
  if (head.length >= 4) {
    if (b0 === 0 && b1 === 0 && b2 === 0 && b3 !== 0) return UTF32BE;
    if (b0 !== 0 && b1 === 0 && b2 === 0 && b3 === 0) return UTF32LE;
  }
  const nul = head.subarray(0, 4).indexOf(0);
  if (nul < 0) return undefined;
  return nul % 2 === 1 ? UTF16LE : UTF16BE;
}

/** The bytes of U+FFFD in UTF-8: what a cut or invalid code unit becomes. */
const REPLACEMENT = [0xef, 0xbf, 0xbd] as const;

/**
 * UTF-16 or UTF-32 bytes to UTF-8, as they arrive: a code unit or a surrogate pair cut between chunks
 * is carried to the next; a lone surrogate, a code point past U+10FFFF or a unit cut by the end is
 * U+FFFD (as TextDecoder's non-fatal mode writes it); a BOM at the start is dropped.
 */
export class UnicodeToUtf8 {
  /** Bytes of a code unit cut at the end of the last chunk. */
  private carry: Buffer = Buffer.alloc(0);
  /** A UTF-16 high surrogate waiting for its low half (-1: none). */
  private high = -1;
  private started = false;

  constructor(private readonly form: UnicodeForm) {}

  /** The UTF-8 bytes of the whole code points in `chunk` (and what was carried). */
  push(chunk: Uint8Array): Buffer {
    const bytes = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    const {width, littleEndian} = this.form;
    const whole = bytes.length - (bytes.length % width);
    this.carry = Buffer.from(bytes.subarray(whole));
    // At most 3 UTF-8 bytes per UTF-16 unit (and a held high surrogate's 3), 4 per UTF-32 unit.
    const out = Buffer.allocUnsafe(whole * 2 + 3);
    let at = 0;
    const put = (code: number) => {
      if (!this.started) {
        this.started = true;
        if (code === 0xfeff) return;
      }
      if (code < 0x80) out[at++] = code;
      else if (code < 0x800) {
        out[at++] = 0xc0 | (code >> 6);
        out[at++] = 0x80 | (code & 0x3f);
      } else if (code < 0x10000) {
        out[at++] = 0xe0 | (code >> 12);
        out[at++] = 0x80 | ((code >> 6) & 0x3f);
        out[at++] = 0x80 | (code & 0x3f);
      } else {
        out[at++] = 0xf0 | (code >> 18);
        out[at++] = 0x80 | ((code >> 12) & 0x3f);
        out[at++] = 0x80 | ((code >> 6) & 0x3f);
        out[at++] = 0x80 | (code & 0x3f);
      }
    };
    for (let i = 0; i < whole; i += width) {
      const unit =
        width === 2 ? (littleEndian ? bytes[i]! | (bytes[i + 1]! << 8) : (bytes[i]! << 8) | bytes[i + 1]!)
        : littleEndian ? (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0
        : ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
      const surrogate = unit >= 0xd800 && unit <= 0xdfff;
      if (width === 4) {
        put(surrogate || unit > 0x10ffff ? 0xfffd : unit);
        continue;
      }
      if (this.high >= 0) {
        const high = this.high;
        this.high = -1;
        if (unit >= 0xdc00 && unit <= 0xdfff) {
          put(0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00));
          continue;
        }
        put(0xfffd);
      }
      if (unit >= 0xd800 && unit <= 0xdbff) this.high = unit;
      else put(surrogate ? 0xfffd : unit);
    }
    return out.subarray(0, at);
  }

  /** What the end leaves: U+FFFD for a cut code unit or a high surrogate without its low half. */
  end(): Buffer {
    const cut = this.carry.length > 0 || this.high >= 0;
    this.carry = Buffer.alloc(0);
    this.high = -1;
    return cut ? Buffer.from(REPLACEMENT) : Buffer.alloc(0);
  }
}

/** Bytes of a body's head that unicodeFormOf reads. */
const HEAD_BYTES = 4;

/**
 * A body's bytes with its Unicode form undone: decided by its first HEAD_BYTES bytes (unicodeFormOf,
 * with `declared`), then transcoded to UTF-8, or, when they show none and none was declared, passed
 * as they are.
 */
class Utf8Transcoder extends Transform {
  /** Bytes before the form is decided; undefined once it is. */
  private head: Buffer | undefined = Buffer.alloc(0);
  /** Undefined once decided: the body passes as it is. */
  private decoder: UnicodeToUtf8 | undefined;

  /** `binary`: a binary-typed body, taken for text only when its head is plainly that (binaryHeadIsText). */
  constructor(
    private readonly declared: UnicodeForm | undefined,
    private readonly binary = false,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.head !== undefined) {
      this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      if (this.head.length < HEAD_BYTES) return done();
      chunk = this.decide();
    }
    done(null, this.decoder ? this.decoder.push(chunk) : chunk);
  }

  override _flush(done: TransformCallback): void {
    const rest = this.head !== undefined ? this.decide() : Buffer.alloc(0);
    if (!this.decoder) return done(null, rest);
    const tail = Buffer.concat([this.decoder.push(rest), this.decoder.end()]);
    done(null, tail.length > 0 ? tail : undefined);
  }

  /** Decides the form on the head; returns the head (now to be passed or decoded). */
  private decide(): Buffer {
    const head = this.head!;
    this.head = undefined;
    const form = this.binary && !binaryHeadIsText(head) ? undefined : unicodeFormOf(head, this.declared);
    if (form) this.decoder = new UnicodeToUtf8(form);
    return head;
  }
}

/**
 * The upstream's answer (its Content-Encoding already undone: upstream.ts decodedAnswer) with its text
 * in a charset the masker reads as a client does. Bodies of binary types pass as they are. A declared
 * UTF-16 or UTF-32 charset is transcoded to UTF-8 as the body arrives; any other declared charset
 * must be ASCII-compatible (declaredForm), else UncheckableEncoding is thrown and the answer
 * destroyed: no byte of it reaches the client. An ASCII-compatible or undeclared one's first bytes
 * decide then (unicodeFormOf: a BOM, NULs), since clients read them over the header. A transcoded
 * answer's Content-Type says `charset=utf-8` and it has no Content-Length (the body is read whole
 * or chunked, as a decoded one is).
 *
 * An ordinary UTF-8 answer whose first 4 bytes came with its head (a whole JSON answer) costs a
 * look at its Content-Type and at them. One whose first bytes are still to come (a stream) passes
 * through a Utf8Transcoder that decides on them as they pass, its Content-Type as the upstream gave
 * it (a head sent before them cannot change; what passes transcoded is UTF-8, JSON's and SSE's
 * default).
 */
export function transcodedAnswer(answer: IncomingMessage): IncomingMessage {
  const type = answer.headers['content-type'] ?? '';
  // Parsers disagree on which of two charsets counts (Python's requests takes the last, this the
  // first), and a quoted parameter can hide one from a simple reading: refused, as an unknown one is.
  const charsets = type.match(CHARSET_PARAMETER)?.length ?? 0;
  if (charsets > 1 || /charset\s*\*/i.test(type)) {
    answer.destroy();
    throw new UncheckableEncoding('several charsets', `upstream answered with a Content-Type that names its charset more than once, or in RFC 2231's form ("${sanitizeLine(type).slice(0, 120)}"): clients disagree on which counts, so the proxy cannot check it for credentials`);
  }
  const binary = BINARY_MEDIA_TYPE.test(type.split(';', 1)[0]!.trim().toLowerCase());
  const label = charsetOf(type);
  const declared = label === undefined ? 'ascii' : declaredForm(label);
  if (declared === undefined) {
    answer.destroy();
    throw new UncheckableEncoding(sanitizeLine(label!).slice(0, 80), `upstream answered in charset ${sanitizeLine(label!).slice(0, 80)}, which the proxy cannot check for credentials (it passes UTF-8, UTF-16, UTF-32 and ASCII-compatible charsets)`);
  }
  if (declared !== 'ascii') return transcoded(answer, declared);
  // A binary body's NULs are its own, not UTF-16's; but text in UTF-16 typed as binary is decoded
  // by clients all the same (Python's requests guesses `r.text`'s encoding, json.loads sniffs it):
  // a BOM, or ASCII letters with NULs between them, is taken as text (binaryHeadIsText).
  if (binary) {
    if (!(answer instanceof IncomingMessage && (answer.readableLength >= HEAD_BYTES || answer.complete))) return transcoded(answer, undefined, true);
    const head = answer.read() as Buffer | null;
    if (head === null) return answer;
    answer.unshift(head);
    return binaryHeadIsText(head) ? byHead(answer) : answer;
  }
  // node:http's own answer whose first bytes came with its head (a whole JSON answer), or that ended:
  // decided on them now, and most pass as they are. Any other (a stream whose first event is still
  // to come, a decoded answer) is decided on its first bytes as they pass, not waited for: a stream's
  // head reaches the client while the upstream is silent (deliver.ts pipeThrough).
  if (answer instanceof IncomingMessage && (answer.readableLength >= HEAD_BYTES || answer.complete)) return byHead(answer);
  return transcoded(answer, undefined);
}

/**
 * Whether a binary-typed body's first bytes are UTF-16 or UTF-32 text: a BOM, or printable ASCII with
 * NULs where those forms put them. Stricter than unicodeFormOf, which takes any NUL: a binary
 * format's own NULs (a length, a magic number) mostly stand beside other bytes.
 */
function binaryHeadIsText(head: Buffer): boolean {
  if (head.length < HEAD_BYTES) return false;
  const [b0, b1, b2, b3] = [head[0]!, head[1]!, head[2]!, head[3]!];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff) || (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)) return true;
  const printable = (b: number) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d;
  return (printable(b0) && b1 === 0 && printable(b2) && b3 === 0) || (b0 === 0 && printable(b1) && b2 === 0 && printable(b3)) || (printable(b0) && b1 === 0 && b2 === 0 && b3 === 0) || (b0 === 0 && b1 === 0 && b2 === 0 && printable(b3));
}

/** A node:http answer whose first bytes (up to HEAD_BYTES) are in its buffer or that ended: decided on them. */
function byHead(answer: IncomingMessage): IncomingMessage {
  if (answer.readableLength === 0) return answer;
  // All of the buffer and back: one chunk stays one (no copy of a whole JSON answer); the read
  // leaves the flowing mode as it was.
  const head = answer.read() as Buffer;
  answer.unshift(head);
  const form = unicodeFormOf(head.subarray(0, HEAD_BYTES));
  return form ? transcoded(answer, form) : answer;
}

/**
 * The answer through a Utf8Transcoder. With `declared` (it is transcoded): its Content-Type says
 * UTF-8 and its length is dropped. Without (decided as its bytes pass), its head is the upstream's:
 * its type's charset (or JSON's and SSE's default) is UTF-8's reading of bytes that pass as they
 * are, and no reader passes a length on unchecked (deliver.ts pipeThrough sends the masked body's).
 */
function transcoded(answer: IncomingMessage, declared: UnicodeForm | undefined, binary = false): IncomingMessage {
  const transcoder = new Utf8Transcoder(declared, binary);
  const headers = {...answer.headers};
  if (declared) {
    delete headers['content-length'];
    if (headers['content-type'] !== undefined) headers['content-type'] = utf8ContentType(headers['content-type']);
  }
  // An upstream that breaks off destroys the transcoder too, so readers see the failure.
  pipeline(answer, transcoder, () => {});
  return Object.assign(transcoder, {statusCode: answer.statusCode, statusMessage: answer.statusMessage, headers}) as unknown as IncomingMessage;
}

/** A Content-Type with its charset (if any) replaced by, else given, `utf-8`. */
export function utf8ContentType(contentType: string): string {
  const replaced = contentType.replace(/;\s*charset\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;\s]*)/gi, '');
  return `${replaced.trimEnd()}; charset=utf-8`;
}
