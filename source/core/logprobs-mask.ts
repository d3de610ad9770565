// Log probabilities spell the text the upstream made, token by token: OpenAI Chat's
// `logprobs.content[]` and `.refusal[]`, Responses' `logprobs[]` (each `{token, bytes, logprob,
// top_logprobs}`, `bytes` the token's UTF-8 as numbers), Gemini's `logprobsResult`
// (`chosenCandidates[].token`, `topCandidates[].candidates[]`). A client reads them joined (the
// OpenAI SDK appends each chunk's lists) or entry by entry, and decodes the bytes. Byte and text
// maskers see numbers and single tokens there, so the entries that spell a credential are dropped
// here (in a stream, from the list that completes one and the held lists that began it; a list
// left with none is `[]`, which every client takes), chosen tokens and alternatives of one rank
// alike: the masked form is no text the model made, and tokens or probabilities for it would be
// invented. Every other entry reaches the client. Pure.
import type {RedactOptions, Redactor} from './redact.js';

/** Keys whose value holds log probabilities: OpenAI's (an object of lists, or a list) and Gemini's. */
export const LOGPROB_KEYS: ReadonlySet<string> = new Set(['logprobs', 'logprobsResult']);
/** An entry's alternatives: OpenAI's `top_logprobs`, Gemini's `candidates` (in `topCandidates`). */
const ALTERNATIVES = ['top_logprobs', 'candidates'];
/** Fields that tell one list's stream from another's (a Chat choice's `index`, a Responses part's). */
const PLACE_FIELDS = ['index', 'output_index', 'content_index'];

