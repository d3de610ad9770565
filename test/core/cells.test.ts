// Terminal cells, not string length (issue 10): wide CJK, combining marks and emoji sequences.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {cellWidth, padCells, truncateCells, truncateName} from '../../source/core/cells.js';

test('widths in cells: CJK two, combining marks none, emoji sequences two', () => {
  assert.equal(cellWidth('abc'), 3);
  assert.equal(cellWidth('研究'), 4);
  assert.equal(cellWidth('e\u0301'), 1, 'e + combining acute');
  assert.equal(cellWidth('👩‍💻'), 2, 'a ZWJ sequence');
  assert.equal(cellWidth('\u001b[1m古\u001b[22m'), 2, 'escapes take no cell');
});

test('padCells pads to the cell width, left or right', () => {
  assert.equal(padCells('研究', 6), '研究  ');
  assert.equal(padCells('ｱｲ', 4, {align: 'right'}), '  ｱｲ', 'halfwidth katakana are narrow');
  assert.equal(padCells('Ame\u0301lie', 8), 'Ame\u0301lie  ', 'six cells, two spaces');
  assert.equal(padCells('toolong', 3), 'toolong', 'no cut unless asked');
  assert.equal(padCells('研究者です', 5, {truncate: true}), '研究…');
});

test('truncateCells never cuts a character in half', () => {
  assert.equal(truncateCells('研究者', 5), '研究…');
  assert.equal(truncateCells('研究者', 4), '研…', 'the wide character that would straddle the edge is dropped whole');
  assert.equal(truncateCells('e\u0301e\u0301e\u0301', 2), 'e\u0301…', 'a letter keeps its combining mark');
  assert.equal(truncateCells('👩‍💻👩‍💻', 3), '👩‍💻…');
  assert.equal(truncateCells('abc', 3), 'abc');
  assert.equal(truncateCells('abcdef', 4, ''), 'abcd');
  assert.equal(truncateCells('abc', 0), '');
  for (const text of ['研究者です', 'a研b究c', '🇯🇵🇯🇵x']) {
    for (let width = 1; width <= 8; width++) assert.ok(cellWidth(truncateCells(text, width)) <= width, `${text} in ${width}`);
  }
});

test('truncateName keeps what tells an account apart: the domain goes first, then the middle, never a token file\'s end', () => {
  assert.equal(truncateName('carol@example.com', 30), 'carol@example.com');
  assert.equal(truncateName('carol.longname@example.com', 20), 'carol.longname@exam…');
  assert.equal(truncateName('carol@example.com#team', 18), 'carol@exampl…#team');
  assert.equal(truncateName('work · alice@example.com', 18), 'work · alice@exam…');
  const label = 'carol@example.com (codex-carol@example.com-team.json)';
  assert.equal(truncateName(label, 48), 'carol@examp… (codex-carol@example.com-team.json)');
  const cut = truncateName(label, 30);
  assert.equal(cellWidth(cut), 30);
  assert.match(cut, /^carol@…*.*….*-team\.json\)$/);
  assert.equal(truncateName('key-0123abcd (aistudio-key.json)', 20), 'key-01…dio-key.json)');
  assert.equal(truncateName('a nickname that is long', 10), 'a nicknam…');
});
