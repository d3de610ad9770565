// Log probabilities spell the text the upstream made, token by token: OpenAI Chat's
// `logprobs.content[]` and `.refusal[]`, Responses' `logprobs[]` (each `{token, bytes, logprob,
// top_logprobs}`, `bytes` the token's UTF-8 as numbers), Gemini's `logprobsResult`
// (`chosenCandidates[].token`, `topCandidates[].candidates[]`). A client reads them joined (the
// OpenAI SDK appends each chunk's lists) or entry by entry, and decodes the bytes. Byte and text
// maskers see numbers and single tokens there, so a list that spells a credential is emptied here
// (`[]`, which every client takes): the masked form is no text the model made, and tokens or
// probabilities for it would be invented. Pure.
import type {Redactor} from './redact.js';

/** Keys whose value holds log probabilities: OpenAI's (an object of lists, or a list) and Gemini's. */
const LOGPROB_KEYS = new Set(['logprobs', 'logprobsResult']);
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

  /** `stream`: the lists of one place join across calls (events); else each list stands alone (a whole answer). */
  constructor(
    private readonly redactor: Redactor,
    private readonly stream: boolean,
  ) {}

  /** Empties, in `value` (parsed JSON), every list that spells a credential; whether any was. */
  mask(value: unknown): boolean {
    if (this.redactor.size === 0 || typeof value !== 'object' || value === null) return false;
    try {
      return this.walk(value, '');
    } catch (error) {
      // Nested deeper than the stack (a hostile document; no answer is): no client reads it either.
      if (error instanceof RangeError) return false;
      throw error;
    }
  }

  private walk(node: unknown, place: string): boolean {
    if (Array.isArray(node)) {
      let changed = false;
      node.forEach((item, i) => {
        if (typeof item === 'object' && item !== null) changed = this.walk(item, `${place}#${i}`) || changed;
      });
      return changed;
    }
    const object = node as Record<string, unknown>;
    let here = place;
    for (const field of PLACE_FIELDS) if (typeof object[field] === 'number') here += `/${field}=${object[field]}`;
    let changed = false;
    for (const [key, value] of Object.entries(object)) {
      if (typeof value !== 'object' || value === null) continue;
      if (LOGPROB_KEYS.has(key)) changed = this.maskHolder(object, key, `${here}.${key}`) || changed;
      else changed = this.walk(value, `${here}.${key}`) || changed;
    }
    return changed;
  }

  /** `holder[key]`: a list (Responses) or an object of lists (Chat, Gemini); each list that spells a credential emptied. */
  private maskHolder(holder: Record<string, unknown>, key: string, place: string): boolean {
    const value = holder[key];
    if (Array.isArray(value)) {
      if (!this.spells(value, place)) return false;
      holder[key] = [];
      return true;
    }
    let changed = false;
    const lists = value as Record<string, unknown>;
    for (const [name, list] of Object.entries(lists)) {
      if (!Array.isArray(list) || !this.spells(list, `${place}.${name}`)) continue;
      lists[name] = [];
      changed = true;
    }
    return changed;
  }

  /** Whether a list's entries spell a credential, joined after what the client joined before (stream), or alone. */
  private spells(list: unknown[], place: string): boolean {
    const entries = list.filter((entry): entry is Entry => typeof entry === 'object' && entry !== null && !Array.isArray(entry));
    if (entries.length === 0) return false;
    const before = this.stream ? this.joined.get(place) : undefined;
    const tokens = (before?.tokens ?? '') + entries.map((entry) => tokenOf(entry) ?? '').join('');
    const bytes = Buffer.concat([...(before ? [before.bytes] : []), ...entries.map((entry) => bytesOf(entry) ?? EMPTY)]);
    if (this.holds(tokens) || this.holds(bytes.toString('utf8')) || this.alternativesSpell(entries)) return true;
    if (this.stream) {
      const keep = this.redactor.maxEchoLength;
      this.joined.set(place, {tokens: tokens.slice(-keep), bytes: Buffer.from(bytes.subarray(Math.max(0, bytes.length - keep)))});
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

  private holds(text: string | undefined): boolean {
    return text !== undefined && text.length > 0 && this.redactor.redact(text) !== text;
  }
}

const EMPTY = Buffer.alloc(0);
