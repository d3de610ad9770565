// The proxy's list of requests in flight (source/proxy/in-flight.ts): what close() logs as cut.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {InFlight} from '../../source/proxy/in-flight.js';

describe('InFlight', () => {
  it('lists what was added and not yet deleted, reusing freed slots', () => {
    const list = new InFlight<{name: string; slot?: number}>();
    const [a, b, c] = [{name: 'a'}, {name: 'b'}, {name: 'c'}];
    list.add(a);
    list.add(b);
    list.delete(a);
    list.delete(a); // twice: a no-op
    list.add(c); // takes a's slot
    assert.deepEqual(list.entries().map((e) => e.name), ['c', 'b']);
    for (let i = 0; i < 1000; i++) {
      const entry = {name: `x${i}`};
      list.add(entry);
      list.delete(entry);
    }
    assert.deepEqual(list.entries().map((e) => e.name), ['c', 'b']);
    assert.equal((list as unknown as {slots: unknown[]}).slots.length, 3, 'churn reuses one slot');
  });

  it('entries() is a copy: deleting while going through it skips none', () => {
    const list = new InFlight<{slot?: number}>();
    const all = [{}, {}, {}];
    for (const entry of all) list.add(entry);
    let seen = 0;
    for (const entry of list.entries()) {
      list.delete(entry);
      seen++;
    }
    assert.equal(seen, 3);
    assert.deepEqual(list.entries(), []);
  });
});
