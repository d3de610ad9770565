// Attack review (session 21): a remote account's id is derived from the server's list, and a second
// file of the same email listed before it (someone logs in again on the server while a pull or a
// TUI confirm waits) took the id over. An action that named the account by that id then deleted
// the other file, a grant only a new login gets back.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {RemoteAccountStore} from '../../source/services/remote/accounts.js';
import {ManagementClient} from '../../source/services/remote/client.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {MANAGEMENT_KEY, remoteTarget} from '../helpers/fake-cliproxy/target.js';

const PULLED = 'codex-u@example.com.json';
// Sorts before PULLED in the server's list (auth_files.go sorts by name).
const ARRIVED = 'codex-team-u@example.com.json';

test('pull removes from the server the file it pulled, even when another file of the email is listed before it meanwhile', async () => {
  const ccs = makeTempCcs();
  const pulled = tokenFixture('codex', 'u@example.com');
  const arrived = tokenFixture('codex', 'u@example.com', {access_token: 'at-arrived-0123456789abcdef', refresh_token: 'rt-arrived-0123456789abcdef'});
  const stand = await remoteTarget(ccs, {
    // A second login of the same email lands on the server while the pull downloads.
    gate: (request) => {
      if (request.path.endsWith('/auth-files/download') && !stand.files.has(ARRIVED)) stand.addFile(ARRIVED, arrived);
    },
  });
  try {
    stand.addFile(PULLED, pulled);
    const run = await runBin(['pull', 'codex', 'u@example.com', '--target', 'team'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual([...stand.files.keys()], [ARRIVED], 'the server keeps the file that arrived, and only it');
    const local = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {email: string}[];
    assert.deepEqual(local.map((a) => a.email), ['u@example.com']);
  } finally {
    await stand.close();
    ccs.cleanup();
  }
});

test('an account named by the id it was listed with is not another file that took that id over (the TUI acts by id)', async () => {
  const ccs = makeTempCcs();
  const stand = await remoteTarget(ccs);
  try {
    stand.addFile(PULLED, tokenFixture('codex', 'u@example.com'));
    const target = {name: 'team', url: stand.url, keySource: 'test', insecureSkipVerify: false, readKey: async () => MANAGEMENT_KEY};
    const store = new RemoteAccountStore(await ManagementClient.open(target));
    const [shown] = (await store.load()).accounts;
    assert.equal(shown!.tokenFile, PULLED);
    // The person confirms "Remove u@example.com?" while a second login of the email lands there.
    stand.addFile(ARRIVED, tokenFixture('codex', 'u@example.com', {access_token: 'at-arrived-0123456789abcdef'}));
    await assert.rejects(store.remove('codex', {id: shown!.id}), /no codex account "u@example\.com"/);
    assert.deepEqual([...stand.files.keys()].sort(), [PULLED, ARRIVED].sort(), 'nothing deleted');
    // Both now show with ids of their own, neither of them the bare email.
    const ids = (await store.load()).accounts.map((a) => a.id);
    assert.ok(!ids.includes('u@example.com'), ids.join(', '));
  } finally {
    await stand.close();
    ccs.cleanup();
  }
});
