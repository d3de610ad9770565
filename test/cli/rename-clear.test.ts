// `rename <provider> <account> --clear` removes a nickname (the registry entry keeps no nickname
// field, as CCS writes an account it was given none for); an empty nickname is refused (exit 2)
// pointing at --clear; --clear with a nickname, or neither, is bad usage.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {oauthToken} from '../proxy/fixture.js';

test('rename --clear removes the nickname; an empty one is refused with the way to do it', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com'));
    assert.equal((await runBin(['rename', 'claude', 'me@example.com', 'work'], ccs.env)).code, 0);
    const empty = await runBin(['rename', 'claude', 'work', ''], ccs.env);
    assert.equal(empty.code, 2);
    assert.equal(empty.stderr, 'ccs-tui: a nickname cannot be empty; to remove the nickname: ccs-tui rename claude work --clear\n');
    const both = await runBin(['rename', 'claude', 'work', 'x', '--clear'], ccs.env);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^ccs-tui: --clear removes the nickname: give no <nickname> with it\n/);
    const neither = await runBin(['rename', 'claude', 'work'], ccs.env);
    assert.equal(neither.code, 2);
    // A nickname no account may have (a key's shape, another's name) is bad input too, as login --nickname says.
    const keyShaped = await runBin(['rename', 'claude', 'work', `sk-ant-api03-${'A'.repeat(24)}`], ccs.env);
    assert.equal(keyShaped.code, 2, keyShaped.stderr);
    assert.match(keyShaped.stderr, /a nickname cannot be a key or token/);
    assert.ok(!keyShaped.stderr.includes('A'.repeat(12)));
    assert.match(neither.stderr, /^ccs-tui: missing <nickname> \(or --clear to remove the nickname\)\n/);

    const cleared = await runBin(['rename', 'claude', 'work', '--clear'], ccs.env);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.equal(cleared.stdout, 'claude: me@example.com has no nickname now (shown as me@example.com)\n');
    const entry = JSON.parse(readFileSync(ccs.paths.registry, 'utf8')).providers.claude.accounts['me@example.com'];
    assert.equal(Object.hasOwn(entry, 'nickname'), false, JSON.stringify(entry));
    const [row] = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {nickname: string | null}[];
    assert.equal(row!.nickname, null);
    const again = await runBin(['rename', 'claude', 'me@example.com', '--clear'], ccs.env);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, 'claude: me@example.com has no nickname\n');
  } finally {
    ccs.cleanup();
  }
});
