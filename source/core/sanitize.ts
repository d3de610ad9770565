// Text that came from files or the network is shown in a terminal: it must not be able to move the
// cursor, change the title, write the clipboard or ring the bell. Secrets must never appear whole.
import {headOf, tailOf} from './code-units.js';
import {codePointName, firstInvisible, hasInvisible, invisibleKind, replaceInvisible} from './invisible.js';
import {plainHttpRule} from './plain-http.js';

// CSI, OSC (BEL or ST terminated), DCS/SOS/PM/APC strings, and two-byte ESC sequences.
const ESCAPE_SEQUENCES =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[PX^_][^\u001b]*(?:\u001b\\)?|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;
// Remaining C0/C1 controls except tab and newline.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Bidirectional formatting characters (Unicode UAX #9): marks (LRM U+200E, RLM U+200F, ALM U+061C),
// embeddings and overrides (U+202A–202E, e.g. RLO) and isolates (U+2066–2069). They reorder what the
// terminal shows, so a name can look like another ("Trojan Source", CVE-2021-42574).
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const PICTOGRAPH = /^[\p{Extended_Pictographic}\u{1f3fb}-\u{1f3ff}\ufe0f]$/u;
const TAG_RUN = /^[\u{1f3f4}\u{e0020}-\u{e007e}]$/u;

// Viramas (Canonical_Combining_Class 9) of the scripts that write conjuncts: after one, ZWJ and ZWNJ
// choose a letter's written form (Devanagari क्‍ष, Malayalam chillu letters, Sinhala yansaya).
const VIRAMA = /^[\u094d\u09cd\u0a4d\u0acd\u0b4d\u0bcd\u0c4d\u0ccd\u0d3b\u0d3c\u0d4d\u0dca\u0e3a\u0f84\u1039\u103a\u1714\u1715\u1734\u17d2\u1a60\u1b44\u1baa\u1bab\u1bf2\u1bf3\u2d7f\ua806\ua82c\ua8c4\ua953\ua9c0\uaaf6\uabed\u{10a3f}\u{11046}\u{110b9}\u{11133}\u{11134}\u{111c0}\u{11235}\u{112ea}\u{1134d}\u{11442}\u{114c2}\u{115bf}\u{1163f}\u{116b6}\u{1172b}\u{11839}]$/u;
// Letters of the scripts whose letters join (cursive), where ZWNJ between two of them is written in
// ordinary words to stop a join (Persian می‌خواهم, کتاب‌ها).
const JOINING_LETTER = /^[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}]$/u;
const LETTER = /^\p{L}$/u;
const MARK = /^\p{M}$/u;

/**
 * Whether an invisible character is part of what it sits in and is measured with it (string-width
 * counts emoji sequences as one): a ZWJ between two pictographs (👨‍👩‍👧), an emoji or keycap
 * variation selector, an ideographic variation selector after an ideograph, the tag characters of
 * a subdivision flag (🏴 + tags). ZWJ and ZWNJ also belong to a word where they change how it is
 * written, as IDNA's CONTEXTJ rules allow them in names (RFC 5892 Appendix A.1, A.2): after a
 * virama, and ZWNJ between two letters of a joining script (`letterBefore`/`after`: the letters
 * around it, combining marks skipped). Anywhere else (between Latin letters) they change nothing
 * visible and are shown, so look-alike names still differ.
 */
