import assert from 'node:assert/strict';
import {test} from 'node:test';
import {AccountSource} from '../../source/proxy/accounts.js';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';

const settled = () => new Promise((resolve) => setTimeout(resolve, 50));

test('the proxy re-reads accounts only when the files that decide them changed', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com'));
    const store = new AccountStore(ccs.paths);
    let loads = 0;
    const load = store.load.bind(store);
    store.load = () => (loads++, load());
    let now = 0;
    const source = new AccountSource(store, () => now, 3000);

    assert.deepEqual((await source.usable('claude')).map((a) => a.id), ['a@example.com']);
    now += 5000;
    await source.usable('claude');
    assert.equal(loads, 1, 'nothing changed on disk: no second read of every token file');

    ccs.writeToken('claude-b.json', tokenFixture('claude', 'b@example.com')); // a login elsewhere
    now += 5000;
    await source.all(); // a stale list may answer while the new one loads
    await settled();
    now += 5000;
    assert.deepEqual((await source.usable('claude')).map((a) => a.id).sort(), ['a@example.com', 'b@example.com']);

    await store.setPaused('claude', 'a@example.com', true); // a pause elsewhere
    now += 5000;
    await source.all();
    await settled();
    now += 5000;
    assert.deepEqual((await source.usable('claude')).map((a) => a.id), ['b@example.com']);
    assert.equal(loads, 3);
  } finally {
    ccs.cleanup();
  }
});
