// Attack review (issue 16): `pull` never stores a token under a provider other than the one its
// downloaded `type` names (the file on the server changed between the list and the download).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';

test('pull refuses a download whose type differs from the listed provider, naming both', async () => {
  const ccs = makeTempCcs();
  const stand = await remoteTarget(ccs);
  try {
    const json = tokenFixture('codex', 'a@example.com');
    // Listed as codex; by the time it is downloaded the file says claude.
    Object.defineProperty(json, 'type', {enumerable: true, get: () => (stand.requests.some((r) => JSON.stringify(r).includes('download')) ? 'claude' : 'codex')});
    stand.addFile('codex-a@example.com.json', json);
    const run = await runBin(['pull', 'codex', 'a@example.com', '--target', 'team'], ccs.env);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /listed as codex but the downloaded file's "type" is "claude"; not storing it/);
    const local = await runBin(['accounts', '--json'], ccs.env);
    assert.deepEqual(JSON.parse(local.stdout), []);
  } finally {
    await stand.close();
    ccs.cleanup();
  }
});
