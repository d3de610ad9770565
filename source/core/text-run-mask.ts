// A credential an upstream spells out across several stream events (`"text":"sk-ant-oat01-AAAA"`,
// then `"text":"BBBB…"`) is whole only in the text a client joins from them, never in one event's
// bytes, so no byte masker sees it. A TextRunMasker masks such a run of pieces (the deltas a client
// concatenates) as Redactor.redact masks the joined text, piece by piece: a piece goes out at once
// unless its joined tail may begin an echo (Redactor.holdTextFrom), and then only until later
// pieces settle it. Pure: the caller maps pieces to its events.
import {redactedForm, type RedactOptions, type Redactor} from './redact.js';

const CUT: RedactOptions = Object.freeze({cutEchoes: true});

/**
 * Text a client was sent right before a run, from another run (a text block before a tool call, or
 * the text run before the tool call it resumes after): a tail that may have begun an echo when
 * that run ended or moved on. See TextRunMasker.continueAfter.
 */
export interface TailBefore {
  text: string;
  /** It went out masked (a cut echo, see TextRunMasker.end): the client was shown no part of the echo to finish. */
  masked: boolean;
  /**
   * Characters of tool inputs after it that did not go on with it (TextRunMasker.continueAfter):
   * the tool inputs after those go on with it within what is left of Redactor.maxEchoLength.
   */
  spent?: number;
}

/**
 * A run whose pieces are JSON text: a tool call's input (Anthropic `partial_json`, OpenAI `arguments`).
 * `escaped`: as it stands inside a JSON string (an SSE event's raw field): its characters escaped once.
 */
export interface JsonText {
  escaped: boolean;
}

/**
 * One run of concatenated pieces, masked. Each piece pushed gets exactly one output, in order; the
 * outputs joined are the pieces joined with every echo masked (the same masked form as redact's).
 * While nothing is masked, each output is its piece unchanged, so a caller can send that piece's
 * event as it came. A masked echo's text goes to the piece where it starts and the pieces it spans
 * come out empty. Pieces held at once are bounded by Redactor.maxEchoLength characters, or by one
 * piece after a masked echo.
 */
export class TextRunMasker {
  /** Pieces pushed and not settled yet, oldest first. */
  private pieces: string[] = [];
  /** Masked text already decided for the unsettled pieces (it goes before `raw`). */
  private out = '';
  /** Text of the unsettled pieces not decided yet: the tail that may begin an echo. */
  private raw = '';
  /** `out` is empty and `raw` is exactly the unsettled pieces joined (nothing masked among them). */
  private aligned = true;
  /** An earlier run's tail the first pieces may go on from (continueAfter), until that is ruled out. */
  private before: TailBefore | undefined;
  /** What the last end() let out of a tail that may begin an echo (undefined: it held none). */
  private endedTail: TailBefore | undefined;
  /** The pieces going on from `before` are a tool's JSON input (continueAfter). */
  private json: JsonText | undefined;
  /** In that input: its first strings that closed without going on with `before` (they need no look again). */
  private stringsRuledOut = 0;
  /** How many characters of it may still go on with `before` (what its tail's `spent` left of Redactor.maxEchoLength). */
  private budget = 0;
  /** A tool input that did not go on with `before`: that tail, passed on to the next run (end), with the input's length spent. */
  private passOn: TailBefore | undefined;

  /**
   * `latin1`: pieces are the latin1 text of UTF-8 bytes (an event's bytes), masked as such.
   * `input`: the run is a tool's JSON input (what continueAfter goes on in by default): its last
   * string, closed, is what the client reads last of it (see heldTail).
   */
  constructor(
    private readonly redactor: Redactor,
    private readonly latin1 = false,
    private readonly input?: JsonText,
  ) {}

  /** Whether some piece waits for a later one. */
  get holding(): boolean {
    return this.pieces.length > 0;
  }

