import assert from 'node:assert/strict';
import {readFileSync, statSync} from 'node:fs';
import {test} from 'node:test';
import {parseDocument} from 'yaml';
import {CorruptFileError} from '../../source/store/files.js';
import {loadCliproxyConfig} from '../../source/store/cliproxy-config.js';
import {
  accountRules,
  globalRules,
  loadRulesContext,
  rulesChannel,
  updateAccountRules,
  updateGlobalRules,
} from '../../source/store/model-rules.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';

// A config.yaml as people keep it: comments everywhere, odd spacing, flow maps, keys we do not own.
const HEAD = `# CLIProxyAPI config, edited by hand
port:   8317   # the port
api-keys:
- "k1"
- 'k2'
long: this is a very long plain scalar that goes on and on and on and on and on and on and on and past eighty columns
routing: {strategy: fill-first}

# OAuth provider excluded models
`;
const EXCLUDED = `oauth-excluded-models:
  kimi:
    - "*-thinking"   # too slow
  claude: ["claude-3-5-haiku-20241022"]
`;
const MIDDLE = `
unknown-key:
    deep:
        - x   # keep me
# aliases below
`;
const ALIASES = `oauth-model-alias:
  iflow:
    - name: "glm-4.7"
      alias: "glm-god"
      display-name: "GLM God"   # an extra field we do not know
  gemini-cli:
    - name: gemini-2.5-flash
      alias: flash
      fork: true
`;
const TAIL = `plugins:
  enabled: false
# trailing comment`;
const ORIGINAL = HEAD + EXCLUDED + MIDDLE + ALIASES + TAIL;

test('channels: gemini runs as gemini-cli, copilot as github-copilot, others by id', () => {
  assert.equal(rulesChannel('gemini'), 'gemini-cli');
  assert.equal(rulesChannel('copilot'), 'github-copilot');
  assert.equal(rulesChannel('codex'), 'codex');
  assert.equal(rulesChannel('iflow'), 'iflow');
});

test('global rules are read by channel', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeRaw('cliproxy/config.yaml', ORIGINAL);
    const {config} = await loadCliproxyConfig(ccs.paths);
    assert.deepEqual(globalRules(config, 'kimi').excluded, ['*-thinking']);
    assert.deepEqual(globalRules(config, 'gemini').aliases, [{name: 'gemini-2.5-flash', alias: 'flash', fork: true}]);
    assert.deepEqual(globalRules(config, 'codex'), {excluded: [], aliases: []});
  } finally {
    ccs.cleanup();
  }
});

test('YAML round trip: only the edited keys change; comments, spacing and unknown keys stay byte for byte', async () => {
  const ccs = makeTempCcs();
  try {
    const file = ccs.writeRaw('cliproxy/config.yaml', ORIGINAL);
    // A no-op save changes nothing at all.
    await updateGlobalRules(ccs.paths, 'kimi', (rules) => rules);
    assert.equal(readFileSync(file, 'utf8'), ORIGINAL);

    await updateGlobalRules(ccs.paths, 'codex', (rules) => ({...rules, excluded: [...rules.excluded, '*-mini']}));
    let text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith(HEAD), 'everything before the edited key is untouched');
    assert.ok(text.includes(MIDDLE + ALIASES + TAIL), 'everything after it is untouched');
    assert.ok(text.includes(EXCLUDED), 'the other channels of the edited key keep their exact text');
    assert.deepEqual(parseDocument(text).toJS()['oauth-excluded-models'].codex, ['*-mini']);

    await updateGlobalRules(ccs.paths, 'iflow', (rules) => ({
      ...rules,
      aliases: [...rules.aliases.map((a) => ({...a, fork: true})), {name: 'kimi-k2', alias: 'k2'}],
    }));
    text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith(HEAD), 'head untouched');
    assert.ok(text.includes(MIDDLE), 'keys between the edited ones untouched');
    assert.ok(text.endsWith(TAIL), 'tail untouched');
    const aliases = parseDocument(text).toJS()['oauth-model-alias'];
    assert.deepEqual(aliases.iflow, [
      {name: 'glm-4.7', alias: 'glm-god', 'display-name': 'GLM God', fork: true},
      {name: 'kimi-k2', alias: 'k2'},
    ]);
    assert.ok(text.includes('# an extra field we do not know'), 'comments inside an edited channel survive');
    assert.ok(text.includes('  gemini-cli:\n    - name: gemini-2.5-flash\n      alias: flash\n      fork: true\n'), 'sibling channel untouched');
    assert.equal(statSync(file).mode & 0o777, 0o600);

    // Removing what we added gives back the original exclusions text exactly.
    await updateGlobalRules(ccs.paths, 'codex', (rules) => ({...rules, excluded: []}));
    await updateGlobalRules(ccs.paths, 'iflow', () => ({excluded: [], aliases: [{name: 'glm-4.7', alias: 'glm-god'}]}));
    text = readFileSync(file, 'utf8');
    assert.equal(text, ORIGINAL, 'the spacing before the comment of an untouched field stays too');
  } finally {
    ccs.cleanup();
  }
});

