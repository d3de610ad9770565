import assert from 'node:assert/strict';
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {watchCcsDir} from '../../source/services/ccs-watch.js';
import {systemClock} from '../../source/services/clock.js';
import {quotaCacheFile} from '../../source/services/quota/cache.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

test('account watchers see token files and account state, quota watchers see the quota cache', async () => {
  const ccs = makeTempCcs();
  mkdirSync(ccs.paths.state, {recursive: true});
  const seen = {accounts: 0, quota: 0};
  const stops = [
    watchCcsDir(ccs.paths, () => seen.accounts++, systemClock, 'accounts', 50),
    watchCcsDir(ccs.paths, () => seen.quota++, systemClock, 'quota', 50),
  ];
  try {
    writeFileSync(quotaCacheFile(ccs.paths), '{"version":1,"accounts":{}}');
    writeFileSync(path.join(ccs.paths.state, 'proxy.json'), '{}');
    await settle();
    assert.deepEqual(seen, {accounts: 0, quota: 1}, 'a quota cache write is not an account change');

    ccs.writeToken('claude-x.json', tokenFixture('claude', 'x@example.com'));
    await settle();
    assert.deepEqual(seen, {accounts: 1, quota: 1});

    writeFileSync(ccs.paths.accountState, '{}');
    await settle();
    assert.deepEqual(seen, {accounts: 2, quota: 1});
  } finally {
    for (const stop of stops) stop();
    ccs.cleanup();
  }
});
