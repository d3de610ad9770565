// Attack review (session 21): a server listing many auth files (a large team, or a hostile server's
// huge list). Each file's id was made unique against a set built again from every id before it, so
// 10,000 files took 18 s and 20,000 over a minute; the TUI reads the list again every 15 s.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';

test('accounts --json --target on a server of 20,000 files answers (within the run\'s 20 s; it took over a minute)', async () => {
  const ccs = makeTempCcs();
  const stand = await remoteTarget(ccs);
  try {
    for (let i = 0; i < 20_000; i++) stand.addFile(`codex-${i}.json`, {type: 'codex'});
    const run = await runBin(['accounts', '--json', '--target', 'team'], ccs.env);
    assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
    const accounts = JSON.parse(run.stdout) as {id: string}[];
    assert.equal(accounts.length, 20_000);
    assert.equal(new Set(accounts.map((a) => a.id)).size, 20_000);
  } finally {
    await stand.close();
    ccs.cleanup();
  }
});
