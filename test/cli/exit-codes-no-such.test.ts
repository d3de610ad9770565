// One rule for a name that names nothing (README "Exit codes": 2 is bad usage): an account or a
// provider that does not exist exits 2 on every command, with the same words; and a proxy start's
// arguments are checked before whether a proxy runs (a wrong --provider is bad usage, not "already running").
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

test('no such account or provider: exit 2 on every command, and before "already running"', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com'));
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
    const noAccount = 'ccs-tui: no claude account "nobody" (accounts: me@example.com)\n';
    for (const args of [
      ['use', 'claude', 'nobody'],
      ['rename', 'claude', 'nobody', 'x'],
      ['rename', 'claude', 'nobody', '--clear'],
      ['pause', 'claude', 'nobody'],
      ['resume', 'claude', 'nobody'],
      ['remove', 'claude', 'nobody'],
      ['run', 'claude', 'nobody'],
      ['models', 'claude', '--account', 'nobody'],
    ]) {
      const result = await runBin(args, ccs.env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr, noAccount, args.join(' '));
    }
    for (const args of [['use', 'nosuch', 'x'], ['run', 'nosuch'], ['proxy', 'start', '--provider', 'nosuch'], ['quota', '--provider', 'nosuch']]) {
      const result = await runBin(args, ccs.env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /"nosuch"/, args.join(' '));
    }

    assert.equal((await runBin(['proxy', 'start'], ccs.env)).code, 0);
    const wrongProvider = await runBin(['proxy', 'start', '--provider', 'nosuch'], ccs.env);
    assert.equal(wrongProvider.code, 2, wrongProvider.stderr);
    assert.match(wrongProvider.stderr, /^ccs-tui: unknown provider "nosuch" \(--provider\)/);
    assert.doesNotMatch(wrongProvider.stderr, /already running/);
    const wrongAccount = await runBin(['proxy', 'start', '--provider', 'claude', '--account', 'nobody'], ccs.env);
    assert.equal(wrongAccount.code, 2, wrongAccount.stderr);
    assert.match(wrongAccount.stderr, /^ccs-tui: --account: no claude account "nobody"/);
    // Right arguments while one runs: a failure (1), said as such.
    const busy = await runBin(['proxy', 'start', '--provider', 'claude'], ccs.env);
    assert.equal(busy.code, 1, busy.stderr);
    assert.match(busy.stderr, /already running/);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  }
});