  /**
   * The tail this run holds, not yet decided (it may begin an echo); undefined when it holds none.
   * A tool input's text up to its last string's closing quote: the brackets after it show nothing.
   */
  get heldTail(): TailBefore | undefined {
    return this.pieces.length > 0 ? {text: this.shown(this.raw), masked: false} : undefined;
  }

  /** Whether end() may leave a tail though nothing is held: a tool input passes on the tail it went on from (see continueAfter). */
  get passesOn(): boolean {
    return this.passOn !== undefined;
  }

  /**
   * What the last end() let out while it might have begun an echo, for the run the client reads
   * next (continueAfter); undefined when that end held nothing.
   */
  get tail(): TailBefore | undefined {
    return this.endedTail;
  }

  /**
   * The next pieces go on from `tail`, text an earlier run already sent (a token cut at a block
   * change: `sk-ant-o` ending a text block, `at01-…` starting the next text block or a tool call's
   * arguments). An echo that begins in `tail` and ends in these pieces is masked here: its part in
   * them becomes the masked form's end, `…(redacted)` (nothing when `tail` went out masked), so the
   * client sees at most the start that was sent, as a cut echo shorter than CUT_ECHO_MIN. The pieces
   * wait only while an echo begun in `tail` may still go on (Redactor.holdTextFrom). When `json`
   * says the pieces are a tool's JSON input, the echo goes on at the start of any of its strings, keys and
   * values (the client shows the text, then the input's keys and values): the pieces wait until the
   * input is complete, at most its first Redactor.maxEchoLength characters (strings after those do
   * not go on with the tail). An input that does not go on with it (`{}`, keys and values of
   * their own) passes it on (end, TailBefore.spent): the next input may, within what is left of
   * those characters (the client shows one input after the other).
   */
  continueAfter(tail: TailBefore, json: JsonText | undefined = this.input): void {
    if (this.pieces.length > 0) return;
    this.before = tail;
    this.json = json;
    this.stringsRuledOut = 0;
    this.budget = this.redactor.maxEchoLength - (tail.spent ?? 0);
    this.passOn = undefined;
  }

  /** The next piece of the run; the outputs of the pieces it settles, oldest first (maybe none). */
  push(piece: string): string[] {
    if (this.before) return this.pushAfterTail(piece);
    if (this.passOn) this.spend(piece.length);
    // The common case: nothing held, and the piece's tail cannot begin an echo.
    if (this.pieces.length === 0 && this.holdFrom(piece) === piece.length) return [this.mask(piece)];
    this.pieces.push(piece);
    this.raw += piece;
    const masked = this.mask(this.raw);
    if (masked === this.raw) {
      const hold = this.holdFrom(this.raw);
      if (this.aligned) return this.settleBefore(hold);
      this.out += this.raw.slice(0, hold);
      this.raw = this.raw.slice(hold);
    } else {
      // Only the text after the last masked echo (where raw and masked agree) may begin another.
      // An echo found among `\u`-escaped letters comes back with every such escape decoded
      // (Redactor.redact), so raw and masked may differ up to the end: then from the masked form's end.
      this.aligned = false;
      const after = masked.slice(Math.min(masked.length - commonSuffixLength(this.raw, masked), afterLastMaskedForm(masked)));
      const hold = this.holdFrom(after);
      this.out += masked.slice(0, masked.length - after.length + hold);
      this.raw = after.slice(hold);
    }
    return this.settleDecided();
  }

  /** After `out` and `raw` were decided for the held pieces: the pieces that settles. */
  private settleDecided(): string[] {
    if (this.raw === '') return this.settleAll(this.out);
    if (this.pieces.length === 1) return [];
    // The last piece carries what is still undecided; the ones before it take the decided text.
    const last = this.pieces.pop()!;
    const settled = distribute(this.out, this.pieces);
    this.pieces = [last];
    this.out = '';
    this.aligned = this.raw === last;
    return settled;
  }

