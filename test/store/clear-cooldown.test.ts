// The person's `C` on this machine ends an account's stored wait whenever it was met: a stamp after
// the moment of `C` (another proxy's answer, a clock ahead) kept it, and the TUI said it had ended.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeUiCcs} from '../ui/fixtures.js';

test('clearCooldown ends a stored wait met after now too', async () => {
  const ccs = makeUiCcs();
  try {
    const store = new AccountStore(ccs.paths);
    const now = Date.now();
    await store.setCooldown('claude', 'bob@example.com', {until: new Date(now + 3600_000).toISOString(), kind: 'quota', reason: 'usage limit reached', met: new Date(now + 60_000).toISOString()});
    assert.ok((await store.load()).accounts.find((a) => a.id === 'bob@example.com')?.coolingUntil);
    await store.clearCooldown('claude', {id: 'bob@example.com'});
    assert.equal((await new AccountStore(ccs.paths).load()).accounts.find((a) => a.id === 'bob@example.com')?.coolingUntil, undefined);
  } finally {
    ccs.cleanup();
  }
});
