import assert from 'node:assert/strict';
import {test} from 'node:test';
import {jsonErrorOffset} from '../../source/core/json-error-position.js';

test('finds where JSON breaks', () => {
  const cases: [string, number | undefined][] = [
    ['{"a": [1, 2, {"b": "c\\u00e9"}], "d": null, "e": -1.5e3, "f": true}', undefined],
    ['{"a": }', 6],
    ['{"a": 1,}', 8],
    ['[1 2]', 3],
    ['{"a": "unterminated', 19],
    ['{"a": tru}', 9],
    ['{"a": 1} extra', 9],
    ['{a: 1}', 1],
    ['"bad \\x escape"', 6],
  ];
  for (const [text, offset] of cases) {
    assert.equal(jsonErrorOffset(text), offset, text);
    assert.equal(offset === undefined, (() => { try { JSON.parse(text); return true; } catch { return false; } })(), `agrees with JSON.parse: ${text}`);
  }
});
