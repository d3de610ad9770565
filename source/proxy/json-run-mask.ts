// A pass-through JSON answer too long to hold whole (deliver.ts WHOLE_JSON_HOLD_MAX) may still spell
// a credential across the strings a client joins (an Anthropic message's text blocks around a tool
// call, a Responses answer's message items): core/joined-text-mask.ts masks those only in a whole
// document. This masks them as the document streams, in bounded memory: a tokenizer follows the
// JSON path, and each string at a joined path (the same groups as maskJoinedTexts: JOINED_KEYS under
// an array, each array item keyed by itemKey) goes through a TextRunMasker. A string is held only
// while its text at a chunk's end may begin an echo (Redactor.holdTextFrom, at most
// Redactor.maxEchoLength characters); at the string's end its run ends, masking a cut secret's
// start as the stream masker does (cutEchoes), and what it let out that may begin an echo is carried
// to the next string of its group (TextRunMasker.continueAfter), whatever lies between.
// An item's kind is read from its keys, which JSON does not order: a Gemini part writes `thought`
// after its `text` (`{"text": …, "thought": true}`), a serializer may write `type` last. A string in
// an item of no known kind yet goes on from its group's carry as read so far (`#`), else from the
// latest carry of a group the item may turn out to be; where its tail (and a carry of another kind it
// took) goes is decided as the item closes. Log probability lists stream entry by entry (core/logprobs-mask.ts
// LogprobsEntryRun). Nesting deeper than MAX_DEPTH passes as it comes (byte-masked only).
import type {Redactor} from '../core/redact.js';
import {itemKey, JOINED_KEYS} from '../core/joined-text-mask.js';
import {LOGPROB_KEYS, LogprobsEntryRun} from '../core/logprobs-mask.js';
import {type TailBefore, TextRunMasker} from '../core/text-run-mask.js';

/** Deeper nesting is no answer's: from there on the bytes pass as they come. */
const MAX_DEPTH = 256;
/** A key, a `type` value or a number longer than this is none this reads (kept cut). */
const MAX_SHORT = 128;
/** Tails carried at most at once (one per group whose last string ended in a possible echo start). */
const MAX_CARRIES = 256;

interface Frame {
  array: boolean;
  /** The key this container is at in its parent object ('' in an array or at the root). */
  key: string;
  /** In an array: its position there. */
  position: number;
  /** An object's `type`, `index` and `thought` as far as read (itemKey). */
  type?: string;
  index?: number;
  thought?: boolean;
  /** An object's key whose value comes next (or is being read); undefined while a key is expected. */
  current?: string;
  /** An array's values so far. */
  count: number;
  /**
   * Joined strings read inside this array item before its kind was known (unsettledKind: a Gemini
   * part writes `text` before `thought`, a serializer may write `type` last): settled as it closes
   * (see settleItem).
   */
  pending?: Pending[];
  /** In an object: what each joined key's string did to the carries (undone when the key repeats, see undo). */
  joined?: Map<string, StringEffects>;
}

/**
 * What one joined string did to the carries: the carry it took, the tail it carried, the string it
 * left pending on an item. A client reads the last of a repeated key (JSON.parse), so an earlier
 * string of the key is undone as if it had not been read.
 */
interface StringEffects {
  taken?: Taken;
  carried?: {group: string; tail: TailBefore};
  pending?: {frame: Frame; entry: Pending};
}

/** A joined string's group, segment by segment (groupOf), and the array items whose kind was not known yet, innermost last. */
interface GroupPath {
  segments: string[];
  unsettled: Array<{frame: Frame; at: number; arrayKey: string}>;
}

/** A joined string read before its group was known: the carry it took (and its group) and the tail it let out. */
interface Pending extends GroupPath {
  taken?: Taken;
  tail?: TailBefore;
}

/** A carry taken: its group, tail and the group's segments. */
interface Taken {
  group: string;
  tail: TailBefore;
  segments: readonly string[];
}

