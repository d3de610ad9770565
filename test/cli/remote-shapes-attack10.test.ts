// Attack review (issue 16): an id that reads as another account's email names neither; odd list answers
// are errors naming what is wrong, not "no accounts".
import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {findAccount} from '../../source/core/accounts.js';
import type {Account} from '../../source/core/types.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

const account = (id: string, email: string): Account =>
  ({provider: 'codex', id, email, tokenFile: `codex-${id}.json`, default: false, paused: false, registered: true, health: 'ok'}) as Account;

test('an id that another account has as its email is refused as ambiguous (neither wins); a shared bare email stays ambiguous; a token file names one', () => {
  const accounts = [account('u@x.com', 'u@x.com'), account('u@x.com#team', 'u@x.com'), account('weird', 'u@x.com#team')];
  assert.throws(() => findAccount(accounts, 'codex', 'u@x.com#team'), /"u@x\.com#team" matches 2 codex accounts: u@x\.com#team \(codex-u@x\.com#team\.json\), weird \(codex-weird\.json\)/);
  assert.throws(() => findAccount(accounts, 'codex', 'u@x.com'), /matches 2 codex accounts/);
  assert.equal(findAccount(accounts, 'codex', 'codex-u@x.com#team.json').id, 'u@x.com#team');
});

for (const [label, body, expected] of [
  ['a "files" field that is not a list', '{"files":"abc"}', /"files" field that is not a list/],
  ['a JSON array', '[{"name":"codex-a.json","type":"codex"}]', /expected a JSON object, got a JSON array/],
] as const) {
  test(`accounts on a server answering ${label}: a clear error`, async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const ccs = makeTempCcs();
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      writeFileSync(path.join(ccs.paths.root, 'tui.json'), JSON.stringify({targets: {team: {url, managementKeyEnv: 'K'}}}));
      const run = await runBin(['accounts', '--target', 'team'], {...ccs.env, K: 'shapes-key-0123456789'});
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, expected);
    } finally {
      server.close();
      ccs.cleanup();
    }
  });
}