/** One letter of a key, as itself or a JSON `\u00XX` escape (either hex case), as a regex source. */
const escapable = (char: string) => `(?:${char}|\\\\u00${char.charCodeAt(0).toString(16).replace(/[a-f]/g, (h) => `[${h}${h.toUpperCase()}]`)})`;
/** A logprobs key at a list or object (not `null`): in raw JSON, and with escaped letters (JSON.parse reads both alike). */
const LOGPROBS_AT_VALUE = /"logprobs(?:Result)?"\s*:\s*[[{]/;
const LOGPROBS_ESCAPED_AT_VALUE = new RegExp(`"${[...'logprobs'].map(escapable).join('')}(?:${[...'Result'].map(escapable).join('')})?"\\s*:\\s*[[{]`);

/**
 * Whether JSON text (or an SSE event's latin1 text) may hold log probabilities that are not null
 * (false: certainly not). For the hot path: most answers carry none, or `"logprobs":null`.
 */
export function mayHoldLogprobs(text: string): boolean {
  return LOGPROBS_AT_VALUE.test(text) || (text.includes('\\u00') && LOGPROBS_ESCAPED_AT_VALUE.test(text));
}

type Entry = Record<string, unknown>;

/** An entry's `token` (undefined when it has none). */
const tokenOf = (entry: Entry) => (typeof entry.token === 'string' ? entry.token : undefined);
/** An entry's `bytes` as a client reads them (a Uint8Array takes each number modulo 256). */
const bytesOf = (entry: Entry) => (Array.isArray(entry.bytes) ? Buffer.from(entry.bytes.filter((b): b is number => typeof b === 'number')) : undefined);

/** Text a client joins from a list's entries: their tokens, and their bytes (as Buffer). */
interface Spelled {
  tokens: string;
  bytes: Buffer;
}

/** What the client has joined at one place (a stream's list): the entries' text, and each rank of their alternatives' (`ranks[r]`). */
interface Joined extends Spelled {
  ranks: Spelled[];
}

/** A list that completed a credential (LogprobsMasker.completed): the list (emptied), the entries it had, its lane. */
interface Completion {
  list: unknown[];
  entries: unknown[];
  lane: string | undefined;
}

/**
 * Drops the log probabilities that spell a credential. One masker per answer: in a stream it
 * keeps, per list (the place PLACE_FIELDS name), the tail of what the client has joined so far
 * (tokens, and bytes, and the alternatives of each rank), so a credential spelled across events is
 * found in the event that completes it; the lists before it spell only a part. Alone, each entry's
 * alternatives, and the alternatives of one rank across a list's entries, are looked at too.
 */
export class LogprobsMasker {
  /** Per list: the last `maxEchoLength` characters of the tokens, bytes and alternatives of each rank the client has joined. */
  private readonly joined = new Map<string, Joined>();
  /** Places whose joined tail may begin a credential a later list completes (stream: see `holding`). */
  private readonly open = new Set<string>();
  /**
   * Stream: the places where the last `mask` call's lists completed a credential (their earlier
   * held lists spell its start), each with its list (emptied) and the entries it had: see dropAcross.
   */
  readonly completed = new Map<string, Completion>();
  /** Stream: the lane of each place joined (eachList), undefined for none. */
  private readonly lanes = new Map<string, string | undefined>();
  /**
   * Stream: per place, what forced releases (dropOpen) dropped from where a credential may begin,
   * each by sequence (sequencesOf; '' where none): the client was sent no part of it, so the
   * entries of later lists that go on with it are dropped too (goingOn), else the rest of a
   * credential whose start was held too long would reach the client.
   */
  private dropped: Map<string, string[][]> | undefined;
  /**
   * Dropped starts handed over from lists read elsewhere, of no known place (an SSE event too long
   * to hold, see handOver and takeOver): the first list of each place read after goes on with them
   * too (`handedTo`: the places that had them). Made on first use, as `dropped`: most streams have none.
   */
  private handed: readonly string[][] = NONE;
  private handedTo: Set<string> | undefined;

  /** `stream`: the lists of one place join across calls (events); else each list stands alone (a whole answer). */
  constructor(
    private readonly redactor: Redactor,
    private readonly stream: boolean,
  ) {}

  /** In `value` (parsed JSON), every list that spells a credential emptied (stream) or rid of the entries that spell it (whole answer); whether any was. */
  mask(value: unknown): boolean {
    this.completed.clear();
    if (this.redactor.size === 0) return false;
    return eachList(value, (list, place, lane) => this.spells(list, place, lane));
  }

  /** Stream: the places whose joined tail may begin a credential (see `holding`), as `place` strings of eachList. */
  get openPlaces(): ReadonlySet<string> {
    return this.open;
  }

  /**
   * Stream: the lanes of the open places (the Chat choices, Gemini candidates, whose lists they
   * are: see eventLanes); undefined when some open place is in none (a Responses part: then every
   * event waits for it).
   */
  openLanes(): Set<string> | undefined {
    const lanes = new Set<string>();
    for (const place of this.open) {
      const lane = this.lanes.get(place);
      if (lane === undefined) return undefined;
      lanes.add(lane);
    }
    return lanes;
  }

  /**
   * Stream: the lists of these places end here (their choice finished, the stream ended): the open
   * ones among them whose joined tail ends in the start of a secret, CUT_ECHO_MIN characters or
   * more (a credential cut off there, see RedactOptions.cutEchoes), whose held lists the caller
   * must rid of that start (dropOpen); the others hold nothing any more (what the client joined
   * stays known, should a list come after all).
   */
  settle(places: Iterable<string>): Set<string> {
    const cut = new Set<string>();
    for (const place of [...places]) {
      if (this.isCut(place)) cut.add(place);
      else this.open.delete(place);
    }
    return cut;
  }

  /** Stream: what the client joined at `place` is no longer known to be what was sent (its held lists were emptied): it starts afresh. */
  forget(place: string): void {
    this.joined.delete(place);
    this.open.delete(place);
    this.lanes.delete(place);
  }

  /** Stream: the places (open or not) whose lists are in one of `lanes`. */
  placesOf(lanes: ReadonlySet<string>): string[] {
    return [...this.joined.keys()].filter((place) => {
      const lane = this.lanes.get(place);
      return lane !== undefined && lanes.has(lane);
    });
  }

  /**
   * Stream: whether the tokens or bytes some place's client has joined so far end in what may begin
   * a credential (Redactor.holdTextFrom), which a later list may complete. The lists that spelled
   * that start must then wait (the caller holds their events, or entries): once the credential is
   * complete, the client must have been sent no part of it. A place whose list spelled one is
   * settled (its earlier lists are the caller's to empty).
   */
  get holding(): boolean {
    return this.open.size > 0;
  }

  /** Stream: whether a place's joined tail ends in the start of a secret, CUT_ECHO_MIN characters or more (a list cut off there, see RedactOptions.cutEchoes). */
  get cutOff(): boolean {
    for (const place of this.open) if (this.isCut(place)) return true;
    return false;
  }

  /** Whether an open place's joined tail ends in the start of a secret, CUT_ECHO_MIN characters or more. */
  private isCut(place: string): boolean {
    const joined = this.joined.get(place);
    if (!this.open.has(place) || !joined) return false;
    return [joined, ...joined.ranks].some(({tokens, bytes}) => {
      const latin1 = bytes.toString('latin1');
      return this.redactor.redact(tokens, CUT) !== tokens || this.redactor.redactLatin1(latin1, CUT) !== latin1;
    });
  }

  /**
   * Stream: a list at `place` completed a credential (`completed`, its list emptied); `held` are the
   * lists of that place the caller holds, oldest first (what the client has not been sent since the
   * place opened). Only the entries that spell the credential are dropped, from those lists and
   * the completing one (refilled with the rest): an entry before the credential's start, or after
   * its end, reaches the client. When the entries alone do not spell it (it began in what went out
   * before), every one of those lists is emptied. What the client joins at the place goes on from
   * the entries kept. The lists changed (in place).
   */
  dropAcross(place: string, held: readonly unknown[][]): Set<unknown[]> {
    const completion = this.completed.get(place);
    const changed = new Set<unknown[]>();
    if (!completion) return changed;
    this.completed.delete(place);
    completion.list.push(...completion.entries);
    const lists = [...held, completion.list];
    const kept = lists.flat();
    const total = kept.length;
    if (!this.dropSpelling(kept) || kept.length === total) {
      for (const list of lists) {
        if (list.length === 0) continue;
        list.length = 0;
        changed.add(list);
      }
      return changed;
    }
    const keep = new Set(kept);
    for (const list of lists) {
      const rest = list.filter((entry) => keep.has(entry));
      if (rest.length === list.length) continue;
      list.length = 0;
      list.push(...rest);
      changed.add(list);
    }
    // The kept entries spell nothing (dropSpelling): the client's joined text there is theirs.
    this.spells(kept, place, completion.lane);
    return changed;
  }

  /**
   * Stream: the lists of `place` the caller held while it was open (oldest first), rid of the
   * entries from where what the client joins there (tokens, bytes, or the alternatives of one
   * rank: what it was sent before them, then them) may begin a credential on
   * (Redactor.holdTextFrom): the place ended on a secret's cut start, or held too long. The
   * entries before it spell no part of one and reach the client (what the client joined there is
   * what it had, then them). What was dropped is remembered (`dropped`): the entries of later lists
   * that go on with it are dropped as they come (goingOn), never sent. The place holds nothing any
   * more. The lists changed.
   */
  dropOpen(place: string, held: readonly unknown[][]): Set<unknown[]> {
    const entries = held.flatMap((list) => objects(list));
    const texts = sequencesOf(entries);
    const joined = textsOfJoined(this.joined.get(place));
    const count = Math.max(texts.length, joined.length);
    /** Per sequence: what the client was sent before the held lists, the full text, where a credential may begin in it. */
    const before: string[] = [];
    const full: string[] = [];
    const starts: number[] = [];
    /** The first entry dropped for `start` in sequence `s` (0 when it lies in what was sent before). */
    const entryAt = (s: number, start: number) => {
      let end = before[s]!.length;
      if (start < end) return 0;
      const seq = texts[s] ?? [];
      for (let i = 0; i < seq.length; i++) if ((end += seq[i]!.length) > start) return i;
      return entries.length;
    };
    let from = entries.length;
    for (let s = 0; s < count; s++) {
      const heldText = (texts[s] ?? []).join('');
      const client = joined[s] ?? '';
      before[s] = client.endsWith(heldText) ? client.slice(0, client.length - heldText.length) : '';
      full[s] = before[s] + heldText;
      starts[s] = this.beginsAt(full[s]!);
      if (starts[s]! < full[s]!.length) from = Math.min(from, entryAt(s, starts[s]!));
    }
    const keep = (s: number) => before[s]! + (texts[s] ?? []).slice(0, from).join('');
    const maxEcho = this.redactor.maxEchoLength;
    // Per sequence, from where a credential may begin (what was sent of it too) to the end: what later lists may go on with.
    const dropped = full.map((text, s) => (starts[s]! < text.length ? text.slice(Math.min(starts[s]!, keep(s).length)).slice(-maxEcho) : ''));
    this.joined.set(place, joinedOfTexts(Array.from({length: count}, (_, s) => keep(s).slice(-maxEcho))));
    this.open.delete(place);
    if (dropped.some((text) => text !== '')) (this.dropped ??= new Map()).set(place, [...(this.dropped.get(place) ?? []).slice(1 - MAX_DROPPED_STARTS), dropped]);
    const drop = new Set<unknown>(entries.slice(from));
    const changed = new Set<unknown[]>();
    for (const list of held) {
      const rest = list.filter((entry) => !drop.has(entry));
      if (rest.length === list.length) continue;
      list.length = 0;
      list.push(...rest);
      changed.add(list);
    }
    return changed;
  }

  /** Where in `text` a credential may begin that more text completes (Redactor.holdTextFrom); its length when nowhere. */
  private beginsAt(text: string): number {
    return this.redactor.holdTextFrom(text, 0, text.length, undefined, text.includes('\n') || text.includes('\r'));
  }

  /**
   * Stream: the dropped starts of every place and those handed over (see `dropped`): what lists
   * read elsewhere, of no known place, may go on with (an SSE event too long to hold,
   * LogprobsEntryRun), each by sequence.
   */
  handOver(): string[][] {
    return [...[...(this.dropped?.values() ?? [])].flat(), ...this.handed];
  }

  /** Stream: dropped starts of lists read elsewhere (handOver): the first list read at each place goes on with them too. */
  takeOver(starts: readonly string[][]): void {
    this.handed = starts.slice(-MAX_DROPPED_STARTS);
    this.handedTo = undefined;
  }

  /**
   * Stream: the dropped starts a list at `place` may go on with (`dropped`, and those handed over
   * that it did not have yet); undefined for none (most lists).
   */
  private startsAt(place: string): string[][] | undefined {
    const own = this.dropped?.get(place);
    if (this.handed.length === 0 || this.handedTo?.has(place)) return own;
    (this.handedTo ??= new Set()).add(place);
    return [...(own ?? []), ...this.handed];
  }

  /**
   * Stream: a list at a place whose held start a forced release dropped (`dropped`): its first
   * entries that go on with one of those starts, in any sequence, removed (in place); what is
   * dropped then stays remembered while it may still go on. Whether any entry was removed.
   */
  private dropGoingOn(list: unknown[], place: string, starts: readonly string[][]): boolean {
    const entries = objects(list);
    if (entries.length === 0) return false;
    const texts = sequencesOf(entries);
    let count = 0;
    const still: string[][] = [];
    for (const set of starts) {
      const open: string[] = [];
      for (let s = 0; s < set.length; s++) {
        if (!set[s]) continue;
        const going = this.goingOn(set[s]!, texts[s] ?? []);
        count = Math.max(count, going.count);
        if (going.open !== undefined) open[s] = going.open;
      }
      if (open.length > 0) still.push(Array.from(open, (text) => text ?? ''));
    }
    if (still.length > 0) (this.dropped ??= new Map()).set(place, still.slice(-MAX_DROPPED_STARTS));
    else this.dropped?.delete(place);
    if (count === 0) return false;
    const drop = new Set<unknown>(entries.slice(0, count));
    const rest = list.filter((entry) => !drop.has(entry));
    list.length = 0;
    list.push(...rest);
    return true;
  }

  /**
   * How many of `texts` (one sequence's entries) go on with `start`, text a client was never sent
   * that may begin a credential: up to the one that completes it, or while it may still go on
   * (Redactor.holdTextFrom, within Redactor.maxEchoLength); `open`, the start gone on with, when
   * it still may after them all.
   */
  private goingOn(start: string, texts: readonly string[]): {count: number; open?: string} {
    let text = start;
    let count = 0;
    for (let i = 0; i < texts.length; i++) {
      if (!texts[i]) continue;
      text += texts[i];
      if (this.holds(text)) return {count: i + 1};
      // Ruled out: the entries before this one went on with a start that spelled no credential, but may be its middle.
      if (this.beginsAt(text) >= start.length) return {count};
      count = i + 1;
    }
    return {count, open: text.slice(-this.redactor.maxEchoLength)};
  }

  /**
   * Whether a list's entries spell a credential, joined after what the client joined before
   * (stream), or alone; it is then emptied (stream: its place's held lists spell the credential's
   * start) or, in a whole answer, rid of the entries that spell it (dropSpelling).
   */
  private spells(list: unknown[], place: string, lane: string | undefined): boolean {
    if (!this.stream) return this.dropSpelling(list);
    const starts = this.startsAt(place);
    const goingOn = starts !== undefined && this.dropGoingOn(list, place, starts);
    const entries = objects(list);
    if (entries.length === 0) return goingOn;
    const before = this.joined.get(place);
    const text = joinedAfter(before, entries);
    const ranks = alternativesByRank(entries).map((rank, r) => joinedAfter(before?.ranks[r], rank));
    for (let r = ranks.length; r < (before?.ranks.length ?? 0); r++) ranks.push(before!.ranks[r]!);
    if (this.spelled(text) || ranks.some((rank) => this.spelled(rank)) || this.alternativesSpell(entries)) {
      // What the client joined at this place is what went out before the held lists (the caller
      // drops the entries that spell it from those and this one: dropAcross, else empties them).
      this.forget(place);
      this.completed.set(place, {list, entries: [...list], lane});
      list.length = 0;
      return true;
    }
    const tail = this.tailOf(text);
    this.joined.set(place, {...tail, ranks: ranks.map((rank) => this.tailOf(rank))});
    this.lanes.set(place, lane);
    if (this.mayBeginIn(tail) || ranks.some((rank) => this.mayBeginIn(rank))) this.open.add(place);
    else this.open.delete(place);
    return goingOn;
  }

  /** Its last `maxEchoLength` characters, and bytes: all a later list can complete a credential with. */
  private tailOf({tokens, bytes}: Spelled): Spelled {
    const keep = this.redactor.maxEchoLength;
    return {tokens: tokens.slice(-keep), bytes: bytes.length > keep ? Buffer.from(bytes.subarray(bytes.length - keep)) : bytes};
  }

  /** Whether its tokens or its bytes spell a credential. */
  private spelled({tokens, bytes}: Spelled): boolean {
    return this.holds(tokens) || this.holds(bytes.toString('utf8'));
  }

  /** Whether the end of its tokens or bytes may begin a credential. */
  private mayBeginIn({tokens, bytes}: Spelled): boolean {
    return this.mayBegin(tokens) || this.mayBegin(bytes.toString('latin1'));
  }

  /**
   * A whole answer's list: the entries that spell a credential removed, in place, one run of them
   * at a time (the first credential ends in the shortest start of the list that spells one, and
   * begins at the latest entry of it from which it still does); the others are the client's. A
   * list still spelling one after MAX_DROPS runs is emptied. Whether any entry was removed.
   */
  private dropSpelling(list: unknown[]): boolean {
    let changed = false;
    for (let drops = 0; this.spelledAlone(list); drops++) {
      changed = true;
      if (drops === MAX_DROPS) {
        list.length = 0;
        break;
      }
      let end = list.length;
      for (let low = 1; low < end; ) {
        const mid = (low + end) >>> 1;
        if (this.spelledAlone(list.slice(0, mid))) end = mid;
        else low = mid + 1;
      }
      let start = 0;
      for (let high = end - 1; start < high; ) {
        const mid = (start + high + 1) >>> 1;
        if (this.spelledAlone(list.slice(mid, end))) start = mid;
        else high = mid - 1;
      }
      list.splice(start, end - start);
    }
    return changed;
  }

  /** Whether entries spell a credential by themselves: their tokens or bytes joined, or their alternatives. */
  private spelledAlone(list: readonly unknown[]): boolean {
    const entries = objects(list);
    if (entries.length === 0) return false;
    return this.holds(entries.map((entry) => tokenOf(entry) ?? '').join('')) || this.holds(Buffer.concat(entries.map((entry) => bytesOf(entry) ?? EMPTY)).toString('utf8')) || this.alternativesSpell(entries);
  }

  /** Whether some alternative holds a credential alone, or the alternatives of one rank spell one across the entries. */
  private alternativesSpell(entries: readonly Entry[]): boolean {
    for (const rank of alternativesByRank(entries)) {
      for (const alternative of rank) if (this.holds(tokenOf(alternative)) || this.holds(bytesOf(alternative)?.toString('utf8'))) return true;
      if (rank.length > 1 && (this.holds(rank.map((a) => tokenOf(a) ?? '').join('')) || this.holds(Buffer.concat(rank.map((a) => bytesOf(a) ?? EMPTY)).toString('utf8')))) return true;
    }
    return false;
  }

  /** Whether `text`'s end may begin an echo (Redactor.holdTextFrom; line breaks looked at only when it has one: most tokens have none). */
  private mayBegin(text: string): boolean {
    return this.redactor.holdTextFrom(text, 0, text.length, undefined, text.includes('\n') || text.includes('\r')) < text.length;
  }

  private holds(text: string | undefined): boolean {
    return text !== undefined && text.length > 0 && this.redactor.redact(text) !== text;
  }
}

const EMPTY = Buffer.alloc(0);

/** The entries' alternatives (ALTERNATIVES) by rank: `[r]` the `r`th alternative of each entry that has one, in order. */
function alternativesByRank(entries: readonly Entry[]): Entry[][] {
  const ranks: Entry[][] = [];
  for (const entry of entries) {
    for (const field of ALTERNATIVES) {
      const alternatives = entry[field];
      if (!Array.isArray(alternatives)) continue;
      alternatives.forEach((alternative, rank) => {
        if (typeof alternative === 'object' && alternative !== null) (ranks[rank] ??= []).push(alternative as Entry);
      });
    }
  }
  return ranks;
}

/** What a client joins from `entries` after `before`: their tokens and bytes appended. */
function joinedAfter(before: Spelled | undefined, entries: readonly Entry[]): Spelled {
  return {
    tokens: (before?.tokens ?? '') + entries.map((entry) => tokenOf(entry) ?? '').join(''),
    bytes: Buffer.concat([...(before ? [before.bytes] : []), ...entries.map((entry) => bytesOf(entry) ?? EMPTY)]),
  };
}

/**
 * The sequences a client joins from entries, each entry's text in each: their tokens, their bytes
 * (as latin1), then each rank's alternatives' tokens and bytes (an entry without one: '').
 */
function sequencesOf(entries: readonly Entry[]): string[][] {
  const out = [entries.map((entry) => tokenOf(entry) ?? ''), entries.map((entry) => (bytesOf(entry) ?? EMPTY).toString('latin1'))];
  const ranked = entries.map((entry) => alternativesByRank([entry]));
  for (let rank = 0; ranked.some((ranks) => ranks[rank]); rank++) {
    const alternatives = ranked.map((ranks) => ranks[rank]?.[0]);
    out.push(alternatives.map((alternative) => (alternative && tokenOf(alternative)) ?? ''));
    out.push(alternatives.map((alternative) => (alternative ? (bytesOf(alternative) ?? EMPTY) : EMPTY).toString('latin1')));
  }
  return out;
}

/** What a place joined, as sequencesOf orders its sequences (bytes as latin1); none when undefined. */
function textsOfJoined(joined: Joined | undefined): string[] {
  if (!joined) return [];
  return [joined.tokens, joined.bytes.toString('latin1'), ...joined.ranks.flatMap((rank) => [rank.tokens, rank.bytes.toString('latin1')])];
}

/** textsOfJoined's inverse. */
function joinedOfTexts(texts: readonly string[]): Joined {
  const spelled = (at: number): Spelled => ({tokens: texts[at] ?? '', bytes: Buffer.from(texts[at + 1] ?? '', 'latin1')});
  const ranks: Spelled[] = [];
  for (let at = 2; at < texts.length; at += 2) ranks.push(spelled(at));
  return {...spelled(0), ranks};
}

const CUT: RedactOptions = Object.freeze({cutEchoes: true});
const NONE: readonly string[][] = Object.freeze([]);
/** Dropped starts remembered per place (LogprobsMasker.dropped), at most: each at most Redactor.maxEchoLength characters per sequence. */
const MAX_DROPPED_STARTS = 8;
/** Runs of entries a whole answer's list is rid of (LogprobsMasker.dropSpelling) before it is emptied instead. */
const MAX_DROPS = 16;
/** A list's entries (objects; anything else spells nothing). */
const objects = (list: readonly unknown[]) => list.filter((entry): entry is Entry => typeof entry === 'object' && entry !== null && !Array.isArray(entry));

/**
 * Calls `visit` with every log probability list in `value` (parsed JSON), its place (a path with
 * each object's PLACE_FIELDS, so that one place's lists join across a stream's events) and its
 * lane (the Chat choice or Gemini candidate it is in: `choices:1`, see eventLanes; undefined
 * outside one). `visit` changes a list in place (emptied, entries removed) and says whether it
 * did. Whether any was changed.
 */
export function eachList(value: unknown, visit: (list: unknown[], place: string, lane: string | undefined) => boolean): boolean {
  if (typeof value !== 'object' || value === null) return false;
  /** `lanes`: the key of `node` when it is a list of lanes (LANE_LISTS, at the root or in its `response`). */
  const walk = (node: unknown, place: string, lane: string | undefined, lanes?: string): boolean => {
    if (Array.isArray(node)) {
      let changed = false;
      node.forEach((item, i) => {
        if (typeof item !== 'object' || item === null) return;
        // An item that names its place (a Chat choice's `index`) is that place wherever the list has it (the SDKs join by index).
        changed = walk(item, namesPlace(item) ? place : `${place}#${i}`, lanes !== undefined && !Array.isArray(item) ? laneOfItem(lanes, item, i) : lane) || changed;
      });
      return changed;
    }
    const object = node as Record<string, unknown>;
    let here = place;
    for (const field of PLACE_FIELDS) if (typeof object[field] === 'number') here += `/${field}=${object[field]}`;
    const root = node === value || (place === '.response' && lane === undefined && !namesPlace(value as object));
    let changed = false;
    for (const [key, item] of Object.entries(object)) {
      if (typeof item !== 'object' || item === null) continue;
      if (LOGPROB_KEYS.has(key)) changed = holderLists(object, key, `${here}.${key}`, (list, at) => visit(list, at, lane)) || changed;
      else changed = walk(item, `${here}.${key}`, lane, root && LANE_LISTS.has(key) ? key : undefined) || changed;
    }
    return changed;
  };
  try {
    return walk(value, '', undefined);
  } catch (error) {
    // Nested deeper than the stack (a hostile document; no answer is): no client reads it either.
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/** Whether an item of a list has a PLACE_FIELDS number (a Chat choice's `index`). */
const namesPlace = (item: object) => !Array.isArray(item) && PLACE_FIELDS.some((field) => typeof (item as Record<string, unknown>)[field] === 'number');

/** The lane of the `i`th item of a `choices` or `candidates` list: its `index`, else its position. */
const laneOfItem = (kind: string, item: object, i: number) => {
  const {index} = item as {index?: unknown};
  return `${kind}:${typeof index === 'number' ? index : i}`;
};
/** The lists whose items are lanes (see eachList), at an event's root or in Cloud Code's `response`. */
const LANE_LISTS = new Set(['choices', 'candidates']);

/**
 * The lanes an SSE event's data (parsed JSON) has a part in: the items of its LANE_LISTS (Chat
 * choices, Gemini candidates) where eachList gives their lists a lane (at the root, or in Cloud
 * Code's `response`), and those of them it finishes (a `finish_reason`, a `finishReason`);
 * undefined for an event of no lane (a Responses event, the usage chunk, whose `choices` is empty,
 * `[DONE]`), which goes after everything before it.
 */
export function eventLanes(json: unknown): {lanes: Set<string>; finished: Set<string>} | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const root = json as Record<string, unknown>;
  const {response} = root;
  const containers = [root];
  // As eachList: the root's `response` is a root when the root names no place.
  if (typeof response === 'object' && response !== null && !Array.isArray(response) && !namesPlace(root)) containers.push(response as Record<string, unknown>);
  const lanes = new Set<string>();
  const finished = new Set<string>();
  for (const container of containers) {
    for (const kind of LANE_LISTS) {
      const list = container[kind];
      if (!Array.isArray(list)) continue;
      for (const [i, item] of list.entries()) {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
        const lane = laneOfItem(kind, item, i);
        lanes.add(lane);
        if ((item as Record<string, unknown>).finish_reason != null || (item as Record<string, unknown>).finishReason != null) finished.add(lane);
      }
    }
  }
  return lanes.size > 0 ? {lanes, finished} : undefined;
}

/** `holder[key]`: a list (Responses) or an object of lists (Chat, Gemini), each visited; whether `visit` changed one. */
function holderLists(holder: Record<string, unknown>, key: string, place: string, visit: (list: unknown[], place: string) => boolean): boolean {
  const value = holder[key];
  if (Array.isArray(value)) return visit(value, place);
  let changed = false;
  for (const [name, list] of Object.entries(value as Record<string, unknown>)) if (Array.isArray(list)) changed = visit(list, `${place}.${name}`) || changed;
  return changed;
}

/** The place of the list LogprobsEntryRun masks entry by entry (`{logprobs: [entry]}`, see eachList). */
const ENTRY_RUN_PLACE = '.logprobs';
/** Held entries of one list, at most (LogprobsEntryRun): past it those that may begin a credential are dropped, never sent unsettled. */
const MAX_HELD_BYTES = 1024 * 1024;

/**
 * One log probability list read entry by entry (a JSON answer too long to hold whole, see
 * proxy/json-run-mask.ts), each entry with the caller's `item` (its raw text). An entry goes out at
 * once unless the tokens or bytes joined so far end in what may begin a credential
 * (LogprobsMasker.holding); then it waits, with the entries after it, until a later entry rules
 * that out (all go out, in order) or completes the credential (the entries that spell it are
 * dropped, so the client joins no part of it; the others go out, or wait while they may begin one). Held entries are bounded by MAX_HELD_BYTES of `size`; past it they are dropped.
 */
export class LogprobsEntryRun<Item> {
  private readonly masker: LogprobsMasker;
  private held: Array<{entry: unknown; item: Item; size: number}> = [];
  private heldBytes = 0;

  /** `after`: dropped starts of the lists before this one (LogprobsMasker.handOver), which its entries may go on with. */
  constructor(redactor: Redactor, after?: readonly string[][]) {
    this.masker = new LogprobsMasker(redactor, true);
    if (after && after.length > 0) this.masker.takeOver(after);
  }

  /** What the list dropped from where a credential may begin, or went on dropping, that later lists may go on with (LogprobsMasker.handOver). */
  handOver(): string[][] {
    return this.masker.handOver();
  }

  /** The next entry (parsed) and its item; the items to send now, in order. */
  push(entry: unknown, item: Item, size: number): Item[] {
    const list = [entry];
    if (this.masker.mask({logprobs: list})) {
      // Only the entries that spell it are dropped (LogprobsMasker.dropAcross): the held ones before it go on.
      const held = this.held.map((h) => h.entry);
      for (const place of [...this.masker.completed.keys()]) this.masker.dropAcross(place, [held]);
      const keep = new Set([...held, ...list]);
      const kept = [...this.held, {entry, item, size}].filter((h) => keep.has(h.entry));
      this.drop();
      if (!this.masker.holding) return kept.map((h) => h.item);
      this.held = kept;
      this.heldBytes = kept.reduce((bytes, h) => bytes + h.size, 0);
      return [];
    }
    this.held.push({entry, item, size});
    this.heldBytes += size;
    if (this.masker.holding) return this.heldBytes > MAX_HELD_BYTES ? this.beforeOpen() : [];
    const out = this.held.map((h) => h.item);
    this.drop();
    return out;
  }

  /**
   * The list ended: the items still held, but those from where they may begin a credential when
   * that is a secret's start of CUT_ECHO_MIN characters or more, or when `followed` (later lists
   * the client joins to it may complete the start they hold: an SSE event's).
   */
  end(followed = false): Item[] {
    if (followed || this.masker.cutOff) return this.beforeOpen();
    const out = this.held.map((h) => h.item);
    this.drop();
    return out;
  }

  /**
   * The held items before where the held entries may begin a credential (LogprobsMasker.dropOpen);
   * the rest dropped, and the entries after that go on with what they began.
   */
  private beforeOpen(): Item[] {
    const entries = this.held.map((h) => h.entry);
    this.masker.dropOpen(ENTRY_RUN_PLACE, [entries]);
    const keep = new Set(entries);
    const out = this.held.filter((h) => keep.has(h.entry)).map((h) => h.item);
    this.drop();
    return out;
  }

  private drop(): void {
    this.held = [];
    this.heldBytes = 0;
  }
}
