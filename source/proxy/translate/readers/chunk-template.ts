// A long answer streams as thousands of chunks whose JSON text is the same but for one string: the
// delta's text (`{"id":"chatcmpl-1",…,"delta":{"content":"<here>"},"finish_reason":null}]}`).
// Parsing each whole chunk was the largest cost of a translated stream; a reader that keeps the
// chunk's text around that string as a template reads the next chunk by comparing the two ends and
// taking the string in between, exactly what JSON.parse would have found there.

/**
 * Learning stops after this many templates in a row that matched no chunk (an upstream whose chunks
 * differ in more than one place, such as a random padding field): each costs one more parse.
 */
const MAX_FRUITLESS = 8;

/**
 * Characters that make a JSON string literal differ from its string: a quote or backslash (escapes),
 * a control character (invalid raw in JSON; JSON.stringify escapes it), a surrogate (JSON.stringify
 * escapes a lone one). Without them the literal is the string in quotes, both ways.
 * Written as the characters allowed, negated: V8 scans that class faster (issue 14).
 */
const NOT_PLAIN = /[^\u0020\u0021\u0023-\u005b\u005d-\ud7ff\ue000-\uffff]/;

/** The string the template is checked with (see `learn`); any string other than the learned one would do. */
const PROBE = 'ccs-tui chunk template probe';

/**
 * The last learned chunk of one shape, as the JSON text before and after the one string that
 * varies. `match` answers that string for a chunk of the same text around it; the caller then does
 * what it did for the learned chunk, with the new string. One per reader and shape (stateful).
 */
export class ChunkTemplate {
  /** The learned chunk's text before the string's opening quote; undefined before a template is learned. */
  private prefix: string | undefined;
  /** The learned chunk's text after the string's closing quote. */
  private suffix = '';
  /** Templates learned since the last match. */
  private fruitless = 0;
  /**
   * After a match: the matched string's JSON literal as the chunk had it, when that is exactly
   * JSON.stringify of the string (no escapes), else undefined.
   */
  json: string | undefined;

  /**
   * The string of `text` (one SSE event's data) when it is the learned chunk's text with another
   * JSON string in the learned place; undefined otherwise (the caller parses it in full).
   */
  match(text: string): string | undefined {
    const prefix = this.prefix;
    if (prefix === undefined) return undefined;
    const end = text.length - this.suffix.length;
    if (end - prefix.length < 2 || text.charCodeAt(prefix.length) !== 34 || text.charCodeAt(end - 1) !== 34) return undefined;
    // Compared as cut-out strings: startsWith/endsWith are several times slower on sliced strings.
    if (text.slice(0, prefix.length) !== prefix || text.slice(end) !== this.suffix) return undefined;
    const inner = text.slice(prefix.length + 1, end - 1);
    if (!NOT_PLAIN.test(inner)) {
      this.fruitless = 0;
      this.json = text.slice(prefix.length, end);
      return inner;
    }
    // JSON decides what the quotes hold (escapes; `"a","b"` is no string).
    let value: unknown;
    try {
      value = JSON.parse(text.slice(prefix.length, end));
    } catch {
      return undefined;
    }
    if (typeof value !== 'string') return undefined;
    this.fruitless = 0;
    this.json = undefined;
    return value;
  }

  /**
   * Takes `text` as the template: a chunk the caller has just read in full and found to be of its
   * shape, with `value` as its string. `read` is the caller's full reading of a chunk's text: the
   * string when the chunk is of the shape, undefined otherwise. The template is kept only when
   * `value` occurs once in `text` as JSON and `read` finds a probe string put in its place there:
   * then that place, and no other, is where the caller's string comes from, and any chunk that
   * differs only there is of the same shape (one JSON string token stands for any other).
   */
  learn(text: string, value: string, read: (text: string) => string | undefined): void {
    this.prefix = undefined;
    if (this.fruitless >= MAX_FRUITLESS || value === PROBE) return;
    this.fruitless++;
    const token = JSON.stringify(value);
    const at = text.indexOf(token);
    if (at === -1 || text.includes(token, at + 1)) return;
    const prefix = text.slice(0, at);
    const suffix = text.slice(at + token.length);
    if (read(`${prefix}${JSON.stringify(PROBE)}${suffix}`) !== PROBE) return;
    this.prefix = detached(prefix);
    this.suffix = detached(suffix);
  }
}

/**
 * `text` in a string of its own: a cut-out string shares the memory of what it was cut from (V8
 * keeps the whole chunk, up to 64 KB, alive), and a template lives as long as its stream. Cutting
 * from a joined copy makes that copy the one kept: the same text, one character more.
 */
function detached(text: string): string {
  return ` ${text}`.slice(1);
}
