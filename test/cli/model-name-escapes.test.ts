// Model names from files are data (attack 11, F7): a token file's `model_aliases` (CLIProxyAPI's, or
// one `pull` copied) or config.yaml's rules holding escapes, quotes or a line break. A name that is
// no model name (a control or invisible formatting character) is not read, with a warning naming the
// file and field, and stays in the file; every output that embeds a name is safe for its syntax.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {after, describe, test} from 'node:test';
import {shellQuoted, tomlString} from '../../source/core/quote.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';

/** What an attacker put in a token file: a title change, a screen clear, a colour, then a TOML line of its own. */
const EVIL = 'gpt-opus\u001b]0;PWNED\u0007\u001b[2J\u001b[31m"\nmodel_provider="openai';
const ESC = '\u001b';

/** Names a provider or a person may well use, which every output must carry unchanged. */
const HOSTILE_BUT_PRINTABLE = [`it's`, 'back\\slash', '$(touch /tmp/pwned)', '`id`', 'a "quoted" name', '$HOME', 'naïve-模型', 'x'.repeat(5000)];

describe('quoting a value for its syntax (core/quote.ts)', () => {
  test('a POSIX sh single-quoted word reads back as the value, whatever it holds', () => {
    for (const value of [...HOSTILE_BUT_PRINTABLE, "'", "''\\''", 'line\nbreak', `${ESC}[31mred`, 'bidi\u202eevil']) {
      const out = execFileSync('/bin/sh', ['-c', `printf %s ${shellQuoted(value)}`], {encoding: 'utf8'});
      assert.equal(out, value);
    }
  });

  test('a TOML basic string escapes quotes, backslashes and every control character (its escapes are JSON\'s)', () => {
    for (const value of [...HOSTILE_BUT_PRINTABLE, EVIL, '\u0000\u0008\u001f\u007f\t\r\n\f']) {
      const quoted = tomlString(value);
      // TOML forbids raw control characters (but tab) and a bare `"` or `\` inside a basic string.
      assert.doesNotMatch(quoted.slice(1, -1), /[\u0000-\u0008\u000a-\u001f\u007f]|(?<!\\)(?:\\\\)*"/);
      assert.equal(JSON.parse(quoted), value);
    }
  });
});

describe('a token file alias with escapes and a line break', () => {
  const ccs = makeTempCcs();
  const tokenName = 'codex-c@x.com.json';
  const tokenPath = ccs.writeToken(tokenName, tokenFixture('codex', 'c@x.com', {account_id: 'acc1', model_aliases: [{name: 'gpt-5.6-sol', alias: EVIL}, {name: 'gpt-5.5', alias: `it's $(id) \`x\``}]}));
  ccs.writeRaw('cliproxy/config.yaml', 'api-keys: ["sk-local-0123456789"]\n');
  after(() => ccs.cleanup());

  test('env: the entry is not read (a warning names the file and field), every export is one quoted line, no escape', async () => {
    const run = await runBin(['env', 'codex'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.stdout.includes(ESC) && !run.stderr.includes(ESC), 'no escape reaches the terminal');
    for (const line of run.stdout.trimEnd().split('\n')) assert.match(line, /^export [A-Z_]+='/);
    assert.match(run.stderr, /^# warning: token file codex-c@x\.com\.json: model_aliases\[0\]\.alias "gpt-opus.*" holds U\+001B \(a control character\), which no model name has; the entry is not read/m);
    assert.match(run.stdout, /^export ANTHROPIC_MODEL='gpt-5\.6-sol'$/m);
    // The printable alias with a quote and $() is exported as itself: the shell reads it back whole.
    const model = execFileSync('/bin/sh', ['-c', `${run.stdout}\nprintf %s "$ANTHROPIC_DEFAULT_SONNET_MODEL|$ANTHROPIC_MODEL"`], {encoding: 'utf8'});
    assert.equal(model, 'gpt-5.6-terra|gpt-5.6-sol');
  });

  test('models: the warning is one line; the rest of the list and the printable alias are served', async () => {
    const run = await runBin(['models', 'codex', '--account', 'c@x.com'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.stdout.includes(ESC) && !run.stderr.includes(ESC));
    for (const line of run.stderr.trimEnd().split('\n')) assert.match(line, /^ccs-tui: /, `every stderr line is ccs-tui's own: ${JSON.stringify(line)}`);
    assert.match(run.stderr, new RegExp(`warning: ${tokenPath.replace(/[.]/g, '\\.')}: model_aliases\\[0\\]\\.alias`));
    assert.match(run.stdout, /^it's \$\(id\) `x` +← gpt-5\.5$/m);
    assert.match(run.stdout, /^gpt-5\.6-sol$/m);
  });

  test('an edit of the account\'s rules keeps the entry it did not read, as it was', async () => {
    const run = await runBin(['alias', 'add', 'codex', 'gpt-5.4', 'four', '--account', 'c@x.com'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const aliases = JSON.parse(readFileSync(tokenPath, 'utf8')).model_aliases as {name: string; alias: string}[];
    assert.deepEqual(aliases.map((a) => a.alias), [`it's $(id) \`x\``, 'four', EVIL]);
  });

  test('run --agent codex: the model override is a TOML string; no line of the name becomes a key of its own', async () => {
    const port = await freePort();
    ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys: ["sk-local-0123456789"]\n`);
    // The codex stand-in prints the arguments it got as JSON.
    const agent = ccs.writeRaw('agent.js', 'console.log(JSON.stringify(process.argv.slice(2)))');
    try {
      const run = await runBin(['run', 'codex', '--agent', 'codex', '--port', String(port)], {...ccs.env, CCS_TUI_AGENT_CODEX: JSON.stringify([process.execPath, agent])});
      assert.equal(run.code, 0, run.stderr);
      assert.ok(!run.stderr.includes(ESC));
      assert.match(run.stderr, /warning: token file codex-c@x\.com\.json: model_aliases\[2\]\.alias/);
      const argv = JSON.parse(run.stdout) as string[];
      assert.ok(argv.includes('model="gpt-5.6-sol"'), JSON.stringify(argv));
      assert.ok(argv.every((arg) => !arg.includes('\n') && !arg.includes(ESC)), JSON.stringify(argv));
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
    }
  });
});

test('env refuses an api-key holding a control character, naming the variable; nothing raw is printed', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('codex-c@x.com.json', tokenFixture('codex', 'c@x.com', {account_id: 'acc1'}));
    ccs.writeRaw('cliproxy/config.yaml', 'api-keys: ["sk-local-\\e[31m-0123456789"]\n');
    const run = await runBin(['env', 'codex'], ccs.env);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.ok(!run.stderr.includes(ESC));
    assert.match(run.stderr, /^ccs-tui: ANTHROPIC_AUTH_TOKEN: its value holds a control character \(U\+001B\); no export printed \(fix config\.yaml api-keys\)$/m);
  } finally {
    ccs.cleanup();
  }
});

describe('config.yaml rules with names that are none', () => {
  const ccs = makeTempCcs();
  after(() => ccs.cleanup());

  test('models warns naming config.yaml and the field; a global edit keeps the entries it did not read', async () => {
    const config = ccs.writeRaw(
      'cliproxy/config.yaml',
      [
        'oauth-model-alias:',
        '  codex:',
        '    - name: gpt-5.5',
        '      alias: "five\\u202e-evil"',
        '    - name: gpt-5.4',
        '      alias: four',
        'oauth-excluded-models:',
        '  codex:',
        '    - "gpt-5.4-mini\\nforged"',
        '',
      ].join('\n'),
    );
    const run = await runBin(['models', 'codex', '--json'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as {models: {id: string}[]; warnings: string[]};
    assert.ok(out.models.some((m) => m.id === 'four') && out.models.some((m) => m.id === 'gpt-5.4-mini'), 'the readable rules apply; the unread pattern hides nothing');
    assert.ok(!out.models.some((m) => m.id.startsWith('five')));
    assert.ok(out.warnings.some((w) => w.startsWith(`${config}: oauth-model-alias.codex[0].alias "five-evil" holds U+202E (an invisible formatting character)`)), out.warnings.join('\n'));
    assert.ok(out.warnings.some((w) => w.startsWith(`${config}: oauth-excluded-models.codex[0] "gpt-5.4-mini forged" holds U+000A`)), out.warnings.join('\n'));

    const edit = await runBin(['alias', 'add', 'codex', 'gpt-5.6-luna', 'moon'], ccs.env);
    assert.equal(edit.code, 0, edit.stderr);
    const text = readFileSync(config, 'utf8');
    assert.match(text, /alias: "five\\u202e-evil"/);
    assert.match(text, /alias: four/);
    assert.match(text, /alias: moon/);
    assert.match(text, /- "gpt-5\.4-mini\\nforged"/);
  });

  test('alias add refuses a name with a control or bidi character, naming the argument', async () => {
    for (const bad of ['five\u202eevil', 'five\u009bevil']) {
      const run = await runBin(['alias', 'add', 'codex', 'gpt-5.5', bad], ccs.env);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^ccs-tui: <alias> holds U\+(202E|009B)/);
    }
  });
});

