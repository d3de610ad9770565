// Finding many secrets' forms without paying to build what a text does not need (issue 14): a
// LiteralFinder instead of compiling an alternation of every form, and CoreHeads, which rules out
// every base64 core (in plain text, or across a chain's pieces) without building the cores. The
// Redactor decides when each is used.
import {ASCII, MIN_SECRET_LENGTH} from './echo-forms.js';
import {BASE64_CODES, BASE64_VALUES, CHAIN_CODES, chainToken, foldedSpace, foldedSpaceInBytes, LINE_BREAK_NEEDLES, PERCENT_LF, SPACE_FOLDED_WIDTH} from './wrapped-base64.js';

/**
 * The first six bytes of every base64 core of a set of secrets (what a core's first eight
 * characters decode to), so that text can be ruled out as holding any core without building the
 * cores: every core lies where some run of eight base64 characters (either alphabet) decodes to
 * one of them. A listing of 1,000 accounts has no such run, and is then masked without building
 * (and sorting, and searching for) the ~12,000 cores (issue 14). Six bytes are 48 bits: two
 * 24-bit halves (three bytes, four characters each), kept in an open-addressing table of int32
 * pairs (a set of 48-bit numbers took longer to build than the cores it spares).
 */
export class CoreHeads {
  /** Pairs (high half | OCCUPIED, low half); a quarter full or less, so a miss mostly ends at its first slot. */
  private readonly table: Int32Array;
  private readonly mask: number;

  constructor(secrets: readonly string[]) {
    let slots = 16;
    while (slots < secrets.length * 3 * 4) slots *= 2;
    this.table = new Int32Array(slots * 2);
    this.mask = slots - 1;
    const bytes = new Uint8Array(8);
    for (const secret of secrets) {
      // Every secret has 8 bytes or more (MIN_SECRET_LENGTH), so each alignment has a core
      // (base64Cores), starting at byte 0, 2 or 1 of it: its head is 6 of the first 8 bytes.
      if (ASCII.test(secret)) for (let i = 0; i < 8; i++) bytes[i] = secret.charCodeAt(i);
      else bytes.set(Buffer.from(secret, 'utf8').subarray(0, 8));
      for (let from = 0; from < 3; from++) {
        this.add((bytes[from]! << 16) | (bytes[from + 1]! << 8) | bytes[from + 2]!, (bytes[from + 3]! << 16) | (bytes[from + 4]! << 8) | bytes[from + 5]!);
      }
    }
  }

  private add(high: number, low: number): void {
    const {table, mask} = this;
    for (let slot = coreHeadSlot(high, low) & mask; ; slot = (slot + 1) & mask) {
      if (table[2 * slot] === 0) {
        table[2 * slot] = high | OCCUPIED;
        table[2 * slot + 1] = low;
        return;
      }
      if (table[2 * slot] === (high | OCCUPIED) && table[2 * slot + 1] === low) return;
    }
  }

  /**
   * Whether some core may lie in text (false: certainly none does). One pass, a rolling 48-bit
   * window. Also on the text's UTF-8 bytes, with the same answer (a character past ASCII, as each
   * of its bytes, ends a run of base64), and several times faster on a long text (issue 14: the
   * 0.3 MB of `accounts --json`).
   */
  mayHoldCore(text: string | Uint8Array): boolean {
    // One loop written twice, over bytes and over char codes: a single loop reading through an
    // accessor (or over either type) would turn the masker's hottest path polymorphic.
    return typeof text === 'string' ? this.mayHoldCoreInText(text) : this.mayHoldCoreInBytes(text);
  }

  private mayHoldCoreInBytes(bytes: Uint8Array): boolean {
    const {table, mask} = this;
    let high = 0;
    let low = 0;
    let run = 0;
    for (let i = 0; i < bytes.length; i++) {
      const code = bytes[i]!;
      const value = code < 128 ? BASE64_VALUES[code]! : -1;
      if (value < 0) {
        run = 0;
        continue;
      }
      high = ((high << 6) | (low >>> 18)) & 0xffffff;
      low = ((low << 6) | value) & 0xffffff;
      if (++run < 8) continue;
      for (let slot = coreHeadSlot(high, low) & mask; table[2 * slot] !== 0; slot = (slot + 1) & mask) {
        if (table[2 * slot] === (high | OCCUPIED) && table[2 * slot + 1] === low) return true;
      }
    }
    return false;
  }

