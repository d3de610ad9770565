import assert from 'node:assert/strict';
import {test} from 'node:test';
import {draftOf, editText} from '../../source/core/text-edit.js';

test('typing, backspace (sent as DEL and reported as delete), cursor moves and kill keys', () => {
  let d = draftOf('');
  for (const ch of 'work') d = editText(d, ch, ch).draft;
  assert.deepEqual(d, {text: 'work', cursor: 4});
  d = editText(d, '', 'delete').draft;
  assert.deepEqual(d, {text: 'wor', cursor: 3});
  d = editText(d, '', 'left').draft;
  d = editText(d, 'X', 'X').draft;
  assert.deepEqual(d, {text: 'woXr', cursor: 3});
  d = editText(d, '', 'ctrl+u').draft;
  assert.deepEqual(d, {text: 'r', cursor: 0});
  assert.deepEqual(editText(draftOf('a b c'), '', 'ctrl+w').draft, {text: 'a b ', cursor: 4});
});

test('a paste arrives as one chunk; newlines fold, control characters are dropped', () => {
  const d = editText(draftOf('x'), 'http://127.0.0.1/cb?code=1\r\n\u001b', 'paste').draft;
  assert.equal(d.text, 'xhttp://127.0.0.1/cb?code=1 ');
});

test('Enter submits and Esc cancels without changing the text', () => {
  assert.equal(editText(draftOf('a'), '', 'enter').done, 'submit');
  assert.equal(editText(draftOf('a'), '', 'escape').done, 'cancel');
  assert.equal(editText(draftOf('a'), '', 'up').draft.text, 'a');
});
