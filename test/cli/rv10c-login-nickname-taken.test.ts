// rv10c attack: an OAuth login with `--nickname N` where N is already another account's nickname.
// The login may turn out to be that account (then N stays its), so it is not refused before it
// starts; when it is another account, the store does not give it N (two accounts would answer to
// it). That was silent: exit 0, "Added … erin@…", and the person believes `use xai N` now means the
// new account. Now the login is kept and a warning says N was not given, and why.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {after, before, test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin, runInteractive} from '../helpers/cli.js';
import {oidcSettingsFor, startOidcServer, type OidcServer} from '../helpers/oidc.js';
import {oauthToken} from '../proxy/fixture.js';

let oidc: OidcServer;
before(async () => {
  oidc = await startOidcServer({deviceInterval: 1});
});
after(async () => {
  await oidc.close();
});

test('device login --nickname that another account has: the login is stored, and a warning says the nickname was not given', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('xai-frank@example.test.json', oauthToken('xai', 'frank@example.test'));
    writeFileSync(ccs.paths.settings, JSON.stringify(oidcSettingsFor(oidc, 'xai')));
    assert.equal((await runBin(['rename', 'xai', 'frank@example.test', 'work'], ccs.env)).code, 0);
    const run = await runInteractive(['login', 'xai', '--no-browser', '--nickname', 'work'], ccs.env, (output) => {
      const complete = /or open directly: (\S+)/.exec(output)?.[1];
      if (!complete) return false;
      void oidc.approveDevice(complete, 'erin');
      return true;
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Added xai account erin@example\.test/);
    assert.match(run.stderr, /^ccs-tui: warning: --nickname "work" was not given to erin@example\.test: nickname "work" is already used by frank@example\.test/m, run.stderr);
    const rows = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {email: string; nickname: string | null}[];
    assert.deepEqual(rows.map((r) => [r.email, r.nickname]).sort(), [['erin@example.test', null], ['frank@example.test', 'work']]);
  } finally {
    ccs.cleanup();
  }
});
