// Credentials an upstream spells out across several SSE events of a pass-through stream (client
// protocol = upstream protocol): the client joins each run of deltas into one string, so a token cut
// between two events is whole only there, and no byte masker sees it. This masks those runs in the
// event bytes (core/text-run-mask.ts), for every stream protocol the proxy passes through:
// - Anthropic Messages: `content_block_delta` `delta.text` and `delta.thinking` (one run each, across
//   consecutive blocks), `delta.partial_json` per block index (after the `content_block.text` or
//   `.thinking` a `content_block_start` may already carry);
// - OpenAI Chat Completions: the `choices[].delta` fields of CHAT_DELTA_RUNS (text, refusal, reasoning,
//   audio transcript and data, each tool call's arguments by index, the deprecated `function_call`);
// - OpenAI Responses: every `response.*.delta` event's `delta` (text, reasoning, function-call and
//   custom-tool input…), per output, content and summary index (after the text a `content_part.added`,
//   `reasoning_summary_part.added` or `output_item.added` may already carry);
// - Gemini (native and Cloud Code's `response` wrapper): `candidates[].content.parts[].text`, thought
//   and answer text apart.
import type {Redactor} from '../core/redact.js';
import {maskJoinedJson, mayJoinTexts} from '../core/joined-text-mask.js';
import {eachList, eventLanes, LogprobsMasker, mayHoldLogprobs} from '../core/logprobs-mask.js';
import {JsonRunMasker} from './json-run-mask.js';
import {DataLines} from './sse-data-lines.js';
import {closedStringHold, type JsonText, RunCarries, type TailBefore, TextRunMasker} from '../core/text-run-mask.js';

/**
 * OpenAI Chat Completions: every field of a chunk's `choices[i].delta` a client concatenates across
 * chunks (path inside the delta, `#` an array index), and the run it joins; `tool` is a tool call's
 * arguments, one run per call `index`. From the OpenAI SDK's ChatCompletionStream (openai 6.x,
 * #accumulateChatCompletion: content, refusal, audio.data, audio.transcript, function_call.arguments,
 * tool_calls[].function.arguments); `reasoning_content` (DeepSeek, Qwen) and `reasoning` (OpenRouter,
 * vLLM), which the SDK leaves alone, are joined by the clients that show reasoning (one run).
 */
const CHAT_DELTA_RUNS: ReadonlyArray<{path: readonly string[]; run: string}> = [
  {path: ['content'], run: 'content'},
  {path: ['refusal'], run: 'refusal'},
  {path: ['reasoning_content'], run: 'reasoning_content'},
  {path: ['reasoning'], run: 'reasoning_content'},
  {path: ['audio', 'transcript'], run: 'audio.transcript'},
  {path: ['audio', 'data'], run: 'audio.data'},
  {path: ['function_call', 'arguments'], run: 'function_call'},
  {path: ['tool_calls', '#', 'function', 'arguments'], run: 'tool'},
];

/** The JSON keys of those fields, at a string value: Anthropic's, Responses' and Gemini's (see runOf), and CHAT_DELTA_RUNS'. */
const FIELD_KEYS = new Set(['text', 'thinking', 'partial_json', 'refusal', 'arguments', 'delta', ...CHAT_DELTA_RUNS.map((field) => field.path.at(-1)!)]);
/**
 * The same keys in an event's raw text (latin1), at a string value. A key is matched only outside
 * strings: inside one its quotes are escaped. Found in the raw bytes, so an event whose fields
 * cannot begin a credential is never parsed.
 */
const FIELD = new RegExp(`"(?:${[...FIELD_KEYS].join('|')})"\\s*:\\s*"`, 'g');
/**
 * The keys with any of their characters sent as a `\u` escape (`"te\u0078t"`), which JSON.parse and
 * every client read as the key: used for text that has a `\u` at all.
 */
const FIELD_ESCAPED = new RegExp(`"(?:${[...FIELD_KEYS].map(escapable).join('|')})"\\s*:\\s*"`, 'g');

/**
 * A regex source for `literal` (ASCII) as JSON text may spell it inside quotes: each character as
 * itself or as a `\u` escape, which JSON.parse and every client decode.
 */
function escapable(literal: string): string {
  return [...literal].map((char) => `(?:${char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|\\\\u00${hexPattern(char.charCodeAt(0))})`).join('');
}

/** Whether `text` has a match of `plain`, or (when it has a `\u`) of `escaped`, the same with its letters maybe escaped. */
function hasMatch(text: string, plain: RegExp, escaped: RegExp): boolean {
  return text.includes('\\u') ? escaped.test(text) : plain.test(text);
}

/** The expression for `text` (FIELD_ESCAPED only when it has a `\u`), its lastIndex reset. */
function fieldPattern(text: string): RegExp {
  const pattern = text.includes('\\u') ? FIELD_ESCAPED : FIELD;
  pattern.lastIndex = 0;
  return pattern;
}

/** A character code's two hex digits, either case, as a regex source. */
function hexPattern(code: number): string {
  return code
    .toString(16)
    .padStart(2, '0')
    .replace(/[a-f]/g, (h) => `[${h}${h.toUpperCase()}]`);
}

/** The key a FIELD(_ESCAPED) match names, its escapes decoded. */
function keyOf(match: string): string {
  const key = match.slice(1, match.indexOf('"', 1));
  return key.includes('\\') ? (JSON.parse(`"${key}"`) as string) : key;
}

/** Whether `at` is on a `data:` line of the event: only those carry its JSON (not `id:`, `event:` or a comment). */
function onDataLine(event: string, at: number): boolean {
  const lineStart = Math.max(event.lastIndexOf('\n', at), event.lastIndexOf('\r', at)) + 1;
  return event.startsWith('data:', lineStart);
}

/**
 * An event not complete after this many bytes is let through as it comes, unmasked by runs (its
 * fields are not found reliably; its data's joined strings are masked as they stream, see giveUp),
 * up to its end: an upstream that never ends an event must not make the proxy buffer without bound.
 * Masking resumes with the next event. Real events stay far below it but for a long answer's final
 * Responses event, which carries all of it.
 */
const MAX_EVENT_BYTES = 1024 * 1024;

/** A field's string in an event's latin1 text: `[start, end)` inside the quotes, escapes as sent. */
interface Slot {
  start: number;
  end: number;
  run: string;
  /** The field's key (`text`, `partial_json`, …). */
  field: string;
  output?: string;
}

/**
 * What firstHoldingField knows of a text, searched for once: its first backslash and line feed at
 * or after the field looked at (-1: none after it), and whether it has a carriage return at all.
 */
interface TextFacts {
  backslash: number;
  lf: number;
  cr: boolean;
}

/** An event waiting for log probabilities to settle (SseRunMasker.sent). */
interface LogprobsWait {
  /** Its latin1 text. */
  text: string;
  /** The Chat choices or Gemini candidates it has a part in (eventLanes); undefined: none, it waits for everything before it. */
  lanes: ReadonlySet<string> | undefined;
  /** The places open once its lists were read (LogprobsMasker.openPlaces): its lists there may spell a credential's start. */
  open: Set<string> | undefined;
  /** Its data parsed, when it has log probabilities (what `text` is re-encoded from when they change). */
  json: unknown;
}

/** A complete event held back: its latin1 text and its run fields. */
interface HeldEvent {
  text: string;
  slots: Slot[];
}

