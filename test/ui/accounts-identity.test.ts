// A reload of the accounts keeps the objects of what did not change, so memoised rows skip them.
import assert from 'node:assert/strict';
import {test} from 'node:test';
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
