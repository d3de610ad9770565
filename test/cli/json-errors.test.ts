// Every command that takes --json answers a failure in JSON on stdout as well (scripts read stdout):
// `{error, exitCode}`, the same words as the stderr line, and the same exit code.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

test('a --json command that fails prints {error, exitCode} on stdout, whatever the command', async () => {
  const ccs = makeTempCcs();
  try {
    for (const [args, code, error] of [
      [['models', 'nosuch', '--json'], 2, /^unknown provider "nosuch"/],
      [['quota', '--provider', 'nosuch', '--json'], 2, /unknown provider "nosuch"/],
      [['accounts', '--json', '--bogus'], 2, /--bogus/],
      [['models', 'claude', '--account', 'nobody@example.com', '--json'], 1, /no claude account "nobody@example\.com"/],
    ] as const) {
      const result = await runBin([...args], ccs.env);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      const answer = JSON.parse(result.stdout) as {error: string; exitCode: number};
      assert.match(answer.error, error, args.join(' '));
      assert.equal(answer.exitCode, code);
      assert.equal(result.stderr, `ccs-tui: ${answer.error}\n`, 'the same words for a person');
    }
  } finally {
    ccs.cleanup();
  }
});
