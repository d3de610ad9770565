// `login`'s note for a QR that does not fit names the least terminal that fits it, the same whatever
// size the terminal has: the QR's width, and the rows at that width (the text below wraps there).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {qrForTerminal, qrLines, wrappedRows} from '../../source/services/qr.js';

const URL_TEXT = `https://accounts.example.com/o/oauth2/auth?${'scope=x&'.repeat(40)}state=abc`;
const below = `  Open: ${URL_TEXT}\nAfter approving, paste the address here and press Enter.\n`;
const reserved = (columns: number) => 1 + wrappedRows(below, columns);

test('the QR note says the same size on a narrow, a wide and a taller terminal; at that size the QR prints', () => {
  const notes = [
    {columns: 80, rows: 24},
    {columns: 200, rows: 24},
    {columns: 80, rows: 40},
  ].map((size) => qrForTerminal(URL_TEXT, size, reserved));
  const [first] = notes;
  assert.match(first!, /^\(a QR code needs a terminal of at least (\d+)×(\d+) for the QR alone; enlarge it, or open the address below\)\n$/);
  for (const note of notes) assert.equal(note, first);
  const [, columns, rows] = /at least (\d+)×(\d+)/.exec(first!)!.map(Number);
  assert.equal(columns, qrLines(URL_TEXT)[0]!.length);
  assert.match(qrForTerminal(URL_TEXT, {columns: columns!, rows: rows!}, reserved), /█/);
  assert.match(qrForTerminal(URL_TEXT, {columns: columns!, rows: rows! - 1}, reserved), /needs a terminal/);
});
