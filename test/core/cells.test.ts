// Terminal cells, not string length (issue 10): wide CJK, combining marks and emoji sequences.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import stringWidth from 'string-width';
import {cellWidth, padCells, truncateCells, truncateName} from '../../source/core/cells.js';
import {ONE_CELL_TEXT} from '../../source/core/graphemes.js';

test('widths in cells: CJK two, combining marks none, emoji sequences two', () => {
  assert.equal(cellWidth('abc'), 3);
  assert.equal(cellWidth('研究'), 4);
  assert.equal(cellWidth('e\u0301'), 1, 'e + combining acute');
  assert.equal(cellWidth('👩‍💻'), 2, 'a ZWJ sequence');
  assert.equal(cellWidth('\u001b[1m古\u001b[22m'), 2, 'escapes take no cell');
});

test('text of one-cell characters is measured as string-width measures it, beside any neighbour', () => {
  const segmenter = new Intl.Segmenter();
  const neighbours = ['a', '\u0301', '\u200d', '\ufe0f', '研', '👩', '\u1100'];
  let checked = 0;
  for (let code = 0; code <= 0xffff; code++) {
    const char = String.fromCharCode(code);
    if (!ONE_CELL_TEXT.test(char)) continue;
    checked++;
    assert.equal(stringWidth(char), 1, `U+${code.toString(16)}`);
    assert.equal(cellWidth(`${char}${char}x`), 3, `U+${code.toString(16)} twice`);
    assert.equal([...segmenter.segment(`a${char}${char}b`)].length, 4, `U+${code.toString(16)} is a grapheme of its own`);
    // Beside what is not one cell (a combining mark, a joiner, a wide character): string-width decides.
    for (const other of neighbours) assert.equal(cellWidth(`${char}${other}${char}`), stringWidth(`${char}${other}${char}`), `U+${code.toString(16)} beside U+${other.codePointAt(0)!.toString(16)}`);
  }
  assert.ok(checked > 1900, `${checked} characters checked`);
  assert.equal(cellWidth('user6 · user0006@example.com'), 28);
  assert.equal(cellWidth('›★ ░█▏ → …'), 10);
  assert.equal(cellWidth('\u0007'), stringWidth('\u0007'), 'a control character');
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

test('truncateName: an email whose local part alone is too long keeps its domain while the local part keeps half the width', () => {
  const long = 'maximilian.alexander.konstantinopoulos.platform-teams@example-corp.com';
  assert.equal(truncateName(long, 34), 'maximilian.alexa…@example-corp.com');
  // A local part that fits whole keeps itself whole: the domain is cut (what tells two accounts of one domain apart).
  assert.equal(truncateName(long, 60), 'maximilian.alexander.konstantinopoulos.platform-teams@examp…');
  assert.equal(cellWidth(truncateName(long, 34)), 34);
  // Narrower, the domain would take most of it: the start is what is kept, as before.
  assert.equal(truncateName(long, 30), 'maximilian.alexander.konstant…');
  // A local part that leaves the domain some room keeps it whole: the domain is cut, not the local part.
  assert.equal(truncateName('carol.longname@example.com', 20), 'carol.longname@exam…');
});
