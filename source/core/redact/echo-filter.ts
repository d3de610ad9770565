// The prefilter that proves, in one sampled pass, that a text or chunk holds no echo (EchoFilter),
// so that most of a stream passes without a regular expression. Its two sampling loops are the hot
// path of every answer, kept monomorphic with fields in locals: change them only with a benchmark.
import {VERBATIM_CODES} from './echo-forms.js';

/**
 * A prefilter that proves, in one sampled pass, that a text holds no echo, so that the regular
 * expressions (slow with many secrets: thousands of alternatives) run only where one may be.
 * Every literal form (a secret, a base64 core) has a run of at least `run` verbatim characters,
 * which every echo of it carries unchanged. Looking at the `width`-character window at every
 * `step`-th position (step = run − width + 1) therefore lands inside that run at one of its first
 * `step` offsets; those windows of every literal are kept in a bit set (two hashes each, a Bloom
 * filter). No sampled window in the set: no echo. A hit only means "look closer" (the full regular expression decides).
 */
export class EchoFilter {
  private constructor(
    private readonly width: 4 | 8,
    private readonly step: number,
    /** The shortest text that can hold a whole echo of any literal. */
    private readonly minEcho: number,
    private readonly bits: Int32Array,
    private readonly shift: number,
    /** By char code (0–255): 1 when the character may be part of an echo (a character of a literal, or of an escape). */
    readonly echoChars: Uint8Array,
    /** A few bytes, one of which is in every literal's verbatim run (empty: too many would be needed). */
    private readonly anyOf: readonly number[],
  ) {}

  /** The filter for these literal forms, or undefined when some literal has too short a verbatim run to sample. */
  static of(literals: readonly string[]): EchoFilter | null {
    const echoChars = new Uint8Array(256);
    for (const c of '%\\/u0123456789abcdefABCDEFnrt"') echoChars[c.charCodeAt(0)] = 1;
    const runs = literals.map((literal) => longestVerbatimRun(literal, echoChars));
    let run = Infinity;
    for (const r of runs) run = Math.min(run, r.length);
    if (run < 6) return null;
    const width = run >= 12 ? 8 : 4;
    const step = run - width + 1;
    // Two bits per window (two hashes), 512 bits per window up to 2 MB: a random window has both of
    // its bits set about 1 time in 60,000, so a 64 KB chunk of text without a secret rarely needs a
    // closer look (at 1,000 accounts the set is full enough that bulk chunks often do).
    const log2 = Math.min(24, Math.max(10, Math.ceil(Math.log2(runs.length * step * 512))));
    const bits = new Int32Array(1 << (log2 - 5));
    const shift = 32 - log2;
    let minEcho = Infinity;
    for (const literal of literals) minEcho = Math.min(minEcho, literal.length);
    for (const {text, start} of runs) {
      // The windows at the run's first `step` offsets, hashed as sampleString hashes a window.
      for (let p = start; p < start + step; p++) {
        const a = text.charCodeAt(p) | (text.charCodeAt(p + 1) << 8) | (text.charCodeAt(p + 2) << 16) | (text.charCodeAt(p + 3) << 24);
        const b = width === 8 ? text.charCodeAt(p + 4) | (text.charCodeAt(p + 5) << 8) | (text.charCodeAt(p + 6) << 16) | (text.charCodeAt(p + 7) << 24) : 0;
        const h = Math.imul(a ^ Math.imul(b, 0x85ebca6b), 0x9e3779b1) >>> shift;
        const g = Math.imul(b ^ Math.imul(a, 0x27d4eb2f), 0x165667b1) >>> shift;
        bits[h >>> 5]! |= 1 << (h & 31);
        bits[g >>> 5]! |= 1 << (g & 31);
      }
    }
    return new EchoFilter(width, step, minEcho, bits, shift, echoChars, hittingBytes(runs.map((r) => r.text.slice(r.start, r.start + r.length))));
  }