/**
 * Masks runs of deltas in a pass-through SSE stream, bytes in, bytes out. An event goes out as it
 * came (the same bytes) unless one of its fields' joined tail may begin a credential; then it waits
 * for the events that settle it (later deltas of the same run), and an event that ends a block, an
 * item, a choice or the turn lets everything held out first (any other event waits behind, see
 * waitsBehind: the client joins the deltas around it). The bytes of an event not complete yet wait
 * for the rest of it.
 */
export class SseRunMasker {
  /** The start of an event whose end has not come yet (latin1). */
  private partial = '';
  /**
   * Inside an event too long to hold (MAX_EVENT_BYTES): its bytes pass as they come until its end;
   * the value is its last few characters seen (a blank line may be cut between two chunks).
   */
  private passing: string | undefined;
  /**
   * That event's data, masked as it streams (see giveUp): its data lines as one (DataLines) through
   * a JsonRunMasker; and the run kind (and field) its first run field goes on with.
   */
  private passingData: DataLines | undefined;
  private passingJson: JsonRunMasker | undefined;
  private passingRun: {kind: string; field: string} | undefined;
  private held: HeldEvent[] = [];
  /** Open runs by key (see runOf); a run keeps its masker while it holds something. */
  private readonly runs = new Map<string, TextRunMasker>();
  /** The text around the fields of the last event parsed (VOLATILE values dropped), and the run of each of its fields. */
  private lastFrame: string | undefined;
  private lastRuns: Array<string | undefined> | undefined;
  /**
   * The tails runs let out as they ended while they might have begun an echo (TextRunMasker.tail),
   * one per kind (kindOf), each with its field's key: the next run of a kind goes on from its own
   * kind's (the text after a tool call), else from the latest other it has not had (a tool call's
   * arguments after text): see tailBefore. While one is kept, events with a field of its key, or
   * any field before another kind had it, are looked at one by one.
   */
  private readonly carries = new RunCarries<{field: string}>();
  /** The field key of each run seen (for the carry). */
  private readonly runFields = new Map<string, string>();
  /**
   * The tail each Responses run went on from (a carry: a token whose start ended the part before),
   * by run key: its `.done` events repeat its whole text, masked as the run was (doneRewritten).
   */
  private readonly runStarts = new Map<string, TailBefore>();

  /** The log probabilities the client joins across events (core/logprobs-mask.ts). */
  private readonly logprobs: LogprobsMasker;
  /** Events waiting for the log probabilities to settle (see sent), and their length. */
  private logprobsHeld: LogprobsWait[] = [];
  private logprobsHeldBytes = 0;

  constructor(private readonly redactor: Redactor) {
    this.logprobs = new LogprobsMasker(redactor, true);
  }

  /** Bytes (already masked whole by StreamRedactor) → the bytes to send now. */
  push(chunk: Buffer): Buffer {
    if (this.passing !== undefined) return this.passUntilEventEnd(chunk);
    let text = this.partial ? this.partial + chunk.toString('latin1') : chunk.toString('latin1');
    let complete = lastEventEnd(text);
    if (complete === -1) {
      this.partial = text;
      if (text.length > MAX_EVENT_BYTES) return this.giveUp();
      return EMPTY;
    }
    let hadPartial = this.partial.length > 0;
    this.partial = text.slice(complete);
    if (hasSplitData(text, complete)) {
      // Read as the client reads them: each event's data lines as one (its fields are found in one line).
      text = withDataJoined(text.slice(0, complete));
      complete = text.length;
      hadPartial = true;
    }
    // Common case: nothing held, and no field's tail may begin a credential: the bytes as they came.
    // Log probabilities (rare: a client asked for them) make every event go through onEvent, and
    // while events wait for theirs to settle (sent) every later event goes behind them.
    const logprobs = this.logprobsHeld.length > 0 || mayHoldLogprobs(text);
    let from = 0;
    // A `.done` event of a run that went on from a carry is rewritten (doneRewritten): looked at.
    const done = this.runStarts.size > 0 && (text.includes('.done') || text.includes('\\u'));
    if (this.held.length === 0 && !logprobs && !done) {
      const first = this.firstHoldingField(text, complete);
      if (first === -1) return hadPartial ? Buffer.from(text.slice(0, complete), 'latin1') : chunk.subarray(0, complete);
      from = text.lastIndexOf('\n\n', first) + 2;
      if (from === 1) from = 0;
    }
    const out: string[] = [text.slice(0, from)];
    const cr = text.includes('\r');
    for (let start = from; start < complete; ) {
      const end = eventEnd(text, start, cr);
      this.onEvent(text.slice(start, end), out);
      start = end;
    }
    return this.sent(out);
  }

  /**
   * Whether an event waits behind a hold without being part of it: a settled delta of another run,
   * or an event of no run (a tool call's chunk, a keep-alive), behind a run's held tail; an event
   * of a lane whose log probabilities wait, with no list of its own held. See expire.
   */
  get blocked(): boolean {
    if (this.held.length === 0 && this.logprobsHeld.length === 0) return false;
    return this.held.some((held) => held.slots.every((slot) => slot.output !== undefined)) || this.logprobsHeld.some((wait) => wait.open === undefined || wait.open.size === 0);
  }

  /**
   * Whether a run a client shows as it comes (text, thinking, a refusal: not a tool's JSON input)
   * holds a tail: what an upstream's silence lets out (deliver.ts HOLD_RELEASE_MS, expire). A tool's
   * input is shown whole, and its carry across a let-out tail is not relied on: it waits for its next delta.
   */
  get holdsText(): boolean {
    return this.held.some((held) => held.slots.some((slot) => slot.output === undefined && jsonTextOf(slot.run) === undefined));
  }

  /**
   * The hold lasted too long (`blocked`, or `holdsText` through an upstream's silence; deliver.ts HOLD_RELEASE_MS):
   * every run ends, as at a block's end (a held tail that is a secret's start of CUT_ECHO_MIN
   * characters or more masked as cut, a shorter one let out and carried to the run that goes on,
   * whose part of the echo is masked: TextRunMasker.continueAfter), and the log probability lists
   * that may begin a credential are emptied (never sent unsettled, as when too many bytes wait);
   * the bytes of every event that waited.
   */
  expire(): Buffer {
    const out: string[] = [];
    this.flush(out);
    return this.sent(out, 'expired');
  }

  /**
   * The stream ended (or broke off): everything held, then an unfinished event, masked as a whole
   * one (a raw reader, curl or a body log, joins its delta to the run before it) and sent as it came,
   * without the blank line it lacks.
   */
  end(): Buffer {
    // Nothing held (most streams): no empty strings and buffers built to say so (issue 14).
    if (this.held.length === 0 && this.partial === '' && this.passingData === undefined && this.logprobsHeld.length === 0) {
      this.passingJson = undefined;
      return EMPTY;
    }
    const out: string[] = [];
    const last = this.partial;
    this.partial = '';
    // Completed for the reading only: the bytes added are taken off what goes out.
    let sentLast = false;
    const added = last === '' ? '' : last.endsWith('\r\n') ? '\r\n' : last.endsWith('\n') ? '\n' : '\n\n';
    if (last !== '') {
      const whole = last + added;
      const event = hasSplitData(whole, whole.length) ? withDataJoined(whole) : whole;
      // A run field whose string never closed (cut off mid-string) cannot be read as a client reads
      // a run: while a run holds a tail that may begin a credential, or one let out a tail the next
      // run goes on from, its text may be the rest of one, and it is not sent (a client's SDK drops
      // an unfinished event anyway). Otherwise it goes as it came.
      const open = this.held.length > 0 || this.carries.size > 0;
      if (!open && this.logprobsHeld.length === 0 && this.runStarts.size === 0 && this.firstHoldingField(event, event.length) === -1) {
        // Nothing it could go on from, nothing in it that may begin a credential: as it came, byte for byte.
        out.push(last);
      } else if (open && hasMatch(event, FIELD, FIELD_ESCAPED) && this.slotsOf(event) === undefined) {
        this.flush(out);
      } else {
        this.onEvent(event, out);
        sentLast = true;
      }
    }
    this.flush(out);
    if (added !== '' && sentLast) {
      const at = out.length - 1 - [...out].reverse().findIndex((text) => text !== '');
      if (at < out.length && out[at]!.endsWith(added)) out[at] = out[at]!.slice(0, -added.length);
    }
    if (this.passingData) out.push(this.passingData.end().toString('latin1'));
    this.passingData = undefined;
    this.passingJson = undefined;
    return this.sent(out, true);
  }

