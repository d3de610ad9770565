import assert from 'node:assert/strict';
import {test} from 'node:test';
import {maskSecret, redactSecrets, sanitizeLine, sanitizeText} from '../../source/core/sanitize.js';

test('escape sequences from the network cannot reach the terminal', () => {
  const hostile = 'alice\u001b[2J\u001b]0;pwned\u0007@example.com\u001b]52;c;ZXZpbA==\u001b\\\u0007\u009b31m';
  assert.equal(sanitizeText(hostile), 'alice@example.com');
  assert.equal(sanitizeText('a\u001bPq#0;2;0;0;0\u001b\\b'), 'ab', 'DCS (sixel) payloads are dropped');
  assert.equal(sanitizeText('tab\tand\nnewline kept\r'), 'tab\tand\nnewline kept');
  assert.equal(sanitizeLine('one\ntwo\tthree'), 'one two three');
  assert.equal(sanitizeText(undefined), '');
});

test('secrets are never shown whole', () => {
  const token = 'sk-ant-oat01-AAAABBBBCCCCDDDDEEEE';
  assert.equal(maskSecret(token), 'sk-a…EEEE');
  assert.equal(maskSecret('short'), '•••••');
  assert.equal(maskSecret(undefined), '');
  assert.equal(redactSecrets(`refresh failed for ${token} (retry)`, [token]), 'refresh failed for sk-a…EEEE (retry)');
});

test('bidi controls cannot reorder what a name looks like (RLO, isolates, LRM/RLM)', () => {
  // "alice\u202Emoc.elpmaxe@" would show as "alice@example.com" reversed in part: a spoofed name.
  assert.equal(sanitizeLine('alice\u202Etxt.exe'), 'alicetxt.exe');
  assert.equal(sanitizeLine('a\u2066b\u2067c\u2068d\u2069e'), 'abcde');
  assert.equal(sanitizeLine('x\u200Ey\u200Fz\u061C'), 'xyz');
  assert.equal(sanitizeText('\u202Aone\u202B\u202C\u202D'), 'one');
  // Letters of right-to-left scripts stay.
  assert.equal(sanitizeLine('שלום مرحبا'), 'שלום مرحبا');
});
