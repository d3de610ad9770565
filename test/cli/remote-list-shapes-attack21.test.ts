// Attack review (session 21): a server whose auth-file list holds values of the wrong kind. A
// `next_retry_after` given as a number was read as a year (12345: "cooling down until 12345-01-0",
// the account cooling for ten thousand years); rows that are no auth file (null, a string, a
// nested array, a row without a name) were dropped without a word, so a list of nothing else read
// "No accounts … Add one with: ccs-tui login".
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin, type CliRun} from '../helpers/cli.js';

/** `ccs-tui <args> --target team` on a server whose list is `files`. */
async function onList(files: unknown[], args: string[]): Promise<CliRun> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, {'content-type': 'application/json', 'x-cpa-version': 'v6.9.1'});
    res.end(JSON.stringify({files}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const ccs = makeTempCcs();
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(path.join(ccs.paths.root, 'tui.json'), JSON.stringify({targets: {team: {url, managementKeyEnv: 'K'}}}));
    return await runBin([...args, '--target', 'team'], {...ccs.env, K: 'shapes-key-0123456789'});
  } finally {
    server.close();
    ccs.cleanup();
  }
}

test('a next_retry_after that is not a time string is no cooldown', async () => {
  const run = await onList([{name: 'codex-a.json', type: 'codex', email: 'a@example.com', next_retry_after: 12345}], ['accounts', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const [account] = JSON.parse(run.stdout) as Record<string, unknown>[];
  assert.equal(account!.health, 'ok');
  assert.equal(account!.cooldownUntil, undefined);
  assert.equal(account!.healthDetail, undefined);
});

test('rows of the list that are no auth file are said, not dropped in silence', async () => {
  const junk = [null, 'codex-x.json', 5, [[{name: 'codex-y.json'}]], {type: 'codex', email: 'no-name@example.com'}];
  const only = await onList(junk, ['accounts']);
  assert.equal(only.code, 0, only.stderr);
  assert.equal(only.stderr, 'ccs-tui: warning: target team listed 5 entries that are not auth files (no "name"), not shown\n');
  const mixed = await onList([...junk, {name: 'codex-a.json', type: 'codex', email: 'a@example.com'}], ['accounts', '--json']);
  assert.equal(mixed.code, 0, mixed.stderr);
  assert.deepEqual((JSON.parse(mixed.stdout) as {id: string}[]).map((a) => a.id), ['a@example.com']);
  assert.match(mixed.stderr, /listed 5 entries that are not auth files/);
});
