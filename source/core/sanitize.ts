// Text that came from files or the network is shown in a terminal: it must not be able to move the
// cursor, change the title, write the clipboard or ring the bell. Secrets must never appear whole.

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

/** Removes escape sequences, control characters and bidi controls; keeps tabs and newlines. */
export function sanitizeText(text: unknown): string {
  if (text === undefined || text === null) return '';
  return String(text).replace(ESCAPE_SEQUENCES, '').replace(CONTROL_CHARACTERS, '').replace(BIDI_CONTROLS, '');
}

/** Like sanitizeText, but also folds newlines and tabs into spaces, for one-line cells. */
export function sanitizeLine(text: unknown): string {
  return sanitizeText(text).replace(/[\t\r\n]+/g, ' ');
}

/** `sk-ant-oat01-abcdef…` → `sk-a…cdef`: enough to tell two tokens apart, never enough to use one. */
export function maskSecret(secret: string | undefined | null): string {
  if (!secret) return '';
  if (secret.length <= 12) return '•'.repeat(Math.min(secret.length, 8));
  return `${secret.slice(0, 4)}…${secret.slice(-4)}`;
}

/**
 * Replaces every occurrence of the given secrets in a message (errors, logs) with their masked form.
 * Used wherever text that may echo a request body or URL is shown.
 */
export function redactSecrets(text: string, secrets: Iterable<string | undefined | null>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 8) out = out.split(secret).join(maskSecret(secret));
  }
  return out;
}
