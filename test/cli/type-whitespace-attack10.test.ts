// Attack review (issue 10): token `type` is matched trimmed as CLIProxyAPI trims it (Go
// strings.TrimSpace: Unicode White_Space, which includes U+0085 NEL). Copy into test/cli/ to run.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

test('a codex file whose type ends in U+0085 is a codex account, not a second provider that prints as "codex"', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com'));
    ccs.writeToken('codex-b@example.com.json', {...tokenFixture('codex', 'b@example.com'), type: 'CODEX\u0085'});
    const run = await runBin(['accounts', '--json'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const rows = JSON.parse(run.stdout) as {provider: string; id: string}[];
    assert.deepEqual(rows.map((r) => r.provider), ['codex', 'codex']);
    const use = await runBin(['use', 'codex', 'b@example.com'], ccs.env);
    assert.equal(use.code, 0, use.stderr);
  } finally {
    ccs.cleanup();
  }
});
