// One masking facility for every output boundary: a Redactor built from every credential of every
// loaded account replaces each occurrence (also URL-encoded) with a masked form, `sk-a…(redacted)`:
// enough to recognise which secret it was, never enough to use it. Pure: callers gather the secrets.

/** Secrets shorter than this are not masked (they would mask ordinary words and numbers). */
export const MIN_SECRET_LENGTH = 8;

/** Token-file fields that hold credentials (CLIProxyAPI names), beyond those matched by name. */
const CREDENTIAL_FIELDS = ['access_token', 'refresh_token', 'id_token', 'api_key', 'copilot_token', 'token', 'key', 'secret', 'client_secret', 'password'];
/** Any other field named like a credential (`github_token`, `session_key`, …); `token_type` is not one. */
const CREDENTIAL_NAME = /(^|_)(token|key|secret|password|cookie)$/i;

/** `sk-ant-oat01-…` → `sk-a…(redacted)`. */
export function redactedForm(secret: string): string {
  return `${secret.slice(0, 4)}…(redacted)`;
}

/**
 * Every credential in a token file: the known fields, any string field named like a credential, and
 * the same inside nested objects (a Vertex service account's private key, a Copilot token object).
 */
export function credentialsOf(token: unknown, depth = 0): string[] {
  if (typeof token !== 'object' || token === null || depth > 3) return [];
  const out: string[] = [];
  for (const [name, value] of Object.entries(token as Record<string, unknown>)) {
    if (typeof value === 'string' && (CREDENTIAL_FIELDS.includes(name) || CREDENTIAL_NAME.test(name))) out.push(value);
    else if (typeof value === 'object') out.push(...credentialsOf(value, depth + 1));
  }
  return out.filter((s) => s.length >= MIN_SECRET_LENGTH);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Redactor {
  private readonly pattern: RegExp | undefined;
  private readonly masked = new Map<string, string>();

  constructor(secrets: Iterable<string | undefined | null>) {
    for (const secret of secrets) {
      if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
      // A secret echoed inside a URL or a form body appears percent-encoded.
      for (const form of new Set([secret, encodeURIComponent(secret)])) this.masked.set(form, redactedForm(secret));
    }
    // Longest first, so a secret that contains another is masked whole.
    const forms = [...this.masked.keys()].sort((a, b) => b.length - a.length);
    this.pattern = forms.length ? new RegExp(forms.map(escapeRegExp).join('|'), 'g') : undefined;
  }

  get size(): number {
    return this.masked.size;
  }

  /** The text with every known secret masked. */
  redact(text: string): string {
    if (!this.pattern || !text) return text;
    return text.replace(this.pattern, (found) => this.masked.get(found) ?? redactedForm(found));
  }

  /** A copy of a JSON-like value with every string redacted (status objects, events, cache entries). */
  redactDeep<T>(value: T): T {
    if (!this.pattern) return value;
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v)) as T;
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redactDeep(v);
      return out as T;
    }
    return value;
  }
}
