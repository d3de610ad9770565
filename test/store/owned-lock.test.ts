// The refresh lock: stale only when its holder is gone or after its bound, never because the holder
// was slow or suspended; a holder whose lock was taken over sees it before writing.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {LockBusyError, withOwnedLock} from '../../source/store/owned-lock.js';
import {makeTempCcs} from '../helpers/ccs.js';

const owner = (pid: number, at = Date.now(), host = os.hostname()) => JSON.stringify({pid, host, nonce: 'n', at});

test('a lock whose holder process is gone is taken over at once', async () => {
  const ccs = makeTempCcs();
  try {
    const target = path.join(ccs.paths.locks, 'x');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await withOwnedLock(target, async () => undefined, {waitMs: 100, staleMs: 60_000}); // creates the dir
    writeFileSync(`${target}.lock`, owner(Number(gone)));
    const started = Date.now();
    assert.equal(await withOwnedLock(target, async () => 'ran', {waitMs: 5_000, staleMs: 60_000}), 'ran');
    assert.ok(Date.now() - started < 2_000);
  } finally {
    ccs.cleanup();
  }
});

test('a live holder keeps its lock however quiet it is; waiters give up without running', async () => {
  const ccs = makeTempCcs();
  try {
    const target = path.join(ccs.paths.locks, 'y');
    await withOwnedLock(target, async () => undefined, {waitMs: 100, staleMs: 60_000});
    // Our parent is alive; an old lock file (no heartbeat for a minute) is still not stale.
    writeFileSync(`${target}.lock`, owner(process.ppid, Date.now() - 50_000));
    let ran = false;
    await assert.rejects(
      withOwnedLock(target, async () => (ran = true), {waitMs: 300, staleMs: 60_000, describe: 'a test refresh'}),
      (error: Error) => error instanceof LockBusyError && /a test refresh is in progress by process/.test(error.message),
    );
    assert.equal(ran, false);
    // Past the bound, even a live holder's lock is taken over, and the old holder can tell.
    writeFileSync(`${target}.lock`, owner(process.ppid, Date.now() - 61_000));
    assert.equal(await withOwnedLock(target, async () => 'ran', {waitMs: 1_000, staleMs: 60_000}), 'ran');
  } finally {
    ccs.cleanup();
  }
});

test('a holder whose lock was taken over sees it', async () => {
  const ccs = makeTempCcs();
  try {
    const target = path.join(ccs.paths.locks, 'z');
    const seen = await withOwnedLock(target, async (lock) => {
      const before = await lock.stillHeld();
      writeFileSync(`${target}.lock`, owner(process.ppid));
      return [before, await lock.stillHeld()];
    }, {waitMs: 100, staleMs: 60_000});
    assert.deepEqual(seen, [true, false]);
  } finally {
    ccs.cleanup();
  }
});
