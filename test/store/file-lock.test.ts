// The store's lock (store/file-lock.ts, proper-lockfile's lock dir with our check before each write):
// a write under it is refused when the lock is no longer the writer's or the file changed since it
// was read, and the read-modify-write is done again; never is another's change written over, nor
// another holder's lock removed. (Two real processes, one suspended: lock-suspended.test.ts.)
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, test} from 'node:test';
import lockfile from 'proper-lockfile';
import {withFileLock} from '../../source/store/file-lock.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-file-lock-'));
  file = path.join(dir, 'counter.json');
  writeFileSync(file, '0');
});
afterEach(() => rmSync(dir, {recursive: true, force: true}));

test('a file changed by another writer after the read: nothing is written over it, the change is made again on it', async () => {
  let runs = 0;
  await withFileLock(file, async (lock) => {
    const read = await lock.read(file);
    // Another writer (one that took no lock, or took it over) changes the file once, after this read.
    if (runs++ === 0) writeFileSync(file, '10');
    await lock.write(file, String(Number(read!.text) + 1), read);
  });
  assert.equal(runs, 2);
  assert.equal(readFileSync(file, 'utf8'), '11', "the other writer's 10 is kept and counted on");
});

test('a file that keeps changing under it past the wait: an error naming the file after 5 turns, the other change kept', async () => {
  let runs = 0;
  await assert.rejects(
    withFileLock(
      file,
      async (lock) => {
        const read = await lock.read(file);
        // Written in place, each time longer: a rewrite of the same size within one clock tick would keep its stamp.
        writeFileSync(file, `other-${'x'.repeat(++runs)}`);
        await lock.write(file, 'mine', read);
      },
      {waitMs: 0},
    ),
    (error: Error) => {
      assert.equal(error.message, `${file}: not saved: it was changed by another process meanwhile, 5 times in a row (nothing was written over the other process's change); try again`);
      return true;
    },
  );
  assert.equal(runs, 5);
  assert.equal(readFileSync(file, 'utf8'), 'other-xxxxx');
  assert.throws(() => statSync(`${file}.lock`), /ENOENT/, 'the lock is released');
});

test('a file changed under it more than 5 times, within the wait: tried again until it stays put, then written', async () => {
  let runs = 0;
  await withFileLock(file, async (lock) => {
    const read = await lock.read(file);
    // A busy other writer (CCS registering accounts, CLIProxyAPI refreshing): 8 changes, then quiet.
    if (runs++ < 8) writeFileSync(file, `other-${'x'.repeat(runs)}`);
    await lock.write(file, `mine after ${read!.text}`, read);
  });
  assert.equal(runs, 9);
  assert.equal(readFileSync(file, 'utf8'), 'mine after other-xxxxxxxx');
});

test('a lock taken over by another holder: the write is refused, and the other holder\'s lock is not removed', async () => {
  const lockDir = `${file}.lock`;
  const starts: number[] = [];
  let takenOver = 0;
  await withFileLock(
    file,
    async (lock) => {
      starts.push(Date.now());
      const read = await lock.read(file);
      if (starts.length === 1) {
        // Another process judged this lock stale and took it: a new lock dir of its own.
        rmdirSync(lockDir);
        mkdirSync(lockDir);
        takenOver = Date.now();
      }
      await lock.write(file, String(Number(read!.text) + 1), read);
    },
    // proper-lockfile's least stale bound.
    {staleMs: 2000},
  );
  assert.equal(starts.length, 2);
  assert.equal(readFileSync(file, 'utf8'), '1');
  // Had the first turn removed the other's lock on its way out, the second would not have waited for it to go stale.
  assert.ok(starts[1]! - takenOver >= 1950, `the second turn waited for the other holder's lock (${starts[1]! - takenOver} ms)`);
});

test('a holder that works past several heartbeats: proper-lockfile keeps the lock fresh, and the write is made at once', async () => {
  const lockDir = `${file}.lock`;
  let runs = 0;
  const mtimes = new Set<number>();
  await withFileLock(
    file,
    async (lock) => {
      runs++;
      const read = await lock.read(file);
      for (let i = 0; i < 10; i++, await sleep(300)) mtimes.add(statSync(lockDir).mtimeMs);
      await lock.write(file, String(Number(read!.text) + 1), read);
    },
    {staleMs: 2000},
  );
  assert.equal(runs, 1, 'the mtimes proper-lockfile set are its own: no write refused');
  assert.ok(mtimes.size >= 2, `the lock dir's mtime moved while held (${mtimes.size} values)`);
  assert.equal(readFileSync(file, 'utf8'), '1');
  assert.throws(() => statSync(lockDir), /ENOENT/, 'the lock is released');
});

test("a lock dir removed while held: proper-lockfile's next update finds it compromised without crashing the process, and the write is made again", async () => {
  const lockDir = `${file}.lock`;
  let runs = 0;
  await withFileLock(file, async (lock) => {
    const read = await lock.read(file);
    if (runs++ === 0) {
      rmdirSync(lockDir);
      // Past proper-lockfile's next update (every second): its onCompromised runs from a timer.
      await sleep(1500);
    }
    await lock.write(file, String(Number(read!.text) + 1), read);
  });
  assert.equal(runs, 2);
  assert.equal(readFileSync(file, 'utf8'), '1');
});

test("the lock is proper-lockfile's <file>.lock (CCS's scheme): each side waits for the other's", async () => {
  // A holder as CCS (or an older ccs-tui) takes it.
  const release = await lockfile.lock(file, {realpath: false, stale: 5000, update: 1000});
  const waited = withFileLock(file, async (lock) => {
    const read = await lock.read(file);
    await lock.write(file, `${read!.text}+ccs-tui`, read);
  });
  await sleep(300);
  // The holder's write, made while ccs-tui waits.
  writeFileSync(file, 'ccs');
  await release();
  await waited;
  assert.equal(readFileSync(file, 'utf8'), 'ccs+ccs-tui');

  await withFileLock(file, async () => {
    await assert.rejects(lockfile.lock(file, {realpath: false, stale: 5000}), (error: NodeJS.ErrnoException) => error.code === 'ELOCKED');
  });
});

test('a lock dir left with an mtime an hour ahead (its holder killed, the clock set back since) is taken over, not waited for until the clock catches up', async () => {
  const lockDir = `${file}.lock`;
  mkdirSync(lockDir);
  const ahead = new Date(Date.now() + 3600_000);
  utimesSync(lockDir, ahead, ahead);
  const started = Date.now();
  await withFileLock(
    file,
    async (lock) => {
      const read = await lock.read(file);
      await lock.write(file, String(Number(read!.text) + 1), read);
    },
    {waitMs: 3000},
  );
  assert.equal(readFileSync(file, 'utf8'), '1');
  assert.ok(Date.now() - started < 2000, `taken at once (${Date.now() - started} ms)`);
  assert.throws(() => statSync(lockDir), /ENOENT/, 'and released');
});

test('a lock dir a second ahead (a live holder: proper-lockfile sets its first mtime up to a second on) is waited for', async () => {
  mkdirSync(`${file}.lock`);
  const ahead = new Date(Date.now() + 1000);
  utimesSync(`${file}.lock`, ahead, ahead);
  await assert.rejects(
    withFileLock(file, async () => assert.fail('the holder is alive'), {waitMs: 500}),
    /is locked by another process/,
  );
  assert.ok(statSync(`${file}.lock`).isDirectory(), "the holder's lock stays");
});
