// Records keyed by names from files and requests: no name finds what it did not set.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {idMap, nullRecord} from '../../source/core/id-map.js';

for (const [label, make] of [
  ['idMap', () => idMap<string>()],
  ['nullRecord', () => nullRecord<string>()],
] as const) {
  test(`${label}: __proto__, constructor and toString are ordinary keys`, () => {
    const record = make();
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) assert.equal(record[name], undefined, `${name} found before it was set`);
    assert.equal('toString' in record, false);
    record['__proto__'] = 'a';
    record['constructor'] = 'b';
    record['content-type'] = 'c';
    assert.deepEqual(Object.keys(record), ['__proto__', 'constructor', 'content-type']);
    assert.ok(Object.hasOwn(record, '__proto__'));
    assert.equal(record['__proto__'], 'a');
    // The shared prototype took nothing: a fresh record is empty.
    assert.deepEqual(Object.keys(make()), []);
    assert.equal(make()['__proto__'], undefined);
    assert.equal(({} as Record<string, unknown>)['content-type'], undefined);
  });
}