  /**
   * Events going out, in order, as bytes: those whose log probabilities spell a credential without
   * them (LogprobsMasker). While the log probabilities a client has joined at some place end in
   * what may begin a credential (LogprobsMasker.holding), the events of that place's lane wait (a
   * Chat choice, a Gemini candidate: every event when the place is in none), with every event of
   * those lanes behind them, and every event of no lane (the usage chunk, `[DONE]`): if a later
   * list completes it, the waiting lists of that place are emptied, so no part of it goes out.
   * `ending`: the stream ended, everything goes, the lists of a place that ends in a secret's cut
   * start of CUT_ECHO_MIN characters or more emptied; `'long event'`: an event too long to hold comes
   * next, whose lists go on from no held tail (giveUp), so every open place's waiting lists go
   * emptied; `'expired'`: the same, the hold lasted too long (expire).
   */
  private sent(out: string[], ending: boolean | 'long event' | 'expired' = false): Buffer {
    if (this.logprobsHeld.length > 0 || out.some((event) => mayHoldLogprobs(event))) out = this.logprobsSettled(out, ending);
    return Buffer.from(out.join(''), 'latin1');
  }

  private logprobsSettled(out: readonly string[], ending: boolean | 'long event' | 'expired'): string[] {
    const send: string[] = [];
    const masker = this.logprobs;
    for (let event of out) {
      // The text before a batch's first event looked at (push) is no event.
      if (event === '') continue;
      const wasOpen = masker.holding ? new Set(masker.openPlaces) : undefined;
      const lists = mayHoldLogprobs(event);
      const data = lists || this.logprobsHeld.length > 0 || masker.holding ? dataOf(event) : undefined;
      const json = data === undefined ? undefined : parsedData(data)?.json;
      if (lists && json !== undefined) {
        let changed = masker.mask(json);
        if (masker.completed.size > 0) changed = this.dropCompleted(json) || changed;
        if (changed) event = withJson(event, json);
      }
      if (!masker.holding && this.logprobsHeld.length === 0) {
        send.push(event);
        continue;
      }
      const lanes = eventLanes(json);
      this.logprobsHeld.push({text: event, lanes: lanes?.lanes, open: lists && masker.holding ? new Set(masker.openPlaces) : undefined, json: lists ? json : undefined});
      this.logprobsHeldBytes += event.length;
      // A finished choice's lists end here: its held start is released, or dropped when cut off.
      if (lanes && lanes.finished.size > 0) this.dropHeld(masker.settle(masker.placesOf(lanes.finished)));
      // Held too long: the entries that may begin a credential are dropped (never sent unsettled), the rest goes.
      if (this.logprobsHeldBytes > MAX_EVENT_BYTES) this.dropHeld(new Set(masker.openPlaces));
      // A place that settled no longer holds its lists in the events still waiting (for another place).
      for (const place of wasOpen ?? []) if (!masker.openPlaces.has(place)) for (const held of this.logprobsHeld) held.open?.delete(place);
      send.push(...this.releaseLogprobs());
    }
    if (ending === 'long event' || ending === 'expired') this.dropHeld(new Set(this.logprobs.openPlaces));
    else if (ending) this.dropHeld(this.logprobs.settle(this.logprobs.openPlaces));
    if (ending) {
      send.push(...this.logprobsHeld.map((held) => held.text));
      this.logprobsHeld = [];
      this.logprobsHeldBytes = 0;
    }
    return send;
  }

  /**
   * In the events waiting, the lists of `places` held for them (LogprobsWait.open) rid of the
   * entries from where they may begin a credential on (LogprobsMasker.dropOpen): the entries
   * before it reach the client, the entries of later lists that go on with it do not.
   */
  private dropHeld(places: ReadonlySet<string>): void {
    for (const place of places) {
      const held = this.heldListsAt(place);
      this.reencodeChanged(held, this.logprobs.dropOpen(place, held.map((h) => h.list)));
    }
  }

  /** The lists at `place` in the events waiting for it, oldest first, each with its event. */
  private heldListsAt(place: string): Array<{list: unknown[]; wait: LogprobsWait}> {
    const held: Array<{list: unknown[]; wait: LogprobsWait}> = [];
    for (const wait of this.logprobsHeld) {
      if (wait.json === undefined || !wait.open?.has(place)) continue;
      eachList(wait.json, (list, at) => {
        if (at === place) held.push({list, wait});
        return false;
      });
    }
    return held;
  }

  /** The waiting events of `held` whose list is in `changed`, re-encoded. */
  private reencodeChanged(held: ReadonlyArray<{list: unknown[]; wait: LogprobsWait}>, changed: ReadonlySet<unknown[]>): void {
    for (const wait of new Set(held.filter((h) => changed.has(h.list)).map((h) => h.wait))) this.reencode(wait);
  }

  /**
   * The lists of an event's data (`json`, masked: LogprobsMasker.completed) that completed a
   * credential after lists held in waiting events: the entries that spell it dropped from both
   * (LogprobsMasker.dropAcross), the waiting events changed re-encoded; whether `json` changed.
   */
  private dropCompleted(json: unknown): boolean {
    const masker = this.logprobs;
    let changed = false;
    for (const place of [...masker.completed.keys()]) {
      const held = this.heldListsAt(place);
      const dropped = masker.dropAcross(
        place,
        held.map((h) => h.list),
      );
      this.reencodeChanged(held, dropped);
      eachList(json, (list, at) => {
        if (at === place && dropped.has(list)) changed = true;
        return false;
      });
    }
    return changed;
  }

  /** A waiting event's text from its data (`json`), changed. */
  private reencode(held: LogprobsWait): void {
    const before = held.text.length;
    held.text = withJson(held.text, held.json);
    this.logprobsHeldBytes += held.text.length - before;
  }

  /**
   * The waiting events that may go now, in order: those of no lane that waits (LogprobsMasker.openLanes)
   * and behind no waiting event of theirs; an event of no lane only when nothing waits before it.
   */
  private releaseLogprobs(): string[] {
    const open = this.logprobs.openLanes();
    if (open === undefined) return [];
    const send: string[] = [];
    const wait: LogprobsWait[] = [];
    let all = false;
    for (const held of this.logprobsHeld) {
      if (!all && (held.lanes ? ![...held.lanes].some((lane) => open.has(lane)) : open.size === 0 && wait.length === 0)) send.push(held.text);
      else {
        wait.push(held);
        if (held.lanes) for (const lane of held.lanes) open.add(lane);
        else all = true;
      }
    }
    if (send.length > 0) {
      this.logprobsHeld = wait;
      this.logprobsHeldBytes = wait.reduce((bytes, held) => bytes + held.text.length, 0);
    }
    return send;
  }

