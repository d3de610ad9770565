// Every row's adapter agrees with the row's data.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {PROVIDERS} from '../../source/providers/table.js';

test('a row reports quota exactly when its adapter can read it', () => {
  for (const row of PROVIDERS) {
    assert.equal(row.quotaSource !== null, typeof row.adapter.fetchQuota === 'function', row.id);
  }
});

test('a row that refreshes outside the refresh_token grant says when it is due', () => {
  for (const row of PROVIDERS) {
    if (row.adapter.refresh) assert.equal(typeof row.adapter.refreshAlwaysDue, 'function', row.id);
  }
});