  /** push while the pieces may go on from an earlier run's tail (continueAfter). */
  private pushAfterTail(piece: string): string[] {
    this.pieces.push(piece);
    this.raw += piece;
    const masked = this.continued((text) => this.mask(text));
    if (masked === undefined) {
      // No echo across: still undecided while one begun in the tail may go on, else a run of its own.
      if (this.tailMayGoOn()) return [];
      return this.withoutTail();
    }
    const hold = this.holdFrom(masked);
    this.aligned = false;
    this.out = masked.slice(0, hold);
    this.raw = masked.slice(hold);
    return this.settleDecided();
  }

  /**
   * The pieces' text (`raw`) masked as going on from `before`: the part of an echo begun in
   * `before` replaced by the masked form's end (or nothing), the rest as the tail and pieces
   * masked together have it; undefined when no echo goes across (masked together, they are the
   * tail and the pieces masked apart). Clears `before` when one does.
   */
  private continued(mask: (text: string) => string): string | undefined {
    const before = this.before!;
    // A JSON run's text may go on with the tail as it is too (arguments that are no JSON).
    const strings = this.json ? jsonStrings(this.raw, this.json.escaped) : undefined;
    for (const start of strings ? [0, ...strings.starts.slice(this.stringsRuledOut)] : [0]) {
      const text = this.raw.slice(start);
      const joined = mask(before.text + text);
      if (joined === mask(before.text) + mask(text)) continue;
      this.before = undefined;
      // The first masked form ends the echo that went across: the tail holds no whole one (it
      // would have been masked in its run), and every masked form differs from the text it hides
      // before its end (`(redacted)`).
      const end = joined.indexOf(MASKED_FORM_END, commonPrefixLength(joined, before.text));
      const rest = end === -1 ? '' : joined.slice(end + MASKED_FORM_END.length);
      return (start > 0 ? mask(this.raw.slice(0, start)) : '') + (before.masked ? '' : this.latin1 ? CONTINUED_LATIN1 : CONTINUED) + rest;
    }
    // An echo across a closed string would have ended in it (no secret has a quote).
    if (strings) this.stringsRuledOut = strings.closed;
    return undefined;
  }

  /**
   * Whether an echo begun in the earlier run's tail may still go on in the pieces held: in plain
   * text, while the tail and the pieces may begin one; in a JSON run, also until the input is
   * complete, within its first Redactor.maxEchoLength characters.
   */
  private tailMayGoOn(): boolean {
    const before = this.before!;
    if (this.redactor.holdTextFrom(before.text + this.raw) < before.text.length) return true;
    return this.json !== undefined && this.raw.length <= this.budget && !jsonStrings(this.raw, this.json.escaped).done;
  }

  /** The tail is ruled out: the held pieces pushed again as a run of their own; a tool input passes it on (continueAfter). */
  private withoutTail(): string[] {
    const before = this.before!;
    this.before = undefined;
    const pieces = this.pieces;
    const spent = (before.spent ?? 0) + this.raw.length;
    this.pieces = [];
    this.raw = '';
    const outputs = this.pushEach(pieces);
    if (this.json && spent < this.redactor.maxEchoLength) this.passOn = {...before, spent};
    return outputs;
  }

  /**
   * Several next pieces of the run at once (the deltas of one upstream read): the outputs they
   * settle, oldest first, as `push` would give them for their text joined, one output per piece.
   * While nothing is held, the joined text is masked and its tail looked at once, instead of once
   * per piece (issue 14: per-delta masking was a tenth of a translated stream's CPU); the pieces
   * before the tail that may begin an echo go out as they came (`pieces` itself when all do). When
   * the joined text holds an echo, the pieces are pushed one by one.
   */
  pushAll(pieces: readonly string[]): readonly string[] {
    if (this.pieces.length > 0 || this.before) return this.pushEach(pieces);
    const joined = pieces.join('');
    if (this.mask(joined) !== joined) return this.pushEach(pieces);
    if (this.passOn) this.spend(joined.length);
    const hold = this.holdFrom(joined);
    if (hold === joined.length) return pieces;
    this.pieces = [...pieces];
    this.raw = joined;
    return this.settleBefore(hold);
  }