  /**
   * Where in `text` (before `limit`) the first field starts whose tail may begin a credential, or
   * that may be given the carry; -1 for none.
   */
  private firstHoldingField(text: string, limit: number): number {
    const field = fieldPattern(text);
    // The first backslash and line feed from the field looked at on (-1: none), searched for once
    // per text or field rather than from each field to the text's end (Redactor.holdTextFrom):
    // most batches have no backslash, and a field's string no line break.
    const facts = {backslash: text.indexOf('\\'), lf: text.indexOf('\n'), cr: text.includes('\r')};
    if (this.carries.size === 0) {
      // test(), which builds no match: most fields hold nothing. The match that ends past `limit` or
      // holds is found again by exec(), from where test() found it, for its index.
      for (let from = 0; field.test(text); from = field.lastIndex) {
        const start = field.lastIndex;
        const end = start > limit ? -1 : stringEnd(text, start);
        if (end !== -1) {
          if (this.fieldHoldsFrom(text, start, end, facts) === end) {
            field.lastIndex = end + 1;
            continue;
          }
        }
        field.lastIndex = from;
        return this.firstHoldingMatch(text, limit, field, facts);
      }
      return -1;
    }
    return this.firstHoldingMatch(text, limit, field, facts);
  }

  /**
   * Redactor.holdTextFrom for a field's string `[start, end)`, with what `facts` says of the text
   * (brought up to `start`); for any field that may be a tool's input, also the end of the string
   * its JSON closes with (closedStringHold: its run keeps it as its tail).
   */
  private fieldHoldsFrom(text: string, start: number, end: number, facts: TextFacts): number {
    if (facts.backslash !== -1 && facts.backslash < start) facts.backslash = text.indexOf('\\', start);
    if (facts.lf !== -1 && facts.lf < start) facts.lf = text.indexOf('\n', start);
    const hold = this.redactor.holdTextFrom(text, start, end, facts.backslash, facts.cr || (facts.lf !== -1 && facts.lf < end));
    return hold === end ? closedStringHold(this.redactor, text, start, end, true) : hold;
  }

  /** Whether a slot's string may begin a credential at its end (its run's TextRunMasker would hold it). */
  private slotHolds(event: string, slot: Slot): boolean {
    const hold = this.redactor.holdTextFrom(event, slot.start, slot.end);
    if (hold < slot.end) return true;
    const json = jsonTextOf(slot.run);
    return json !== undefined && closedStringHold(this.redactor, event, slot.start, slot.end, json.escaped) < slot.end;
  }

  /** firstHoldingField from the pattern's lastIndex on, match by match (carries need the key matched). */
  private firstHoldingMatch(text: string, limit: number, field: RegExp, facts: TextFacts): number {
    const carries = this.carries.size > 0;
    for (let found = field.exec(text); found && found.index < limit; found = field.exec(text)) {
      if (carries && this.mayTakeCarry(found[0])) return found.index;
      const start = found.index + found[0].length;
      const end = stringEnd(text, start);
      if (end === -1) return found.index;
      if (this.fieldHoldsFrom(text, start, end, facts) < end) return found.index;
      field.lastIndex = end + 1;
    }
    return -1;
  }

  private onEvent(event: string, out: string[]): void {
    // A Responses answer's last event carries every output item, whose texts the SDK joins
    // (output_text); an event may carry several blocks, items or parts of one answer too (a Responses
    // `output_item.done` message with two output_text parts, an Anthropic `message_start` with
    // content): masked as the client joins them.
    if (hasMatch(event, FINAL_RESPONSE, FINAL_RESPONSE_ESCAPED) || mayJoinTexts(event)) event = finalMasked(event, this.redactor);
    let slots = this.slotsOf(event);
    if (typeof slots === 'string') {
      // Its raw fields are not what a client parses (a repeated key): it goes out re-encoded, as read.
      event = slots;
      const again = this.slotsOf(event);
      slots = typeof again === 'string' ? undefined : again;
    }
    if (slots?.some((slot) => slot.run.startsWith(DONE))) {
      // A `.done` event ends the runs before it (ENDS_RUNS), and repeats their texts.
      this.flush(out);
      out.push(this.doneRewritten(event, slots));
      return;
    }
    if (slots === undefined) {
      // An event the client does not end a run with (a keep-alive, an unknown one) must not end it here.
      if (this.held.length > 0 && waitsBehind(event)) this.held.push({text: event, slots: []});
      else {
        this.flush(out);
        out.push(event);
      }
      return;
    }
    // A new Anthropic block ends the runs before it but its own (consecutive text blocks are one run):
    // the answer's text must not wait for a thinking run that will not go on.
    if (this.held.length > 0 && hasMatch(event, BLOCK_START, BLOCK_START_ESCAPED)) this.endRunsBut(new Set(slots.map((slot) => slot.run)), out);
    if (this.held.length === 0 && !this.carryFor(slots) && !slots.some((slot) => this.slotHolds(event, slot))) {
      out.push(event);
      return;
    }
    const held: HeldEvent = {text: event, slots};
    this.held.push(held);
    for (const slot of slots) {
      let run = this.runs.get(slot.run);
      if (!run) {
        this.runs.set(slot.run, (run = new TextRunMasker(this.redactor, true, jsonTextOf(slot.run))));
        this.runFields.set(slot.run, slot.field);
        const tail = this.tailBefore(slot.run);
        if (tail) {
          run.continueAfter(tail);
          if (slot.run.startsWith('responses:') && !this.runStarts.has(slot.run)) {
            if (this.runStarts.size >= MAX_RUN_STARTS) this.runStarts.delete(this.runStarts.keys().next().value!);
            this.runStarts.set(slot.run, tail);
          }
        }
      }
      this.settle(slot.run, run.push(event.slice(slot.start, slot.end)));
    }
    this.release(out);
  }

  /**
   * An event's run fields, in order; undefined for an event with none (another kind of event). The
   * raw fields found by FIELD are matched to the parsed ones (same keys, same order); when they do
   * not match and some parsed one is a run's, the event re-encoded (see parsedRuns). An event
   * whose text around its fields is the last parsed one's (the next delta of a run, up to its
   * sequence number) has the same runs: it is not parsed again.
   */
  private slotsOf(event: string): Slot[] | string | undefined {
    const found: Array<{key: string; start: number; end: number}> = [];
    let frame = '';
    const field = fieldPattern(event);
    for (let match = field.exec(event); match; match = field.exec(event)) {
      if (!onDataLine(event, match.index)) {
        field.lastIndex = match.index + 1;
        continue;
      }
      const start = match.index + match[0].length;
      const end = stringEnd(event, start);
      if (end === -1) return undefined;
      found.push({key: keyOf(match[0]), start, end});
      frame += event.slice(found.length > 1 ? found[found.length - 2]!.end : 0, start);
      field.lastIndex = end + 1;
    }
    if (found.length === 0) return undefined;
    frame = (frame + event.slice(found[found.length - 1]!.end)).replace(VOLATILE, '');
    let runs = frame === this.lastFrame ? this.lastRuns : undefined;
    if (!runs) {
      const parsed = parsedRuns(event, found);
      if (typeof parsed === 'string') return parsed;
      runs = parsed;
      this.lastFrame = frame;
      this.lastRuns = runs;
    }
    if (!runs) return undefined;
    const slots: Slot[] = [];
    for (let i = 0; i < found.length; i++) if (runs[i] !== undefined) slots.push({start: found[i]!.start, end: found[i]!.end, run: runs[i]!, field: found[i]!.key});
    return slots.length > 0 ? slots : undefined;
  }

