// Attack on issue 11 (refresh lock, "bad files get a clear word"): something other than a lock file at
// tui/locks/refresh-<provider>-<hash>.lock. A FIFO blocks the read forever (every refresh of that
// account, so `quota --refresh` and proxy requests, hang); a directory gives a bare
// "EISDIR: illegal operation on a directory, read" that names no file.
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import os from 'node:os';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {parseJsonFile} from '../../source/store/files.js';
import {LockBusyError, withOwnedLock} from '../../source/store/owned-lock.js';

test('a FIFO where the lock file should be: an answer within waitMs, naming the file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lock-fifo-'));
  try {
    const target = path.join(dir, 'refresh-codex-0123456789abcdef');
    execFileSync('mkfifo', [`${target}.lock`]);
    // In a child: a read blocked on a FIFO holds a libuv thread, and would keep this test process alive.
    const lockModule = new URL('../../source/store/owned-lock.js', import.meta.url).href;
    const script = `const {withOwnedLock} = await import(${JSON.stringify(lockModule)});
      await withOwnedLock(${JSON.stringify(target)}, async () => console.log('ran'), {waitMs: 1000, staleMs: 60000}).catch((e) => console.log(e.message));
      process.exit(0);`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', timeout: 8_000});
    assert.notEqual(child.signal, 'SIGTERM', 'withOwnedLock still pending after 8 s (blocked reading the FIFO)');
    assert.ok(child.stdout.includes('ran') || child.stdout.includes(`${target}.lock`), child.stdout + child.stderr);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test('a directory where the lock file should be: the error names the file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lock-dir-'));
  try {
    const target = path.join(dir, 'refresh-codex-0123456789abcdef');
    mkdirSync(`${target}.lock`);
    await assert.rejects(withOwnedLock(target, async () => 'ran', {waitMs: 1_000, staleMs: 60_000}), (e: Error) => e.message.includes(`${target}.lock`) && !/^EISDIR/.test(e.message));
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test('a socket where the lock file should be: the error names the file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lock-sock-'));
  const server = createServer();
  try {
    const target = path.join(dir, 'refresh-codex-0123456789abcdef');
    await new Promise<void>((resolve) => server.listen(`${target}.lock`, resolve));
    await assert.rejects(withOwnedLock(target, async () => 'ran', {waitMs: 1_000, staleMs: 60_000}), (e: Error) => e.message.includes(`${target}.lock`) && /socket/.test(e.message));
  } finally {
    server.close();
    rmSync(dir, {recursive: true, force: true});
  }
});

test('a holder whose clock is ahead: no negative age, "clock skew" said, staleness from the file time', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lock-skew-'));
  try {
    const target = path.join(dir, 'refresh-codex-0123456789abcdef');
    // A live holder (this test process) on another host whose clock runs an hour ahead.
    writeFileSync(`${target}.lock`, JSON.stringify({pid: process.pid, host: 'other-host', nonce: 'n', at: Date.now() + 3_600_000}));
    await assert.rejects(withOwnedLock(target, async () => 'ran', {waitMs: 300, staleMs: 60_000}), (e: Error) => {
      assert.ok(e instanceof LockBusyError, e.message);
      assert.doesNotMatch(e.message, /for -\d/);
      assert.match(e.message, /clock skew/);
      return true;
    });
    // The same lock file written long ago (by our clock) is stale although its `at` is in the future.
    const old = (Date.now() - 120_000) / 1000;
    utimesSync(`${target}.lock`, old, old);
    assert.equal(await withOwnedLock(target, async () => 'ran', {waitMs: 1_000, staleMs: 60_000}), 'ran');
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test('pid 0 or a negative pid is no holder (kill(0) would signal our own group)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lock-pid0-'));
  try {
    const target = path.join(dir, 'refresh-codex-0123456789abcdef');
    for (const pid of [0, -1]) {
      writeFileSync(`${target}.lock`, JSON.stringify({pid, host: os.hostname(), nonce: 'n', at: Date.now()}));
      const old = (Date.now() - 30_000) / 1000;
      utimesSync(`${target}.lock`, old, old); // an invalid lock file is stale after 10 s
      assert.equal(await withOwnedLock(target, async () => 'ran', {waitMs: 1_000, staleMs: 60_000}), 'ran', `pid ${pid}`);
    }
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test('a file that is not JSON: the whole reason with line:col, and none of its text', () => {
  const secretish = 'sk-ant-oat01-NOTJSON-0123456789';
  for (const [text, reason, where] of [
    [`hello ${secretish}`, "invalid JSON (Unexpected token 'h')", ':1:1'],
    ['{\n  "a": 1,\n}', 'invalid JSON (Expected double-quoted property name)', ':3:1'],
  ] as const) {
    assert.throws(
      () => parseJsonFile('/x/claude-a.json', text),
      (e: Error) => {
        assert.ok(e.message.startsWith(`/x/claude-a.json${where}: ${reason}`), e.message);
        assert.ok(!e.message.includes('NOTJSON'), e.message);
        return true;
      },
    );
  }
});
