// Log probabilities spell the text the upstream made, token by token: OpenAI Chat's
// `logprobs.content[]` and `.refusal[]`, Responses' `logprobs[]` (each `{token, bytes, logprob,
// top_logprobs}`, `bytes` the token's UTF-8 as numbers), Gemini's `logprobsResult`
// (`chosenCandidates[].token`, `topCandidates[].candidates[]`). A client reads them joined (the
// OpenAI SDK appends each chunk's lists) or entry by entry, and decodes the bytes. Byte and text
// maskers see numbers and single tokens there, so a list that spells a credential is emptied here
// (`[]`, which every client takes): the masked form is no text the model made, and tokens or
// probabilities for it would be invented. Pure.
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

/**
 * Empties the log probability lists that spell a credential. One masker per answer: in a stream it
 * keeps, per list (the place PLACE_FIELDS name), the tail of what the client has joined so far
 * (tokens, and bytes), so a credential spelled across events is found in the event that completes it;
 * the lists before it spell only a part. Alone, each entry's alternatives, and the alternatives of
 * one rank across a list's entries, are looked at too.
 */
export class LogprobsMasker {
  /** Per list: the last `maxEchoLength` characters of the tokens, and bytes, the client has joined. */
  private readonly joined = new Map<string, {tokens: string; bytes: Buffer}>();
  /** Places whose joined tail may begin a credential a later list completes (stream: see `holding`). */
  private readonly open = new Set<string>();

  /** `stream`: the lists of one place join across calls (events); else each list stands alone (a whole answer). */
  constructor(
    private readonly redactor: Redactor,
    private readonly stream: boolean,
  ) {}

  /** Empties, in `value` (parsed JSON), every list that spells a credential; whether any was. */
  mask(value: unknown): boolean {
    if (this.redactor.size === 0) return false;
    return eachList(value, (list, place) => this.spells(list, place));
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
    for (const place of this.open) {
      const joined = this.joined.get(place);
      if (joined && (this.redactor.redact(joined.tokens, CUT) !== joined.tokens || this.redactor.redactLatin1(joined.bytes.toString('latin1'), CUT) !== joined.bytes.toString('latin1'))) return true;
    }
    return false;
  }

  /** Whether a list's entries spell a credential, joined after what the client joined before (stream), or alone. */
  private spells(list: unknown[], place: string): boolean {
    const entries = list.filter((entry): entry is Entry => typeof entry === 'object' && entry !== null && !Array.isArray(entry));
    if (entries.length === 0) return false;
    const before = this.stream ? this.joined.get(place) : undefined;
    const tokens = (before?.tokens ?? '') + entries.map((entry) => tokenOf(entry) ?? '').join('');
    const bytes = Buffer.concat([...(before ? [before.bytes] : []), ...entries.map((entry) => bytesOf(entry) ?? EMPTY)]);
    if (this.holds(tokens) || this.holds(bytes.toString('utf8')) || this.alternativesSpell(entries)) {
      if (this.stream) {
        // What the client joined at this place is what went out before the held lists (the caller empties those).
        this.joined.delete(place);
        this.open.delete(place);
      }
      return true;
    }
    if (this.stream) {
      const keep = this.redactor.maxEchoLength;
      const tail = {tokens: tokens.slice(-keep), bytes: Buffer.from(bytes.subarray(Math.max(0, bytes.length - keep)))};
      this.joined.set(place, tail);
      const latin1 = tail.bytes.toString('latin1');
      if (this.mayBegin(tail.tokens) || this.mayBegin(latin1)) this.open.add(place);
      else this.open.delete(place);
    }
    return false;
  }