  /**
   * A `.done` event with the texts it repeats masked as their runs were: a run that went on from an
   * earlier part's tail (runStarts) repeats that part of the token, which the client joins to the
   * tail as it joined the deltas (a client that reads `.done` texts, not deltas).
   */
  private doneRewritten(event: string, slots: Slot[]): string {
    for (const slot of slots) {
      const text = event.slice(slot.start, slot.end);
      const start = slot.run.startsWith(DONE) ? this.runStarts.get(slot.run.slice(DONE.length)) : undefined;
      if (!start) {
        slot.output = text;
        continue;
      }
      const run = new TextRunMasker(this.redactor, true, jsonTextOf(slot.run));
      run.continueAfter(start);
      slot.output = [...run.push(text), ...run.end()].join('');
    }
    return rewritten({text: event, slots});
  }

  /** Whether a field (its FIELD match) may be of a run some carry goes to: see `carries`. */
  private mayTakeCarry(match: string): boolean {
    for (const carry of this.carries.values()) if (carry.given.size === 0 || match.startsWith(carry.field, 1) || match.includes('\\')) return true;
    return false;
  }

  /** Whether some slot's run may be given a carry. */
  private carryFor(slots: readonly Slot[]): boolean {
    return this.carries.size > 0 && slots.some((slot) => this.carries.mayTake(kindOf(slot.run)));
  }

  /**
   * The text a new run `key` may go on from, as the client reads the stream: the tail another open
   * run holds (a Chat text run while a tool call's arguments start) unless its own kind left a
   * tail, else a carry (RunCarries.take).
   */
  private tailBefore(key: string): TailBefore | undefined {
    const kind = kindOf(key);
    let open: TailBefore | undefined;
    for (const [other, run] of this.runs) if (other !== key) open = run.heldTail ?? open;
    if (open && !this.carries.has(kind)) return open;
    return this.carries.size > 0 ? this.carries.take(kind) : undefined;
  }

  /** A run ended: what it let out that might begin an echo becomes its kind's carry. */
  private ended(key: string, run: TextRunMasker): string[] {
    const outputs = run.end();
    const tail = run.tail;
    if (tail) this.carries.ended(kindOf(key), {...tail, field: this.runFields.get(key) ?? ''});
    return outputs;
  }

  /** Gives a run's settled outputs to its oldest held slots without one. */
  private settle(runKey: string, outputs: string[]): void {
    let next = 0;
    for (const held of this.held) {
      for (const slot of held.slots) {
        if (next === outputs.length) return;
        if (slot.run === runKey && slot.output === undefined) slot.output = outputs[next++];
      }
    }
  }

  /** Sends the held events, oldest first, up to the first with a slot not settled yet. */
  private release(out: string[]): void {
    let count = 0;
    for (const held of this.held) {
      if (held.slots.some((slot) => slot.output === undefined)) break;
      out.push(rewritten(held));
      count++;
    }
    this.held.splice(0, count);
    for (const [key, run] of this.runs) {
      if (run.holding) continue;
      // A tool input that did not go on with the tail it took passes it on (TextRunMasker.passesOn).
      if (run.passesOn) this.ended(key, run);
      this.runs.delete(key);
    }
  }

  /** Every run but those in `keep` ends: what each holds, masked, and the held events settled by it out. */
  private endRunsBut(keep: ReadonlySet<string>, out: string[]): void {
    for (const [key, run] of this.runs) {
      if (keep.has(key)) continue;
      this.settle(key, this.ended(key, run));
      this.runs.delete(key);
    }
    this.release(out);
  }

  /** Every run ends: what each holds, masked, and every held event out. */
  private flush(out: string[]): void {
    if (this.held.length === 0) return;
    for (const [key, run] of this.runs) this.settle(key, this.ended(key, run));
    this.runs.clear();
    this.release(out);
  }

  /** An event too long to hold: everything so far out, then its bytes as they come up to its end. */
  private giveUp(): Buffer {
    const event = this.partial;
    this.partial = '';
    const flushed: string[] = [];
    this.flush(flushed);
    const out = this.sent(flushed, 'long event');
    this.passing = event.slice(-3);
    // Its data is one JSON document (a Responses final event with a long answer, whose texts the SDK
    // joins): its joined strings are masked as it streams, in bounded memory (json-run-mask.ts).
    const data = DATA_FIELD.exec(event);
    if (!data) return Buffer.concat([out, Buffer.from(event, 'latin1')]);
    const at = data.index + data[0].length;
    const rest = Buffer.from(event.slice(at), 'latin1');
    const continued = this.continuedIn(DataLines.joined(rest));
    // A `.done` event's text repeats its run: what it ends in is no new run's tail.
    this.passingRun = continued && !continued.done ? {kind: continued.kind, field: continued.field} : undefined;
    this.passingJson = new JsonRunMasker(this.redactor, continued, true, this.logprobs.handOver());
    this.passingData = new DataLines(this.passingJson);
    return Buffer.concat([out, Buffer.from(event.slice(0, at), 'latin1'), this.passingData.push(rest)]);
  }

  /**
   * The first run field of an event too long to hold (its data in its first MAX_EVENT_BYTES, as DataLines joins it):
   * its quote, run kind and key, and the tail it goes on from: what the runs the flush before it
   * ended let out (a token cut between a held delta and this one); undefined when it has none. A
   * `.done` event's text (`done`) goes on from the tail its run went on from (runStarts), as
   * doneRewritten masks a shorter one. Its run is read from the JSON before the field, closed
   * (runOf needs the keys around it, not its text).
   */
  private continuedIn(data: string): {quote: number; tail?: TailBefore; kind: string; field: string; done?: boolean} | undefined {
    const field = fieldPattern(data);
    const match = field.exec(data);
    if (!match) return undefined;
    const start = match.index + match[0].length;
    const closed = closedJson(data.slice(0, start));
    if (closed === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(closed, 'latin1').toString('utf8'));
    } catch {
      return undefined;
    }
    const last = runFields(json).at(-1);
    if (last?.run === undefined) return undefined;
    if (last.run.startsWith(DONE)) {
      const runStart = this.runStarts.get(last.run.slice(DONE.length));
      return runStart && {quote: start - 1, tail: runStart, kind: kindOf(last.run), field: last.key, done: true};
    }
    const kind = kindOf(last.run);
    return {quote: start - 1, tail: this.carries.size > 0 ? this.carries.take(kind) : undefined, kind, field: last.key};
  }

  /** A chunk inside an event too long to hold: up to the event's end as it came, the rest masked again. */
  private passUntilEventEnd(chunk: Buffer): Buffer {
    const before = this.passing!;
    const text = before + chunk.toString('latin1');
    const end = firstEventEnd(text);
    const data = this.passingData;
    const json = this.passingJson;
    if (end === -1) {
      this.passing = text.slice(-3);
      return data ? data.push(chunk) : chunk;
    }
    this.passing = undefined;
    this.passingData = undefined;
    this.passingJson = undefined;
    // A blank line needs a character of the chunk (one wholly in `before` was found with it).
    const cut = Math.max(0, end - before.length);
    const rest = data ? Buffer.concat([data.push(chunk.subarray(0, cut)), data.end()]) : chunk.subarray(0, cut);
    // Its run field's text may end in a credential's start the next events go on with; so may its log probabilities.
    const dropped = json?.logprobsHandOver;
    if (dropped) this.logprobs.takeOver(dropped);
    const tail = json?.continuedTail;
    if (tail && this.passingRun) this.carries.ended(this.passingRun.kind, {...tail, field: this.passingRun.field});
    this.passingRun = undefined;
    return Buffer.concat([rest, this.push(chunk.subarray(cut))]);
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Runs whose text is a tool's JSON input (runOf's keys, a `.done` one's too): Anthropic `partial_json`,
 * a Chat tool call's or `function_call`'s arguments, Responses' `*_arguments.delta` (function and MCP calls).
 */
const JSON_TEXT_RUN = /:partial_json$|:tool:[^:]*$|:function_call$|_arguments\.delta:/;
/** Escaped once: a run's pieces are its fields' raw text, inside a JSON string. */
const ESCAPED_JSON: JsonText = Object.freeze({escaped: true});

/** What the run `key`'s pieces are (TextRunMasker.continueAfter): a tool's JSON input, escaped once, or plain text (undefined). */
const jsonTextOf = (key: string) => (JSON_TEXT_RUN.test(key) ? ESCAPED_JSON : undefined);

/**
 * JSON text cut right after a string's opening quote, completed: that string (empty) and every
 * container open there closed; undefined when the text is cut elsewhere.
 */
function closedJson(text: string): string | undefined {
  const closers: string[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b) closers.push('}');
    else if (code === 0x5b) closers.push(']');
    else if (code === 0x7d || code === 0x5d) closers.pop();
  }
  return inString ? `${text}"${closers.reverse().join('')}` : undefined;
}

