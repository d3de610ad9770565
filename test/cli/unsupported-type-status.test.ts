// An account of a token type ccs-tui does not know (`"type": "kiro"`) is listed by `accounts` as
// "✕ unsupported type", never "ok"; `--json` keeps its `health` (the file's) and adds `supported: false`
// (README: accounts --json), which rows of known types do not carry.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

test('accounts: an unknown type is "✕ unsupported type" in the table and supported: false in --json', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('kiro-x.json', tokenFixture('kiro', 'x@example.com'));
    ccs.writeToken('claude-a@x.com.json', tokenFixture('claude', 'a@x.com'));
    const table = await runBin(['accounts'], ccs.env);
    assert.equal(table.code, 0, table.stderr);
    const kiro = table.stdout.split('\n').find((line) => line.startsWith('kiro')) ?? '';
    assert.match(kiro, /x@example\.com\s+✕ unsupported type/, table.stdout);
    assert.match(table.stdout.split('\n').find((line) => line.startsWith('claude')) ?? '', /\bok\b/);
    const rows = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Array<Record<string, unknown>>;
    const kiroRow = rows.find((r) => r.provider === 'kiro')!;
    assert.equal(kiroRow.supported, false);
    assert.equal(kiroRow.health, 'ok', 'health stays what the file says (the JSON contract)');
    assert.equal(Object.hasOwn(rows.find((r) => r.provider === 'claude')!, 'supported'), false);
  } finally {
    ccs.cleanup();
  }
});
