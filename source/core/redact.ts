// One masking facility for every output boundary: a Redactor built from every credential of every
// loaded account replaces each echo (URL-encoded, JSON-escaped, base64 too) with a masked form, `sk-a…(redacted)`:
// enough to recognise which secret it was, never enough to use it. Pure: callers gather the secrets.
// The public entry point: code outside core/redact/ imports from here. The parts, each importing
// only parts listed before it:
// - redact/echo-forms.ts: what an echo of a secret looks like (escaped, base64) and its masked form;
// - redact/wrapped-base64.ts: base64 cut into lines or pieces (chains), and their tokenizer;
// - redact/finders.ts: LiteralFinder and CoreHeads, to find many forms without building them all;
// - redact/echo-filter.ts: EchoFilter, the sampled prefilter that lets a stream's bytes pass;
// - redact/credentials.ts: credentialsOf, and generic credential shapes (maskCredentialPatterns);
// - redact/redactor.ts: the Redactor, which puts them together, and its StreamRedactor;
// - redact/excerpt.ts: excerpt and cutText, text cut for a message without showing a credential.
// Not one file per class: the command line loads its modules unbundled, and each adds to its start.
export {MIN_SECRET_LENGTH, redactedForm} from './redact/echo-forms.js';
export {joinWrappedBase64} from './redact/wrapped-base64.js';
export {credentialsOf, maskCredentialPatterns} from './redact/credentials.js';
export {CUT_ECHO_MIN, ERROR_TEXT, maskSeenThrough, Redactor, SHOWN_TEXT, StreamRedactor, type RedactOptions} from './redact/redactor.js';
export {cutText, excerpt, maskedLine, REASON_CHARS, type Masker} from './redact/excerpt.js';
