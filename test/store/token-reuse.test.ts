// AccountStore.load() keeps the token files it read and takes them again while their size, mtime,
// inode and mode are unchanged; a file read for the first time is stamped by its read's own fstat
// (issue 14: no stat of its own before the read).
import assert from 'node:assert/strict';
import {chmodSync, utimesSync} from 'node:fs';
import {test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {onTokenFileRead} from '../../source/store/tokens.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';

test('load reads a token file again only when its size, mtime, inode or mode changed', async () => {
  const ccs = makeTempCcs();
  const reads: string[] = [];
  const stop = onTokenFileRead((file) => reads.push(file));
  try {
    // An hour old: past the "modified in the last second" rule, so the stamp alone decides.
    const past = (seconds: number) => new Date(Date.now() - 3600_000 + seconds * 1000);
    const write = (expired: string, at: Date) => {
      const file = ccs.writeToken('codex-a@example.com.json', tokenFixture('codex', 'a@example.com', {expired}));
      utimesSync(file, at, at);
      return file;
    };
    const file = write('2030-01-01T00:00:00Z', past(0));
    const store = new AccountStore(ccs.paths);
    assert.equal((await store.load()).accounts[0]!.expiresAt, '2030-01-01T00:00:00Z');
    assert.equal(reads.length, 1);
    await store.load();
    assert.equal(reads.length, 1, 'unchanged: taken again, not read');
    // Same size, new content, another mtime: read again.
    write('2031-01-01T00:00:00Z', past(1));
    assert.equal((await store.load()).accounts[0]!.expiresAt, '2031-01-01T00:00:00Z');
    assert.equal(reads.length, 2);
    await store.load();
    assert.equal(reads.length, 2, 'the stamp of the second read is kept');
    // Mode only: read again, and the exposed secrets are reported.
    chmodSync(file, 0o644);
    assert.match((await store.load()).problems.map((p) => p.message).join('\n'), /holds secrets/);
    assert.equal(reads.length, 3);
  } finally {
    stop();
    ccs.cleanup();
  }
});
