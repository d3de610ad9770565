// Attack review (issue 16): a name the server lists is sent back as the server wrote it, and two
// names that look alike after sanitising never make a command act on the other file.
// Copy into test/cli/ to run.
import assert from 'node:assert/strict';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';

describe('attack review: remote file names with invisible characters', () => {
  let ccs: TempCcs;
  let stand: FakeCliproxy;
  beforeEach(async () => {
    ccs = makeTempCcs();
    stand = await remoteTarget(ccs);
    stand.addFile('codex-a.json', tokenFixture('codex', 'a@example.com'));
    // Right-to-left override inside the name: stripped for display by sanitizeLine.
    stand.addFile('codex-a\u202e.json', tokenFixture('codex', 'b@example.com'));
  });
  afterEach(async () => {
    await stand.close();
    ccs.cleanup();
  });

  test('remove b removes b, never a', async () => {
    const run = await runBin(['remove', 'codex', 'b@example.com', '--target', 'team', '--yes'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(stand.files.has('codex-a.json'), `a's file was deleted instead of b's (exit ${run.code}: ${run.stdout}${run.stderr})`);
  });

  test('pause b pauses b, never a', async () => {
    const run = await runBin(['pause', 'codex', 'b@example.com', '--target', 'team'], ccs.env);
    assert.equal(stand.files.get('codex-a.json')?.disabled, false, `a was paused instead of b (exit ${run.code}: ${run.stdout}${run.stderr})`);
  });
});
