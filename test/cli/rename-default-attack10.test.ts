// Attack review (issue 10): a CLIProxyAPI dir without CCS's accounts.json. Renaming one account must
// not change which account is the default (the one the proxy serves). Copy into test/cli/ to run.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

for (const verb of [['rename', 'codex', 'b@example.com', 'Bee'], ['pause', 'codex', 'b@example.com']]) {
  test(`${verb[0]} of the second account keeps the first one the default`, async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeToken('codex-a@example.com.json', tokenFixture('codex', 'a@example.com'));
      ccs.writeToken('codex-b@example.com.json', tokenFixture('codex', 'b@example.com'));
      const before = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {email: string; default: boolean}[];
      assert.equal(before.find((a) => a.default)?.email, 'a@example.com');
      const run = await runBin(verb, ccs.env);
      assert.equal(run.code, 0, run.stderr);
      const after = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {email: string; default: boolean}[];
      assert.equal(after.find((a) => a.default)?.email, 'a@example.com', `the default moved after ${verb.join(' ')}`);
    } finally {
      ccs.cleanup();
    }
  });
}
