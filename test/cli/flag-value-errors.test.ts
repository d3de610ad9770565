// A flag without its value, or a switch given one, is refused in the command line's own words (the
// flag named, what it expects), the same in text and in --json: never node:util's parser text.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

test('a missing flag value or a value given to a switch names the flag and what it expects', async () => {
  const ccs = makeTempCcs();
  try {
    for (const [args, said] of [
      [['login', 'claude', '--nickname', '--json'], /^"login": --nickname needs a value, not the option after it \(a value that starts with "-" is written --nickname=VALUE\)\nusage: ccs-tui login /],
      [['login', 'claude', '--json', '--nickname'], /^"login": --nickname needs a value \(--nickname VALUE\)\nusage: ccs-tui login /],
    ] as const) {
      const result = await runBin([...args], ccs.env);
      assert.equal(result.code, 2, args.join(' '));
      assert.doesNotMatch(result.stdout + result.stderr, /Did you forget|argument missing|ambiguous|-XYZ|does not take an argument/, args.join(' '));
      const answer = JSON.parse(result.stdout) as {error: string; exitCode: number};
      assert.match(answer.error, said, args.join(' '));
      assert.equal(answer.exitCode, 2);
      assert.equal(result.stderr, `ccs-tui: ${answer.error}\n`);
    }
    const switched = await runBin(['accounts', '--json=yes'], ccs.env);
    assert.equal(switched.code, 2);
    assert.match(switched.stderr, /^ccs-tui: "accounts": --json takes no value \(it is a switch: --json alone\)\nusage: ccs-tui accounts/);
    const text = await runBin(['login', 'claude', '--nickname'], ccs.env);
    assert.equal(text.code, 2);
    assert.equal(text.stdout, '');
    assert.match(text.stderr, /^ccs-tui: "login": --nickname needs a value \(--nickname VALUE\)\n/);
  } finally {
    ccs.cleanup();
  }
});
