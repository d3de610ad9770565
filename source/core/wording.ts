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
