import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

const CONFIG = `# my proxy
port: 8317
api-keys: ["sk-local"]   # clients use this
oauth-excluded-models:
  kimi:
    - "*-thinking"
oauth-model-alias:
  gemini-cli:
    - name: gemini-2.5-flash
      alias: flash
      fork: true
`;

describe('ccs-tui models / alias / exclude (built binary)', () => {
  let ccs: TempCcs;
  beforeEach(() => {
    ccs = makeTempCcs();
    ccs.writeRaw('cliproxy/config.yaml', CONFIG);
    ccs.writeToken('codex-1a2b3c4d-a@example.com-free.json', tokenFixture('codex', 'a@example.com', {excluded_models: ['gpt-5.5']}));
  });
  afterEach(() => ccs.cleanup());

  test('models --json: the resolved list with the pattern that removed each excluded model', async () => {
    const run = await runBin(['models', 'kimi', '--json'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.provider, 'kimi');
    assert.equal(out.source, 'static');
    assert.deepEqual(out.excluded, [{id: 'kimi-k2-thinking', pattern: '*-thinking'}]);
    assert.equal(out.models.length, 7);
    assert.deepEqual(out.models[0], {id: 'kimi-k2', upstream: 'kimi-k2'});

    const gemini = JSON.parse((await runBin(['models', 'gemini', '--json'], ccs.env)).stdout);
    assert.deepEqual(gemini.models.filter((m: {upstream: string}) => m.upstream === 'gemini-2.5-flash'), [
      // CLIProxyAPI's order: the forked model's own id, then its aliases.
      {id: 'gemini-2.5-flash', upstream: 'gemini-2.5-flash'},
      {id: 'flash', upstream: 'gemini-2.5-flash'},
    ]);
  });

  test('models --account: the account plan picks the list and its own exclusions apply', async () => {
    const run = await runBin(['models', 'codex', '--account', 'a@example.com', '--json'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.account, 'a@example.com');
    assert.deepEqual(out.models.map((m: {id: string}) => m.id), ['gpt-5.6-terra', 'gpt-5.6-luna', 'gpt-5.4-mini', 'codex-auto-review']);
    assert.deepEqual(out.excluded, [{id: 'gpt-5.5', pattern: 'gpt-5.5'}]);
  });

  test('models (human): counts, renames and exclusions as words', async () => {
    await runBin(['alias', 'add', 'iflow', 'glm-4.7', 'glm-god'], ccs.env);
    const run = await runBin(['models', 'iflow'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^iflow: 11 of 11 models \(static list\)/);
    assert.match(run.stdout, /glm-god +← glm-4\.7 +sent as glm-4\.6/);
    // The proxy may serve iFlow's live list instead (/v1/models): said, with how to see it.
    assert.match(run.stderr, /^ccs-tui: note: the proxy serves iflow's live list when it gets one, which may differ from this static list; see it with: ccs-tui models iflow --account A --live$/m);
    // Gemini's API has no models list: nothing to point at.
    assert.doesNotMatch((await runBin(['models', 'gemini'], ccs.env)).stderr, /note:/);
  });

  test('models --json carries what stderr says: the --live hint for a provider with no static list, the key that does nothing', async () => {
    for (const provider of ['aistudio', 'bob']) {
      const run = await runBin(['models', provider, '--json'], ccs.env);
      assert.equal(run.code, 0, run.stderr);
      const out = JSON.parse(run.stdout);
      assert.deepEqual(out.models, []);
      const hint = `${provider} has no static model list (the provider's live list is the only one); see it with: ccs-tui models ${provider} --account A --live`;
      assert.deepEqual(out.warnings, [hint]);
      const text = await runBin(['models', provider], ccs.env);
      assert.equal(text.stdout, `${provider}: no static model list; its models are the provider's live list: ccs-tui models ${provider} --account A --live\n`);
    }
    // With an account of the provider, the command names it (its default, else its only one).
    ccs.writeToken('bob-work.json', {type: 'bob', api_key: 'sk-bob-work-0123456789', base_url: 'http://127.0.0.1:9/v1'});
    assert.match((await runBin(['models', 'bob'], ccs.env)).stdout, /ccs-tui models bob --account work --live\n$/);
    assert.deepEqual(JSON.parse((await runBin(['models', 'bob', '--json'], ccs.env)).stdout).warnings, ["bob has no static model list (the provider's live list is the only one); see it with: ccs-tui models bob --account work --live"]);
    assert.match(JSON.parse((await runBin(['models', 'iflow', '--json'], ccs.env)).stdout).warnings.join('\n'), /the proxy serves iflow's live list when it gets one/);
    ccs.writeRaw('cliproxy/config.yaml', `${CONFIG}  " GEMINI":\n    - name: gemini-2.5-pro\n      alias: pro\n`);
    const gemini = JSON.parse((await runBin(['models', 'gemini', '--json'], ccs.env)).stdout);
    assert.deepEqual(gemini.warnings, ['config.yaml oauth-model-alias: key "gemini" is not a CLIProxyAPI channel and does nothing; Gemini\'s rules go under "gemini-cli"']);
  });

  test('a rules key naming a provider instead of its CLIProxyAPI channel is warned about, naming the right key', async () => {
    ccs.writeRaw('cliproxy/config.yaml', `${CONFIG}  " GEMINI":\n    - name: gemini-2.5-pro\n      alias: pro\n`);
    const run = await runBin(['models', 'gemini'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning: config\.yaml oauth-model-alias: key "gemini" is not a CLIProxyAPI channel and does nothing; Gemini's rules go under "gemini-cli"/);
    // The channel keys themselves raise nothing.
    ccs.writeRaw('cliproxy/config.yaml', CONFIG);
    assert.doesNotMatch((await runBin(['models', 'gemini'], ccs.env)).stderr, /not a CLIProxyAPI channel/);
  });

  test('exclude add / rm and alias add / rm edit config.yaml and keep the rest of it', async () => {
    let run = await runBin(['exclude', 'add', 'codex', '*-mini'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /codex: excluded "\*-mini" \(hides gpt-5\.4-mini; 7 of 8 models visible\)/);
    run = await runBin(['alias', 'add', 'iflow', 'glm-4.7', 'glm-god', '--fork'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /iflow: alias glm-god ← glm-4\.7 \(both ids visible\)/);
    let text = readFileSync(ccs.paths.config, 'utf8');
    assert.ok(text.startsWith('# my proxy\nport: 8317\napi-keys: ["sk-local"]   # clients use this\n'), text);
    assert.ok(text.includes('  codex:\n    - "*-mini"\n'));
    assert.ok(text.includes('  iflow:\n    - name: "glm-4.7"\n      alias: "glm-god"\n      fork: true\n'));

    // A forked alias adds an id, not a model: the headline says both numbers.
    const listed = await runBin(['models', 'iflow'], ccs.env);
    assert.match(listed.stdout, /^iflow: (\d+) of \1 models as \d+ ids \(\d+ forked alias(es)?\) \(static list\)\n/);
    const models = JSON.parse((await runBin(['models', 'iflow', '--json'], ccs.env)).stdout);
    assert.ok(models.models.some((m: {id: string}) => m.id === 'glm-god'));

    run = await runBin(['exclude', 'rm', 'codex', '*-MINI'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    run = await runBin(['alias', 'rm', 'iflow', 'glm-god'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    text = readFileSync(ccs.paths.config, 'utf8');
    assert.equal(text, CONFIG);
  });

  test('warnings go to stderr: an alias of an excluded model', async () => {
    const run = await runBin(['alias', 'add', 'kimi', 'kimi-k2-thinking', 'think'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning: alias "think" will not appear: kimi-k2-thinking is excluded by "\*-thinking"/);
  });

  test('--account edits the token file, not config.yaml', async () => {
    const run = await runBin(['exclude', 'add', 'codex', '*-mini', '--account', 'a@example.com'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const token = JSON.parse(readFileSync(`${ccs.paths.authDir}/codex-1a2b3c4d-a@example.com-free.json`, 'utf8'));
    assert.deepEqual(token.excluded_models, ['gpt-5.5', '*-mini']);
    assert.equal(token.access_token, 'at-codex-a@example.com-0123456789abcdef');
    assert.equal(readFileSync(ccs.paths.config, 'utf8'), CONFIG);
  });

  test('clear errors: unknown provider, missing argument, unknown flag, missing rule, corrupt YAML', async () => {
    let run = await runBin(['models', 'nope'], ccs.env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown provider "nope"/);
    run = await runBin(['alias', 'add', 'codex', 'gpt-5.4'], ccs.env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /missing <alias>/);
    run = await runBin(['exclude', 'add', 'codex', 'x', '--frok'], ccs.env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--frok/);
    run = await runBin(['alias', 'add', 'codex', 'gpt-5.4', 'gpt-5.4'], ccs.env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /equals <name>/);
    run = await runBin(['alias', 'rm', 'codex', 'nothing'], ccs.env);
    assert.equal(run.code, 1);
    assert.ok(run.stderr.includes(`no alias "nothing" in ${ccs.paths.config}`), run.stderr);
    await runBin(['alias', 'add', 'codex', 'gpt-5.4', 'fast'], ccs.env);
    run = await runBin(['alias', 'add', 'codex', 'gpt-5.5', 'fast'], ccs.env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /alias "fast" already exists for gpt-5\.4/);
    run = await runBin(['models', 'codex', '--account', 'nobody'], ccs.env);
    assert.equal(run.code, 2, 'no such account is bad usage');
    assert.match(run.stderr, /nobody/);

    const broken = 'port: 8317\noauth-excluded-models:\n  kimi: [a, b\n';
    ccs.writeRaw('cliproxy/config.yaml', broken);
    run = await runBin(['exclude', 'add', 'kimi', 'z'], ccs.env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /config\.yaml:\d+:\d+: invalid YAML/);
    assert.equal(readFileSync(ccs.paths.config, 'utf8'), broken);
    run = await runBin(['models', 'kimi'], ccs.env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /config\.yaml:\d+:\d+: invalid YAML: .*; its api-keys, port and model rules are unknown until it is fixed, so model lists, `env`, rule edits and proxy starts stop .*nothing rewrites a broken config\.yaml: fix it by hand\n$/);
    run = await runBin(['env'], ccs.env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /config\.yaml:\d+:\d+: invalid YAML: .*fix it by hand\n$/);
    // Nothing rewrote it, so no copy was made (README: a broken config.yaml is never rewritten).
    assert.equal(readFileSync(ccs.paths.config, 'utf8'), broken);
    assert.deepEqual(readdirSync(path.dirname(ccs.paths.config)).filter((name) => name.includes('corrupt')), []);
  });
});
