// `accounts --json` of an account cooling down after a limit (a proxy stored its wait): `health` is
// `cooling`, as the text's STATE and the README's list of health words say, with `cooldownUntil`;
// it said `ok` beside the wait.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {oauthToken} from '../proxy/fixture.js';

test('accounts --json: a cooling account\'s health is cooling, its wait beside it; the others as they are', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
    ccs.writeToken('claude-b@example.com.json', oauthToken('claude', 'b@example.com'));
    const until = new Date(Date.now() + 10 * 60_000).toISOString();
    await new AccountStore(ccs.paths).setCooldown('claude', 'b@example.com', {until, kind: 'rate-limit', reason: 'rate limited'});
    const text = await runBin(['accounts'], ccs.env);
    assert.match(text.stdout, /b@example\.com\s+cooling/);
    const rows = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {id: string; health: string; cooldownUntil?: string}[];
    const b = rows.find((r) => r.id === 'b@example.com')!;
    assert.equal(b.health, 'cooling');
    assert.equal(b.cooldownUntil, until);
    assert.equal(rows.find((r) => r.id === 'a@example.com')!.health, 'ok');
  } finally {
    ccs.cleanup();
  }
});
