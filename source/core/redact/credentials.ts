// Which strings are credentials: every credential field of a token file (credentialsOf, what a
// Redactor is built from), and generic credential shapes for text whose secrets this process cannot
// know (maskCredentialPatterns).
import {decodeEchoed, MIN_SECRET_LENGTH, redactedForm} from './echo-forms.js';

/** Token-file fields that hold credentials (CLIProxyAPI names), beyond those matched by name. */
const CREDENTIAL_FIELDS = ['access_token', 'refresh_token', 'id_token', 'api_key', 'copilot_token', 'token', 'key', 'secret', 'client_secret', 'password'];
/** Any other field named like a credential (`github_token`, `session_key`, …); `token_type` is not one. */
const CREDENTIAL_NAME = /(^|_)(token|key|secret|password|cookie)$/i;

/**
 * Every credential in a token file: the known fields, any string field named like a credential, and
 * the same inside nested objects (a Vertex service account's private key, a Copilot token object).
 */
export function credentialsOf(token: unknown): string[] {
  const out: string[] = [];
  collectCredentials(token, 0, out);
  return out;
}

function collectCredentials(value: unknown, depth: number, out: string[]): void {
  if (typeof value !== 'object' || value === null || depth > 3) return;
  for (const name of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[name];
    if (typeof field === 'string') {
      if (field.length >= MIN_SECRET_LENGTH && isCredentialName(name)) out.push(field);
    } else if (typeof field === 'object') collectCredentials(field, depth + 1, out);
  }
}

/** isCredentialName's answers by field name (token files repeat a few dozen names), at most NAMES_KEPT. */
const credentialNames = new Map<string, boolean>();
const NAMES_KEPT = 1024;

/**
 * Whether a field of this name holds a credential. Kept by name: a listing asks it for every field of
 * 1,000 token files, and the list and expression cost ~4 µs a file (issue 14).
 */
function isCredentialName(name: string): boolean {
  let answer = credentialNames.get(name);
  if (answer === undefined) {
    answer = CREDENTIAL_FIELDS.includes(name) || CREDENTIAL_NAME.test(name);
    if (credentialNames.size < NAMES_KEPT) credentialNames.set(name, answer);
  }
  return answer;
}

/**
 * Where a credential's name or a well-known prefix may begin: at a word boundary, or right after a
 * percent escape (`%3D`, `%20`, `%22`, `%253D`: a token in a URL-encoded `redirect_uri` or `state`,
 * `Bearer%20…`) or a JSON `\uXXXX` escape (`\u201c` before a quoted token): their last character
 * is a hex digit, after which `\b` sees no boundary. A regex source.
 */
const START = String.raw`(?:\b|(?<=%(?:25)*[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}))`;

/**
 * Generic credential shapes, for text from a server whose credentials this process cannot know (a
 * remote CLIProxyAPI's accounts, its management key echoed back): a bearer value, the value of a
 * field named like a credential (`refresh_token=…`, `\"access_token\": \"…`, `client_secret=…`, camelCase
 * `refreshToken` and `apiKey`, a header `x-api-key:`:
 * Qwen, iFlow and Kimi tokens have no prefix to know them by; base64url ones hold `_`), and tokens
 * with a well-known prefix (Anthropic `sk-ant-`, Google `ya29.` access and `1//` refresh tokens, GitHub
 * `gho_`/`ghu_`/`ghp_`/`ghs_`/`ghr_`, OpenAI `sk-`, JWTs `eyJ….….…`; `github_pat_`, `AIza`, `xai-` and
 * `gsk_` in CASED_KEY_PATTERNS). Also JSON-escaped `1\/\/`
 * and percent-encoded `1%2F%2F` (a form body); a name's separator percent-encoded too (`%3D`, `%3A`,
 * `%20`, `%22`: a URL inside a URL); a `\`
 * in a value only as the escape of a `/`, never that of the quote after it (JSON text stays JSON);
 * a value never begins inside a JSON escape (`token \u201c…`: the escape stays whole). The look
 * back at the separators runs only where a value's first character is: tried from every character
 * of a long run of separators (many backslashes), it took a time growing with the square of its length.
 */
const CREDENTIAL_PATTERNS = new RegExp(
  String.raw`(?=[\w.~+/=-]|\\\/)(?!(?<=\\)(?:u[0-9a-fA-F]{4}|[nrtbf]))(?<=(?:${START}(?:Bearer|Basic|token)|_(?:token|key|secret)|${START}(?:access|refresh|id|api|client|session|auth|private)-?(?:token|key|secret))(?:[\s:="'\\]|%(?:25)*(?:2[02]|3[aAdD]))+)(?:[\w.~+/=-]|\\\/){12,}` +
    // One look back (START) for every prefix, and only where a prefix's first letter is: tried at
    // every character (as `\b` is, cheaply), the look back made a long text several times slower.
    String.raw`|(?=[syeg1])${START}(?:sk-(?:ant-)?[A-Za-z0-9_-]{12,}|ya29\.[A-Za-z0-9._-]{12,}|1(?:\/\/|\\\/\\\/|%(?:25)*2[fF]%(?:25)*2[fF])[A-Za-z0-9._-]{12,}` +
    String.raw`|gh[opsur]_[A-Za-z0-9]{12,}` +
    String.raw`|eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*)`,
  'gi',
);

/**
 * API keys known by a prefix whose case is part of it and by their length (a Google API key is
 * `AIza` and 35 more; GitHub's fine-grained tokens, xAI's and Groq's keys are long): apart from
 * CREDENTIAL_PATTERNS, which ignores case, so that `AIZA…`, `Aizawa…` or a model named
 * `xai-grok4fastreasoning` are left as they are.
 */
const CASED_KEY_PATTERNS = new RegExp(String.raw`(?=[gAx])${START}(?:github_pat_[A-Za-z0-9_]{60,}|AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])|xai-[A-Za-z0-9]{40,}|gsk_[A-Za-z0-9]{40,})`, 'g');

/** Text with every generic credential shape masked (see CREDENTIAL_PATTERNS, CASED_KEY_PATTERNS). */
export function maskCredentialPatterns(text: string): string {
  const mask = (found: string) => redactedForm(decodeEchoed(found));
  return text.replace(CREDENTIAL_PATTERNS, mask).replace(CASED_KEY_PATTERNS, mask);
}
