// An SSE event too long to hold (sse-run-mask.ts giveUp) streams through a JsonRunMasker, which must
// read the JSON the client parses: the event's data lines joined with `\n` (the SSE spec). Fed the
// event's bytes as they come, it would read each further line's `data: ` as text of the document,
// and JSON broken between a key and its value across two lines would hide that key's string. This
// takes the field names out: the event's data goes out as one data line, each further data line's
// value joined to it by a space (JSON's whitespace where the client reads the `\n`; no valid JSON
// has a line break inside a string), so the bytes the client reads are the bytes the masker read.
import type {JsonRunMasker} from './json-run-mask.js';

/** How far into a line the kind of line is known: `data:` and its one optional space. */
const FIELD_NAME = 'data:';

/**
 * The bytes of one SSE event from just after its first `data:` field name (and its optional space)
 * to its end (its blank line included), in chunks; out, the same event with one data line, its
 * value masked by `json`. Other lines after the first data line (a comment, `id:`, `event:`) are
 * dropped: a real event has none there, and written back they would end the one data line.
 */
export class DataLines {
  /** Reading a data line's value (true), or another line to drop (false). */
  private inData = true;
  /** The start of a line whose kind is not known yet (after a line end); undefined inside a line. */
  private head: string | undefined;
  /** The line end after the data read so far, not sent yet: it ends the data line unless another data line goes on. */
  private lineEnd = '';
  /** A `\r` ended the last chunk: where it went (a `\n` opening this one belongs to it). */
  private cr: 'lineEnd' | 'out' | 'dropped' | undefined;

  constructor(private readonly json: Pick<JsonRunMasker, 'push' | 'end'>) {}

  /** The data a DataLines would give its masker for `bytes` (an event's start, as push reads it), as latin1 text. */
  static joined(bytes: Buffer): string {
    const fed: Buffer[] = [];
    new DataLines({push: (chunk) => (fed.push(chunk), EMPTY), end: () => EMPTY}).push(bytes);
    return Buffer.concat(fed).toString('latin1');
  }

  push(chunk: Buffer): Buffer {
    const text = chunk.toString('latin1');
    // The common case: a long data line with no line end in this chunk.
    if (this.inData && this.head === undefined && this.cr === undefined && !/[\r\n]/.test(text)) return this.json.push(chunk);
    const out: Buffer[] = [];
    let at = 0;
    if (this.cr !== undefined && text.startsWith('\n')) {
      if (this.cr === 'lineEnd') this.lineEnd += '\n';
      else if (this.cr === 'out') out.push(LF);
      at = 1;
    }
    this.cr = undefined;
    while (at < text.length) {
      const code = text.charCodeAt(at);
      if (code === 0x0d || code === 0x0a) {
        const ending = code === 0x0d && text.charCodeAt(at + 1) === 0x0a ? '\r\n' : text[at]!;
        let went: 'lineEnd' | 'out' | 'dropped' = 'dropped';
        if (this.head === '') {
          // A blank line: the event's end (after what the masker still holds of a broken document).
          out.push(this.json.end(), Buffer.from(this.lineEnd + ending, 'latin1'));
          this.lineEnd = '';
          went = 'out';
        } else if (this.head === 'data' || this.head === SPACE_MAY_COME || (this.head === undefined && this.inData)) {
          // A data line ended (`data` alone, or `data:` with nothing after it, is an empty one).
          if (this.head === 'data') out.push(this.json.push(SPACE));
          this.lineEnd = ending;
          went = 'lineEnd';
        }
        // Else another line ended: dropped, its end too.
        if (ending === '\r' && at + 1 === text.length) this.cr = went;
        this.head = '';
        this.inData = false;
        at += ending.length;
        continue;
      }
      if (this.head === SPACE_MAY_COME) {
        // The character after a `data:` that ended the last chunk: the field's optional space, or the value's first.
        this.head = undefined;
        if (code === 0x20) at++;
        continue;
      }
      if (this.head !== undefined) {
        this.head += text[at++];
        if (this.head === FIELD_NAME) {
          // Another data line: joined on with a space; its one optional space is the field's.
          this.inData = true;
          this.lineEnd = '';
          out.push(this.json.push(SPACE));
          this.head = at === text.length ? SPACE_MAY_COME : undefined;
          if (text.charCodeAt(at) === 0x20) at++;
        } else if (!FIELD_NAME.startsWith(this.head)) {
          this.head = undefined;
          this.inData = false;
        }
        continue;
      }
      const end = lineEndFrom(text, at);
      if (this.inData) out.push(this.json.push(Buffer.from(text.slice(at, end), 'latin1')));
      at = end;
    }
    return Buffer.concat(out);
  }

  /** The event ended (or the stream broke off in it): what the masker holds, and a line end not sent. */
  end(): Buffer {
    const rest = Buffer.concat([this.json.end(), Buffer.from(this.lineEnd, 'latin1')]);
    this.lineEnd = '';
    return rest;
  }
}

const LF = Buffer.from('\n', 'latin1');
const EMPTY = Buffer.alloc(0);
const SPACE = Buffer.from(' ', 'latin1');
/** `head` after a `data:` that ended a chunk: the next character may be the field's optional space. */
const SPACE_MAY_COME = '\u0000data:';

/** Where the line being read from `at` ends (its first `\r` or `\n`), or the text's length. */
function lineEndFrom(text: string, at: number): number {
  const cr = text.indexOf('\r', at);
  const lf = text.indexOf('\n', at);
  if (cr === -1) return lf === -1 ? text.length : lf;
  return lf === -1 ? cr : Math.min(cr, lf);
}