/** What the string being read is. */
const enum StringRole {
  Key,
  /** A `type` value, or another short one read (see `collected`). */
  Collected,
  Joined,
  Plain,
}

/**
 * Masks the joined strings of one JSON document streamed in chunks, bytes in (already masked by
 * StreamRedactor), bytes out. A chunk with nothing to change comes back as it came.
 */
export class JsonRunMasker {
  private readonly stack: Frame[] = [];
  /** In a string (from its opening quote to its closing one). */
  private inString = false;
  /** The last character read in a string was a backslash (the next one is escaped). */
  private escaped = false;
  private role = StringRole.Plain;
  /** A key's or a collected value's text as sent (escapes undecoded), up to MAX_SHORT. */
  private collected = '';
  /** A number or literal being read outside strings. */
  private scalar = '';
  /** After `{` or an object's `,`: the next string is a key. */
  private expectKey = false;
  /** The group of the joined string being read (as far as its items' kinds are known), and its run (while one is needed). */
  private group = '';
  private path: GroupPath = {segments: [], unsettled: []};
  /** The carry that string took, and its group; what it did to the carries (undefined: the `continued` string's). */
  private taken: Taken | undefined;
  private effects: StringEffects | undefined;
  private run: TextRunMasker | undefined;
  /** Tails a run let out that may begin an echo, by group, the latest last (see the file's comment), with the group's segments. */
  private readonly carries = new Map<string, {tail: TailBefore; segments: readonly string[]}>();
  /** Too deep: everything passes. */
  private passing = false;
  /**
   * Inside a log probability list (LOGPROB_KEYS, as LogprobsMasker finds them): its depth in the
   * stack, its entries' run, and whether an entry went out (the next one is sent after a comma).
   * Its bytes are sent entry by entry, as the run lets them out (see logprobsEntry).
   */
  private logprobs: {depth: number; run: LogprobsEntryRun<string>; sent: boolean} | undefined;
  /** The entry of that list being read: its raw text (latin1) before this chunk; undefined outside one. */
  private entry: string | undefined;
  /** Where that entry begins in this chunk (0 when it began in an earlier one). */
  private entryFrom = 0;

  /** Bytes of the document read before this chunk. */
  private offset = 0;

  /**
   * `continued`: the document is an SSE event's data whose string opening at byte `quote` (its
   * quote) is a delta of a run the stream's events go on with (sse-run-mask.ts, an event too long
   * to hold): it is masked as that run's, going on from `tail` (TextRunMasker.continueAfter) when
   * the earlier events left one, and what it lets out at its end that may begin an echo is
   * continuedTail, for the events after it. `followed`: later documents go on with its runs (an SSE
   * event's data): a log probability list's held entries are dropped as it closes
   * (LogprobsEntryRun.end), the next events' lists may complete what they begin. `logprobsAfter`:
   * what the events before it dropped from a credential's possible start in their log
   * probabilities (LogprobsMasker.handOver), which its lists' entries may go on with.
   */
  constructor(
    private readonly redactor: Redactor,
    private readonly continued?: {quote: number; tail?: TailBefore},
    private readonly followed = false,
    private readonly logprobsAfter: readonly string[][] = [],
  ) {
    if (continued?.tail) this.carries.set(CONTINUED_GROUP, {tail: continued.tail, segments: [CONTINUED_GROUP]});
  }

  /**
   * What its log probability lists dropped from a credential's possible start, or went on dropping,
   * for the lists after it (LogprobsEntryRun.handOver); undefined when it had none.
   */
  get logprobsHandOver(): string[][] | undefined {
    return this.handedOver;
  }

  private handedOver: string[][] | undefined;

  /** The tail the `continued` string leaves its run with (the tail it went on from while it has not begun); undefined for none. */
  get continuedTail(): TailBefore | undefined {
    return this.carries.get(CONTINUED_GROUP)?.tail;
  }

