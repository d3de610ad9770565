// A quota or rate-limit cooldown the local proxy keeps for an account (tui/account-state.json, so a
// restarted proxy still waits it out) shows where accounts are listed: the `accounts` table and the
// TUI's status word say cooling, not ok; once it is over, ok again.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {accountStatus} from '../../source/ui/screens/account-format.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

test('a proxy cooldown shows in the accounts table and the TUI status word while it lasts', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-a@example.com.json', tokenFixture('claude', 'a@example.com', {expired: '2030-01-01T00:00:00Z'}));
    ccs.writeToken('claude-b@example.com.json', tokenFixture('claude', 'b@example.com', {expired: '2030-01-01T00:00:00Z'}));
    const store = new AccountStore(ccs.paths);
    const {accounts} = await store.load();
    const a = accounts.find((x) => x.email === 'a@example.com')!;
    await store.setCooldown('claude', a.id, {until: new Date(Date.now() + 120_000).toISOString(), kind: 'rate-limit', reason: 'rate limited'});
    const run = await runBin(['accounts'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const row = (email: string) => run.stdout.split('\n').find((line) => line.includes(email)) ?? '';
    assert.match(row('a@example.com'), /cooling (1m \d+s|2m) \(until /, run.stdout);
    assert.doesNotMatch(row('b@example.com'), /cooling/);
    const loaded = (await store.load()).accounts.find((x) => x.email === 'a@example.com')!;
    assert.equal(accountStatus(loaded).text, '⏳ cooldown');
    assert.equal(accountStatus(loaded, false, Date.now() + 121_000).text, 'ok', 'over: ok again');
  } finally {
    ccs.cleanup();
  }
});
