// `ccs-tui run <provider> <account>` on an account whose refresh token was refused: the refusal names
// a new login as a way out (a wait never mends it), beside the pool when another account is healthy.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {oauthToken} from '../proxy/fixture.js';

test('run on an account needing a login: log in again is offered, with or without a healthy other', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
    ccs.writeToken('claude-c@example.com.json', oauthToken('claude', 'c@example.com'));
    await new AccountStore(ccs.paths).setNeedsLogin('claude', 'c@example.com', 'refresh token revoked (invalid_grant)');
    const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: '/bin/true'};
    const withPool = await runBin(['run', 'claude', 'c@example.com'], env);
    assert.equal(withPool.code, 1, withPool.stderr);
    assert.match(withPool.stderr, /claude account c@example\.com cannot serve \(re-login: refresh token revoked \(invalid_grant\)\); run the claude pool instead \(a@example\.com is healthy\): ccs-tui run claude; or log in again \(ccs-tui login claude\)\n$/);
    await new AccountStore(ccs.paths).setNeedsLogin('claude', 'a@example.com', 'refresh token revoked (invalid_grant)');
    const alone = await runBin(['run', 'claude', 'c@example.com'], env);
    assert.equal(alone.code, 1, alone.stderr);
    assert.match(alone.stderr, /; no other claude account is healthy now; log in again \(ccs-tui login claude\)\n$/);
    assert.doesNotMatch(alone.stderr, /wait|try again later/);
  } finally {
    ccs.cleanup();
  }
});
