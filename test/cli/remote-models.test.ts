// Model rules on a remote target: alias/exclude through the server's endpoints, the same resolved
// list as the same edits on local files, and the server's own list next to ours with differences flagged.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {staticModels, findProvider} from '../../source/providers/table.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';

const CLAUDE = staticModels(findProvider('claude')!);
// The server's registry: one model we do not know, one of ours it lacks.
const SERVER_MODELS = [...CLAUDE.filter((id) => id !== 'claude-haiku-4-5-20251001'), 'claude-server-only'];

describe('model rules on a remote target', () => {
  let ccs: TempCcs;
  let stand: FakeCliproxy;
  beforeEach(async () => {
    ccs = makeTempCcs();
    ccs.writeRaw('cliproxy/config.yaml', 'port: 8317\n');
    ccs.writeToken('claude-c.json', tokenFixture('claude', 'c@example.com'));
    stand = await remoteTarget(ccs, {models: {claude: SERVER_MODELS}});
    stand.addFile('claude-c.json', tokenFixture('claude', 'c@example.com'));
  });
  afterEach(async () => {
    await stand.close();
    ccs.cleanup();
  });

  test('the same alias and exclude commands give the same list on local files and on the server', async () => {
    for (const target of [[], ['--target', 'team']]) {
      const alias = await runBin(['alias', 'add', 'claude', 'claude-opus-5', 'opus', ...target], ccs.env);
      assert.equal(alias.code, 0, alias.stderr);
      assert.equal(alias.stdout, 'claude: alias opus ← claude-opus-5 (claude-opus-5 now appears as opus)\n');
      const exclude = await runBin(['exclude', 'add', 'claude', 'claude-3-*', ...target], ccs.env);
      assert.equal(exclude.code, 0, exclude.stderr);
      assert.match(exclude.stdout, /^claude: excluded "claude-3-\*" \(hides claude-3-7-sonnet-20250219, claude-3-5-haiku-20241022; 13 of 15 models visible\)/);
    }
    assert.match(readFileSync(ccs.paths.config, 'utf8'), /alias: "opus"/);
    assert.deepEqual(stand.config.oauthModelAlias, {claude: [{name: 'claude-opus-5', alias: 'opus'}]});
    assert.deepEqual(stand.config.oauthExcludedModels, {claude: ['claude-3-*']});
    const patches = stand.requests.filter((r) => r.method === 'PATCH').map((r) => [r.path, JSON.parse(r.body)]);
    assert.deepEqual(patches, [
      ['/v0/management/oauth-model-alias', {channel: 'claude', aliases: [{name: 'claude-opus-5', alias: 'opus'}]}],
      ['/v0/management/oauth-excluded-models', {provider: 'claude', models: ['claude-3-*']}],
    ]);

    const local = JSON.parse((await runBin(['models', 'claude', '--json'], ccs.env)).stdout);
    const remote = await runBin(['models', 'claude', '--json', '--target', 'team'], ccs.env);
    assert.equal(remote.code, 0, remote.stderr);
    const out = JSON.parse(remote.stdout);
    assert.deepEqual(out.models, local.models);
    assert.deepEqual(out.excluded, local.excluded);
    assert.equal(out.account, 'c@example.com');
    assert.ok(out.server.models.includes('opus') && !out.server.models.includes('claude-opus-5'));
    assert.deepEqual(out.differences, {onlyServer: ['claude-server-only'], onlyLocal: ['claude-haiku-4-5-20251001']});
    assert.equal(stand.requests.find((r) => r.path === '/v0/management/auth-files/models')!.query.get('name'), 'claude-c.json');
  });

  test('the human list flags differences on stderr; alias rm removes the channel', async () => {
    const run = await runBin(['models', 'claude', '--target', 'team'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^claude on target team: 15 of 15 models by our resolver/);
    // The server's list itself is printed under its headline, one id a line.
    assert.match(run.stdout, /Server's list for c@example\.com: 15 models:\n  claude-opus-5\n[\s\S]*\n  claude-server-only\n$/);
    assert.match(run.stderr, /differs: only the server lists claude-server-only\n/);
    assert.match(run.stderr, /differs: only our resolver lists claude-haiku-4-5-20251001\n/);

    await runBin(['alias', 'add', 'claude', 'claude-opus-5', 'opus', '--target', 'team'], ccs.env);
    const rm = await runBin(['alias', 'rm', 'claude', 'opus', '--target', 'team'], ccs.env);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(rm.stdout, 'claude: removed alias opus (15 of 15 models visible)\n');
    assert.deepEqual(stand.config.oauthModelAlias, {});
    const missing = await runBin(['alias', 'rm', 'claude', 'opus', '--target', 'team'], ccs.env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no alias "opus" in target team's oauth-model-alias/);
  });

  test('per-account rules are refused on a remote target, with the reason', async () => {
    const run = await runBin(['exclude', 'add', 'claude', 'x', '--account', 'c@example.com', '--target', 'team'], ccs.env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--account rules are not available on a remote target/);
    assert.equal(stand.requests.length, 0);
  });
});