  private mayHoldCoreInText(text: string): boolean {
    const {table, mask} = this;
    let high = 0;
    let low = 0;
    let run = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const value = code < 128 ? BASE64_VALUES[code]! : -1;
      if (value < 0) {
        run = 0;
        continue;
      }
      high = ((high << 6) | (low >>> 18)) & 0xffffff;
      low = ((low << 6) | value) & 0xffffff;
      if (++run < 8) continue;
      for (let slot = coreHeadSlot(high, low) & mask; table[2 * slot] !== 0; slot = (slot + 1) & mask) {
        if (table[2 * slot] === (high | OCCUPIED) && table[2 * slot + 1] === low) return true;
      }
    }
    return false;
  }

  /** mayHoldCore over bytes[first, start) followed by bytes[after, last) (plain base64: two pieces, a line break skipped). */
  private mayHoldCoreAcross(bytes: Uint8Array, first: number, start: number, after: number, last: number): boolean {
    const {table, mask} = this;
    let high = 0;
    let low = 0;
    let run = 0;
    for (let i = first; i < last; i = i + 1 === start ? after : i + 1) {
      high = ((high << 6) | (low >>> 18)) & 0xffffff;
      low = ((low << 6) | BASE64_VALUES[bytes[i]!]!) & 0xffffff;
      if (++run < 8) continue;
      for (let slot = coreHeadSlot(high, low) & mask; table[2 * slot] !== 0; slot = (slot + 1) & mask) {
        if (table[2 * slot] === (high | OCCUPIED) && table[2 * slot + 1] === low) return true;
      }
    }
    return false;
  }

  /**
   * For bytes without a folded space or `%0`: whether some raw or JSON-escaped line break may join
   * pieces that hold a core (false: certainly none). Settled on the bytes, without decoding them,
   * where a line break sits between two pieces of plain base64 that end at bytes no chain goes on
   * through (an SSE event's `content_block_delta\ndata:`): the windows of those two pieces are
   * looked up. Any other line break between pieces (a longer chain, an escape): true.
   */
  private lineBreaksMayJoinCore(bytes: Buffer): boolean {
    const length = bytes.length;
    /** Where the run of plain base64 from `at` on (by `step`) ends: its first byte past it. */
    const runEnd = (at: number, step: number): number => {
      while (at >= 0 && at < length && BASE64_CODES[bytes[at]!] === 1) at += step;
      return at;
    };
    /** Whether no chain goes on through this byte (none; a space only between two runs shorter than SPACE_FOLDED_WIDTH). */
    const ends = (at: number): boolean => {
      if (at < 0 || at >= length) return true;
      const code = bytes[at]!;
      if (code !== 32) return code >= 128 || CHAIN_CODES[code] === 0;
      return at - 1 - runEnd(at - 1, -1) < SPACE_FOLDED_WIDTH && runEnd(at + 1, 1) - at - 1 < SPACE_FOLDED_WIDTH;
    };
    for (const needle of LINE_BREAK_NEEDLES) {
      for (let found = bytes.indexOf(needle); found >= 0; found = bytes.indexOf(needle, found + 1)) {
        let start = found;
        if (needle === 10 && bytes[found - 1] === 13) start = found - 1;
        else if (needle !== 10 && bytes[found - 1] === 114 && bytes[found - 2] === 92) start = found - 2;
        const after = found + (needle === 10 ? 1 : 2);
        const first = runEnd(start - 1, -1) + 1;
        const last = runEnd(after, 1);
        // No piece before it; or none after it but one that starts with an escape (`%2F`, `\/`).
        if (first === start) continue;
        if (last === after) {
          if (bytes[after] === 37 || bytes[after] === 92) return true;
          continue;
        }
        if (!ends(first - 1) || !ends(last)) return true;
        if (last - after + start - first < 8) continue;
        // The two pieces' windows of 8 atoms, their line break skipped.
        if (this.mayHoldCoreAcross(bytes, first, start, after, last)) return true;
      }
    }
    return false;
  }

  /**
   * Whether some core may lie in a chain of text (false: certainly none does): as mayHoldCore,
   * over each chain's atoms, its separators skipped, so a core cut by line breaks or spaces is
   * seen whole. Only chains are read: line breaks are found by native search, spaces only next to
   * a run of SPACE_FOLDED_WIDTH base64 characters (found by looking at every 16th character), so
   * a bulk body, prose and JSON punctuation are never walked character by character.
   */
  mayHoldWrappedCore(input: string | Uint8Array, maxEchoLength: number): boolean {
    let text: string;
    if (typeof input === 'string') text = input;
    else {
      // Bytes are decoded (latin1) only when some separator may join pieces: most chunks have none.
      const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.length);
      const spaces = bytes.indexOf(32) < 0 ? -1 : SPACE_FOLDED_WIDTH - 1;
      if (bytes.indexOf(PERCENT_LF) < 0 && foldedSpaceInBytes(bytes, {sample: spaces}) < 0 && !this.lineBreaksMayJoinCore(bytes)) return false;
      text = bytes.toString('latin1');
    }
    const length = text.length;
    const at = (i: number) => text.charCodeAt(i);
    const find = (needle: 0 | 1 | 2, from: number) => text.indexOf(needle === 0 ? '\n' : needle === 1 ? '\\n' : '%0', from);
    const next = [find(0, 0), find(1, 0), find(2, 0), -1];
    /** Where to look for the next run of base64 next to a space (-1: no space in the text). */
    const cursor = {sample: text.indexOf(' ') < 0 ? -1 : SPACE_FOLDED_WIDTH - 1};
    const nextSpace = () => foldedSpace(text, cursor);
    next[3] = nextSpace();
    const {table, mask} = this;
    /** Text before this has been read as part of a chain. */
    let done = 0;
    for (;;) {
      let which = -1;
      for (let n = 0; n < 4; n++) if (next[n]! >= 0 && (which < 0 || next[n]! < next[which]!)) which = n;
      if (which < 0) return false;
      const found = next[which]!;
      next[which] = which === 3 ? nextSpace() : find(which as 0 | 1 | 2, found + 1);
      if (found < done) continue;
      // The piece before this separator (an earlier separator of its chain was read first), then
      // the chain read forward to its end. `\r\n` and `\\r\\n` start before the `\n` found.
      let i = which === 0 && at(found - 1) === 13 ? found - 1 : which === 1 && at(found - 1) === 114 && at(found - 2) === 92 ? found - 2 : found;
      const floor = Math.max(done, i - maxEchoLength);
      while (i > floor && (CHAIN_CODES[at(i - 1)] === 1 || at(i - 1) === 37 || at(i - 1) === 92)) i--;
      let high = 0;
      let low = 0;
      let run = 0;
      for (let pieceEnd = false; i < length; ) {
        const token = chainToken(text, i, pieceEnd, false);
        if (token > 0) {
          high = ((high << 6) | (low >>> 18)) & 0xffffff;
          low = ((low << 6) | (token & 63)) & 0xffffff;
          i += token >>> 8;
          pieceEnd = true;
          if (++run < 8) continue;
          for (let slot = coreHeadSlot(high, low) & mask; table[2 * slot] !== 0; slot = (slot + 1) & mask) {
            if (table[2 * slot] === (high | OCCUPIED) && table[2 * slot + 1] === low) return true;
          }
        } else if (token < 0) {
          i -= token;
          pieceEnd = false;
        } else if (i > found) break;
        else {
          run = 0;
          pieceEnd = false;
          i++;
        }
      }
      done = i;
    }
  }
}