  push(chunk: Buffer): Buffer {
    if (this.passing || chunk.length === 0) return chunk;
    const text = chunk.toString('latin1');
    const out: string[] = [];
    let emitted = 0;
    let changed = false;
    /** The string's part `[from, to)` read: a joined string's goes through its run. */
    const piece = (from: number, to: number) => {
      if (this.role === StringRole.Collected || this.role === StringRole.Key) {
        if (this.collected.length <= MAX_SHORT) this.collected += text.slice(from, Math.min(to, from + MAX_SHORT + 1));
        return;
      }
      if (this.role !== StringRole.Joined || from === to) return;
      // Where the part's text may begin a secret a later part completes (`to` when nowhere).
      const tailFrom = Math.max(from, to - this.redactor.maxEchoLength);
      const hold = tailFrom + this.redactor.holdTextFrom(text.slice(tailFrom, to));
      if (!this.run) {
        const taken = this.takeCarry();
        if (taken) {
          // The string may go on with a secret the group's last string began (a token cut at a tool call).
          this.taken = taken;
          if (this.effects) this.effects.taken = taken;
          this.run = new TextRunMasker(this.redactor, true);
          this.run.continueAfter(taken.tail);
        } else {
          // Most strings hold nothing that may begin a secret at a chunk's end: they pass without a
          // run (the byte masker has what is inside them). Else only that tail is the run's.
          if (hold === to) return;
          this.run = new TextRunMasker(this.redactor, true);
          from = hold;
        }
      }
      out.push(text.slice(emitted, from));
      emitted = to;
      changed = true;
      // The tail a piece of its own: the run holds it alone, not the whole part (a long string's chunk).
      for (const part of from < hold && hold < to ? [text.slice(from, hold), text.slice(hold, to)] : [text.slice(from, to)]) {
        for (const output of this.run.push(part)) out.push(output);
      }
      // Settled: the rest of a long string passes without a run (the byte masker has what is inside it).
      if (!this.run.holding) this.run = undefined;
    };
    for (let at = 0; at < text.length; ) {
      if (this.inString) {
        const end = this.stringEnd(text, at);
        piece(at, end === -1 ? text.length : end);
        if (end === -1) break;
        if (this.run) {
          out.push(text.slice(emitted, end));
          for (const output of this.run.end()) out.push(output);
          emitted = end;
          changed = true;
          const tail = this.run.tail;
          if (this.path.unsettled.length > 0) this.pend({...this.path, taken: this.taken, tail});
          else if (tail) {
            this.carry(this.group, tail, this.path.segments);
            if (this.effects) this.effects.carried = {group: this.group, tail};
          }
          this.run = undefined;
        } else if (this.taken && this.path.unsettled.length > 0) {
          // Settled while read (nothing let out may begin an echo): still, the carry goes back if its kind was another's.
          this.pend({...this.path, taken: this.taken});
        }
        this.taken = undefined;
        this.effects = undefined;
        this.inString = false;
        this.stringDone();
        at = end + 1;
        continue;
      }
      const code = text.charCodeAt(at);
      if (code === 0x22) {
        this.endScalar();
        this.startString(this.offset + at);
        at++;
        continue;
      }
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) {
        this.endScalar();
      } else if (code === 0x7b || code === 0x5b) {
        this.endScalar();
        const parent = this.valueStart();
        if (this.stack.length >= MAX_DEPTH) return this.giveUp(text, out, emitted, at);
        this.stack.push({array: code === 0x5b, key: parent && !parent.array ? (parent.current ?? '') : '', position: parent?.array ? parent.count - 1 : 0, count: 0});
        this.expectKey = code === 0x7b;
        if (this.logprobs) {
          if (this.stack.length === this.logprobs.depth + 1) {
            this.entry = '';
            this.entryFrom = at;
          }
        } else if (code === 0x5b && this.isLogprobsList()) {
          // The list's `[` goes out; what follows, entry by entry.
          out.push(text.slice(emitted, at + 1));
          emitted = at + 1;
          changed = true;
          this.logprobs = {depth: this.stack.length, run: new LogprobsEntryRun(this.redactor, this.logprobsAfter), sent: false};
        }
      } else if (code === 0x7d || code === 0x5d) {
        this.endScalar();
        const closed = this.stack.pop();
        if (closed?.pending) this.settleItem(closed);
        this.expectKey = false;
        const logprobs = this.logprobs;
        if (logprobs && this.stack.length === logprobs.depth && this.entry !== undefined) {
          const entry = this.entry + text.slice(this.entryFrom, at + 1);
          this.entry = undefined;
          for (const sent of logprobs.run.push(parsedEntry(entry), entry, entry.length)) out.push(this.logprobsItem(sent));
          emitted = at + 1;
          changed = true;
        } else if (logprobs && this.stack.length < logprobs.depth) {
          for (const sent of logprobs.run.end(this.followed)) out.push(this.logprobsItem(sent));
          if (this.followed) (this.handedOver ??= []).push(...logprobs.run.handOver());
          out.push(text[at]!);
          emitted = at + 1;
          changed = true;
          this.logprobs = undefined;
        }
      } else if (code === 0x2c) {
        this.endScalar();
        const top = this.stack.at(-1);
        if (top && !top.array) {
          top.current = undefined;
          this.expectKey = true;
        }
      } else if (code === 0x3a) {
        this.endScalar();
      } else {
        if (this.scalar === '') this.valueStart();
        if (this.scalar.length <= MAX_SHORT) this.scalar += text[at];
      }
      at++;
    }
    if (this.logprobs) {
      // Inside the list: its entry so far is kept, what lies between entries dropped (logprobsItem writes the commas).
      if (this.entry !== undefined) {
        this.entry += text.slice(this.entryFrom);
        this.entryFrom = 0;
        if (this.entry.length > MAX_ENTRY_BYTES) this.entry = undefined;
      }
      emitted = text.length;
      changed = true;
    }
    this.offset += chunk.length;
    if (!changed) return chunk;
    out.push(text.slice(emitted));
    return Buffer.from(out.join(''), 'latin1');
  }

  /** Whether the array just opened (on top) is a log probability list: at a LOGPROB_KEYS key (Responses), or in an object there (Chat, Gemini). */
  private isLogprobsList(): boolean {
    if (this.redactor.size === 0) return false;
    const list = this.stack.at(-1)!;
    const holder = this.stack.at(-2);
    return LOGPROB_KEYS.has(list.key) || (holder !== undefined && !holder.array && LOGPROB_KEYS.has(holder.key));
  }

  /** An entry of the log probability list going out, after a comma unless it is the first sent. */
  private logprobsItem(entry: string): string {
    const first = !this.logprobs!.sent;
    this.logprobs!.sent = true;
    return first ? entry : `,${entry}`;
  }

  /** The document ended (or broke off): what a run still holds, masked as a run's end. */
  end(): Buffer {
    const run = this.run;
    this.run = undefined;
    return run ? Buffer.from(run.end().join(''), 'latin1') : EMPTY;
  }

  /** Where the string read from `at` ends (its closing quote), or -1 when the text ends first. */
  private stringEnd(text: string, at: number): number {
    let from = at;
    if (this.escaped) {
      this.escaped = false;
      from++;
    }
    for (;;) {
      SPECIAL.lastIndex = from;
      const found = SPECIAL.exec(text);
      if (!found) return -1;
      if (text.charCodeAt(found.index) === 0x22) return found.index;
      // A backslash: the next character is escaped (maybe in the next chunk).
      if (found.index + 1 >= text.length) {
        this.escaped = true;
        return -1;
      }
      from = found.index + 2;
    }
  }

  /** A value begins in the container on top: an array counts it. Returns that container. */
  private valueStart(): Frame | undefined {
    const top = this.stack.at(-1);
    if (top?.array) top.count++;
    return top;
  }

  /** A string opens, its quote at byte `quote` of the document. */
  private startString(quote: number): void {
    this.inString = true;
    this.escaped = false;
    this.collected = '';
    const top = this.stack.at(-1);
    if (top && !top.array && this.expectKey) {
      this.role = StringRole.Key;
      return;
    }
    this.valueStart();
    const key = top && !top.array ? top.current : undefined;
    if (key === 'type') this.role = StringRole.Collected;
    else if (quote === this.continued?.quote) {
      this.role = StringRole.Joined;
      this.group = CONTINUED_GROUP;
      this.path = {segments: [CONTINUED_GROUP], unsettled: []};
    } else if (key !== undefined && JOINED_KEYS.has(key) && !this.logprobs && this.stack.some((frame) => frame.array)) {
      this.role = StringRole.Joined;
      this.path = this.groupOf(key);
      this.group = this.path.segments.join('');
      // A key repeated in its object: the client reads this string, not the earlier one.
      const earlier = top!.joined?.get(key);
      if (earlier) this.undo(earlier);
      (top!.joined ??= new Map()).set(key, (this.effects = {}));
    } else this.role = StringRole.Plain;
  }

  private stringDone(): void {
    const top = this.stack.at(-1);
    if (this.role === StringRole.Key && top && !top.array) {
      top.current = decoded(this.collected);
      this.expectKey = false;
    } else if (this.role === StringRole.Collected && top && !top.array && top.current === 'type') top.type = decoded(this.collected);
    this.role = StringRole.Plain;
    this.collected = '';
  }

  /** A number or literal ended: an object's `index` and `thought` are kept (itemKey). */
  private endScalar(): void {
    if (this.scalar === '') return;
    const top = this.stack.at(-1);
    if (top && !top.array) {
      if (top.current === 'index' && /^\d+$/.test(this.scalar)) top.index = Number(this.scalar);
      else if (top.current === 'thought') top.thought = this.scalar === 'true';
    }
    this.scalar = '';
  }

  /**
   * The group of a joined string at `key` of the object on top: its path as maskJoinedTexts keys it,
   * by segment (`.` and an object's key, or an array item's itemKey), and the array items whose kind
   * may still change (unsettledKind), whose segments are only what was read so far.
   */
  private groupOf(key: string): GroupPath {
    const segments: string[] = [];
    const unsettled: GroupPath['unsettled'] = [];
    for (let i = 1; i < this.stack.length; i++) {
      const frame = this.stack[i]!;
      const parent = this.stack[i - 1]!;
      if (parent.array && !frame.array && unsettledKind(parent.key, frame)) unsettled.push({frame, at: segments.length, arrayKey: parent.key});
      segments.push(`.${parent.array ? (frame.array ? '#' : itemKey(parent.key, frame, frame.position)) : JSON.stringify(frame.key)}`);
    }
    segments.push(`.${key}`);
    return {segments, unsettled};
  }

  /**
   * The carry the joined string being read goes on from, taken (undefined for none): its group's;
   * while some item around it has no known kind yet, the group's as read so far (`#` for that item,
   * a Gemini answer part), else the latest carry of a group it may turn out to be (any kind there).
   */
  private takeCarry(): Taken | undefined {
    let group: string | undefined = this.carries.has(this.group) ? this.group : undefined;
    const {segments, unsettled} = this.path;
    if (!group && unsettled.length > 0) {
      for (const [other, carry] of this.carries) {
        if (carry.segments.length === segments.length && carry.segments.every((segment, i) => segment === segments[i] || unsettled.some((item) => item.at === i))) group = other;
      }
    }
    if (group === undefined) return undefined;
    const {tail, segments: groupSegments} = this.carries.get(group)!;
    this.carries.delete(group);
    return {group, tail, segments: groupSegments};
  }

  /** The string just read waits for the innermost unsettled item around it (settleItem). */
  private pend(entry: Pending): void {
    const frame = entry.unsettled.at(-1)!.frame;
    (frame.pending ??= []).push(entry);
    if (this.effects) this.effects.pending = {frame, entry};
  }

  /** An earlier string of a repeated key as if unread: its pending entry and carried tail dropped, the carry it took given back. */
  private undo(effects: StringEffects): void {
    const list = effects.pending?.frame.pending;
    const at = list ? list.indexOf(effects.pending!.entry) : -1;
    if (at !== -1) list!.splice(at, 1);
    if (effects.carried && this.carries.get(effects.carried.group)?.tail === effects.carried.tail) this.carries.delete(effects.carried.group);
    if (effects.taken) this.carry(effects.taken.group, effects.taken.tail, effects.taken.segments);
  }

  private carry(group: string, tail: TailBefore, segments: readonly string[]): void {
    this.carries.delete(group);
    if (this.carries.size >= MAX_CARRIES) this.carries.delete(this.carries.keys().next().value!);
    this.carries.set(group, {tail, segments});
  }

  /**
   * An array item closed with joined strings read before its kind was known: each string's segment
   * for it is now its itemKey. Once no item around a string is unsettled, its tail goes to its group,
   * and a carry it took from another group (a thought part took the answer's) goes back there (the
   * next string of that group goes on from it).
   */
  private settleItem(item: Frame): void {
    const pending = item.pending!;
    item.pending = undefined;
    for (const string of pending) {
      const mine = string.unsettled.pop()!;
      string.segments[mine.at] = `.${itemKey(mine.arrayKey, item, item.position)}`;
      const outer = string.unsettled.at(-1);
      if (outer) {
        (outer.frame.pending ??= []).push(string);
        continue;
      }
      const group = string.segments.join('');
      if (string.taken && string.taken.group !== group && !this.carries.has(string.taken.group)) {
        this.carry(string.taken.group, string.taken.tail, string.taken.segments);
      }
      if (string.tail) this.carry(group, string.tail, string.segments);
    }
  }

  /** Too deep to follow: what was read goes out as it was decided, the rest of this chunk and every later one as it comes. */
  private giveUp(text: string, out: string[], emitted: number, at: number): Buffer {
    this.passing = true;
    if (this.logprobs) {
      // Inside a log probability list: the held entries are dropped, the deep entry goes as it comes.
      out.push(this.entry === undefined ? '' : this.logprobsItem(this.entry));
      emitted = this.entry === undefined ? at : this.entryFrom;
      this.logprobs = undefined;
      this.entry = undefined;
    }
    out.push(text.slice(emitted, at));
    out.push(this.end().toString('latin1'));
    out.push(text.slice(at));
    return Buffer.from(out.join(''), 'latin1');
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Whether an array item's kind (its itemKey) may still change: an item outside `choices` and
 * `candidates` (keyed by their `index`, else their position) whose `type` was not read yet; a
 * Gemini part has none, and a `thought` may come after its text.
 */
function unsettledKind(arrayKey: string, item: Frame): boolean {
  return arrayKey !== 'choices' && arrayKey !== 'candidates' && typeof item.type !== 'string';
}
/** The group of the string a JsonRunMasker is told goes on with a run (no path spells it: a path starts with `.`). */
const CONTINUED_GROUP = 'continued';
/** A log probability entry longer than this is no real one (a token and its alternatives): dropped, never sent unread. */
const MAX_ENTRY_BYTES = 256 * 1024;

/** A log probability entry's raw text (latin1 of UTF-8) parsed; null when it is no JSON (LogprobsEntryRun reads nothing in it). */
function parsedEntry(raw: string): unknown {
  try {
    return JSON.parse(Buffer.from(raw, 'latin1').toString('utf8'));
  } catch {
    return null;
  }
}
/** A string's quote or backslash. */
const SPECIAL = /["\\]/g;

/** A key or value as JSON decodes it (`te\u0078t` → `text`); as sent when it is no valid string text. */
function decoded(raw: string): string {
  if (raw.length > MAX_SHORT) return '';
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}