test('a config without the keys (or without a file) gets them appended', async () => {
  const ccs = makeTempCcs();
  try {
    const file = ccs.writeRaw('cliproxy/config.yaml', 'port: 8317\n# end');
    await updateGlobalRules(ccs.paths, 'gemini', () => ({excluded: ['*-lite'], aliases: [{name: 'gemini-2.5-pro', alias: 'pro'}]}));
    const text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith('port: 8317\n# end\n'));
    assert.deepEqual(parseDocument(text).toJS(), {
      port: 8317,
      'oauth-excluded-models': {'gemini-cli': ['*-lite']},
      'oauth-model-alias': {'gemini-cli': [{name: 'gemini-2.5-pro', alias: 'pro'}]},
    });
    ccs.cleanup();
    const fresh = makeTempCcs();
    await updateGlobalRules(fresh.paths, 'kimi', () => ({excluded: ['*-thinking'], aliases: []}));
    assert.equal(readFileSync(fresh.paths.config, 'utf8'), 'oauth-excluded-models:\n  kimi:\n    - "*-thinking"\n');
    fresh.cleanup();
  } finally {
    ccs.cleanup();
  }
});

test('a corrupt config.yaml names line and column and is not overwritten', async () => {
  const ccs = makeTempCcs();
  try {
    const broken = 'port: 8317\noauth-excluded-models:\n  kimi: [a, b\n  codex:\n    - x\n';
    const file = ccs.writeRaw('cliproxy/config.yaml', broken);
    await assert.rejects(
      updateGlobalRules(ccs.paths, 'kimi', () => ({excluded: ['z'], aliases: []})),
      (error: unknown) => {
        assert.ok(error instanceof CorruptFileError);
        assert.equal(error.file, file);
        assert.equal(typeof error.line, 'number');
        assert.equal(typeof error.column, 'number');
        assert.match(error.message, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML`));
        return true;
      },
    );
    assert.equal(readFileSync(file, 'utf8'), broken);
  } finally {
    ccs.cleanup();
  }
});

test('account rules: read (also the legacy spelling), written to the token file keeping unknown keys', async () => {
  const ccs = makeTempCcs();
  try {
    const file = ccs.writeToken('codex-abc-a@example.com-pro.json', tokenFixture('codex', 'a@example.com', {
      account_id: 'acct-1',
      custom_thing: {keep: true},
      'excluded-models': ['gpt-5.5'],
      model_aliases: [{name: 'gpt-5.4', alias: 'fast', 'display-name': 'Fast'}],
    }));
    assert.deepEqual(accountRules(JSON.parse(readFileSync(file, 'utf8'))), {
      excluded: ['gpt-5.5'],
      aliases: [{name: 'gpt-5.4', alias: 'fast'}],
    });
    const loaded = await loadRulesContext(ccs.paths, 'codex', {account: 'a@example.com'});
    assert.equal(loaded.account?.email, 'a@example.com');
    assert.deepEqual(loaded.accountRules?.excluded, ['gpt-5.5']);
    assert.equal(loaded.tokenFile, file);
    assert.deepEqual(loaded.base, {models: ['gpt-5.6-sol', 'gpt-5.6-terra', 'gpt-5.6-luna', 'gpt-5.5', 'gpt-5.4', 'gpt-5.4-mini', 'gpt-5.3-codex-spark', 'codex-auto-review'], source: 'static'});
    await updateAccountRules(ccs.paths, 'codex', 'a@example.com', (rules) => ({
      excluded: ['*-mini'],
      aliases: rules.aliases.map((a) => ({...a, fork: true})),
    }));
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(saved.custom_thing, {keep: true});
    assert.equal(saved.account_id, 'acct-1');
    assert.equal(saved['excluded-models'], undefined);
    assert.deepEqual(saved.excluded_models, ['*-mini']);
    assert.deepEqual(saved.model_aliases, [{name: 'gpt-5.4', alias: 'fast', 'display-name': 'Fast', fork: true}]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await updateAccountRules(ccs.paths, 'codex', 'a@example.com', () => ({excluded: [], aliases: []}));
    const cleared = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal('excluded_models' in cleared, false);
    assert.equal('model_aliases' in cleared, false);
  } finally {
    ccs.cleanup();
  }
});

test("codex's plan picks the base list: the token's plan_type (as the proxy reads it), then the tier, then the file name", async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('codex-1111-a@example.com-pro.json', tokenFixture('codex', 'a@example.com', {account_id: 'a', plan_type: 'free'}));
    ccs.writeToken('codex-2222-b@example.com-team.json', tokenFixture('codex', 'b@example.com', {account_id: 'b'}));
    const byToken = await loadRulesContext(ccs.paths, 'codex', {account: 'a@example.com'});
    assert.deepEqual(byToken.base.models, ['gpt-5.6-terra', 'gpt-5.6-luna', 'gpt-5.5', 'gpt-5.4-mini', 'codex-auto-review']);
    const byName = await loadRulesContext(ccs.paths, 'codex', {account: 'b@example.com'});
    assert.ok(!byName.base.models.includes('gpt-5.3-codex-spark'), 'team has no spark');
    assert.ok(byName.base.models.includes('gpt-5.4'));
  } finally {
    ccs.cleanup();
  }
});

test('anchors, aliases and merge keys in config.yaml: merges are read as CLIProxyAPI reads them; an edit through a shared node is refused naming the file, the line and what to do', async () => {
  const ccs = makeTempCcs();
  try {
    const aliased = 'port: 8317\n# shared lists\noauth-excluded-models:\n  codex: &ex\n    - "gpt-4*"\n  claude: *ex\n  kimi:\n    - k1\n';
    const file = ccs.writeRaw('cliproxy/config.yaml', aliased);
    const {config} = await loadCliproxyConfig(ccs.paths);
    assert.deepEqual(config.excludedModels.claude, ['gpt-4*'], 'the alias is read as its anchor');
    for (const [provider, line, says] of [
      ['codex', 6, /claude uses the anchor &ex of oauth-excluded-models\.codex; editing oauth-excluded-models\.codex would change oauth-excluded-models\.claude too — edit the file by hand or break the alias/],
      ['claude', 6, /oauth-excluded-models\.claude is the alias \*ex of another part of the file; editing it would change that part too — edit the file by hand/],
    ] as const) {
      for (const change of [(r: {excluded: readonly string[]}) => [...r.excluded, "o1*"], () => [] as string[]]) {
        await assert.rejects(updateGlobalRules(ccs.paths, provider, (rules) => ({...rules, excluded: change(rules)})), (error: Error) => {
          assert.ok(error.message.startsWith(`${file}:${line}: `), error.message);
          assert.match(error.message, says);
          return true;
        });
      }
    }
    assert.equal(readFileSync(file, 'utf8'), aliased, 'nothing written');
    // A channel that shares nothing is still edited, the anchors around it untouched.
    await updateGlobalRules(ccs.paths, 'kimi', (rules) => ({...rules, excluded: [...rules.excluded, 'k2']}));
    assert.equal(readFileSync(file, 'utf8'), aliased.replace('    - k1\n', '    - k1\n    - k2\n'));

    const merged = 'base: &b\n  gemini-cli:\n    - "g1"\noauth-excluded-models:\n  <<: *b\n  codex:\n    - c1\n';
    ccs.writeRaw('cliproxy/config.yaml', merged);
    const read = (await loadCliproxyConfig(ccs.paths)).config;
    assert.deepEqual(read.excludedModels['gemini-cli'], ['g1'], 'the merge key is applied');
    assert.deepEqual(read.excludedModels.codex, ['c1']);
    assert.equal(read.excludedModels['<<'], undefined);
    await assert.rejects(updateGlobalRules(ccs.paths, 'gemini', (rules) => ({...rules, excluded: []})), (error: Error) => {
      assert.match(error.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: oauth-excluded-models\\.gemini-cli comes from the merge key "<<" here; .*edit the file by hand`));
      return true;
    });
    await updateGlobalRules(ccs.paths, 'codex', (rules) => ({...rules, excluded: [...rules.excluded, 'c2']}));
    assert.equal(readFileSync(file, 'utf8'), merged.replace('    - c1\n', '    - c1\n    - c2\n'), 'an own key beside a merge is edited in place');
  } finally {
    ccs.cleanup();
  }
});