  private pushEach(pieces: readonly string[]): string[] {
    const outputs: string[] = [];
    for (const piece of pieces) outputs.push(...this.push(piece));
    return outputs;
  }

  /**
   * The run ended: the outputs of every piece still held, masked as the run ended. A held tail that
   * is the start of a secret (CUT_ECHO_MIN characters or more) is masked too: the run ended mid-token
   * (a block, an error, the stream's end), and the client would show that start as it is.
   */
  end(): string[] {
    this.endedTail = undefined;
    const before = this.before;
    const passOn = this.passOn;
    this.passOn = undefined;
    if (before) {
      const masked = this.pieces.length === 0 ? undefined : this.continued((text) => this.maskCut(text));
      this.before = undefined;
      if (masked !== undefined) {
        // The echo across went out masked as cut, and a later run may still go on with it (a token in three runs).
        this.endedTail = {text: before.text + this.raw, masked: true};
        return this.settleAll(masked);
      }
    }
    // A tool input that did not go on with the tail before it passes that on, unless it ends in a start of its own.
    const spent = before ? (before.spent ?? 0) + this.raw.length : 0;
    const passed = passOn ?? (before && this.json && spent < this.redactor.maxEchoLength ? {...before, spent} : undefined);
    if (this.pieces.length === 0) {
      this.endedTail = passed;
      return [];
    }
    const rest = this.maskCut(this.raw);
    // Pieces still undecided after an earlier run's tail (too short to tell): the client reads that
    // tail and these as one start, which the next run may finish (a token in three runs).
    const sentBefore = before && !before.masked && !this.json && rest === this.raw ? before.text : '';
    const shown = this.shown(sentBefore + this.raw);
    this.endedTail = passed && this.redactor.holdTextFrom(shown) === shown.length ? passed : {text: shown, masked: rest !== this.raw};
    if (this.aligned && rest === this.raw) return this.settleAll(undefined);
    return this.settleAll(this.out + rest);
  }

  /** More of the input that passes a tail on: past Redactor.maxEchoLength characters, it no longer does. */
  private spend(length: number): void {
    const spent = this.passOn!.spent! + length;
    this.passOn = spent < this.redactor.maxEchoLength ? {...this.passOn!, spent} : undefined;
  }

  /**
   * Where `text`'s tail may begin an echo that later pieces complete (Redactor.holdTextFrom); in a
   * tool's JSON input (`input`), also the end of a string that closes at its end (only brackets
   * after its quote): the input's last value, which a next run may go on with.
   */
  private holdFrom(text: string): number {
    const hold = this.redactor.holdTextFrom(text);
    return this.input && hold === text.length ? closedStringHold(this.redactor, text, 0, text.length, this.input.escaped) : hold;
  }

  /** What the client reads of a run's text, at its end: a tool input's up to its last string's closing quote. */
  private shown(text: string): string {
    const quote = this.input ? closedStringEnd(text, 0, text.length, this.input.escaped) : -1;
    return quote === -1 ? text : text.slice(0, quote);
  }

  private mask(text: string): string {
    return this.latin1 ? this.redactor.redactLatin1(text) : this.redactor.redact(text);
  }

  private maskCut(text: string): string {
    return this.latin1 ? this.redactor.redactLatin1(text, CUT) : this.redactor.redact(text, CUT);
  }

  /** Nothing masked: the pieces that end at or before `hold` go out unchanged, the rest stay held. */
  private settleBefore(hold: number): string[] {
    let end = 0;
    let count = 0;
    while (count < this.pieces.length && end + this.pieces[count]!.length <= hold) end += this.pieces[count++]!.length;
    if (count === this.pieces.length) return this.settleAll(undefined);
    this.raw = this.raw.slice(end);
    return this.pieces.splice(0, count);
  }

  /** Every held piece settles: with `total` spread over them, or unchanged when undefined. */
  private settleAll(total: string | undefined): string[] {
    const settled = total === undefined ? this.pieces : distribute(total, this.pieces);
    this.pieces = [];
    this.out = '';
    this.raw = '';
    this.aligned = true;
    return settled;
  }
}

