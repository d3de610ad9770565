import assert from 'node:assert/strict';
import {chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {watchCcsDir, WatchedSettings} from '../../source/services/ccs-watch.js';
import {systemClock} from '../../source/services/clock.js';
import {quotaCacheFile} from '../../source/services/quota/cache.js';
import {ensurePrivateDir} from '../../source/store/files.js';
import {ccsPaths} from '../../source/store/paths.js';
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

test('an account watcher tells the files it heard, and a dir whose mode or times change is no change', async () => {
  const ccs = makeTempCcs();
  mkdirSync(ccs.paths.state, {recursive: true});
  const told: Array<string[] | undefined> = [];
  const config: number[] = [];
  const stops = [
    watchCcsDir(ccs.paths, (changed) => told.push(changed && [...changed].sort()), systemClock, 'accounts', 50),
    watchCcsDir(ccs.paths, () => config.push(1), systemClock, 'config', 50),
  ];
  try {
    // The dirs' own mode (another tool's chmod, a mkdir -p of an existing dir): nothing to re-read.
    for (const dir of [ccs.paths.root, ccs.paths.cliproxy, ccs.paths.authDir, ccs.paths.state]) chmodSync(dir, 0o700);
    await ensurePrivateDir(ccs.paths.authDir);
    await settle();
    assert.deepEqual(told, []);

    const a = ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com'));
    const b = ccs.writeToken('codex-b.json', tokenFixture('codex', 'b@example.com'));
    await settle();
    assert.deepEqual(told, [[a, b].sort()], 'both files, in one call');
    assert.deepEqual(config, [], 'a token file is not config.yaml');

    writeFileSync(ccs.paths.config, 'port: 8317\n');
    await settle();
    assert.deepEqual(config, [1]);
    assert.deepEqual(told.at(-1), [ccs.paths.config], 'config.yaml is read with the accounts (its exposure is an account problem)');

    // A watched dir removed is a change, told by name.
    rmSync(ccs.paths.authDir, {recursive: true});
    await settle();
    const last = told[told.length - 1] as string[] | undefined;
    assert.ok(last?.includes(ccs.paths.authDir), `the removed auth dir is told: ${last}`);
  } finally {
    for (const stop of stops) stop();
    ccs.cleanup();
  }
});

test('a private dir that is already 0700 is not changed (watchers hear every chmod); one that is not is fixed', async () => {
  const ccs = makeTempCcs();
  try {
    chmodSync(ccs.paths.authDir, 0o700);
    const before = statSync(ccs.paths.authDir).ctimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await ensurePrivateDir(ccs.paths.authDir);
    assert.equal(statSync(ccs.paths.authDir).ctimeMs, before, 'not touched');
    chmodSync(ccs.paths.authDir, 0o755);
    await ensurePrivateDir(ccs.paths.authDir);
    assert.equal(statSync(ccs.paths.authDir).mode & 0o777, 0o700);
    const fresh = path.join(ccs.paths.root, 'new', 'deeper');
    await ensurePrivateDir(fresh);
    assert.equal(statSync(fresh).mode & 0o777, 0o700);
  } finally {
    ccs.cleanup();
  }
});

test('a CCS dir that does not exist yet (nor the dir above it) is watched from the nearest dir that does: its first account is heard', async () => {
  const base = mkdtempSync(path.join(tmpdir(), 'ccs-tui-test-'));
  const paths = ccsPaths(path.join(base, 'later', '.ccs'));
  let heard = 0;
  const stop = watchCcsDir(paths, () => heard++, systemClock, 'accounts', 50);
  try {
    await settle();
    assert.equal(heard, 0);
    // A first login: the dirs made one by one (as ensurePrivateDir does), then the token file.
    mkdirSync(paths.authDir, {recursive: true, mode: 0o700});
    writeFileSync(path.join(paths.authDir, 'claude-x.json'), JSON.stringify(tokenFixture('claude', 'x@example.com')));
    for (const deadline = Date.now() + 5000; heard === 0 && Date.now() < deadline; ) await settle();
    assert.ok(heard > 0, 'the new CCS dir was heard');
    // Attached to it now: a later change inside is heard as before.
    const before = heard;
    writeFileSync(path.join(paths.authDir, 'claude-y.json'), JSON.stringify(tokenFixture('claude', 'y@example.com')));
    for (const deadline = Date.now() + 5000; heard === before && Date.now() < deadline; ) await settle();
    assert.ok(heard > before, 'a token file written after is heard');
  } finally {
    stop();
    rmSync(base, {recursive: true, force: true});
  }
});