function partOfSequence(char: string, before: string, after: string, letterBefore: string): boolean {
  const code = char.codePointAt(0)!;
  if ((code === 0x200c || code === 0x200d) && VIRAMA.test(before)) return true;
  if (code === 0x200c) return JOINING_LETTER.test(letterBefore) && LETTER.test(letterBefore) && JOINING_LETTER.test(after) && LETTER.test(after);
  if (code === 0x200d) return PICTOGRAPH.test(before) && /^\p{Extended_Pictographic}$/u.test(after);
  // A keycap's base (`1`, `#`, `*`) takes one only with the keycap after it (1\ufe0f\u20e3): after a
  // bare digit it shows nothing, and a digit is a token's letter.
  if (code === 0xfe0e || code === 0xfe0f) return /^\p{Extended_Pictographic}$/u.test(before) || (/^[0-9#*]$/.test(before) && after === '\u20e3');
  if ((code >= 0xfe00 && code <= 0xfe0d) || (code >= 0xe0100 && code <= 0xe01ef)) return /^\p{Ideographic}$/u.test(before);
  if (code >= 0xe0020 && code <= 0xe007f) return TAG_RUN.test(before);
  return false;
}

/** `\u200b`, `\u{e0041}`: an invisible character made visible, so look-alike names differ on screen. */
function visibleForm(char: string): string {
  const code = char.codePointAt(0)!;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Code point before `offset` in `text` ('' at the start). */
function charBefore(text: string, offset: number): string {
  const last = text.codePointAt(offset - 1);
  if (last === undefined) return '';
  return last >= 0xdc00 && last <= 0xdfff && offset >= 2 ? String.fromCodePoint(text.codePointAt(offset - 2)!) : String.fromCodePoint(last);
}

/** Printable ASCII, and the arrow of the proxy's request log line (`→`: no control, bidi or invisible character). */
const PRINTABLE_PLAIN = /^[\x20-\x7e\u2192]*$/;

/** The code point before `offset`, combining marks skipped ('' when none). */
function baseBefore(text: string, offset: number): string {
  let at = offset;
  for (let char = charBefore(text, at); char !== ''; char = charBefore(text, at)) {
    if (!MARK.test(char)) return char;
    at -= char.length;
  }
  return '';
}

/**
 * Each character of core/invisible.ts's set (the one model names are refused for) shown as its
 * `\uXXXX` form, except inside the sequences it belongs to (partOfSequence): in a name such a
 * character makes two accounts look the same (`a\u200bbc@x` and `abc@x`), and terminals disagree on
 * its width (a table's border moves).
 */
function showInvisible(text: string): string {
  return replaceInvisible(text, (char, offset, whole) => {
    // Tab and newline are the layout sanitizeText keeps (the other controls are removed before).
    if (char === '\t' || char === '\n') return char;
    const next = whole.codePointAt(offset + char.length);
    const before = charBefore(whole, offset);
    const letterBefore = char === '\u200c' ? baseBefore(whole, offset) : before;
    return partOfSequence(char, before, next === undefined ? '' : String.fromCodePoint(next), letterBefore) ? char : visibleForm(char);
  });
}

/** A character that takes a cell: no space, no line break (what a removed run would join). */
const VISIBLE = /^\S$/;

/** Characters that may go on a token (API keys, OAuth tokens, base64url, JWTs): a run of them is one word. */
export const TOKEN_CHARACTER = /[A-Za-z0-9_\-+/=.~]/;

/** A run of what sanitizeText removes: escape sequences, C0/C1 controls (not tab or newline), bidi controls. */
const REMOVED_RUN = new RegExp(`(?:${ESCAPE_SEQUENCES.source}|${CONTROL_CHARACTERS.source}|${BIDI_CONTROLS.source})+`, 'g');

/**
 * `text` without escape sequences, control characters (tab and newline kept) and bidi controls,
 * what is left joined: for text about to be masked, so a credential with controls between its
 * letters is whole where the masker looks (core/redact/excerpt.ts maskedLine).
 */
export function withoutControls(text: string): string {
  return text.replace(REMOVED_RUN, '');
}

/**
 * Removes escape sequences, control characters and bidi controls, and shows invisible characters as
 * `\u200b` (showInvisible); keeps tabs and newlines. A run removed from between two visible
 * characters is shown as its first character's `\u0001` form instead: removed, the two sides would
 * join, and a credential an upstream echoed with controls between its letters (which no masker
 * matched) would stand whole on the screen, ready to copy; a name would read as another
 * (`alice\u202e@example.com` as `alice@example.com`, `alice\u202etxt` as `alicetxt`).
 */
export function sanitizeText(text: unknown): string {
  if (text === undefined || text === null) return '';
  // Printable ASCII holds none of what is removed or shown (the proxy's log line per request).
  if (typeof text === 'string' && PRINTABLE_PLAIN.test(text)) return text;
  const clean = String(text).replace(REMOVED_RUN, (run: string, offset: number, whole: string) => {
    const joins = VISIBLE.test(whole[offset - 1] ?? '') && VISIBLE.test(whole[offset + run.length] ?? '');
    return joins ? visibleForm(run[0]!) : '';
  });
  return hasInvisible(clean) ? showInvisible(clean) : clean;
}

/** Like sanitizeText, but also folds newlines and tabs into spaces, for one-line cells. */
export function sanitizeLine(text: unknown): string {
  return sanitizeText(text).replace(/[\t\r\n]+/g, ' ');
}

/**
 * Text a person typed or a file held, echoed in a message: `"work"`, in quotes, on one line without
 * escapes (sanitizeLine). The one way errors quote such text: a line break in it cannot start a
 * line that reads as ccs-tui's own, an escape cannot recolour or retitle the terminal.
 */
export function quoted(text: unknown): string {
  return `"${sanitizeLine(text)}"`;
}

/** `sk-ant-oat01-abcdef…` → `sk-a…cdef`: enough to tell two tokens apart, never enough to use one. */
export function maskSecret(secret: string | undefined | null): string {
  if (!secret) return '';
  if (secret.length <= 12) return '•'.repeat(Math.min(secret.length, 8));
  return `${headOf(secret, 4)}…${tailOf(secret, 4)}`;
}

/**
 * Replaces every occurrence of the given secrets in a message (errors, logs) with their masked form.
 * Used wherever text that may echo a request body or URL is shown.
 */
export function redactSecrets(text: string, secrets: Iterable<string | undefined | null>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(maskSecret(secret));
  }
  return out;
}

/**
 * A URL as an error may show it: its user and password (`https://user:pass@host` → `https://…@host`),
 * query and fragment (`?access_token=…` → `?…`) are the places a credential rides in a URL, so they
 * are masked; scheme, host, port and path stay. Works on text that does not parse as a URL too.
 */
export function maskedUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1…@').replace(/\?[^#]*/, '?…').replace(/#.*/s, '#…');
}

/** A URL's scheme at the start of a value: `https://`, `ftp://`. */
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
/**
 * A whole value shaped like a well-known credential: OpenAI/Anthropic/OpenRouter `sk-…`, Google
 * `AIza…` API keys, `ya29.…` and `1//…` tokens, GitHub `gh?_…` and `github_pat_…`, xAI `xai-…`, Groq
 * `gsk_…`, JWTs. None of them can be the start of a URL.
 */
const CREDENTIAL_VALUE =
  /^(?:sk-[A-Za-z0-9_-]{4,}|AIza[A-Za-z0-9_-]{8,}|ya29\.[A-Za-z0-9._-]{8,}|1\/\/[A-Za-z0-9_-]{16,}|gh[opsur]_[A-Za-z0-9]{8,}|github_pat_[A-Za-z0-9_]{16,}|xai-[A-Za-z0-9]{16,}|gsk_[A-Za-z0-9]{16,}|eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*)$/;
/** The words of a text a credential may be one of: what is between spaces, quotes, brackets, `=`, `:`, `,`, `;`, `|` (`Bearer sk-…`, `"sk-…"`, `KEY=sk-…`). */
const TEXT_WORD = /[^\s"'`=:,;|()<>[\]{}]+/g;
/** A well-known key prefix after a word's start or a `-`/`_`/`.` (`gpt-4o-sk-proj-…`), with more after it than any model id's part has. */
const EMBEDDED_CREDENTIAL = /(?<![A-Za-z0-9])(?:sk-|AIza|ya29\.|gh[opsur]_|github_pat_|xai-|gsk_|eyJ)[A-Za-z0-9._-]{16,}/g;
/** An address typed without its scheme: `bob.example.com/v1`, `localhost:8317`, `[::1]:8317`, `gateway:8080`. */
const HOST_LIKE = /^(?:localhost|\[[0-9a-f:.]+\]|[a-z0-9-]+(?:\.[a-z0-9-]+)+|[a-z0-9-]+(?=:\d))(?::\d*)?(?:[/?#].*)?$/i;
/** Shorter than this, a value that is no address is no key either (no provider issues one so short). */
const MIN_KEY_LENGTH = 8;

/** Whether `value` is, whole, shaped like a well-known credential (`sk-…`, `AIza…`, a JWT): a field that is no secret field hides it. */
export const looksLikeCredential = (value: string): boolean => CREDENTIAL_VALUE.test(value.trim());

/**
 * Whether `text` (a name typed or read: a model rule, a nickname) holds a credential anywhere: a word
 * of it that looksLikeCredential (`"sk-…"`, `Bearer sk-…`, `OPENAI_API_KEY=sk-…`), or a key's
 * well-known prefix inside a word (`gpt-4o-sk-proj-…`). A key pasted with what surrounded it is a key.
 */
export function holdsCredential(text: string): boolean {
  return maskCredentialsIn(text) !== text;
}

/** `text` with every credential holdsCredential finds in it masked as maskSecret masks a key (`Bearer sk-p…AAAA`). */
export function maskCredentialsIn(text: string): string {
  return text.replace(TEXT_WORD, (word) => (CREDENTIAL_VALUE.test(word) ? maskSecret(word) : word.replace(EMBEDDED_CREDENTIAL, (found) => maskSecret(found))));
}

/**
 * Whether `value`, typed where a file's path belongs (a service-account key file), is a secret
 * instead: the key file's JSON pasted whole, a PEM private key, a credential's shape. No path starts
 * with `{` or holds a PEM marker.
 */
export function secretInPathField(value: string): boolean {
  return /^\s*[{[]/.test(value) || /-----BEGIN|PRIVATE KEY|"private_key"/.test(value) || looksLikeCredential(value);
}

/**
 * Whether `value`, typed where a URL belongs (an API-key login's base URL), is a secret rather than
 * an address: a well-known credential shape at once (`sk-…`, `AIza…`), else anything with no scheme
 * that is no address missing its scheme and that an API-key field would take (one word, 8 characters
 * or more). A field that is no secret field hides such a value, and an error never quotes it whole.
 */
export function secretInUrlField(value: string): boolean {
  const text = value.trim();
  if (text === '' || SCHEME.test(text)) return false;
  if (CREDENTIAL_VALUE.test(text)) return true;
  return text.length >= MIN_KEY_LENGTH && !/\s/.test(text) && !HOST_LIKE.test(text);
}

/**
 * What is wrong with the port of an http(s) URL (`has port 99999; a port is 1-65535`), or undefined:
 * the URL parser takes port 0 (nothing listens there: "connection refused" would follow) and calls
 * 99999 or `8317x` only "not a valid URL", not saying which part.
 */
function badPort(text: string): string | undefined {
  // The authority's `:port`, after any user info and an IPv6 literal's brackets; an authority that
  // does not split so (a password holding `[`) is left to the URL parser's "not a valid URL".
  const port = /^https?:\/\/(?:[^/?#@]*@)?(?:\[[^\]/?#@]*\]|[^/?#:@[\]]*):([^/?#@]*)(?:[/?#]|$)/i.exec(text)?.[1];
  if (port === undefined || port === '') return undefined;
  // A port mistyped is short (`8317x`); longer text there may be a password's, shown masked.
  if (!/^\d+$/.test(port)) return `has port ${quoted(port.length > 6 ? maskSecret(port) : port)}, which is not a number; a port is 1-65535`;
  const number = Number(port);
  return number >= 1 && number <= 65535 ? undefined : `has port ${port.length > 12 ? `${port.slice(0, 12)}…` : port}; a port is 1-65535`;
}

/**
 * Why `value`, given where an http(s) URL belongs, is not one, worded so that a value that is no URL
 * is never shown whole: an API key pasted into the URL's field (or a token into a config's `url`) is
 * the usual cause, and an error quoting it would print the secret. It states the rule (plainHttpRule:
 * https://, or http:// to this machine; `optIn` is how the reader allows plain http:// to another
 * host) and what was given: a secret (secretInUrlField) only as maskSecret shows it (`sk-s…cdef`),
 * said to look like a key; an address missing its scheme as maskedUrl shows it; one with a scheme
 * (`https://exa mple.com`) is a URL mistyped and shows as maskedUrl does. Undefined for an http(s)
 * URL. Read after the field's name: `the base URL must start with https://, … ; got "sk-s…cdef",
 * which looks like a key, not an address`.
 */
export function notHttpUrl(value: string, optIn: string): string | undefined {
  const text = value.trim();
  let parsed: URL | undefined;
  try {
    parsed = new URL(text);
  } catch {
    parsed = undefined;
  }
  const port = badPort(text);
  if (port) return port;
  if (parsed && (parsed.protocol === 'https:' || parsed.protocol === 'http:')) {
    // A URL parser takes `…/v1 x` (as `/v1%20x`): an address with a word after it is a typo, not a path.
    if (/\s/.test(text)) return `has a space or line break in it: ${quoted(maskedUrl(text))} (give the address alone)`;
    const hidden = firstInvisible(text);
    return hidden ? `has ${invisibleKind(hidden)} in it (${codePointName(hidden)}): give the address alone, typed again` : undefined;
  }
  const rule = `must start with ${plainHttpRule(optIn)}`;
  const scheme = SCHEME.exec(text);
  if (!scheme) {
    if (secretInUrlField(text)) return `${rule}; got ${quoted(maskSecret(text))}, which looks like a key, not an address`;
    if (HOST_LIKE.test(text)) return `${rule}; got ${quoted(maskedUrl(text))}, with no https:// in front`;
    return `${rule}${text.length > 12 ? `; got ${quoted(maskSecret(text))}` : ''}`;
  }
  if (!parsed) return `is not a valid URL: ${quoted(maskedUrl(text))}`;
  // A scheme (ftp, ws, file) is short; a longer "scheme" is more likely a key before a `://`.
  const name = scheme[1]!.length <= 10 ? scheme[1]! : maskSecret(scheme[1]!);
  return `${rule}; got ${name}://`;
}
