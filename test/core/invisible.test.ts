// The one set of invisible characters (core/invisible.ts): model names holding one are refused at
// read (modelNameProblem), and display (sanitizeText) never shows one as itself. Attack 12: the two
// disagreed, so `env` exported a name `models` showed escaped.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {codePointName, firstInvisible, invisibleKind} from '../../source/core/invisible.js';
import {modelNameProblem} from '../../source/core/model-rules.js';
import {sanitizeLine, sanitizeText} from '../../source/core/sanitize.js';

/** One of each kind the set names, with the kind's words. */
const HIDDEN: [string, string][] = [
  ['\u0000', 'a control character'], ['\u001b', 'a control character'], ['\u009b', 'a control character'], ['\t', 'a control character'],
  ['\u200b', 'an invisible formatting character'], ['\u202e', 'an invisible formatting character'], ['\ufeff', 'an invisible formatting character'], ['\u00ad', 'an invisible formatting character'], ['\u{e0041}', 'an invisible formatting character'],
  ['\u2028', 'a line or paragraph separator'], ['\u2029', 'a line or paragraph separator'],
  ['\u00a0', 'a space other than U+0020'], ['\u2007', 'a space other than U+0020'], ['\u202f', 'a space other than U+0020'], ['\u3000', 'a space other than U+0020'], ['\u1680', 'a space other than U+0020'],
  ['\ud800', 'a lone surrogate (half of a UTF-16 pair)'], ['\udfff', 'a lone surrogate (half of a UTF-16 pair)'],
  ['\u034f', 'a character that shows nothing'], ['\u115f', 'a character that shows nothing'], ['\u1160', 'a character that shows nothing'], ['\u3164', 'a character that shows nothing'], ['\uffa0', 'a character that shows nothing'],
  ['\u2800', 'a character that shows nothing'], ['\ufe0f', 'a character that shows nothing'], ['\u{e0100}', 'a character that shows nothing'],
];

/** Model ids providers and people use: none holds a character of the set. */
const ORDINARY = ['gpt-5.5', 'claude-opus-4-6@20260101', 'qwen/qwen3-coder:free', 'models/gemini-2.5-pro', 'kimi-k2.5(8192)', 'deepseek-v3.1_terminus', 'a b', '通义千问-max', 'モデル', 'naïve-모델', 'модель', 'نموذج', '👍-model'];

test('the set holds each kind the brief names, in words for a message', () => {
  for (const [char, kind] of HIDDEN) {
    assert.equal(firstInvisible(`gpt${char}5`), char, JSON.stringify(char));
    assert.equal(invisibleKind(char), kind, JSON.stringify(char));
  }
  assert.equal(codePointName('\u034f'), 'U+034F');
  assert.equal(codePointName('\u{e0041}'), 'U+E0041');
  assert.equal(firstInvisible('a\ud83d\ude00b'), undefined, 'a surrogate pair is one character (😀), no lone surrogate');
});

test('ordinary model ids (ASCII, dots, dashes, slashes, colons, @, CJK and other scripts) pass', () => {
  for (const id of ORDINARY) {
    assert.equal(firstInvisible(id), undefined, id);
    assert.equal(modelNameProblem(id), undefined, id);
    assert.equal(sanitizeLine(id), id, id);
  }
});

test('modelNameProblem refuses every character of the set, naming it and its kind', () => {
  assert.equal(modelNameProblem('a\u034fb'), 'holds U+034F (a character that shows nothing), which no model name has');
  assert.equal(modelNameProblem('a\u2028b'), 'holds U+2028 (a line or paragraph separator), which no model name has');
  assert.equal(modelNameProblem('a\ud800b'), 'holds U+D800 (a lone surrogate (half of a UTF-16 pair)), which no model name has');
  for (const [char] of HIDDEN) assert.match(modelNameProblem(`a${char}b`) ?? '', new RegExp(`^holds ${codePointName(char).replace('+', '\\+')} `));
});

test('read and display agree on every code point: a name is refused exactly when display would not show it as itself', () => {
  const planes = [[0, 0xffff], [0x10000, 0x1ffff], [0xe0000, 0xe01ff]] as const;
  let refused = 0;
  for (const [from, to] of planes) {
    for (let code = from; code <= to; code++) {
      const char = String.fromCharCode(...(code > 0xffff ? [0xd800 + ((code - 0x10000) >> 10), 0xdc00 + ((code - 0x10000) & 0x3ff)] : [code]));
      const name = `a${char}b`;
      const isRefused = modelNameProblem(name) !== undefined;
      if (isRefused) refused++;
      // Tab and newline are layout display keeps (folded to a space on one line); the rest of the set
      // is removed (controls, bidi) or shown as `\uXXXX`.
      const shownAsItself = sanitizeText(name) === name && !(char === '\t' || char === '\n');
      assert.equal(isRefused, !shownAsItself, `U+${code.toString(16)}: refused ${isRefused}, shown as itself ${shownAsItself}`);
    }
  }
  assert.ok(refused > 2500, `${refused} code points refused`);
});

test('display escapes the line and paragraph separators and the rest of the set on one line', () => {
  assert.equal(sanitizeLine('a\u2028b\u2029c'), 'a\\u2028b\\u2029c');
  assert.equal(sanitizeLine('a\u034fb \u00a0 \u115f\u3164\u2800\ud800'), 'a\\u034fb \\u00a0 \\u115f\\u3164\\u2800\\ud800');
  // The printable-ASCII fast path and kept layout are unchanged.
  assert.equal(sanitizeText('plain → text'), 'plain → text');
  assert.equal(sanitizeText('one\ntwo\tthree'), 'one\ntwo\tthree');
});
