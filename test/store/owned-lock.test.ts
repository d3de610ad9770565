// The refresh lock: stale only when its holder is gone or after its bound, never because the holder
// was slow or suspended; a holder whose lock was taken over sees it before writing.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {LockBusyError, withOwnedLock} from '../../source/store/owned-lock.js';
import {pidNamespace, procStartToken} from '../../source/store/process-identity.js';
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

// A holder that died and whose pid was given to another process (a container's restarted program
// often gets the very same pid): the process with the pid started at another time, so the lock is
// taken over at once, not after the stale bound (20 minutes for a refresh) while every waiter gives up.
const linux = {skip: process.platform !== 'linux'};
const withOwner = (pid: number, identity: {start?: string; pidns?: string}, at = Date.now()) => JSON.stringify({pid, host: os.hostname(), nonce: 'n', at, ...identity});

test('a holder whose pid is now another process (it started later) is gone: taken over at once', linux, async () => {
  const ccs = makeTempCcs();
  try {
    const target = path.join(ccs.paths.locks, 'reused');
    await withOwnedLock(target, async () => undefined, {waitMs: 100, staleMs: 60_000});
    const [boot, ticks] = procStartToken(process.ppid)!.split(' ');
    const earlier = `${boot} ${Number(ticks) - 1}`;
    // Our parent (alive) has the pid now; the holder recorded an earlier start. Then: this very process's pid, an earlier start (a previous run).
    for (const pid of [process.ppid, process.pid]) {
      writeFileSync(`${target}.lock`, withOwner(pid, {start: pid === process.pid ? `${procStartToken(process.pid)!.split(' ')[0]} 1` : earlier, pidns: pidNamespace()}));
      const started = Date.now();
      assert.equal(await withOwnedLock(target, async () => 'ran', {waitMs: 3_000, staleMs: 60_000}), 'ran', `pid ${pid}`);
      assert.ok(Date.now() - started < 1_500, `pid ${pid}: taken over at once`);
    }
  } finally {
    ccs.cleanup();
  }
});

test('a live holder that recorded its start keeps its lock; one in another pid namespace is judged by the bound alone', linux, async () => {
  const ccs = makeTempCcs();
  try {
    const target = path.join(ccs.paths.locks, 'alive');
    await withOwnedLock(target, async () => undefined, {waitMs: 100, staleMs: 60_000});
    writeFileSync(`${target}.lock`, withOwner(process.ppid, {start: procStartToken(process.ppid), pidns: pidNamespace()}));
    await assert.rejects(withOwnedLock(target, async () => 'ran', {waitMs: 300, staleMs: 60_000}), LockBusyError);
    // A boot id the reader cannot see ('-') does not make the live holder another process.
    writeFileSync(`${target}.lock`, withOwner(process.ppid, {start: `- ${procStartToken(process.ppid)!.split(' ')[1]}`, pidns: pidNamespace()}));
    await assert.rejects(withOwnedLock(target, async () => 'ran', {waitMs: 300, staleMs: 60_000}), LockBusyError);
    // Its pid names no process here (a container sharing the dir under the same host name): not "gone".
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
    writeFileSync(`${target}.lock`, withOwner(gone, {start: '- 1', pidns: 'pid:[1]'}));
    await assert.rejects(withOwnedLock(target, async () => 'ran', {waitMs: 300, staleMs: 60_000}), LockBusyError);
  } finally {
    ccs.cleanup();
  }
});

test('the lock file records the holder\'s start and pid namespace (Linux)', linux, async () => {
  const ccs = makeTempCcs();
  try {
    const target = path.join(ccs.paths.locks, 'recorded');
    const owner = await withOwnedLock(target, async () => JSON.parse(readFileSync(`${target}.lock`, 'utf8')), {waitMs: 100, staleMs: 60_000});
    assert.equal(owner.start, procStartToken(process.pid));
    assert.equal(owner.pidns, pidNamespace());
  } finally {
    ccs.cleanup();
  }
});
