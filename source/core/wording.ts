// One rule for "Title: cause" lines shown to people: the cause never repeats the title.
// Providers often describe an error with its own name ("access_denied: access denied"), which
// read "Access denied: access denied" on the login screen.

/** Lower-case words only: `access_denied`, "Access denied." and "ACCESS-DENIED" are the same words. */
function words(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/**
 * `Title: cause`, or `Title` alone when the cause only restates it; a cause that begins with the
 * title's words loses them ("Login failed" + "login failed: timeout" → "Login failed: timeout").
 */
export function withCause(title: string, cause?: string): string {
  const said = words(title);
  const rest = cause?.trim();
  if (!rest || words(rest) === said) return title;
  const prefix = new RegExp(`^${said.split(' ').map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^\\p{L}\\p{N}]+')}[^\\p{L}\\p{N}]+`, 'iu');
  const trimmed = said && prefix.test(rest) ? rest.replace(prefix, '') : rest;
  return trimmed ? `${title}: ${trimmed}` : title;
}

/**
 * A count with its noun, singular for exactly one: `1 account`, `2 accounts`, `0 accounts`; `plural`
 * for nouns not made by adding `s` (`entry`/`entries`). Every count word shown to people uses this.
 */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** `a` or `an` before `word` as it is read aloud by its first letter (`an aistudio account`, `a claude account`). */
export function articleFor(word: string): 'a' | 'an' {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/**
 * The words of `known` a typo of `typed` may be: at most two edits away (one for a word of four
 * letters or fewer), insertions, deletions, substitutions and one swap of neighbours each counting
 * one (Damerau-Levenshtein, optimal string alignment), case aside; nearest first.
 */
export function nearWords(typed: string, known: readonly string[]): string[] {
  const word = typed.toLowerCase();
  const most = word.length <= 4 ? 1 : 2;
  const scored = known.map((candidate) => ({candidate, distance: editDistance(word, candidate.toLowerCase())})).filter(({distance}) => distance > 0 && distance <= most);
  return scored.sort((a, b) => a.distance - b.distance).map(({candidate}) => candidate);
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const rows = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}
