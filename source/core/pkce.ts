// PKCE (RFC 7636, S256), OAuth `state`, and reading JWT claims. Pure: randomness and hashing only.
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

/**
 * What a person pasted after an auth-code login: the full redirect URL, `code#state` (Claude's
 * callback page), or the bare code. `state` is undefined when the paste did not carry one.
 */
export function parsePastedCode(input: string): {code: string; state?: string; error?: string} | undefined {
  const text = input.trim();
  if (!text) return undefined;
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return undefined;
    }
    const params = new URLSearchParams(url.search);
    // Some providers put the answer in the fragment.
    if (!params.get('code') && !params.get('error') && url.hash) {
      for (const [k, v] of new URLSearchParams(url.hash.slice(1))) params.set(k, v);
    }
    const error = params.get('error');
    if (error) return {code: '', state: params.get('state') ?? undefined, error: params.get('error_description') ?? error};
    const code = params.get('code');
    if (!code) return undefined;
    const state = params.get('state') ?? undefined;
    // Claude's page may also be pasted as a URL whose code carries `#state`.
    if (!state && code.includes('#')) {
      const [c, s] = code.split('#', 2);
      return {code: c!, state: s};
    }
    return {code, state};
  }
  if (/\s/.test(text)) return undefined;
  const hash = text.indexOf('#');
  if (hash > 0) return {code: text.slice(0, hash), state: text.slice(hash + 1) || undefined};
  return {code: text};
}

/**
 * The code a paste holds for the login whose `state` is given; throws a UserError saying why there
 * is none: no code in it, another login's state, or the provider's refusal (its reason cut to
 * REASON_CHARS, on one line). The state is checked first, as for the browser's callback: another
 * login's refusal is not this one's. A paste without a state is taken as this login's.
 */
export function pastedCodeFor(text: string, state: string): string {
  const parsed = parsePastedCode(text);
  if (!parsed) throw new UserError('that is not a redirect URL or a code: paste the whole URL from the browser, or the code');
  if (parsed.state !== undefined && parsed.state !== state) throw new UserError('the pasted state does not match this login (an old or foreign link?); nothing was stored');
  if (parsed.error) throw new UserError(`the provider refused the login: ${cutText(sanitizeLine(parsed.error), REASON_CHARS)}`);
  return parsed.code;
}