/**
 * The tails runs let out as they ended while they might have begun an echo (TextRunMasker.tail), one
 * per run kind (`text`, `thinking`, a tool call's arguments…): the client joins each kind's runs on
 * (the text after a tool call goes on from the text before it), so a run ending between them must not
 * take the place of a tail its kind has not had yet. A new run goes on from its own kind's tail; with
 * none, from the latest tail of another kind it has not had (a tool call's arguments after text, as
 * the stream reads). `extra`: what the caller keeps with a tail (the field it came from).
 */
export class RunCarries<Extra extends object = object> {
  /** By kind, the latest last; `given`: the kinds of other runs that already had it. */
  private readonly byKind = new Map<string, TailBefore & Extra & {given: Set<string>}>();

  get size(): number {
    return this.byKind.size;
  }

  /** A run of `kind` ended with `tail` let out: it replaces its kind's (the client's text of that kind now ends in it). */
  ended(kind: string, tail: TailBefore & Extra): void {
    this.byKind.delete(kind);
    this.byKind.set(kind, {...tail, given: new Set()});
  }

  /** Whether a run of `kind` ended with a tail no run of its kind has had since. */
  has(kind: string): boolean {
    return this.byKind.has(kind);
  }

  /** Whether take(kind) would give a tail. */
  mayTake(kind: string): boolean {
    if (this.byKind.has(kind)) return true;
    for (const carry of this.byKind.values()) if (!carry.given.has(kind)) return true;
    return false;
  }

  /** The tail a new run of `kind` goes on from (see the class), spent for that kind; undefined for none. */
  take(kind: string): (TailBefore & Extra) | undefined {
    const own = this.byKind.get(kind);
    if (own) {
      this.byKind.delete(kind);
      return own;
    }
    let latest: (TailBefore & Extra & {given: Set<string>}) | undefined;
    for (const carry of this.byKind.values()) if (!carry.given.has(kind)) latest = carry;
    latest?.given.add(kind);
    return latest;
  }

  /** Each tail kept, the latest last, with the kinds of other runs that had it. */
  values(): IterableIterator<TailBefore & Extra & {given: ReadonlySet<string>}> {
    return this.byKind.values();
  }
}

/**
 * `total` as one output per piece: pieces that `total` starts (or ends) with, in order, keep their
 * text; what is between goes to the first piece that does not, and the others come out empty.
 */
function distribute(total: string, pieces: readonly string[]): string[] {
  const outputs = pieces.map(() => '');
  let from = 0;
  let first = 0;
  while (first < pieces.length && total.startsWith(pieces[first]!, from)) {
    outputs[first] = pieces[first]!;
    from += pieces[first++]!.length;
  }
  let to = total.length;
  let last = pieces.length;
  while (last > first && to - pieces[last - 1]!.length >= from && total.endsWith(pieces[last - 1]!, to)) {
    last--;
    outputs[last] = pieces[last]!;
    to -= pieces[last]!.length;
  }
  const middle = total.slice(from, to);
  if (first < last) outputs[first] = middle;
  else if (middle && first > 0) outputs[first - 1] += middle;
  else if (middle) outputs[0] = middle + outputs[0]!;
  return outputs;
}

/**
 * In a tool's JSON input `text[from, to)` (escaped once when `escaped`: an event's raw field), the
 * index of the quote of a string that closes at its end (only brackets and white space after it);
 * -1 when it does not end so. A quote there may open a string, or be one the string holds: then
 * the text before it is looked at for nothing.
 */