/** Marks a used slot of CoreHeads' table (a high half is 24 bits, and may be 0). */
const OCCUPIED = 1 << 24;
/** The table slot of a core head's two 24-bit halves (before the table's mask). */
const coreHeadSlot = (high: number, low: number) => Math.imul(high ^ Math.imul(low, 0x85ebca6b), 0x9e3779b1) >>> 8;

/** Masks one echo found at `where` in a text (its masked form). */
export type EchoMask = (found: string, where: number) => string;

/**
 * Finds literals (each at least MIN_SECRET_LENGTH long) in text as one regular expression alternating
 * them (longest first) would: leftmost match first, at one position the first literal in the given
 * order. Why: V8 takes tens of milliseconds to compile an alternation of the ~14,000 forms of 1,000
 * accounts' secrets, on every rebuild (each token refresh), while this is built in a few. It scans
 * several times slower than the compiled expression, so a Redactor switches to that expression once
 * it has scanned enough text to pay for compiling it (COMPILE_AFTER). Candidates come from a rolling
 * hash of the first MIN_SECRET_LENGTH characters, checked against a bit filter, then the literals
 * with those characters.
 */
export class LiteralFinder {
  private readonly byHead = new Map<string, string[]>();
  /** 2^18 bits, one per value of the hash's top 18 bits: whether some literal's head hashes there. */
  private readonly filter = new Int32Array(1 << 13);

