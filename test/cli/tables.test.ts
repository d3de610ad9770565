// Every table of the command line is aligned in terminal cells (issue 10): wide (CJK) and combining
// characters in nicknames, emails and model ids keep every column straight.
import assert from 'node:assert/strict';
import {afterEach, beforeEach, test} from 'node:test';
import {cellWidth} from '../../source/core/cells.js';
import {formatTable} from '../../source/cli/context.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

let ccs: TempCcs;
beforeEach(() => (ccs = makeTempCcs()));
afterEach(() => ccs.cleanup());

/** The cell column where `value` starts on each line that contains it. */
function startColumns(text: string, values: readonly string[]): number[] {
  return values.map((value) => {
    const line = text.split('\n').find((l) => l.includes(value));
    assert.ok(line, `no line with ${value} in:\n${text}`);
    // The last occurrence: an email may also be the account's label in an earlier column.
    return cellWidth(line.slice(0, line.lastIndexOf(value)));
  });
}

const allEqual = (columns: number[], what: string) => assert.equal(new Set(columns).size, 1, `${what} start at cells ${columns.join(', ')}`);

test('formatTable pads by cells', async () => {
  const text = await formatTable({paths: ccs.paths, target: 'local'}, [
    ['NAME', 'NEXT'],
    ['研究', 'x'],
    ['Ame\u0301lie', 'y'],
    ['ab', 'z'],
  ]);
  allEqual(startColumns(text, ['NEXT', 'x', 'y', 'z']), 'the second column');
});

test('accounts: CJK nicknames and emails, combining marks, keep the columns aligned', async () => {
  ccs.writeRegistry({
    version: 1,
    providers: {
      claude: {
        accounts: {
          'a@example.com': {email: 'a@example.com', nickname: '研究チーム', tokenFile: 'claude-a.json'},
          'b@example.com': {email: 'b@example.com', nickname: 'Ame\u0301lie', tokenFile: 'claude-b.json'},
        },
      },
    },
  });
  ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com'));
  ccs.writeToken('claude-b.json', tokenFixture('claude', 'b@example.com'));
  ccs.writeToken('kimi-c.json', tokenFixture('kimi', '用户@例子.中国'));
  const run = await runBin(['accounts'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  allEqual(startColumns(run.stdout, ['EMAIL', 'a@example.com', 'b@example.com', '用户@例子.中国']), 'emails');
  const states = run.stdout.split('\n').filter((l) => l.includes('STATE') || / ok /.test(l));
  assert.equal(states.length, 4, run.stdout);
  allEqual(states.map((l) => cellWidth(l.slice(0, l.includes('STATE') ? l.indexOf('STATE') : l.search(/ ok /) + 1))), 'states');
});

test('models: CJK aliases keep the columns aligned', async () => {
  ccs.writeRaw(
    'cliproxy/config.yaml',
    ['oauth-model-alias:', '  kimi:', '    - name: "kimi-k2"', '      alias: "月之暗面-快速"', '    - name: "kimi-k2.5"', '      alias: "k25"', 'oauth-excluded-models:', '  kimi:', '    - "kimi-k3"', ''].join('\n'),
  );
  const run = await runBin(['models', 'kimi'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  const rows = run.stdout.split('\n').filter((l) => l.includes('←') || l.includes('excluded by'));
  assert.equal(rows.length, 3, run.stdout);
  allEqual(rows.map((l) => cellWidth(l.slice(0, l.search(/← |excluded by/)))), 'the second column');
});
