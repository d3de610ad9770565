import assert from 'node:assert/strict';
import {test} from 'node:test';
import {fitRows, hiddenNote, type FitRow} from '../../source/core/fit-rows.js';

const row = (value: string, drop = 0): FitRow<string> => ({value, drop, label: value});
const spacer: FitRow<string> = {value: '', drop: 9};

test('fitRows: all rows when they fit; blank spacers go first and silently', () => {
  const rows = [row('state'), spacer, row('Traffic', 3), row('exports'), spacer, row('start')];
  assert.deepEqual(fitRows(rows, 6).shown, ['state', '', 'Traffic', 'exports', '', 'start']);
  const five = fitRows(rows, 5);
  assert.deepEqual(five.shown, ['state', '', 'Traffic', 'exports', 'start']);
  assert.equal(hiddenNote(five), undefined, 'a spacer is not worth a note');
  assert.deepEqual(fitRows(rows, 4).shown, ['state', 'Traffic', 'exports', 'start']);
});

test('fitRows: a labelled row left out costs a row for the note, which names it; order is kept', () => {
  const rows = [row('Provider'), row('Created', 6), row('Last used', 7), row('Status'), row('Quota')];
  const fitted = fitRows(rows, 4);
  // Two rows go (one for the note): the highest drop first.
  assert.deepEqual(fitted.shown, ['Provider', 'Status', 'Quota']);
  assert.equal(hiddenNote(fitted), '+2 rows in a taller terminal: Created, Last used');
  // Rows never dropped stay even when they alone overflow (the box clips them).
  assert.deepEqual(fitRows(rows, 1).shown, ['Provider', 'Status', 'Quota']);
});
