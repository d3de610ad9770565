// AccountStore.load() keeps the token files it read and takes them again while their size, mtime,
// ctime, inode and mode are unchanged; a file read for the first time is stamped by its read's own fstat
// (issue 14: no stat of its own before the read).
import assert from 'node:assert/strict';
import {chmodSync, utimesSync} from 'node:fs';
import {test} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {RECENT_CHANGE_MS} from '../../source/store/file-stamp.js';
import {AccountStore} from '../../source/store/accounts.js';
import {onTokenFileRead} from '../../source/store/tokens.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';

test('load reads a token file again only when its size, mtime, ctime, inode or mode changed', async () => {
  const ccs = makeTempCcs();
  const reads: string[] = [];
  const stop = onTokenFileRead((file) => reads.push(file));
  try {
    // An mtime an hour old, and a wait past the "changed in the last second" rule (the ctime cannot
    // be set back), so the stamp alone decides.
    const past = (seconds: number) => new Date(Date.now() - 3600_000 + seconds * 1000);
    const write = async (expired: string, at: Date) => {
      const file = ccs.writeToken('codex-a@example.com.json', tokenFixture('codex', 'a@example.com', {expired}));
      utimesSync(file, at, at);
      await sleep(RECENT_CHANGE_MS + 50);
      return file;
    };
    const file = await write('2030-01-01T00:00:00Z', past(0));
    const store = new AccountStore(ccs.paths);
    assert.equal((await store.load()).accounts[0]!.expiresAt, '2030-01-01T00:00:00Z');
    assert.equal(reads.length, 1);
    await store.load();
    assert.equal(reads.length, 1, 'unchanged: taken again, not read');
    // Same size, new content, another mtime: read again.
    await write('2031-01-01T00:00:00Z', past(1));
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