/** An event's first `data:` field name (and its one optional space), at a line's start. */
const DATA_FIELD = /(?:^|[\r\n])data: ?/;

/**
 * The event's text with each slot's output in place of its string (the same text when all are
 * unchanged), and without the log probabilities of the text changed (withoutLogprobs).
 */
function rewritten(held: HeldEvent): string {
  const {text, slots} = held;
  if (slots.every((slot) => slot.output === text.slice(slot.start, slot.end))) return text;
  let out = '';
  let at = 0;
  const changed = new Set<string>();
  for (const slot of slots) {
    out += text.slice(at, slot.start) + slot.output!;
    if (slot.output !== text.slice(slot.start, slot.end)) changed.add(slot.run);
    at = slot.end;
  }
  out += text.slice(at);
  // A key may be `\u`-escaped (see FIELD_ESCAPED): then parsed to be sure.
  return out.includes('logprobs') || out.includes('\\u') ? withoutLogprobs(out, changed) : out;
}

/**
 * The event with the log probabilities of the runs it masked (`changed`) emptied. A Chat choice's
 * `logprobs.content` and `.refusal`, and a Responses text delta's `logprobs`, list the tokens of the
 * text as the upstream sent it, each with its `token` and `bytes`: the client's SDK joins them, and
 * they would spell the echo the text no longer shows. They are emptied (`[]`, which every client
 * takes and joins as nothing) rather than rewritten: the masked form is no text the model made, and
 * tokens and probabilities for it would be invented. Only the events whose text changed lose them.
 */
function withoutLogprobs(event: string, changed: ReadonlySet<string>): string {
  return withDataChanged(event, (parsed) => emptyChangedLogprobs(parsed as LogprobsHolder, changed));
}

type LogprobsHolder = {type?: unknown; logprobs?: unknown; choices?: unknown; candidates?: unknown; response?: {candidates?: unknown}} | null;

/** withoutLogprobs on an event's parsed data, in place; whether it emptied a list. */
function emptyChangedLogprobs(json: LogprobsHolder, changed: ReadonlySet<string>): boolean {
  if (typeof json !== 'object' || json === null) return false;
  let emptied = false;
  const empty = (holder: Record<string, unknown>, key: string) => {
    if (Array.isArray(holder[key]) && (holder[key] as unknown[]).length > 0) {
      holder[key] = [];
      emptied = true;
    }
  };
  if (Array.isArray(json.choices)) {
    json.choices.forEach((choice: {index?: unknown; logprobs?: unknown} | null, i) => {
      const logprobs = choice?.logprobs;
      if (typeof logprobs !== 'object' || logprobs === null) return;
      const prefix = `chat:${String(choice!.index ?? i)}:`;
      if (![...changed].some((run) => run.startsWith(prefix))) return;
      empty(logprobs as Record<string, unknown>, 'content');
      empty(logprobs as Record<string, unknown>, 'refusal');
    });
  } else if (typeof json.type === 'string' && json.type.startsWith('response.') && json.type.endsWith('.delta') && changed.size > 0) empty(json as Record<string, unknown>, 'logprobs');
  else {
    // Gemini (maybe in Cloud Code's `response`): a candidate's `logprobsResult` lists its text's tokens (see runOf's keys).
    const candidates = json.candidates ?? json.response?.candidates;
    if (Array.isArray(candidates)) {
      candidates.forEach((candidate: {index?: unknown; logprobsResult?: unknown} | null, i) => {
        const result = candidate?.logprobsResult;
        if (typeof result !== 'object' || result === null) return;
        const prefix = `gemini:${String(candidate!.index ?? i)}:`;
        if (![...changed].some((run) => run.startsWith(prefix))) return;
        empty(result as Record<string, unknown>, 'chosenCandidates');
        empty(result as Record<string, unknown>, 'topCandidates');
      });
    }
  }
  return emptied;
}

/** The event with its data (parsed JSON) changed in place by `change`, re-encoded only when it says it changed something; as it is when its data is no JSON. */
function withDataChanged(event: string, change: (json: unknown) => boolean): string {
  const data = dataOf(event);
  const parsed = data === undefined ? undefined : parsedData(data);
  if (!parsed) return event;
  return change(parsed.json) ? withJson(event, parsed.json) : event;
}

/** An event's data (latin1, as dataOf gives it) parsed as the UTF-8 JSON it is; undefined when it is no JSON. */
function parsedData(data: string): {json: unknown} | undefined {
  try {
    return {json: JSON.parse(Buffer.from(data, 'latin1').toString('utf8'))};
  } catch {
    return undefined;
  }
}

/** The event with its data replaced by `json` re-encoded (JSON.stringify, as latin1 bytes). */
function withJson(event: string, json: unknown): string {
  return withData(event, Buffer.from(JSON.stringify(json), 'utf8').toString('latin1'));
}

/**
 * An SSE blank line, the end of an event: a line end (CRLF, LF or a lone CR, as the SDKs read them)
 * followed by another. A CR at the text's end may be half of a CRLF: it ends a line only once the
 * next character is known, and then ends the event either way.
 */
const BLANK_LINE = /(?:\r\n|\r(?!\n|$)|\n)(?:\r\n|\r|\n)/g;

/** Where the first complete event of `text` ends (after its blank line); -1 when none has. */
function firstEventEnd(text: string): number {
  if (!text.includes('\r')) {
    const lf = text.indexOf('\n\n');
    return lf === -1 ? -1 : lf + 2;
  }
  BLANK_LINE.lastIndex = 0;
  return BLANK_LINE.exec(text) ? BLANK_LINE.lastIndex : -1;
}

/** Where the last complete event of `text` ends (after its blank line); -1 when none has. */
function lastEventEnd(text: string): number {
  // Without a CR (most streams) every event ends in `\n\n`: found from the end, without an expression.
  if (!text.includes('\r')) {
    const lf = text.lastIndexOf('\n\n');
    return lf === -1 ? -1 : lf + 2;
  }
  let end = -1;
  BLANK_LINE.lastIndex = 0;
  for (let found = BLANK_LINE.exec(text); found; found = BLANK_LINE.exec(text)) end = BLANK_LINE.lastIndex;
  return end;
}

