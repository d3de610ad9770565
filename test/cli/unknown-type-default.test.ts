// Token files of a `type` the provider table does not know are accounts of a provider of that name
// (README): `use` makes one the default, `accounts` marks it, and a pause then resume makes the only
// account the default again. Also for types that are object prototype keys.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

type Row = {provider: string; nickname?: string; default: boolean};

for (const type of ['foo', 'constructor', '__proto__']) {
  test(`an account of unknown type "${type}" made the default shows as the default`, async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeToken(`${type}-f@x.com.json`, {type, email: 'f@x.com', access_token: 'at-unknown-type-1'});
      for (const args of [['rename', type, 'f@x.com', 'nick1'], ['use', type, 'nick1']]) {
        const run = await runBin(args, ccs.env);
        assert.equal(run.code, 0, run.stderr);
      }
      const rows = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Row[];
      assert.deepEqual(rows.filter((r) => r.provider === type).map((r) => [r.nickname, r.default]), [['nick1', true]]);
      const table = (await runBin(['accounts'], ccs.env)).stdout;
      assert.match(table, /\*\s+nick1/, table);
      for (const args of [['pause', type, 'nick1'], ['resume', type, 'nick1']]) {
        const run = await runBin(args, ccs.env);
        assert.equal(run.code, 0, run.stderr);
      }
      const after = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Row[];
      assert.deepEqual(after.filter((r) => r.provider === type).map((r) => [r.nickname, r.default]), [['nick1', true]]);
    } finally {
      ccs.cleanup();
    }
  });
}
