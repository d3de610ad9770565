// Attack review (session 21): a management key shorter than the 8 characters the output masking
// takes as a secret (CLIProxyAPI takes any secret-key: `hunter2`) was printed whole when the
// server's error message echoed it ("bad key Bearer hunter2").
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

/** `accounts --target team` with management key `key` against a server answering `status` with `body`. */
async function accountsAgainst(status: number, body: (req: http.IncomingMessage) => unknown, key: string): ReturnType<typeof runBin> {
  const server = http.createServer((req, res) => {
    res.writeHead(status, {'content-type': 'application/json'});
    res.end(JSON.stringify(body(req)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const ccs = makeTempCcs();
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(path.join(ccs.paths.root, 'tui.json'), JSON.stringify({targets: {team: {url, managementKeyEnv: 'K'}}}));
    return await runBin(['accounts', '--target', 'team'], {...ccs.env, K: key});
  } finally {
    server.close();
    ccs.cleanup();
  }
}

for (const status of [400, 401]) {
  test(`a short management key the server echoes in a ${status} is not printed`, async () => {
    const run = await accountsAgainst(status, (req) => ({error: `bad key ${req.headers.authorization ?? ''} (key: hunter2)`}), 'hunter2');
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /bad key Bearer/);
    assert.ok(!run.stderr.includes('hunter2'), run.stderr);
  });
}

test('a short management key that is part of the words the server answers with (`ban`) does not hide what it said: a ban is told as a ban', async () => {
  const run = await accountsAgainst(403, () => ({error: 'IP banned due to too many failed attempts. Try again in 29m'}), 'ban');
  assert.equal(run.code, 1, run.stdout);
  assert.match(run.stderr, /this address is banned by the server/);
  assert.match(run.stderr, /29 ?m/);
});
