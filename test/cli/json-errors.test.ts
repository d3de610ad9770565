// Every command that takes --json answers a failure in JSON on stdout as well (scripts read stdout):
// `{error, exitCode}`, the same words as the stderr line, and the same exit code.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

test('a --json command that fails prints {error, exitCode} on stdout, whatever the command', async () => {
  const ccs = makeTempCcs();
  try {
    for (const [args, code, error] of [
      [['models', 'nosuch', '--json'], 2, /^unknown provider "nosuch"/],
      [['quota', '--provider', 'nosuch', '--json'], 2, /unknown provider "nosuch"/],
      [['accounts', '--json', '--bogus'], 2, /--bogus/],
      [['models', 'claude', '--account', 'nobody@example.com', '--json'], 2, /no claude account "nobody@example\.com"/],
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

test('asked for --json, an unknown command or option, or a command that takes no --json, fails in the --json shape too', async () => {
  const ccs = makeTempCcs();
  try {
    for (const [args, said] of [
      [['nosuch', '--json'], /^unknown command "nosuch"\nsee ccs-tui --help$/],
      [['--json'], /^"--json" is not a command; options follow one\nsee ccs-tui --help$/],
      [['proxy', '--json'], /^"proxy" needs one of its commands\nusage:\n {2}ccs-tui proxy serve .*\n {2}ccs-tui proxy status \[--json\]$/s],
      [['proxy', 'bogus', '--json'], /^unknown command "proxy bogus"\nusage:/],
      [['use', 'claude', 'a@example.com', '--json'], /^"use" takes no option --json \(its options: --force\)\nusage: ccs-tui use /],
      [['proxy', 'serve', '--json'], /^"proxy serve" takes no option --json \(its options: --port VALUE, --provider VALUE, --account VALUE\)\nusage: ccs-tui proxy serve /],
      // --target is read before the command's flags: a command whose usage names it says it takes it.
      [['cooldown', 'clear', 'claude', 'a@example.com', '--json'], /^"cooldown clear" takes no option --json \(its options: --target T\)\nusage: ccs-tui cooldown clear <provider> <account> \[--target T\]/],
      [['quota', '--bogus', '--json'], /^"quota" takes no option --bogus \(its options: [^)]*--json[^)]*\)\nusage: ccs-tui quota /],
      [['--target', 'x', 'nosuch', '--json'], /^unknown command "nosuch"/],
    ] as const) {
      const result = await runBin([...args], ccs.env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      const answer = JSON.parse(result.stdout) as {error: string; exitCode: number};
      assert.deepEqual(Object.keys(answer), ['error', 'exitCode'], args.join(' '));
      assert.match(answer.error, said, args.join(' '));
      assert.equal(answer.exitCode, 2);
      assert.equal(result.stderr, `ccs-tui: ${answer.error}\n`, 'the same words for a person');
    }
    // Without --json (or with it after `--`, an agent's argument) the same failures are text only.
    for (const args of [['nosuch'], ['proxy'], ['nosuch', '--', '--json']]) {
      const result = await runBin(args, ccs.env);
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stdout, '', args.join(' '));
      assert.match(result.stderr, /^ccs-tui: (unknown command "nosuch"|"proxy" needs one of its commands)\n/);
    }
  } finally {
    ccs.cleanup();
  }
});

test('--help is text, --json or not: a command\'s usage, a group\'s commands, the whole help', async () => {
  const ccs = makeTempCcs();
  try {
    for (const [args, shown] of [
      [['accounts', '--json', '--help'], /^usage: ccs-tui accounts \[--json\]\n {2}list every provider and account\n$/],
      [['quota', '--help', '--json', '--bogus'], /^usage: ccs-tui quota /],
      [['proxy', '--help', '--json'], /^usage:\n {2}ccs-tui proxy serve /],
      [['--help', '--json'], /^ccs-tui: account manager .*--help is text, --json or not\./s],
      [['--json', '-h'], /^ccs-tui: account manager /],
      [['help', '--json'], /^ccs-tui: account manager /],
    ] as const) {
      const result = await runBin([...args], ccs.env);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, shown, args.join(' '));
      assert.equal(result.stderr, '');
      assert.throws(() => JSON.parse(result.stdout), SyntaxError, `${args.join(' ')}: text, not JSON`);
    }
  } finally {
    ccs.cleanup();
  }
});

test('proxy status with no proxy is an answer, not a failure: {"running": false} (text: says so), exit 3, nothing on stderr', async () => {
  const ccs = makeTempCcs();
  try {
    const json = await runBin(['proxy', 'status', '--json'], ccs.env);
    assert.equal(json.code, 3);
    assert.deepEqual(JSON.parse(json.stdout), {running: false});
    assert.equal(json.stderr, '');
    const text = await runBin(['proxy', 'status'], ccs.env);
    assert.equal(text.code, 3);
    assert.equal(text.stdout, 'no proxy is running (start one: ccs-tui proxy start)\n');
    assert.equal(text.stderr, '');
    // The help says what 3 means, as the README does.
    const help = await runBin(['--help'], ccs.env);
    assert.match(help.stdout, /3 is an answer with its data, not a failure\n\(quota: every account is used up; proxy status: no proxy runs\)/);
    assert.match(help.stdout, /ccs-tui proxy status \[--json\] +whether a proxy runs, on which port, for which account \(exit 3 when none runs\)/);
  } finally {
    ccs.cleanup();
  }
});

test('env --json that refuses (no account) answers {env, notes, error, exitCode}, like every other --json failure', async () => {
  const ccs = makeTempCcs();
  try {
    const result = await runBin(['env', 'codex', '--json'], ccs.env);
    assert.equal(result.code, 1, result.stderr);
    const answer = JSON.parse(result.stdout) as {env: Record<string, string>; notes: string[]; error: string; exitCode: number};
    assert.match(answer.error, /^Claude Code cannot use Codex: no Codex account/);
    assert.equal(answer.exitCode, 1);
    // The exports it would give, still there for a script that wants them.
    assert.match(answer.env.ANTHROPIC_BASE_URL!, /\/api\/provider\/codex$/);
    assert.ok(Array.isArray(answer.notes));
    assert.equal(result.stderr, `ccs-tui: ${answer.error}\n`, 'the same words for a person');
  } finally {
    ccs.cleanup();
  }
});

test('--target without a name fails in JSON under --json too', async () => {
  const ccs = makeTempCcs();
  try {
    const result = await runBin(['accounts', '--target', '--json'], ccs.env);
    assert.equal(result.code, 2, result.stderr);
    const answer = JSON.parse(result.stdout) as {error: string; exitCode: number};
    assert.match(answer.error, /option --target needs a target name/);
    assert.equal(answer.exitCode, 2);
  } finally {
    ccs.cleanup();
  }
});

test('an unknown --target is said as such, with the known ones, whatever the command (even one no target runs)', async () => {
  const ccs = makeTempCcs();
  ccs.writeRaw('tui.json', JSON.stringify({targets: {team: {url: 'https://127.0.0.1:1', managementKeyEnv: 'TEAM_KEY'}}}));
  try {
    for (const args of [
      ['native', '--json', '--target', 'x'],
      ['proxy', 'status', '--json', '--target', 'x'],
      ['models', 'claude', '--live', '--account', 'a', '--json', '--target', 'x'],
      ['login', 'claude', '--device', '--target', 'x'],
      ['push', 'claude', 'a', '--target', 'x'],
      ['accounts', '--target=x'],
    ]) {
      const result = await runBin(args, ccs.env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^ccs-tui: unknown target "x" \(targets: local, team; add one under "targets" in .*tui\.json\)\n$/, args.join(' '));
      if (args.includes('--json')) assert.deepEqual(JSON.parse(result.stdout), {error: result.stderr.slice('ccs-tui: '.length, -1), exitCode: 2});
    }
  } finally {
    ccs.cleanup();
  }
});

test('a tui.json that cannot give the target asked for says which file and field, and what happens, once', async () => {
  const ccs = makeTempCcs();
  try {
    const file = ccs.paths.settings;
    for (const [content, said, code] of [
      ['{"targets": {"team": {url: 1}}', `${file}:1:23: invalid JSON (Expected property name or '}'); the targets are named in this file, so target "team" cannot be opened until it is fixed`, 1],
      ['{"targets": 5}', `${file}: "targets" must be an object of named servers ({"team": {"url": …}}), not a number`, 1],
      ['{"targets": {"team": "https://proxy.example.com"}}', `${file}: targets.team must be an object ({"url": …, "managementKeyEnv": …}), not a string`, 1],
      ['{"targets": {"other": {}}}', `unknown target "team" (targets: local, other; add one under "targets" in ${file})`, 2],
    ] as const) {
      ccs.writeRaw('tui.json', content);
      for (const json of [false, true]) {
        const result = await runBin(['accounts', '--target', 'team', ...(json ? ['--json'] : [])], ccs.env);
        assert.equal(result.code, code, content);
        assert.equal(result.stderr, `ccs-tui: ${said}\n`, content);
        if (json) assert.deepEqual(JSON.parse(result.stdout), {error: said, exitCode: code});
      }
    }
    // Without a target the same broken file is said as an error (it cannot be read), but the command runs, no token leaves.
    ccs.writeRaw('tui.json', '{"targets": {"team": {url: 1}}');
    const local = await runBin(['quota'], ccs.env);
    assert.equal(local.code, 0, local.stderr);
    assert.equal(local.stderr, `ccs-tui: error: ${file}:1:23: invalid JSON (Expected property name or '}'); no token is sent to any provider until it is fixed (its endpoint overrides are unknown): quota reads, token refreshes, live model lists, logins and the proxy wait, other settings are the defaults\n`);
  } finally {
    ccs.cleanup();
  }
});

test('a name the user typed is quoted on one line in an error (a target, a command, an argument with a line break)', async () => {
  const ccs = makeTempCcs();
  try {
    for (const [args, said] of [
      [['accounts', '--target', 'a\nb'], /^ccs-tui: unknown target "a b" /],
      [['acc\nounts'], /^ccs-tui: unknown command "acc ounts"\n/],
      [['accounts', 'x\ny'], /^ccs-tui: unexpected argument "x y"\n/],
      // Most commands take the provider as an argument; quota takes it as a flag, and says so (quoted for a shell).
      [['quota', 'claude'], /^ccs-tui: unexpected argument "claude" \(the provider goes after --provider: ccs-tui quota --provider claude\)\nusage: ccs-tui quota \[--provider P\]/],
      [['quota', 'CLAUDE'], /^ccs-tui: unexpected argument "CLAUDE" \(the provider goes after --provider: ccs-tui quota --provider CLAUDE\)\n/],
      // No provider of that name: no hint to a command that fails too.
      [['quota', 'bogus'], /^ccs-tui: unexpected argument "bogus"\nusage: /],
    ] as const) {
      const result = await runBin([...args], ccs.env);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, said);
    }
  } finally {
    ccs.cleanup();
  }
});

/** Two claude accounts, `a` the default and in Claude Code's own file, which then cannot be written (a directory in its place). */
async function nativeFileStuck() {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com'));
  ccs.writeToken('claude-b.json', tokenFixture('claude', 'b@example.com'));
  const run = await runBin(['use', '--native', 'claude', 'a@example.com'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  const credentials = path.join(ccs.env.HOME!, '.claude', '.credentials.json');
  rmSync(credentials);
  mkdirSync(credentials);
  return ccs;
}

test('rotate whose native follow fails still says the default moved: the line on stdout, and from/to beside --json\'s error', async () => {
  for (const json of [false, true]) {
    const ccs = await nativeFileStuck();
    try {
      const run = await runBin(['rotate', 'claude', ...(json ? ['--json'] : [])], ccs.env);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /credentials\.json: is a directory/);
      if (json) {
        const answer = JSON.parse(run.stdout) as Record<string, unknown>;
        assert.deepEqual({...answer, error: undefined}, {provider: 'claude', from: 'a@example.com', to: 'b@example.com', served: null, nativeFile: null, error: undefined, exitCode: 1});
        assert.equal(run.stderr, `ccs-tui: ${String(answer.error)}\n`, 'the same words for a person');
      } else {
        assert.equal(run.stdout, 'claude: a@example.com → b@example.com\n', 'the default moved: said, though the agent\'s file did not follow');
      }
      const listed = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {id: string; default: boolean}[];
      assert.deepEqual(listed.filter((a) => a.default).map((a) => a.id), ['b@example.com'], 'the registry agrees with what was said');
    } finally {
      ccs.cleanup();
    }
  }
});

test('a CCS dir whose token dir is a file: the path and what is wrong, no stack trace', async () => {
  const ccs = makeTempCcs();
  try {
    rmSync(ccs.paths.authDir, {recursive: true});
    writeFileSync(ccs.paths.authDir, 'not a directory\n');
    for (const args of [['accounts'], ['accounts', '--json']]) {
      const result = await runBin(args, ccs.env);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /a (part of this path is a file where a directory is expected|directory where a file is expected)/);
      assert.ok(result.stderr.includes(path.basename(ccs.paths.authDir)), result.stderr);
      assert.doesNotMatch(result.stderr, /unexpected error|\n\s+at /);
    }
  } finally {
    ccs.cleanup();
  }
});
