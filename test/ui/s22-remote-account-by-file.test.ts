// On a remote target an account's id follows the server's list: a second file of its email (a login
// from elsewhere, or the login just made) turns `a@example.com` into `a@example.com#…`. The TUI's
// clear-cooldown and `login --nickname --target` named the account by the id they had, as typed
// text, which then matched both files by their email and was refused as ambiguous (or, for the
// nickname, failed a login that had succeeded). They now name it by its server file.
import assert from 'node:assert/strict';
import {afterEach, beforeEach, test} from 'node:test';
import {ManagementClient} from '../../source/services/remote/client.js';
import {RemoteAccountStore} from '../../source/services/remote/accounts.js';
import {clearCooldown, removeAccount, renameAccount, togglePause} from '../../source/ui/actions/accounts.js';
import type {AppServices} from '../../source/ui/services.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {approveDeviceLogin, runInteractive} from '../helpers/cli.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {MANAGEMENT_KEY, remoteTarget} from '../helpers/fake-cliproxy/target.js';
import {OIDC_CLIENT_ID, startOidcServer, type OidcServer} from '../helpers/oidc.js';

let oidc: OidcServer;
let ccs: TempCcs;
let stand: FakeCliproxy;
/** Runs on each GET /auth-files (after it is recorded, before it is answered). */
let onList: () => void = () => {};
beforeEach(async () => {
  oidc = await startOidcServer({deviceInterval: 1});
  ccs = makeTempCcs();
  const endpoints = {clientId: OIDC_CLIENT_ID, token: `${oidc.issuer}/token`, userinfo: `${oidc.issuer}/me`};
  stand = await remoteTarget(ccs, {
    oauth: {kimi: {...endpoints, device: `${oidc.issuer}/device/auth`}},
    gate: (request) => {
      if (request.method === 'GET' && request.path === '/v0/management/auth-files') onList();
    },
  });
  onList = () => {};
});
afterEach(async () => {
  await stand.close();
  await oidc.close();
  ccs.cleanup();
});

/**
 * The TUI's view of a server with one file of a@example.com (`state` as addFile takes it), listed
 * once; then a login elsewhere adds another file of that email before the TUI's next reload.
 */
async function shownBeforeSecondFile(state: Parameters<FakeCliproxy['addFile']>[2] = {}) {
  const first = stand.addFile('claude-a@example.com.json', tokenFixture('claude', 'a@example.com'), state);
  const target = {name: 'team', url: stand.url, keySource: 'test', insecureSkipVerify: false, readKey: async () => MANAGEMENT_KEY};
  const store = new RemoteAccountStore(new ManagementClient(target, MANAGEMENT_KEY));
  const shown = (await store.load()).accounts;
  assert.equal(shown[0]!.id, 'a@example.com');
  stand.addFile('claude-a@example.com-team.json', tokenFixture('claude', 'a@example.com'));
  const services = {targets: {current: {accounts: store, name: 'team'}}} as unknown as AppServices;
  return {first, shown, services};
}

test("TUI clear-cooldown: the account shown before a second file of its email came is the one cleared", async () => {
  const {first, shown, services} = await shownBeforeSecondFile({nextRetryAfter: new Date(Date.now() + 3600_000).toISOString()});
  const said = await clearCooldown({services, provider: 'claude', account: shown[0], siblings: shown, confirm: async () => false, progress: () => {}});
  assert.match(typeof said === 'string' ? said : said.text, /cleared the cooldown of claude a@example\.com on target team/);
  const resets = stand.requests.filter((r) => r.path === '/v0/management/reset-quota');
  assert.deepEqual(resets.map((r) => JSON.parse(r.body).auth_index), [first.index]);
});

for (const action of ['rename', 'pause', 'remove'] as const) {
  test(`TUI ${action}: the account shown before a second file of its email came is the one ${action === 'pause' ? 'paused' : action === 'rename' ? 'renamed' : 'removed'}, the other untouched`, async () => {
    const {first, shown, services} = await shownBeforeSecondFile();
    const context = {services, provider: 'claude', account: shown[0], siblings: shown, confirm: async () => true, progress: () => {}};
    if (action === 'rename') assert.match(await renameAccount(services, 'claude', shown[0]!.tokenFile, 'work'), /renamed to work/);
    if (action === 'pause') assert.match(String(await togglePause(context)), /paused/);
    if (action === 'remove') assert.match(String(await removeAccount(context)), /removed claude account/);
    const other = stand.files.get('claude-a@example.com-team.json')!;
    assert.equal(other.disabled, false);
    assert.equal(other.json.note, undefined);
    const mine = stand.files.get(first.name);
    if (action === 'rename') assert.equal(mine?.json.note, 'work');
    if (action === 'pause') assert.equal(mine?.disabled, true);
    if (action === 'remove') assert.equal(mine, undefined);
  });
}

test('login --nickname --target: the added account gets the nickname though the list changed meanwhile', async () => {
  stand.addFile('kimi-1700000000000.json', tokenFixture('kimi', 'bob@example.test'));
  let added = 0;
  onList = () => {
    // The list read again after the login's own (to rename it): by then another login of that email is there.
    if ([...stand.files.keys()].some((name) => name !== 'kimi-1700000000000.json') && ++added === 2) stand.addFile('kimi-1800000000000.json', tokenFixture('kimi', 'alice@example.test'));
  };
  const run = await runInteractive(['login', 'kimi', '--no-browser', '--nickname', 'team-kimi', '--target', 'team'], ccs.env, approveDeviceLogin((url) => oidc.approveDevice(url, 'alice')));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Added kimi account team-kimi on target team\n$/);
  const named = [...stand.files.values()].filter((f) => f.json.note === 'team-kimi');
  assert.equal(named.length, 1);
  assert.equal(named[0]!.json.email, 'alice@example.test');
  assert.notEqual(named[0]!.name, 'kimi-1800000000000.json');
});
