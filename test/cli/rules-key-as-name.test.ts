// `alias add` and `exclude add` refuse a key given as a model name, alias or pattern (it would be
// saved in clear and listed everywhere), as `rename` refuses one as a nickname; nothing is written.
// A key already saved as a rule is shown masked by `models` (text and --json), `alias rm` and the warnings.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

const KEY = 'sk-fakebob-AAAA1111BBBB2222CCCC3333';
const SECRET_PART = 'AAAA1111';
const MASKED = 'sk-f…3333';
const CONFIG = 'port: 8317\n';

describe('a key given as a model rule name (built binary)', () => {
  let ccs: TempCcs;
  beforeEach(() => {
    ccs = makeTempCcs();
    ccs.writeRaw('cliproxy/config.yaml', CONFIG);
    ccs.writeToken('kimi-1.json', tokenFixture('kimi', 'k@example.com'));
  });
  afterEach(() => ccs.cleanup());

  test('alias add and exclude add refuse it, naming the argument, without printing it; nothing is written', async () => {
    const token = readFileSync(`${ccs.paths.authDir}/kimi-1.json`, 'utf8');
    for (const [args, what] of [
      [['alias', 'add', 'kimi', KEY, 'big'], 'name'],
      [['alias', 'add', 'kimi', 'kimi-k2', KEY], 'alias'],
      [['alias', 'add', 'kimi', KEY, 'big', '--account', 'k@example.com'], 'name'],
      [['exclude', 'add', 'kimi', KEY], 'pattern'],
      [['alias', 'add', 'bob', KEY, 'big'], 'name'],
    ] as const) {
      const run = await runBin([...args], ccs.env);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, `ccs-tui: <${what}> cannot be a key or token ("${MASKED}" looks like one, and model rules are saved in clear and shown everywhere); nothing was changed\n`);
    }
    assert.equal(readFileSync(ccs.paths.config, 'utf8'), CONFIG);
    assert.equal(readFileSync(`${ccs.paths.authDir}/kimi-1.json`, 'utf8'), token);
  });

  test('rules already holding it: models (text, --json), the warnings and alias rm show it masked', async () => {
    ccs.writeRaw('cliproxy/config.yaml', `${CONFIG}oauth-model-alias:\n  kimi:\n    - name: "${KEY}"\n      alias: big\n    - name: kimi-k2\n      alias: "${KEY}"\n`);
    ccs.writeToken('kimi-1.json', tokenFixture('kimi', 'k@example.com', {excluded_models: [KEY, 'kimi-k2.5']}));
    const text = await runBin(['models', 'kimi', '--account', 'k@example.com'], ccs.env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^${MASKED} +← kimi-k2$`, 'm'));
    assert.match(text.stderr, new RegExp(`warning: alias "big": ${MASKED} is not in the model list`));
    assert.match(text.stderr, new RegExp(`warning: pattern "${MASKED}" matches no model`));
    assert.ok(!`${text.stdout}${text.stderr}`.includes(SECRET_PART), `${text.stdout}${text.stderr}`);

    const json = await runBin(['models', 'kimi', '--account', 'k@example.com', '--json'], ccs.env);
    assert.equal(json.code, 0, json.stderr);
    assert.ok(!json.stdout.includes(SECRET_PART), json.stdout);
    const out = JSON.parse(json.stdout) as {models: {id: string; upstream: string}[]; warnings: string[]};
    assert.ok(out.models.some((m) => m.id === MASKED && m.upstream === 'kimi-k2'), json.stdout);

    // Removed by its name, as it is in the file; the output says which, masked.
    const rm = await runBin(['alias', 'rm', 'kimi', KEY], ccs.env);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, new RegExp(`^kimi: removed alias ${MASKED} \\(`));
    assert.ok(!`${rm.stdout}${rm.stderr}`.includes(SECRET_PART), `${rm.stdout}${rm.stderr}`);
    const again = await runBin(['alias', 'rm', 'kimi', KEY], ccs.env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`no alias "${MASKED}" in `));
    assert.ok(!again.stderr.includes(SECRET_PART), again.stderr);
    const ex = await runBin(['exclude', 'rm', 'kimi', KEY, '--account', 'k@example.com'], ccs.env);
    assert.equal(ex.code, 0, ex.stderr);
    assert.match(ex.stdout, new RegExp(`^kimi: removed exclusion "${MASKED}"`));
  });

  test('a key in another shape is refused too: quoted, after Bearer or NAME=, inside a longer name, xAI/Groq/GitHub/Google refresh formats', async () => {
    const secret = 'AAAA1111BBBB2222CCCC3333DDDD';
    for (const [given, shown] of [
      [`"sk-ant-api03-${secret}"`, '"sk-a…DDDD"'],
      [`'sk-proj-${secret}'`, "'sk-p…DDDD'"],
      [`Bearer sk-proj-${secret}`, 'Bearer sk-p…DDDD'],
      [`OPENAI_API_KEY=sk-proj-${secret}`, 'OPENAI_API_KEY=sk-p…DDDD'],
      [`gpt-4o-sk-proj-${secret}`, 'gpt-4o-sk-p…DDDD'],
      [`xai-${secret}`, 'xai-…DDDD'],
      [`gsk_${secret}`, 'gsk_…DDDD'],
      [`github_pat_11${secret}`, 'gith…DDDD'],
      [`ghp_${secret}:x`, 'ghp_…DDDD:x'],
      [`1//0g${secret}`, '1//0…DDDD'],
    ] as const) {
      for (const args of [['exclude', 'add', 'kimi', given], ['alias', 'add', 'kimi', 'kimi-k2', given]]) {
        const run = await runBin(args, ccs.env);
        assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
        assert.ok(run.stderr.includes(`cannot be a key or token ("${shown}" looks like one`), run.stderr);
        assert.ok(!run.stderr.includes(secret.slice(0, 12)), run.stderr);
      }
    }
    assert.equal(readFileSync(ccs.paths.config, 'utf8'), CONFIG);
    // Model ids are still taken.
    for (const id of ['gpt-4o', 'claude-sonnet-4-5-20250929', 'gemini-2.5-pro(8192)', 'kimi-k2-thinking-turbo']) {
      const run = await runBin(['exclude', 'add', 'kimi', id], ccs.env);
      assert.equal(run.code, 0, `${id}: ${run.stderr}`);
    }
  });

  test('a key inside a rule read from config.yaml is masked where the rule is shown', async () => {
    const secret = 'AAAA1111BBBB2222CCCC3333DDDD';
    ccs.writeRaw('cliproxy/config.yaml', `${CONFIG}oauth-excluded-models:\n  kimi:\n    - "Bearer sk-proj-${secret}"\n    - "kimi-sk-proj-${secret}"\n`);
    const text = await runBin(['models', 'kimi'], ccs.env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stderr, /pattern "Bearer sk-p…DDDD" matches no model/);
    assert.ok(!`${text.stdout}${text.stderr}`.includes(secret.slice(0, 12)), `${text.stdout}${text.stderr}`);
    const json = await runBin(['models', 'kimi', '--json'], ccs.env);
    assert.ok(!json.stdout.includes(secret.slice(0, 12)), json.stdout);
  });

  test('a key stored in this CCS dir, of no known shape (an IBM Bob key) or cut short, is refused as a name too; rules already there stay removable', async () => {
    const own = 'bob-own-key-9876543210zyxwvu';
    ccs.writeToken('bob-spare.json', {type: 'bob', api_key: own, base_url: 'http://127.0.0.1:9/v1'});
    for (const args of [
      ['alias', 'add', 'bob', 'bob-large', own],
      ['alias', 'add', 'bob', own, 'big', '--account', 'spare'],
      ['exclude', 'add', 'kimi', `Bearer ${own}`],
      ['exclude', 'add', 'kimi', own.slice(0, 20)],
    ]) {
      const run = await runBin(args, ccs.env);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^ccs-tui: the (alias|model name|pattern) cannot be a key or token \(".*bob-…\(redacted\)" holds a credential of an account here/);
      assert.ok(!run.stderr.includes('9876543210'), run.stderr);
    }
    assert.equal(readFileSync(ccs.paths.config, 'utf8'), CONFIG);
    assert.ok(!readFileSync(`${ccs.paths.authDir}/bob-spare.json`, 'utf8').includes('model_aliases'));
    // One already in the file is removed by its name.
    ccs.writeRaw('cliproxy/config.yaml', `${CONFIG}oauth-excluded-models:\n  kimi:\n    - "${own}"\n`);
    const rm = await runBin(['exclude', 'rm', 'kimi', own], ccs.env);
    assert.equal(rm.code, 0, rm.stderr);
    assert.ok(!readFileSync(ccs.paths.config, 'utf8').includes(own));
  });
});
