// `login <provider> --nickname N` that turns out to be an account there already (the same identity
// logging in again) gives it N: the line that ends the login says so, with its old nickname (or
// that it had none), and `--json` says it in `nicknameChanged`. N that another account has is not
// given (the login is kept, a warning says why), as before.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {after, before, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {runBin, runInteractive} from '../helpers/cli.js';
import {oidcSettingsFor, startOidcServer, type OidcServer} from '../helpers/oidc.js';

let oidc: OidcServer;
let ccs: TempCcs;
before(async () => {
  oidc = await startOidcServer({deviceInterval: 1});
  ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(oidcSettingsFor(oidc, 'xai')));
});
after(async () => {
  await oidc.close();
  ccs.cleanup();
});

/** `login xai …` approved in the browser as `user` (signed out first: the browser's session is another's). */
const loginAs = (user: string, ...flags: string[]) => {
  oidc.signOut();
  return runInteractive(
    ['login', 'xai', '--no-browser', ...flags],
    ccs.env,
    (output) => {
      const complete = /or open directly: (\S+)/.exec(output)?.[1];
      if (!complete) return false;
      void oidc.approveDevice(complete, user);
      return true;
    },
    {watch: flags.includes('--json') ? 'stderr' : 'stdout'},
  );
};

const nicknames = async () =>
  (JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {email: string; nickname: string | null}[]).map((r) => [r.email, r.nickname]).sort();

test('login --nickname landing on an existing account: "Logged in again" and the nickname it had and has now', async () => {
  const first = await loginAs('frank');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^Added xai account frank@example\.test \(default\)$/m);

  // It had none: said as set.
  const named = await loginAs('frank', '--nickname', 'old');
  assert.equal(named.code, 0, named.stderr);
  assert.match(named.stdout, /^Logged in again as xai account old; its nickname set to "old" \(it had none\)$/m, named.stdout);

  // It had one: said as changed from the old to the new.
  const renamed = await loginAs('frank', '--nickname', 'new');
  assert.equal(renamed.code, 0, renamed.stderr);
  assert.match(renamed.stdout, /^Logged in again as xai account new; its nickname changed from "old" to "new"$/m, renamed.stdout);
  assert.deepEqual(await nicknames(), [['frank@example.test', 'new']]);

  // The same nickname again changes nothing, and says nothing of it.
  const same = await loginAs('frank', '--nickname', 'new');
  assert.match(same.stdout, /^Logged in again as xai account new$/m, same.stdout);

  // --json: the change as data, beside the account.
  const json = await loginAs('frank', '--nickname', 'newer', '--json');
  assert.equal(json.code, 0, json.stderr);
  const answer = JSON.parse(json.stdout) as {provider: string; account: {nickname: string}; nicknameChanged?: {from: string | null; to: string}};
  assert.equal(answer.account.nickname, 'newer');
  assert.deepEqual(answer.nicknameChanged, {from: 'new', to: 'newer'});
});

test("login --nickname of another account's nickname landing on an existing account: not given (a warning says why), its own kept", async () => {
  const erin = await loginAs('erin', '--nickname', 'work');
  assert.equal(erin.code, 0, erin.stderr);
  const run = await loginAs('frank', '--nickname', 'work');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Logged in again as xai account newer$/m, run.stdout);
  assert.match(run.stderr, /^ccs-tui: warning: --nickname "work" was not given to newer: nickname "work" is already used by erin@example\.test/m, run.stderr);
  assert.deepEqual(await nicknames(), [['erin@example.test', 'work'], ['frank@example.test', 'newer']]);
});
