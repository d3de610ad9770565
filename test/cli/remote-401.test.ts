// A 401 on a remote target (a CLIProxyAPI server) is two different things, and neither is a dead grant:
// the server's own note that an upstream answered 401 for an account (it refreshes that token itself),
// and the Management API refusing OUR management key (the target's key setting is wrong). Neither
// makes an account "re-login"; the refused key names the target and where its key comes from.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {MANAGEMENT_KEY, remoteTarget} from '../helpers/fake-cliproxy/target.js';

const A = tokenFixture('codex', 'a@example.com');
const B = tokenFixture('codex', 'b@example.com');
const C = tokenFixture('codex', 'c@example.com');
const WRONG_KEY = 'mgmt-key-WRONG-0123456789abcdef';

describe('a remote target and 401s', () => {
  let ccs: TempCcs;
  let stand: FakeCliproxy;
  beforeEach(async () => {
    ccs = makeTempCcs();
    stand = await remoteTarget(ccs);
    stand.addFile('codex-a.json', A, {status: 'error', statusMessage: '401 Unauthorized'});
    stand.addFile('codex-b.json', B, {status: 'error', statusMessage: 'unauthorized'});
    stand.addFile('codex-c.json', C, {status: 'error', statusMessage: 'refresh failed: invalid_grant'});
  });
  afterEach(async () => {
    await stand.close();
    ccs.cleanup();
  });

  test("the server's note of an upstream 401 is shown, not turned into re-login; a dead grant still is", async () => {
    const run = await runBin(['accounts', '--json', '--target', 'team'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const rows = JSON.parse(run.stdout) as {tokenFile: string; health: string; statusMessage?: string}[];
    const health = Object.fromEntries(rows.map((r) => [r.tokenFile, r.health]));
    assert.deepEqual(health, {'codex-a.json': 'ok', 'codex-b.json': 'ok', 'codex-c.json': 'needs-login'});
    assert.equal(rows.find((r) => r.tokenFile === 'codex-a.json')!.statusMessage, '401 Unauthorized');
    const table = await runBin(['accounts', '--target', 'team'], ccs.env);
    assert.doesNotMatch(table.stdout.split('\n').find((l) => l.includes('a@example.com')) ?? '', /re-login/, table.stdout);
    assert.match(table.stdout.split('\n').find((l) => l.includes('c@example.com')) ?? '', /re-login/, table.stdout);
  });

  test('a management key the server refuses is said as such, naming the target and its key file; no account is called re-login', async () => {
    writeFileSync(`${ccs.paths.root}/team.key`, `${WRONG_KEY}\n`, {mode: 0o600});
    for (const args of [['accounts', '--target', 'team'], ['quota', '--target', 'team'], ['models', 'codex', '--target', 'team']]) {
      const run = await runBin(args, ccs.env);
      assert.notEqual(run.code, 0, `${args.join(' ')}: ${run.stdout}`);
      const text = run.stdout + run.stderr;
      assert.match(text, /target team: the management key was refused \(invalid management key\); check key file \S*team\.key/, `${args.join(' ')}: ${text}`);
      assert.doesNotMatch(text, /re-login|needs-login/, `${args.join(' ')}: ${text}`);
      for (const secret of [WRONG_KEY, MANAGEMENT_KEY, String(A.access_token)]) assert.ok(!text.includes(secret), `${args.join(' ')} printed a secret`);
    }
  });
});
