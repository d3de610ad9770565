// `use` of an account that cannot serve now (its refresh refused and its token expired): it becomes
// the default, as asked, and the line says it cannot serve and how to bring it back; before, nothing
// was said, and a pool passed it over unseen.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {oauthToken} from '../proxy/fixture.js';

test('use of an account whose refresh failed and whose token expired: default, and said it cannot serve', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
    const dead = oauthToken('claude', 'c@example.com', {expired: '2020-01-01T00:00:00Z'});
    ccs.writeToken('claude-c@example.com.json', dead);
    await new AccountStore(ccs.paths).setRefreshFailed('claude', {id: 'c@example.com'}, 'refused (400 invalid_grant)', String(dead.refresh_token));
    const result = await runBin(['use', 'claude', 'c@example.com'], ccs.env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^claude: default is now c@example\.com; it cannot serve now \(refresh failed.*\): a pool passes it over until you log in again: ccs-tui login claude\n$/);
    const healthy = await runBin(['use', 'claude', 'a@example.com'], ccs.env);
    assert.equal(healthy.stdout, 'claude: default is now a@example.com\n');
  } finally {
    ccs.cleanup();
  }
});