  /** Whether every literal's head is ASCII, so that its UTF-8 bytes are its characters (mayOccurIn). */
  private readonly asciiHeads: boolean;

  /** `literals`: longest first (ties keep their order). */
  constructor(literals: readonly string[]) {
    let asciiHeads = true;
    for (const literal of literals) {
      const head = literal.slice(0, HEAD_LENGTH);
      if (asciiHeads && !ASCII.test(head)) asciiHeads = false;
      const list = this.byHead.get(head);
      if (list) list.push(literal);
      else {
        this.byHead.set(head, [literal]);
        const bit = hashHead(literal, 0) >>> 14;
        this.filter[bit >>> 5]! |= 1 << (bit & 31);
      }
    }
    this.asciiHeads = asciiHeads;
  }

  /**
   * Whether some literal may occur in a text, read as its UTF-8 bytes (false: none does): the
   * rolling hash of replace over bytes, several times faster than over the string's characters
   * (issue 14: the 0.3 MB of `accounts --json`, which holds none). Only when every head is ASCII:
   * then a literal's head is the same bytes wherever it occurs; true otherwise.
   */
  mayOccurIn(bytes: Uint8Array): boolean {
    if (!this.asciiHeads) return true;
    let hash = 0;
    for (let i = 0; i < HEAD_LENGTH; i++) hash = (Math.imul(hash, HASH_BASE) + (bytes[i] ?? 0)) | 0;
    for (let i = 0; i + HEAD_LENGTH <= bytes.length; i++) {
      const bit = hash >>> 14;
      if (this.filter[bit >>> 5]! & (1 << (bit & 31)) && this.byHead.has(Buffer.from(bytes.buffer, bytes.byteOffset + i, HEAD_LENGTH).toString('latin1'))) return true;
      hash = (Math.imul(hash - Math.imul(bytes[i]!, HASH_BASE_TO_HEAD), HASH_BASE) + (bytes[i + HEAD_LENGTH] ?? 0)) | 0;
    }
    return false;
  }

  /** The text with every literal found replaced by `mask(literal, where)`; the same string when none is found. */
  replace(text: string, mask: EchoMask): string {
    let out = '';
    let copied = 0;
    let i = 0;
    let hash = hashHead(text, 0);
    while (i + HEAD_LENGTH <= text.length) {
      const bit = hash >>> 14;
      if (this.filter[bit >>> 5]! & (1 << (bit & 31))) {
        const found = this.byHead.get(text.slice(i, i + HEAD_LENGTH))?.find((literal) => text.startsWith(literal, i));
        if (found) {
          out += text.slice(copied, i) + mask(found, i);
          i = copied = i + found.length;
          hash = hashHead(text, i);
          continue;
        }
      }
      // Roll the hash one character on: drop text[i], take in text[i + HEAD_LENGTH].
      hash = (Math.imul(hash - Math.imul(text.charCodeAt(i), HASH_BASE_TO_HEAD), HASH_BASE) + text.charCodeAt(i + HEAD_LENGTH)) | 0;
      i++;
    }
    return copied === 0 ? text : out + text.slice(copied);
  }
}

/** Characters hashed to find candidates: every literal is at least this long. */
const HEAD_LENGTH = MIN_SECRET_LENGTH;
const HASH_BASE = 0x9e3779b1 | 0;
/** HASH_BASE ** (HEAD_LENGTH - 1), modulo 2^32. */
const HASH_BASE_TO_HEAD = Array.from({length: HEAD_LENGTH - 1}).reduce<number>((power) => Math.imul(power, HASH_BASE), 1);

/** Polynomial hash (modulo 2^32) of text[from, from + HEAD_LENGTH); characters past the end count as 0. */
function hashHead(text: string, from: number): number {
  let hash = 0;
  for (let i = from; i < from + HEAD_LENGTH; i++) hash = (Math.imul(hash, HASH_BASE) + (text.charCodeAt(i) || 0)) | 0;
  return hash;
}
