// tui.json is changed by conf (saveSetting) under its lock (store/file-lock.ts): a setting another
// process saved meanwhile is kept, whether it held the lock while saveSetting waited, or took it over
// while saveSetting was held up between conf's read and its write.
import assert from 'node:assert/strict';
import fs, {readFileSync, rmdirSync, writeFileSync} from 'node:fs';
import {afterEach, beforeEach, test} from 'node:test';
import lockfile from 'proper-lockfile';
import {saveSetting} from '../../source/store/settings.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs;
beforeEach(() => (ccs = makeTempCcs()));
afterEach(() => ccs.cleanup());

const saved = () => JSON.parse(readFileSync(ccs.paths.settings, 'utf8')) as unknown;

test("a setting saved by the lock's holder while saveSetting waits for it is kept", async () => {
  ccs.writeRaw('tui.json', JSON.stringify({theme: 'light'}));
  // Another process (a TUI, a CLI command, CCS) holds tui.json's lock and is changing it.
  const release = await lockfile.lock(ccs.paths.settings, {realpath: false, stale: 5000, update: 1000});
  const saving = saveSetting(ccs.paths, 'rotation.strategy', 'fill-first');
  await new Promise((resolve) => setTimeout(resolve, 300));
  writeFileSync(ccs.paths.settings, JSON.stringify({theme: 'dark'}));
  await release();
  await saving;
  assert.deepEqual(saved(), {theme: 'dark', rotation: {strategy: 'fill-first'}});
});

test('a setting saved by a process that took the lock over while conf was between its read and its write is kept', async () => {
  ccs.writeRaw('tui.json', JSON.stringify({theme: 'light'}));
  const lockDir = `${ccs.paths.settings}.lock`;
  const realRead = fs.readFileSync;
  let tookOver = false;
  // conf's read inside conf.set (node:fs, the object conf calls): once it has read, another process
  // (this one held up past the stale bound) takes the lock over, saves its setting and lets the lock go.
  fs.readFileSync = function (this: unknown, ...args: Parameters<typeof realRead>) {
    const result = realRead.apply(this, args);
    if (!tookOver && args[0] === ccs.paths.settings && /\bConf\.set\b/.test(new Error().stack ?? '')) {
      tookOver = true;
      rmdirSync(lockDir);
      writeFileSync(ccs.paths.settings, JSON.stringify({theme: 'dark'}));
    }
    return result;
  } as typeof realRead;
  try {
    await saveSetting(ccs.paths, 'rotation.strategy', 'fill-first');
  } finally {
    fs.readFileSync = realRead;
  }
  assert.ok(tookOver, "conf.set read tui.json (the test's hook ran)");
  assert.deepEqual(saved(), {theme: 'dark', rotation: {strategy: 'fill-first'}});
});
