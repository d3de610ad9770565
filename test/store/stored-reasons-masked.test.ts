// Reasons in the account state are a server's words. They are masked before they are stored, but a
// state written by an older version may hold the account's own credentials: every reader sees them masked.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const ACCESS = 'sk-ant-oat01-STORED-access-0123456789abcdef';
const REFRESH = 'sk-ant-ort01-STORED-refresh-0123456789abcdef';

function ccsWithOldReasons(): TempCcs {
  const made = makeTempCcs();
  made.writeToken('claude-a@example.com.json', tokenFixture('claude', 'a@example.com', {access_token: ACCESS, refresh_token: REFRESH}));
  made.writeRegistry({version: 1, providers: {claude: {default: 'a@example.com', accounts: {'a@example.com': {email: 'a@example.com', tokenFile: 'claude-a@example.com.json'}}}}});
  made.writeRaw(
    'tui/account-state.json',
    JSON.stringify({
      'claude/a@example.com': {
        needsLogin: {reason: `token endpoint answered 400: invalid_grant (refresh_token ${REFRESH} revoked)`, at: '2026-01-01T00:00:00.000Z'},
        cooldown: {until: new Date(Date.now() + 3600_000).toISOString(), kind: 'rate-limit', reason: `slow down, ${ACCESS.slice(0, 30)}`},
      },
    }),
  );
  return made;
}

test('an old needs-login reason and cooldown reason holding the account\'s tokens are read masked', async () => {
  ccs = ccsWithOldReasons();
  const [account] = (await new AccountStore(ccs.paths).load()).accounts;
  assert.equal(account!.health, 'needs-login');
  assert.match(account!.healthDetail!, /invalid_grant \(refresh_token sk-a…\(redacted\) revoked\)/);
  assert.ok(!account!.healthDetail!.includes('STORED'), account!.healthDetail);
  assert.ok(!account!.coolingReason!.includes('STORED'), account!.coolingReason);
});

test('the TUI detail of such an account shows the reason with the token masked', async () => {
  ccs = ccsWithOldReasons();
  tui = await renderTui({paths: ccs.paths, width: 160, height: 30, route: {screen: 'detail', params: {provider: 'claude', accountId: 'a@example.com'}}});
  const frame = await tui.waitFor('invalid_grant');
  assert.ok(!frame.includes('STORED'), frame);
});
