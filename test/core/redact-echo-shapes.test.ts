import assert from 'node:assert/strict';
import {test} from 'node:test';
import {ERROR_TEXT, maskCredentialPatterns, Redactor} from '../../source/core/redact.js';

// Made-up credentials, shaped as the real ones.
const BODY = 'Q7xZk2Lm9pR4tV8wY1bC3dF5gH6jK0nMaSeUiOo2pQ4rT6yU8iO0pA1sD3fG5hJ';
const OAT = `sk-ant-oat01-${BODY}_x-${BODY.slice(0, 30)}`;

test('generic shapes right after a percent escape: a token in a URL-encoded redirect_uri, state or Bearer%20', () => {
  const cases = [
    `redirect_uri=https%3A%2F%2Fapp%2Fcb%3Ftoken%3Dsk-ant-oat01-${BODY}`,
    `redirect_uri=https%253A%252F%252Fapp%252Fcb%253Fcode%253Dgho_${BODY}`,
    `state=%7B%22t%22%3A%22ghu_${BODY}%22%7D`,
    `next=%2Fcb%23access_token%3Dya29.${BODY}`,
    `next=%2Fcb%23access_token%3DOPAQUE${BODY}`,
    `Authorization%3A%20Bearer%20${BODY}`,
    `grant_type=refresh_token&refresh_token=1%2F%2F0g${BODY}`,
  ];
  for (const text of cases) {
    const masked = maskCredentialPatterns(text);
    assert.ok(!masked.includes(BODY.slice(0, 16)), `${text} → ${masked}`);
    assert.match(masked, /…\(redacted\)/);
  }
});

test('generic shapes right after a JSON \\u escape (a curly quote from an ensure_ascii encoder)', () => {
  assert.equal(maskCredentialPatterns(`{"message":"token \\u201csk-ant-oat01-${BODY}\\u201d is invalid"}`), '{"message":"token \\u201csk-a…(redacted)\\u201d is invalid"}');
});

test('generic shapes: Google API keys, fine-grained GitHub tokens, xAI and Groq keys (the prefixes sanitize.ts knows)', () => {
  for (const key of [`AIzaSyA${BODY.slice(0, 32)}`, `github_pat_11ABCDEFG0_${BODY}`, `xai-${BODY}`, `gsk_${BODY}`]) {
    const text = `GET /v1beta/models?key=${key} failed: invalid key ${key}.`;
    assert.ok(!maskCredentialPatterns(text).includes(key.slice(4, 24)), text);
  }
  // Ordinary words that share a prefix's letters stay, and so do names that only look like a key
  // in another case or length (a model name, a file name; an attack's list).
  const prose = 'the task-runner asks ya29 questions; ghost_town and skeleton keys; %41sk-short';
  assert.equal(maskCredentialPatterns(prose), prose);
  for (const name of ['xai-grok4fastreasoninglatest', 'xai-grok-4-fast-reasoning', 'AIZASYA0123456789abcdefghijklmnopqrstu', 'Aizawa-long-ish-file-name-here-and-more', 'gsk_llama_instant', 'GSK_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH']) {
    assert.equal(maskCredentialPatterns(`model ${name} not found`), `model ${name} not found`, name);
  }
});

// Not timed (the bench measures speed): a look back that went back over the whole run at each
// character would take minutes on these, and the test's own timeout would end it.
test('long runs of escapes and letters with no credential in them come out as they went in', {timeout: 60_000}, () => {
  for (const text of ['%20'.repeat(60_000) + 'x', '\\u201c'.repeat(30_000), 'a'.repeat(200_000), 'token%20'.repeat(25_000), '%' + '25'.repeat(50_000) + '3D', 's'.repeat(200_000), '1%25'.repeat(50_000)]) {
    assert.equal(maskCredentialPatterns(text), text);
  }
});

test('an error\'s or redirect\'s response header quoting the start of an account token, cut short, is masked (WWW-Authenticate, Location)', () => {
  const redactor = new Redactor([OAT]);
  const cut = {
    'www-authenticate': `Bearer realm="api", error="invalid_token", error_description="token ${OAT.slice(0, 30)}... expired"`,
    location: `https://app.example/cb#access_token=${OAT.slice(0, 40)}`,
  };
  const headers = redactor.redactHeaders({...cut, 'content-type': 'application/json'});
  assert.equal(headers['www-authenticate'], 'Bearer realm="api", error="invalid_token", error_description="token sk-a...(redacted)... expired"');
  assert.equal(headers.location, 'https://app.example/cb#access_token=sk-a...(redacted)');
  assert.equal(headers['content-type'], 'application/json');
  // Another account's token that only shares the common `sk-ant-oat01-` start stays.
  const other = `sk-ant-oat01-ZZ${BODY}`;
  assert.equal(redactor.redactHeaders({'x-note': other})['x-note'], other);
});

test('an error body still masks a whole echo and its cut start with ERROR_TEXT', () => {
  const redactor = new Redactor([OAT]);
  const out = redactor.redact(`{"error":{"message":"Invalid bearer token ${OAT.slice(0, 24)}… (redirect_uri=https%3A%2F%2Fa%2Fcb%3Ftoken%3D${encodeURIComponent(OAT)})"}}`, ERROR_TEXT);
  assert.ok(!out.includes(BODY.slice(0, 12)), out);
});
