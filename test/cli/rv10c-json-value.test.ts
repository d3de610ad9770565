// rv10c attack: `--json=yes` (or `--json=true`, as some tools take it). It is refused, the switch
// takes no value (flag-value-errors.test.ts), but a script that asked for JSON got only text: the
// refusal is answered in the one --json failure shape on stdout as well.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

test('--json=VALUE: refused (exit 2), the answer on stdout is the --json failure shape', async () => {
  const ccs = makeTempCcs();
  try {
    for (const args of [['accounts', '--json=yes'], ['proxy', 'status', '--json=true'], ['nosuch', '--json=1']]) {
      const result = await runBin(args, ccs.env);
      assert.equal(result.code, 2, args.join(' '));
      const answer = JSON.parse(result.stdout) as {error: string; exitCode: number};
      assert.equal(answer.exitCode, 2, args.join(' '));
      assert.equal(result.stderr, `ccs-tui: ${answer.error}\n`, args.join(' '));
    }
    // After `--` it is the agent's argument, not ours: no JSON.
    const run = await runBin(['run', '--agent', 'nosuch', '--', '--json=1'], ccs.env);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
  } finally {
    ccs.cleanup();
  }
});