  /**
   * Whether some echo may lie whole in `text` (bytes, or a string's UTF-16 code units).
   * `lacksHittingByte`: lacksEveryHittingByte of the bytes, when the caller has it already.
   */
  mayHoldEcho(text: Uint8Array | string, lacksHittingByte?: boolean): boolean {
    if (text.length < this.minEcho) return false;
    if (typeof text === 'string') return this.sampleString(text);
    // Every echo holds one of these bytes (in its verbatim run): none in the chunk, no echo. A
    // native search, so a long chunk without any of them (bulk data) is not sampled at all.
    if (lacksHittingByte ?? this.lacksEveryHittingByte(text as Buffer)) return false;
    return this.sampleBytes(text);
  }

  /** Whether bytes hold none of the bytes one of which is in every literal (false when there are none such). */
  lacksEveryHittingByte(bytes: Buffer): boolean {
    return this.anyOf.length > 0 && !this.anyOf.some((byte) => bytes.includes(byte));
  }

  // The two loops below are the hot path of every answer: kept monomorphic, fields in locals.
  private sampleBytes(bytes: Uint8Array): boolean {
    const {bits, step, shift} = this;
    const last = bytes.length - this.width;
    const wide = this.width === 8;
    // Little-endian 32-bit reads: the same values as sampleString's four characters.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let p = 0; p <= last; p += step) {
      const a = view.getInt32(p, true);
      const b = wide ? view.getInt32(p + 4, true) : 0;
      const h = Math.imul(a ^ Math.imul(b, 0x85ebca6b), 0x9e3779b1) >>> shift;
      if ((bits[h >>> 5]! & (1 << (h & 31))) === 0) continue;
      const g = Math.imul(b ^ Math.imul(a, 0x27d4eb2f), 0x165667b1) >>> shift;
      if ((bits[g >>> 5]! & (1 << (g & 31))) !== 0) return true;
    }
    return false;
  }

  private sampleString(text: string): boolean {
    const {bits, step, shift} = this;
    const last = text.length - this.width;
    const wide = this.width === 8;
    for (let p = 0; p <= last; p += step) {
      const a = text.charCodeAt(p) | (text.charCodeAt(p + 1) << 8) | (text.charCodeAt(p + 2) << 16) | (text.charCodeAt(p + 3) << 24);
      const b = wide ? text.charCodeAt(p + 4) | (text.charCodeAt(p + 5) << 8) | (text.charCodeAt(p + 6) << 16) | (text.charCodeAt(p + 7) << 24) : 0;
      const h = Math.imul(a ^ Math.imul(b, 0x85ebca6b), 0x9e3779b1) >>> shift;
      if ((bits[h >>> 5]! & (1 << (h & 31))) === 0) continue;
      const g = Math.imul(b ^ Math.imul(a, 0x27d4eb2f), 0x165667b1) >>> shift;
      if ((bits[g >>> 5]! & (1 << (g & 31))) !== 0) return true;
    }
    return false;
  }
}

/** At most four bytes such that each run holds one of them (greedy: the byte in most runs left first); [] when four do not do. */
function hittingBytes(runs: readonly string[]): number[] {
  let left = [...new Set(runs)];
  const chosen: number[] = [];
  while (left.length > 0 && chosen.length < 4) {
    const counts = new Map<number, number>();
    for (const run of left) for (const code of new Set([...run].map((c) => c.charCodeAt(0)))) counts.set(code, (counts.get(code) ?? 0) + 1);
    const [best] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    chosen.push(best);
    left = left.filter((run) => !run.includes(String.fromCharCode(best)));
  }
  return left.length === 0 ? chosen : [];
}

/**
 * The longest run of VERBATIM characters in a literal (the first, on ties): where it starts, and its
 * length. Marks each of the literal's characters in `echoChars` on the way (one pass over the forms).
 */
function longestVerbatimRun(text: string, echoChars: Uint8Array): {text: string; start: number; length: number} {
  let best = {text, start: 0, length: 0};
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length) {
      const code = text.charCodeAt(i);
      if (code < 256) echoChars[code] = 1;
      if (code < 128 && VERBATIM_CODES[code] === 1) continue;
    }
    if (i - start > best.length) best = {text, start, length: i - start};
    start = i + 1;
  }
  return best;
}
