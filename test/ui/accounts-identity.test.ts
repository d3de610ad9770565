// A reload of the accounts keeps the objects of what did not change, so memoised rows skip them.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {chmodSync} from 'node:fs';
import path from 'node:path';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {AccountStore} from '../../source/store/accounts.js';
import {keepUnchanged} from '../../source/ui/hooks/useAccounts.js';

test('keepUnchanged: after one token file changes, only that account and its provider list are new objects', async () => {
  const ccs = makeTempCcs();
  try {
    for (const email of ['a@example.com', 'b@example.com']) ccs.writeToken(`codex-${email}.json`, tokenFixture('codex', email, {expired: '2030-01-01T00:00:00Z'}));
    ccs.writeToken('claude-c@example.com.json', tokenFixture('claude', 'c@example.com', {expired: '2030-01-01T00:00:00Z'}));
    const store = new AccountStore(ccs.paths);
    const first = await store.load();
    ccs.writeToken('codex-b@example.com.json', tokenFixture('codex', 'b@example.com', {expired: '2031-01-01T00:00:00Z'}));
    const kept = keepUnchanged(first, await store.load());
    const find = (s: typeof first, email: string) => s.accounts.find((a) => a.email === email)!;
    assert.equal(find(kept, 'a@example.com'), find(first, 'a@example.com'), 'unchanged account: same object');
    assert.notEqual(find(kept, 'b@example.com'), find(first, 'b@example.com'), 'changed account: new object');
    assert.equal(find(kept, 'b@example.com').expiresAt, '2031-01-01T00:00:00Z');
    const list = (s: typeof first, id: string) => s.providers.find((p) => p.provider.id === id)!;
    assert.equal(list(kept, 'claude'), list(first, 'claude'), 'a provider with no change keeps its list');
    assert.notEqual(list(kept, 'codex'), list(first, 'codex'));
    assert.equal(list(kept, 'codex').accounts.find((a) => a.email === 'a@example.com'), find(first, 'a@example.com'));
  } finally {
    ccs.cleanup();
  }
});

test('load: a token file rewritten with the same size, or only made readable to others, is read again', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('codex-a@example.com.json', tokenFixture('codex', 'a@example.com', {expired: '2030-01-01T00:00:00Z'}));
    const store = new AccountStore(ccs.paths);
    const first = await store.load();
    assert.equal(first.accounts[0]!.expiresAt, '2030-01-01T00:00:00Z');
    assert.equal(first.problems.length, 0);
    // Same length, new content: re-read (the file's mtime moved).
    await new Promise((resolve) => setTimeout(resolve, 5));
    ccs.writeToken('codex-a@example.com.json', tokenFixture('codex', 'a@example.com', {expired: '2031-01-01T00:00:00Z'}));
    assert.equal((await store.load()).accounts[0]!.expiresAt, '2031-01-01T00:00:00Z');
    // Mode only: the exposed-secrets problem is reported.
    chmodSync(path.join(ccs.paths.authDir, 'codex-a@example.com.json'), 0o644);
    assert.match((await store.load()).problems.map((p) => p.message).join('\n'), /holds secrets/);
  } finally {
    ccs.cleanup();
  }
});
