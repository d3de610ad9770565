import assert from 'node:assert/strict';
import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {watchCcsDir, WatchedSettings} from '../../source/services/ccs-watch.js';
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

test('tui.json is read once for every caller, and again only after the file changes', async () => {
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({quota: {staleAfterSeconds: 30}}));
  const settings = new WatchedSettings(ccs.paths, systemClock);
  const heard: number[] = [];
  const unsubscribe = settings.subscribe(({settings: s}) => heard.push(s.quota.staleAfterSeconds));
  try {
    const first = settings.load();
    assert.equal(settings.load(), first, 'a second caller gets the same read');
    assert.equal((await first).settings.quota.staleAfterSeconds, 30);
    assert.equal((await first).settings.quota.pollSeconds, 300, 'defaults fill what the file leaves out');

    // Another file in the CCS dir is not a settings change.
    writeFileSync(path.join(ccs.paths.root, 'config.json'), '{}');
    await settle();
    assert.equal(settings.load(), first);
    assert.deepEqual(heard, []);

    writeFileSync(ccs.paths.settings, JSON.stringify({quota: {staleAfterSeconds: 90}}));
    await settle();
    assert.equal((await settings.load()).settings.quota.staleAfterSeconds, 90);
    assert.deepEqual(heard, [90]);

    rmSync(ccs.paths.settings);
    await settle();
    assert.equal((await settings.load()).settings.quota.staleAfterSeconds, 600, 'a removed tui.json means the defaults');
  } finally {
    unsubscribe();
    settings.dispose();
    ccs.cleanup();
  }
});