/**
 * Where the event starting at `start` ends (after its blank line); the text's length when it runs
 * on. `cr`: whether the text has a `\r` at all (else only `\n\n` ends an event).
 */
function eventEnd(text: string, start: number, cr: boolean): number {
  if (!cr) {
    const lf = text.indexOf('\n\n', start);
    return lf === -1 ? text.length : lf + 2;
  }
  BLANK_LINE.lastIndex = start;
  return BLANK_LINE.exec(text) ? BLANK_LINE.lastIndex : text.length;
}

/** The end of the JSON string whose text starts at `start` (the index of its closing quote); -1 when the text ends first. */
function stringEnd(text: string, start: number): number {
  for (let quote = text.indexOf('"', start); quote !== -1; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (quote - backslashes > start && text.charCodeAt(quote - backslashes - 1) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return -1;
}

/** Whether the line starting at `at` is a `data` field (`data:…`, or a bare `data`, an empty one). */
function isDataLine(text: string, at: number): boolean {
  if (!text.startsWith('data', at)) return false;
  const next = text.charCodeAt(at + 4);
  return next === 0x3a || next === 0x0a || next === 0x0d || Number.isNaN(next);
}

/**
 * Whether some event of `text[0, end)` has more than one data line: the client joins them with `\n`
 * (the SSE spec), and JSON broken between them (`"content":` on one line, its string on the next)
 * hides a field from a search line by line. Rare: found with forward native searches only (each
 * data line, and the first blank line after the data line before it: none between them, one
 * event), never a backward one (issue 14: `lastIndexOf` is no fast builtin in V8, and one per
 * event was a tenth of a streamed answer's masking).
 */
function hasSplitData(text: string, end: number): boolean {
  if (text.includes('\r')) return SPLIT_DATA.test(text.slice(0, end));
  /** The start of the last data line seen (-1: none yet); every other one follows a `\n`. */
  let previous = isDataLine(text, 0) ? 0 : -1;
  /** The first blank line (`\n\n`) at or after `previous` (the text's length: none). */
  let blank = -1;
  for (let at = text.indexOf('\ndata'); at !== -1 && at < end; at = text.indexOf('\ndata', at + 5)) {
    const line = at + 1;
    if (!isDataLine(text, line)) continue;
    if (previous !== -1) {
      if (blank < previous) {
        blank = text.indexOf('\n\n', previous);
        if (blank === -1) blank = text.length;
      }
      // No blank line ends the event between the two data lines (`\n\n` at `at - 1` is one).
      if (blank >= at) return true;
    }
    previous = line;
  }
  return false;
}

/** A data line, then more lines of its event (no blank line), then another data line (hasSplitData, for text with a CR). */
const SPLIT_DATA = /^data(?::|$)[^\r\n]*(?:\r\n|\r|\n)(?:[^\r\n]+(?:\r\n|\r|\n))*?data(?::|$)/m;

/**
 * Complete events with each event's data lines replaced by one, where the first was: its data
 * (the lines joined with `\n`) re-encoded by JSON.stringify, which the client parses alike. An
 * event whose data is no JSON stays as it came (no client reads fields from it).
 */
function withDataJoined(text: string): string {
  const cr = text.includes('\r');
  let out = '';
  for (let start = 0; start < text.length; ) {
    const end = eventEnd(text, start, cr);
    const event = text.slice(start, end);
    const lines = event.split(/(?<=\r\n|\r(?!\n)|\n)/);
    const data = lines.filter((line) => isDataLine(line, 0));
    const parsed = data.length > 1 ? parsedData(dataOf(event)!) : undefined;
    if (parsed) {
      const json = Buffer.from(JSON.stringify(parsed.json), 'utf8').toString('latin1');
      const first = lines.findIndex((line) => isDataLine(line, 0));
      const lineEnd = /(?:\r\n|\r|\n)$/.exec(lines[first]!)?.[0] ?? '\n';
      out += lines.map((line, i) => (i === first ? `data: ${json}${lineEnd}` : isDataLine(line, 0) ? '' : line)).join('');
    } else out += event;
    start = end;
  }
  return out;
}

/** The event's `data:` lines joined (SSE), or undefined when it has none. */
function dataOf(event: string): string | undefined {
  let data: string | undefined;
  for (const line of event.split(/\r\n|\r|\n/)) {
    if (!isDataLine(line, 0)) continue;
    const value = line.startsWith('data: ') ? line.slice(6) : line.slice(5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data;
}

/**
 * Whether an event without run fields waits behind held deltas instead of ending their runs: the
 * client goes on joining the next delta to the run after any event but one that ends a block, an
 * item, a choice or the turn, or an error (an unknown type, an empty Chat delta, a `ping`, a
 * comment, an Anthropic `content_block_stop`, whose next block may go on with the text run, all
 * wait). Parsed only while something is held.
 */
function waitsBehind(event: string): boolean {
  const data = dataOf(event);
  if (data === undefined) return true;
  if (data.trim() === '[DONE]') return false;
  const json = parsedData(data)?.json;
  if (typeof json !== 'object' || json === null || 'error' in json) return false;
  const {type, choices, response} = json as {type?: unknown; choices?: unknown; response?: {candidates?: unknown}};
  if (typeof type === 'string') return !ENDS_RUNS.test(type);
  // OpenAI Chat: a finish reason ends its choice. Gemini (maybe in Cloud Code's wrapper): a finishReason.
  if (Array.isArray(choices)) return !choices.some((choice) => (choice as {finish_reason?: unknown} | null)?.finish_reason != null);
  const candidates = (json as {candidates?: unknown}).candidates ?? response?.candidates;
  return !(Array.isArray(candidates) && candidates.some((candidate) => (candidate as {finishReason?: unknown} | null)?.finishReason != null));
}

/** The start of the run key of a `.done` event's text (runOf): not a run, the whole text of the run after it. */
const DONE = 'done:';
/** Run starts kept (SseRunMasker.runStarts), at most. */
const MAX_RUN_STARTS = 256;

/** A Responses event with the whole answer (`response.completed`, …; its type outside strings). */
const FINAL_TYPES = ['completed', 'incomplete', 'failed', 'done'];
const FINAL_RESPONSE = new RegExp(`"type"\\s*:\\s*"response\\.(?:${FINAL_TYPES.join('|')})"`);
/** FINAL_RESPONSE with any letter of the key or the type a `\u` escape (`"response.\u0063ompleted"`), which the SDKs decode. */
const FINAL_RESPONSE_ESCAPED = new RegExp(`"${escapable('type')}"\\s*:\\s*"${escapable('response.')}(?:${FINAL_TYPES.map(escapable).join('|')})"`);

/** The event with the joined texts of its data masked (core/joined-text-mask.ts), re-encoded only when some was. */
function finalMasked(event: string, redactor: Redactor): string {
  const data = dataOf(event);
  if (data === undefined) return event;
  const masked = maskJoinedJson(Buffer.from(data, 'latin1').toString('utf8'), redactor);
  return masked === undefined ? event : withData(event, Buffer.from(masked, 'utf8').toString('latin1'));
}

/** An Anthropic `content_block_start` (its type outside strings: a string's quotes are escaped). */
const BLOCK_START = /"type"\s*:\s*"content_block_start"/;
const BLOCK_START_ESCAPED = new RegExp(`"${escapable('type')}"\\s*:\\s*"${escapable('content_block_start')}"`);

/** Event types that end the runs before them: the turn's end, a new block or item, a part's or item's `.done`, an error. */
const ENDS_RUNS = /^(?:message_delta|message_stop|content_block_start|error|response\.(?:completed|failed|incomplete|output_item\.added|content_part\.added|reasoning_summary_part\.added)|.*\.done)$/;

/**
 * Values that change from one delta of a run to the next without changing its run: a Responses
 * event's `sequence_number`, OpenAI's `obfuscation` padding. Dropped from the text compared with
 * the last parsed event's.
 */
const VOLATILE = /"(?:sequence_number|obfuscation)"\s*:\s*(?:\d+|"[^"\\]*")/g;

/**
 * The run of each raw field of an event (in order), from its parsed JSON; undefined when its data
 * is no JSON. When the raw fields are not the parsed ones (a repeated key, of which JSON.parse keeps
 * the last) and some parsed field is a run's, the event with its data re-encoded by JSON.stringify,
 * whose fields are what the client reads.
 */
function parsedRuns(event: string, found: ReadonlyArray<{key: string}>): Array<string | undefined> | string | undefined {
  const data = dataOf(event);
  const parsed = data === undefined ? undefined : parsedData(data);
  if (!parsed) return undefined;
  const fields = runFields(parsed.json);
  if (fields.length === found.length && fields.every((field, i) => field.key === found[i]!.key)) return fields.map((field) => field.run);
  return fields.some((field) => field.run !== undefined) ? withJson(event, parsed.json) : undefined;
}

/** The event with its `data:` lines replaced by one line of `data` (latin1), where the first was. */
function withData(event: string, data: string): string {
  let first = true;
  return event.replace(/^data:.*(\r\n|\r|\n)?/gm, (_line, end: string | undefined) => {
    if (!first) return '';
    first = false;
    return `data: ${data}${end ?? ''}`;
  });
}

type Path = ReadonlyArray<string | number>;

/** Every string at a FIELD key in the event, in document order, with its run when it is a delta a client joins. */
function runFields(json: unknown): Array<{key: string; run?: string}> {
  const out: Array<{key: string; run?: string}> = [];
  const walk = (value: unknown, path: Array<string | number>) => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (typeof item === 'string' && FIELD_KEYS.has(key)) out.push({key, run: runOf(json, [...path, key])});
        else if (typeof item === 'object') walk(item, [...path, key]);
      }
    }
  };
  walk(json, []);
  return out;
}

/**
 * A run's kind: its key without its indices (`anthropic:text`, `anthropic:#:partial_json`,
 * `chat:#:tool:#`, `responses:response.output_text.delta:#:#:undefined`): text after a tool call
 * is of the text's kind, whatever block, item or choice it is in.
 */
const kindOf = (run: string) => run.replace(/\d+/g, '#');

/** The run a string at `path` of an event belongs to, by protocol; undefined when clients do not join it. */
function runOf(event: unknown, path: Path): string | undefined {
  const root = event as Record<string, unknown>;
  const at = (p: Path) => p.reduce<unknown>((value, key) => (value as Record<string | number, unknown> | undefined)?.[key], root);
  const [a, b, c, d, e] = path;
  // Anthropic Messages: content_block_delta {index, delta: {type, text | thinking | partial_json}}.
  // Text and thinking are one run each across blocks: the SDK's `text` and `thinking` events join
  // every delta as it comes, whatever its index (the message joins them per block; consecutive
  // blocks' runs hold across their stop and start, see waitsBehind). A tool's input is its own.
  const anthropicRun = (key: unknown) => (key === 'partial_json' ? `anthropic:${String(root.index)}:${key}` : `anthropic:${String(key)}`);
  if (root.type === 'content_block_delta') return a === 'delta' && path.length === 2 && c === undefined ? anthropicRun(b) : undefined;
  // A block's start may carry its first text or thinking: the SDK's message joins the deltas to it.
  if (root.type === 'content_block_start') return a === 'content_block' && path.length === 2 && (b === 'text' || b === 'thinking') ? anthropicRun(b) : undefined;
  // OpenAI Responses: response.<kind>.delta {output_index, content_index, summary_index, delta}, keyed
  // as the SDK joins them (by index, whatever item_id says), after the text a part or item may start with.
  if (typeof root.type === 'string' && root.type.startsWith('response.')) {
    // A `.done` event repeats a run's whole text (or an item's or part's that started one): DONE and
    // that run's key, masked as the run went on (SseRunMasker.doneRewritten).
    const done = root.type.endsWith('.done');
    const prefix = done ? DONE : '';
    const run = (kind: string, content: unknown, summary: unknown) => `${prefix}responses:${kind}:${String(root.output_index)}:${String(content)}:${String(summary)}`;
    if (root.type.endsWith('.delta')) return path.length === 1 && a === 'delta' ? run(root.type, root.content_index, root.summary_index) : undefined;
    if (done && path.length === 1 && (a === 'text' || a === 'refusal' || a === 'arguments')) return run(`${root.type.slice(0, -'.done'.length)}.delta`, root.content_index, root.summary_index);
    const type = done ? `${root.type.slice(0, -'.done'.length)}.added` : root.type;
    const kind = (at(path.slice(0, -1)) as {type?: unknown}).type;
    if (type === 'response.content_part.added' && a === 'part' && path.length === 2) {
      if (b === 'text' && (kind === 'output_text' || kind === 'reasoning_text')) return run(`response.${kind}.delta`, root.content_index, undefined);
      if (b === 'refusal' && kind === 'refusal') return run('response.refusal.delta', root.content_index, undefined);
    }
    if (type === 'response.reasoning_summary_part.added' && a === 'part' && b === 'text' && path.length === 2) return run('response.reasoning_summary_text.delta', undefined, root.summary_index);
    if (type === 'response.output_item.added' && a === 'item') {
      if (b === 'arguments' && path.length === 2 && kind === 'function_call') return run('response.function_call_arguments.delta', undefined, undefined);
      if (b === 'content' && d === 'text' && path.length === 4 && kind === 'output_text') return run('response.output_text.delta', c, undefined);
    }
    return undefined;
  }
  // OpenAI Chat Completions: choices[i].delta.<a CHAT_DELTA_RUNS path>, per choice `index`.
  if (a === 'choices' && c === 'delta') {
    const field = CHAT_DELTA_RUNS.find(({path: fieldPath}) => fieldPath.length === path.length - 3 && fieldPath.every((key, i) => (key === '#' ? typeof path[i + 3] === 'number' : key === path[i + 3])));
    if (!field) return undefined;
    const choice = `chat:${String((at([a, b!]) as {index?: unknown}).index ?? b)}`;
    return field.run === 'tool' ? `${choice}:tool:${String((at([a, b!, c, d!, e!]) as {index?: unknown}).index ?? e)}` : `${choice}:${field.run}`;
  }
  // Gemini: candidates[i].content.parts[j].text, also under Cloud Code's `response`.
  const gemini = a === 'response' ? path.slice(1) : path;
  if (gemini[0] === 'candidates' && gemini[2] === 'content' && gemini[3] === 'parts' && gemini[5] === 'text' && gemini.length === 6) {
    const base = a === 'response' ? ['response'] : [];
    const candidate = at([...base, 'candidates', gemini[1]!]) as {index?: unknown};
    const part = at([...base, ...gemini.slice(0, 5)]) as {thought?: unknown};
    return `gemini:${String(candidate.index ?? gemini[1])}:${part.thought === true ? 'thought' : 'text'}`;
  }
  return undefined;
}
