// Text cut for display or masking never ends in, or starts with, half a surrogate pair.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {headOf, tailOf} from '../../source/core/code-units.js';
import {cutText, excerpt, Redactor, redactedForm} from '../../source/core/redact.js';
import {maskSecret} from '../../source/core/sanitize.js';
import {editText} from '../../source/core/text-edit.js';

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const emoji = '\u{1F511}'; // two code units

test('masked forms: redactedForm and maskSecret keep whole characters', () => {
  for (const secret of [`sk-${emoji}abcdefghijkl`, `${emoji}${emoji}${emoji}abcdefghij`, `abcdefghijklmn-${emoji}`, `abcdefghijklmno${emoji}x`]) {
    for (const shown of [redactedForm(secret), maskSecret(secret), new Redactor([secret]).redact(`a ${secret} b`)]) {
      assert.ok(!LONE.test(shown), `${JSON.stringify(secret)} → ${JSON.stringify(shown)}`);
    }
  }
  assert.equal(redactedForm(`sk-${emoji}abcdefgh`), 'sk-…(redacted)');
  assert.equal(maskSecret(`abcdefghijklmn${emoji}xyz`), 'abcd…xyz');
});

test('cutText, excerpt and the cut helpers at every length', () => {
  const text = `${'ab'.repeat(3)}${emoji} ${emoji}${emoji} word${emoji}`;
  for (let max = 0; max <= text.length + 1; max++) {
    for (const cut of [cutText(text, max), excerpt(text, max, (t) => t), headOf(text, max), tailOf(text, max)]) {
      assert.ok(!LONE.test(cut), `max ${max}: ${JSON.stringify(cut)}`);
    }
  }
});

test('the text fields: Backspace, Ctrl+D and the arrows step over a whole character', () => {
  const text = `a${emoji}b`;
  assert.deepEqual(editText({text, cursor: 3}, '', 'backspace').draft, {text: 'ab', cursor: 1});
  assert.deepEqual(editText({text, cursor: 1}, '', 'ctrl+d').draft, {text: 'ab', cursor: 1});
  assert.equal(editText({text, cursor: 3}, '', 'left').draft.cursor, 1);
  assert.equal(editText({text, cursor: 1}, '', 'right').draft.cursor, 3);
});

test('a secret too short to be masked elsewhere (under MIN_SECRET_LENGTH) shows none of itself in its masked form', () => {
  for (const secret of ['a', 'abc', 'abcd', 'abcdefg']) assert.equal(redactedForm(secret), '…(redacted)', secret);
  assert.equal(redactedForm('abcdefgh'), 'abcd…(redacted)');
});

test('cutText: a token with characters drawn as nothing between its letters is one run at the cut, dropped as a plain one is', () => {
  const token = 'sk-ABCDEFGHIJKLMNOPQRSTUVWX';
  // Tag characters and supplementary variation selectors are surrogate pairs.
  for (const between of ['', '\u0000', '\u200b', '\u0301', '\u001b', '\u{E0020}', '\u{E0100}', '\u{1D167}']) {
    const spelled = [...token].join(between);
    for (let max = 5; max < 5 + spelled.length; max++) {
      const shown = cutText(`word ${spelled} end`, max).replace(/[\u0000\u200b\u0301\u001b\u{E0020}\u{E0100}\u{1D167}]/gu, '');
      assert.ok(!shown.includes('sk-AB'), `${JSON.stringify(between)} cut at ${max}: ${shown}`);
    }
  }
});

test('cutText: a line break or a tab still ends a token run (the words before it are kept)', () => {
  assert.equal(cutText('see https://example.com/docs\nrequest_id_abcdef0123456789', 40), 'see https://example.com/docs\n…');
  assert.equal(cutText('word\tabcdefghijklmnop', 10), 'word\t…');
});