export function closedStringEnd(text: string, from: number, to: number, escaped: boolean): number {
  let at = to;
  for (; at > from; at--) {
    const code = text.charCodeAt(at - 1);
    if (code === 0x7d || code === 0x5d || code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) continue;
    // White space escaped once (`\n`).
    if (escaped && at - 2 >= from && text.charCodeAt(at - 2) === 0x5c && (code === 0x6e || code === 0x72 || code === 0x74)) {
      at--;
      continue;
    }
    break;
  }
  if (at === from || text.charCodeAt(at - 1) !== 0x22) return -1;
  // A quote the string holds is escaped: an odd number of backslashes before it (escaped once
  // more in an event's field: a closing quote is `\"` after pairs of `\\` pairs).
  let backslashes = 0;
  while (at - 2 - backslashes >= from && text.charCodeAt(at - 2 - backslashes) === 0x5c) backslashes++;
  if (!escaped) return backslashes % 2 === 0 ? at - 1 : -1;
  return backslashes % 4 === 1 ? at - 2 : -1;
}

/**
 * Redactor.holdTextFrom for a tool input's text `[from, to)` that holds nothing at its end: where
 * the string that closes there (closedStringEnd) may end in an echo's start, which the next run
 * may go on with; `to` when it does not.
 */
export function closedStringHold(redactor: Redactor, text: string, from: number, to: number, escaped: boolean): number {
  const quote = closedStringEnd(text, from, to, escaped);
  if (quote === -1) return to;
  const hold = redactor.holdTextFrom(text, from, quote);
  return hold < quote ? hold : to;
}

/** JSON's one-letter escapes, decoded. */
const JSON_ESCAPES: Readonly<Record<string, string>> = {'"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t'};

/**
 * The strings of JSON text (a tool's input, maybe cut) a client shows, keys and values: where each
 * one's text starts (after its opening quote), how many of them are closed, and whether the input
 * is `done` (its object or array closed, or it is no object or array). `escaped`: the text is
 * escaped once (inside a JSON string), its characters read decoded.
 */
function jsonStrings(text: string, escaped: boolean): {starts: number[]; closed: number; done: boolean} {
  const starts: number[] = [];
  let depth = 0;
  let inString = false;
  let inEscape = false;
  for (let at = 0; at < text.length; ) {
    let char = text[at]!;
    let length = 1;
    if (escaped && char === '\\') {
      const next = text[at + 1];
      if (next === undefined) break;
      if (next === 'u') {
        if (at + 6 > text.length) break;
        char = String.fromCharCode(Number.parseInt(text.slice(at + 2, at + 6), 16));
        length = 6;
      } else {
        char = JSON_ESCAPES[next] ?? next;
        length = 2;
      }
    }
    at += length;
    if (inString) {
      if (inEscape) inEscape = false;
      else if (char === '\\') inEscape = true;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      starts.push(at);
    } else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      if (--depth <= 0) return {starts, closed: starts.length, done: true};
    } else if (depth === 0 && !/\s/.test(char)) return {starts, closed: starts.length, done: true};
  }
  return {starts, closed: inString ? starts.length - 1 : starts.length, done: false};
}

/** The end of a masked form's fixed part (redactedForm: `sk-a…(redacted)`; its `…` differs in latin1 text). */
const MASKED_FORM_END = redactedForm('').replace('…', '');

/** What goes in place of an echo's part after a start an earlier run sent as it was (TextRunMasker.continueAfter). */
const CONTINUED = redactedForm('');
const CONTINUED_LATIN1 = Buffer.from(CONTINUED, 'utf8').toString('latin1');

/** Where the text after the last masked form begins; the text's length when it has none. */
function afterLastMaskedForm(masked: string): number {
  const at = masked.lastIndexOf(MASKED_FORM_END);
  return at === -1 ? masked.length : at + MASKED_FORM_END.length;
}

/** How many characters two texts start with alike. */
function commonPrefixLength(a: string, b: string): number {
  let same = 0;
  const most = Math.min(a.length, b.length);
  while (same < most && a.charCodeAt(same) === b.charCodeAt(same)) same++;
  return same;
}

/** How many characters two texts end with alike. */
function commonSuffixLength(a: string, b: string): number {
  let same = 0;
  const most = Math.min(a.length, b.length);
  while (same < most && a.charCodeAt(a.length - 1 - same) === b.charCodeAt(b.length - 1 - same)) same++;
  return same;
}