  /** Whether some alternative holds a credential alone, or the alternatives of one rank spell one across the entries. */
  private alternativesSpell(entries: readonly Entry[]): boolean {
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
    for (const rank of ranks) {
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
const CUT: RedactOptions = Object.freeze({cutEchoes: true});

/**
 * Calls `visit` with every log probability list in `value` (parsed JSON) and its place (a path with
 * each object's PLACE_FIELDS, so that one place's lists join across a stream's events); a list for
 * which it returns true is emptied. Whether any was.
 */
export function eachList(value: unknown, visit: (list: unknown[], place: string) => boolean): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const walk = (node: unknown, place: string): boolean => {
    if (Array.isArray(node)) {
      let changed = false;
      node.forEach((item, i) => {
        if (typeof item === 'object' && item !== null) changed = walk(item, `${place}#${i}`) || changed;
      });
      return changed;
    }
    const object = node as Record<string, unknown>;
    let here = place;
    for (const field of PLACE_FIELDS) if (typeof object[field] === 'number') here += `/${field}=${object[field]}`;
    let changed = false;
    for (const [key, item] of Object.entries(object)) {
      if (typeof item !== 'object' || item === null) continue;
      if (LOGPROB_KEYS.has(key)) changed = holderLists(object, key, `${here}.${key}`, visit) || changed;
      else changed = walk(item, `${here}.${key}`) || changed;
    }
    return changed;
  };
  try {
    return walk(value, '');
  } catch (error) {
    // Nested deeper than the stack (a hostile document; no answer is): no client reads it either.
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/** `holder[key]`: a list (Responses) or an object of lists (Chat, Gemini); each list `visit` returns true for emptied. */
function holderLists(holder: Record<string, unknown>, key: string, place: string, visit: (list: unknown[], place: string) => boolean): boolean {
  const value = holder[key];
  if (Array.isArray(value)) {
    if (!visit(value, place)) return false;
    holder[key] = [];
    return true;
  }
  let changed = false;
  const lists = value as Record<string, unknown>;
  for (const [name, list] of Object.entries(lists)) {
    if (!Array.isArray(list) || !visit(list, `${place}.${name}`)) continue;
    lists[name] = [];
    changed = true;
  }
  return changed;
}

/** Empties every non-empty log probability list in `value` (parsed JSON); whether any was. */
export function emptyLogprobs(value: unknown): boolean {
  return eachList(value, (list) => list.length > 0);
}

/** Held entries of one list, at most (LogprobsEntryRun): past it they are dropped, never sent unsettled. */
const MAX_HELD_BYTES = 1024 * 1024;

/**
 * One log probability list read entry by entry (a JSON answer too long to hold whole, see
 * proxy/json-run-mask.ts), each entry with the caller's `item` (its raw text). An entry goes out at
 * once unless the tokens or bytes joined so far end in what may begin a credential
 * (LogprobsMasker.holding); then it waits, with the entries after it, until a later entry rules
 * that out (all go out, in order) or completes the credential (all are dropped, so the client joins
 * no part of it). Held entries are bounded by MAX_HELD_BYTES of `size`; past it they are dropped.
 */
export class LogprobsEntryRun<Item> {
  private readonly masker: LogprobsMasker;
  private held: Item[] = [];
  private heldBytes = 0;

  constructor(redactor: Redactor) {
    this.masker = new LogprobsMasker(redactor, true);
  }

  /** The next entry (parsed) and its item; the items to send now, in order. */
  push(entry: unknown, item: Item, size: number): Item[] {
    if (this.masker.mask({logprobs: [entry]})) {
      this.drop();
      return [];
    }
    this.held.push(item);
    this.heldBytes += size;
    if (this.masker.holding) {
      if (this.heldBytes > MAX_HELD_BYTES) this.drop();
      return [];
    }
    const out = this.held;
    this.drop();
    return out;
  }

  /**
   * The list ended: the items still held, unless they end in a secret's start of CUT_ECHO_MIN
   * characters or more (then none); none when `followed` (later lists the client joins to it may
   * complete the start they hold: an SSE event's).
   */
  end(followed = false): Item[] {
    const out = followed || this.masker.cutOff ? [] : this.held;
    this.drop();
    return out;
  }

  private drop(): void {
    this.held = [];
    this.heldBytes = 0;
  }
}
