import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

describe('ccs-tui account commands (built binary)', () => {
  let ccs: TempCcs;
  beforeEach(() => {
    ccs = makeTempCcs();
    ccs.writeRegistry({
      version: 1,
      providers: {
        codex: {
          default: 'a@example.com',
          accounts: {
            'a@example.com': {email: 'a@example.com', nickname: 'alpha', tokenFile: 'codex-a.json'},
            'b@example.com': {email: 'b@example.com', nickname: 'beta', tokenFile: 'codex-b.json'},
          },
        },
      },
    });
    ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com', {expired: '2030-01-01T00:00:00Z'}));
    ccs.writeToken('codex-b.json', tokenFixture('codex', 'b@example.com'));
  });
  afterEach(() => ccs.cleanup());

  test('accounts --json prints the stable rows', async () => {
    const run = await runBin(['accounts', '--json'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const rows = JSON.parse(run.stdout);
    assert.deepEqual(rows[0], {
      provider: 'codex',
      id: 'a@example.com',
      email: 'a@example.com',
      nickname: 'alpha',
      default: true,
      paused: false,
      tokenFile: 'codex-a.json',
      expiresAt: '2030-01-01T00:00:00Z',
      health: 'ok',
      registered: true,
    });
    assert.equal(rows.length, 2);
    assert.ok(!run.stdout.includes('0123456789abcdef'), 'no token in the output');
  });

  test('accounts prints a table, and a hint on an empty CCS dir', async () => {
    const run = await runBin(['accounts'], ccs.env);
    assert.match(run.stdout, /PROVIDER\s+DEF\s+ACCOUNT/);
    assert.match(run.stdout, /codex\s+\*\s+alpha\s+a@example\.com\s+ok/);
    const empty = makeTempCcs();
    try {
      const none = await runBin(['accounts'], empty.env);
      assert.equal(none.code, 0);
      assert.match(none.stdout, /No accounts in .*\.ccs\. Add one with: ccs-tui login <provider>/);
      const json = await runBin(['accounts', '--json'], empty.env);
      assert.deepEqual(JSON.parse(json.stdout), []);
    } finally {
      empty.cleanup();
    }
  });

  test('use, rename, pause, resume, rotate and remove edit the registry', async () => {
    const registry = () => JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
    let run = await runBin(['use', 'codex', 'beta'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /codex: default is now beta/);
    assert.equal(registry().providers.codex.default, 'b@example.com');

    run = await runBin(['rename', 'codex', 'b@example.com', 'bravo'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(registry().providers.codex.accounts['b@example.com'].nickname, 'bravo');

    run = await runBin(['rotate', 'codex'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /codex: bravo → alpha/);
    // --json: the ids, for scripts (and back again, so the rest runs as before).
    run = await runBin(['rotate', 'codex', '--json'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {provider: 'codex', from: 'a@example.com', to: 'b@example.com', served: null, nativeFile: null});
    run = await runBin(['rotate', 'codex', '--json'], ccs.env);
    assert.deepEqual(JSON.parse(run.stdout), {provider: 'codex', from: 'b@example.com', to: 'a@example.com', served: null, nativeFile: null});

    run = await runBin(['pause', 'codex', 'bravo'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(registry().providers.codex.accounts['b@example.com'].paused, true);
    run = await runBin(['rotate', 'codex'], ccs.env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no other usable codex account to rotate to \(staying on alpha\)/);
    run = await runBin(['rotate', 'codex', '--json'], ccs.env);
    assert.equal(run.code, 1);
    assert.match(JSON.parse(run.stdout).error, /no other usable codex account to rotate to/);
    assert.equal(JSON.parse(run.stdout).exitCode, 1);
    run = await runBin(['resume', 'codex', 'bravo'], ccs.env);
    assert.equal(run.code, 0, run.stderr);

    run = await runBin(['remove', 'codex', 'alpha', '--yes'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    // Removing the default says where the default went, as pause does.
    assert.equal(run.stdout, 'codex: removed alpha; default is now bravo\n');
    assert.deepEqual(Object.keys(registry().providers.codex.accounts), ['b@example.com']);
    assert.equal(registry().providers.codex.default, 'b@example.com');
    run = await runBin(['remove', 'codex', 'bravo', '--yes'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'codex: removed bravo; no usable account is left to be the default\n');
  });

  test('pause on the default moves it and says so; use on a paused account is refused with the way out', async () => {
    const registry = () => JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
    let run = await runBin(['pause', 'codex', 'alpha'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /codex: paused alpha; default is now beta/);
    assert.equal(registry().providers.codex.default, 'b@example.com');
    run = await runBin(['use', 'codex', 'alpha'], ccs.env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /codex account alpha is paused, so it cannot be the default: resume it first \(ccs-tui resume codex alpha\)/);
    assert.equal(registry().providers.codex.default, 'b@example.com');
  });

  test('bad usage exits 2 and names the flag or argument', async () => {
    let run = await runBin(['accounts', '--jsn'], ccs.env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /"accounts" takes no option --jsn \(its options: --json\)/);
    run = await runBin(['use', 'codex'], ccs.env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /missing <account>/);
    run = await runBin(['use', 'nope', 'x'], ccs.env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown provider "nope"/);
    run = await runBin(['frobnicate'], ccs.env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command "frobnicate"/);
    // A command group's help lists its commands (exit 0); the group alone is still a usage error.
    run = await runBin(['proxy', '--help'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /ccs-tui proxy start \[--port N\]/);
    assert.match(run.stdout, /ccs-tui proxy stop/);
    run = await runBin(['proxy'], ccs.env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /usage:\n {2}ccs-tui proxy serve/);
    run = await runBin(['use', 'codex', 'nobody'], ccs.env);
    assert.equal(run.code, 2, 'no such account is bad usage');
    assert.match(run.stderr, /no codex account "nobody" \(accounts: alpha, beta\)/);
    // A value given twice was the last one in silence (`--provider claude --provider bob` served bob).
    for (const args of [['proxy', 'switch', '--provider', 'claude', '--provider', 'codex'], ['login', 'bob', '--nickname', 'a', '--nickname=b'], ['quota', '--provider', 'codex', '--provider', 'claude', '--json'], ['login', 'bob', '--base-url', 'https://u:s3cret@gw.example/v1?key=k3y', '--base-url', 'https://gw.example/v1']]) {
      run = await runBin(args, ccs.env, '');
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^ccs-tui: --(provider|nickname|base-url) is given twice, with two values; give it once\nusage: ccs-tui /, args.join(' '));
      assert.doesNotMatch(run.stderr, /s3cret|k3y/, 'a value may hold a key: not repeated');
    }
    assert.equal((await runBin(['accounts', '--json', '--json'], ccs.env)).code, 0, 'a switch twice is the same switch');
  });

  test('without a terminal the TUI says so, points at --help and exits 2', async () => {
    const run = await runBin([], ccs.env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /needs a terminal/);
    assert.match(run.stderr, /ccs-tui --help/);
  });

  test('a corrupt registry is named with its position; the listing comes from the token files', async () => {
    ccs.writeRaw('cliproxy/accounts.json', '{"version": 1,\n "providers": {,}}');
    const run = await runBin(['accounts', '--json'], ccs.env);
    assert.equal(run.code, 0);
    assert.match(run.stderr, /accounts\.json:2:\d+: invalid JSON.*; the accounts are listed from the token files \(a copy is kept at .*accounts\.json\.corrupt-/);
    assert.doesNotMatch(run.stderr, /rebuilt|--force:/, 'a listing rebuilds nothing on disk');
    assert.equal(JSON.parse(run.stdout).length, 2);
  });

  test('--help lists the commands', async () => {
    const run = await runBin(['--help'], ccs.env);
    assert.equal(run.code, 0);
    for (const word of ['accounts [--json]', 'use <provider> <account>', 'rotate <provider>', 'rename <provider> <account> <nickname>']) {
      assert.ok(run.stdout.includes(word), word);
    }
    assert.match(run.stdout, /^--version \(-v, -V\): the version\.$/m);
    const {version} = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {version: string};
    for (const flag of ['--version', '-v', '-V']) {
      const asked = await runBin([flag], ccs.env);
      assert.deepEqual([asked.code, asked.stdout, asked.stderr], [0, `${version}\n`, ''], flag);
    }
  });
});

test('CCS_DIR naming a file, or a CCS dir whose cliproxy/ is one: every command says so (exit 2, in JSON too), not the first path under it that it meets', async () => {
  const ccs = makeTempCcs();
  try {
    const {mkdirSync, writeFileSync} = await import('node:fs');
    const path = await import('node:path');
    const asFile = path.join(ccs.env.HOME!, 'ccs-file');
    writeFileSync(asFile, 'not a dir');
    const withFile = path.join(ccs.env.HOME!, 'ccs-with-file');
    mkdirSync(withFile);
    writeFileSync(path.join(withFile, 'cliproxy'), 'x');
    for (const [root, words] of [[asFile, /ccs-file is a file, not a directory: the CCS dir \(CCS_DIR, else ~\/\.ccs\) must be a directory/], [withFile, /ccs-with-file\/cliproxy is a file, not a directory: the CCS dir's cliproxy\/ must be a directory/]] as const) {
      for (const args of [['accounts'], ['quota'], ['proxy', 'status'], ['proxy', 'start']]) {
        const run = await runBin(args, {...ccs.env, CCS_DIR: root});
        assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, words);
        assert.doesNotMatch(run.stderr, /ENOTDIR|no proxy is running/);
      }
      const json = await runBin(['accounts', '--json'], {...ccs.env, CCS_DIR: root});
      assert.equal(JSON.parse(json.stdout).exitCode, 2);
      assert.match(JSON.parse(json.stdout).error, words);
    }
  } finally {
    ccs.cleanup();
  }
});
