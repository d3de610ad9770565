// PKCE (RFC 7636, S256), OAuth `state`, reading JWT claims, and what a pasted login answer holds. Pure:
// randomness, hashing and text only.
import {nodeCrypto} from './crypto.js';
import {parseJsonObject} from './json-object.js';
import {cutText, REASON_CHARS} from './redact.js';
import {sanitizeLine} from './sanitize.js';
import {UserError} from './types.js';

export interface Pkce {
  verifier: string;
  challenge: string;
  method: 'S256';
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

export function pkceChallenge(verifier: string): string {
  return base64url(nodeCrypto().createHash('sha256').update(verifier).digest());
}

/** A 43-character verifier (32 random bytes) and its S256 challenge. */
export function makePkce(): Pkce {
  const verifier = base64url(nodeCrypto().randomBytes(32));
  return {verifier, challenge: pkceChallenge(verifier), method: 'S256'};
}

export function makeState(): string {
  return base64url(nodeCrypto().randomBytes(24));
}

/** The payload of a JWT, unverified (it came straight from the token endpoint over TLS), or undefined. */
export function jwtClaims(token: unknown): Record<string, unknown> | undefined {
  if (typeof token !== 'string') return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  return parseJsonObject(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
}

/** Bracketed-paste marks (ESC[200~ … ESC[201~) a terminal may wrap a paste in. */
const PASTE_MARKS = /\x1b\[20[01]~/g;
/** Format characters (zero-width space and joiners, BOM, bidi marks) copied along with an address. */
const FORMAT_CHARACTERS = /\p{Cf}/gu;
/** One pair of quotes or angle brackets around the whole paste (a chat's or a mail's rendering). */
const WRAPPED = /^(?:"([^"]*)"|'([^']*)'|<([^<>]*)>)$/;
/** What a code is made of: base64url, Google's `4/0A…`, base64 padding; no scheme, quote, escape or `=` inside. */
const CODE = /^[A-Za-z0-9._~+/-]+={0,2}$/;
/**
 * Whether a parameter of the pasted address names a state: `state` however written (`STATE`, an
 * `&amp;state` copied from a page's source, `/cb?state` in a fragment). Not OIDC's `session_state`.
 */
const namesState = (key: string) => key !== 'session_state' && key.toLowerCase().endsWith('state');

/**
 * What a person pasted after an auth-code login: the full redirect URL (the answer in its query or
 * its fragment), `code#state` (Claude's callback page), or the bare code, percent-escaped or not.
 * `states` holds every state the paste names (any parameter that names one, a fragment that is a
 * bare state, and any after a `#` in the code), so a paste naming another login's anywhere is seen;
 * empty when it names none. Undefined when it holds no single code (none, two different ones,
 * characters no code has, whitespace inside, a scheme other than http(s)).
 */
export function parsePastedCode(input: string): {code: string; states: string[]; error?: string} | undefined {
  let text = input.replace(PASTE_MARKS, '').replace(FORMAT_CHARACTERS, '').trim();
  const wrapped = WRAPPED.exec(text);
  if (wrapped) text = (wrapped[1] ?? wrapped[2] ?? wrapped[3]!).trim();
  // Two things pasted at once, or a sentence: not one address or code.
  if (!text || /\s/.test(text)) return undefined;
  // An address bar may show (and copy) a loopback address without its scheme.
  if (/^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?[/?#]/i.test(text)) text = `http://${text}`;
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return undefined;
    }
    // Some providers put the answer in the fragment; both are read, and must not disagree.
    const hash = url.hash.slice(1);
    const params = [...url.searchParams, ...(hash.includes('=') ? new URLSearchParams(hash) : [])];
    const all = (name: string) => params.filter(([key]) => key === name).map(([, value]) => value);
    // A fragment with no parameters is a state, as after Claude's code (`…?code=X#state`).
    const states = [...params.filter(([key]) => namesState(key)).map(([, value]) => value), ...(hash && !hash.includes('=') ? [safeDecode(hash) ?? hash] : [])];
    const error = all('error')[0];
    if (error) return {code: '', states, error: all('error_description')[0] || error};
    const codes = new Set(all('code'));
    if (codes.size !== 1) return undefined;
    return codeAndStates([...codes][0]!, states);
  }
  const decoded = safeDecode(text);
  return decoded === undefined ? undefined : codeAndStates(decoded, []);
}

/** `code#state…` split, the code checked for a code's characters; `states` are those named elsewhere. */
function codeAndStates(text: string, states: string[]): {code: string; states: string[]} | undefined {
  const [code, ...carried] = text.split('#');
  return code && CODE.test(code) ? {code, states: [...states, ...carried]} : undefined;
}

/** Percent escapes decoded (a code copied out of an address: `4%2F0A…`); undefined when malformed. */
function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * The code a paste holds for the login whose `state` is given; throws a UserError saying why there
 * is none: no code in it, another login's state, or the provider's refusal (its reason cut to
 * REASON_CHARS, on one line). The state is checked first, as for the browser's callback: another
 * login's refusal is not this one's. A paste that names no state is taken as this login's; one that
 * names any other (anywhere in it) is refused.
 */
export function pastedCodeFor(text: string, state: string): string {
  const parsed = parsePastedCode(text);
  if (!parsed) throw new UserError('that is not a redirect URL or a code: paste the whole URL from the browser, or the code');
  if (parsed.states.some((named) => named !== state)) throw new UserError('the pasted state does not match this login (an old or foreign link?); nothing was stored');
  if (parsed.error) throw new UserError(providerRefusal(parsed.error));
  return parsed.code;
}

/** How a provider's refusal of a login (an `error` redirect, RFC 6749 §4.1.2.1) is said, pasted or by the browser's callback: its reason cut to REASON_CHARS, on one line. */
export const providerRefusal = (reason: string) => `the provider refused the login: ${cutText(sanitizeLine(reason), REASON_CHARS)}`;
