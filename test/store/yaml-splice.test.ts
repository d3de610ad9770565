// config.yaml saves rewrite only what an edit changed: every other byte (spacing before comments of
// untouched siblings, blank lines, anchors, flow maps, CRLF line ends) stays as the person wrote it.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {parseDocument} from 'yaml';
import type {ModelRules} from '../../source/core/model-rules.js';
import {ensureApiKey} from '../../source/services/proxy/api-key.js';
import {updateGlobalRules} from '../../source/store/model-rules.js';
import {makeTempCcs} from '../helpers/ccs.js';

const CONFIG = `# CLIProxyAPI config, edited by hand   
port:    8317     # the port

api-keys:   # keys
  - "k1"      # first
  - 'k2'
defaults: &defaults
  strategy:   round-robin    # spaced
routing: *defaults

oauth-excluded-models:    # per channel
  kimi:
    - "*-thinking"     # too slow

    - "kimi-old"  # old
  claude:   ["claude-3-5-haiku"]    # flow list
oauth-model-alias:     # aliases
  iflow:
    # the main one
    - name: "glm-4.7"       # the model
      alias: "glm-god"      # its alias
      display-name: "GLM God"   # extra
    - name: qwen3
      alias: q3    # short
  gemini-cli: [{name: gemini-2.5-flash, alias: flash, fork: true}]   # flow
plugins: {enabled: false,   extra: 1}
# trailing comment
`;

type Change = (rules: ModelRules) => ModelRules;

/** One edit, on a fresh copy: the saved file must be the original with exactly `from` replaced by `to`. */
const CASES: Array<{name: string; provider: string; change: Change; from: string; to: string}> = [
  {name: 'exclude add (block list)', provider: 'kimi', change: (r) => ({...r, excluded: [...r.excluded, 'z*']}),
    from: '    - "kimi-old"  # old\n', to: '    - "kimi-old"  # old\n    - "z*"\n'},
  {name: 'exclude rm (first entry)', provider: 'kimi', change: (r) => ({...r, excluded: ['kimi-old']}),
    from: '    - "*-thinking"     # too slow\n', to: ''},
  {name: 'exclude rm (last entry)', provider: 'kimi', change: (r) => ({...r, excluded: ['*-thinking']}),
    from: '    - "kimi-old"  # old\n', to: ''},
  {name: 'exclude rm (whole channel)', provider: 'kimi', change: (r) => ({...r, excluded: []}),
    from: '  kimi:\n    - "*-thinking"     # too slow\n\n    - "kimi-old"  # old\n', to: ''},
  {name: 'exclude add (flow list)', provider: 'claude', change: (r) => ({...r, excluded: [...r.excluded, 'x']}),
    from: '["claude-3-5-haiku"]    # flow list', to: '["claude-3-5-haiku", "x"]    # flow list'},
  {name: 'exclude add (new channel)', provider: 'codex', change: (r) => ({...r, excluded: ['*-mini']}),
    from: '  claude:   ["claude-3-5-haiku"]    # flow list\n', to: '  claude:   ["claude-3-5-haiku"]    # flow list\n  codex:\n    - "*-mini"\n'},
  {name: 'alias add', provider: 'iflow', change: (r) => ({...r, aliases: [...r.aliases, {name: 'kimi-k2', alias: 'k2'}]}),
    from: '      alias: q3    # short\n', to: '      alias: q3    # short\n    - name: "kimi-k2"\n      alias: "k2"\n'},
  {name: 'alias rm (first entry, its comment line stays)', provider: 'iflow', change: (r) => ({...r, aliases: r.aliases.slice(1)}),
    from: '    - name: "glm-4.7"       # the model\n      alias: "glm-god"      # its alias\n      display-name: "GLM God"   # extra\n', to: ''},
  {name: 'alias rm (last entry)', provider: 'iflow', change: (r) => ({...r, aliases: r.aliases.slice(0, 1)}),
    from: '    - name: qwen3\n      alias: q3    # short\n', to: ''},
  {name: 'fork on', provider: 'iflow', change: (r) => ({...r, aliases: r.aliases.map((a) => (a.name === 'qwen3' ? {...a, fork: true} : a))}),
    from: '      alias: q3    # short\n', to: '      alias: q3    # short\n      fork: true\n'},
  {name: 'fork off (flow map)', provider: 'gemini', change: (r) => ({...r, aliases: r.aliases.map(({fork: _f, ...a}) => a)}),
    from: '[{name: gemini-2.5-flash, alias: flash, fork: true}]   # flow', to: '[{name: gemini-2.5-flash, alias: flash}]   # flow'},
  {name: 'alias add (new channel)', provider: 'codex', change: (r) => ({...r, aliases: [{name: 'gpt-5.5', alias: 'big'}]}),
    from: '  gemini-cli: [{name: gemini-2.5-flash, alias: flash, fork: true}]   # flow\n',
    to: '  gemini-cli: [{name: gemini-2.5-flash, alias: flash, fork: true}]   # flow\n  codex:\n    - name: "gpt-5.5"\n      alias: "big"\n'},
];

for (const eol of ['\n', '\r\n']) {
  const original = CONFIG.replace(/\n/g, eol);
  const lines = eol === '\n' ? 'LF' : 'CRLF';
  for (const c of CASES) {
    test(`config.yaml (${lines}) ${c.name}: only the edited node changes, every other byte stays`, async () => {
      const ccs = makeTempCcs();
      try {
        const file = ccs.writeRaw('cliproxy/config.yaml', original);
        await updateGlobalRules(ccs.paths, c.provider, c.change);
        const from = c.from.replace(/\n/g, eol);
        assert.equal(original.split(from).length, 2, `the case's text occurs once: ${JSON.stringify(from)}`);
        assert.equal(readFileSync(file, 'utf8'), original.replace(from, c.to.replace(/\n/g, eol)));
      } finally {
        ccs.cleanup();
      }
    });
  }

  test(`config.yaml (${lines}): a no-op save and an edit undone give back the original bytes`, async () => {
    const ccs = makeTempCcs();
    try {
      const file = ccs.writeRaw('cliproxy/config.yaml', original);
      await updateGlobalRules(ccs.paths, 'kimi', (rules) => rules);
      assert.equal(readFileSync(file, 'utf8'), original);
      await updateGlobalRules(ccs.paths, 'iflow', (r) => ({...r, aliases: [...r.aliases, {name: 'a', alias: 'b'}]}));
      await updateGlobalRules(ccs.paths, 'iflow', (r) => ({...r, aliases: r.aliases.slice(0, 2)}));
      assert.equal(readFileSync(file, 'utf8'), original);
    } finally {
      ccs.cleanup();
    }
  });
}

test('config.yaml: an API key generated into an empty flow list or a missing key leaves the rest byte-identical', async () => {
  const ccs = makeTempCcs();
  try {
    const head = 'port:   8317   # p\r\nrouting: {strategy:   fill-first}  # r\r\n';
    const file = ccs.writeRaw('cliproxy/config.yaml', `${head}api-keys:   []   # none yet\r\n# end`);
    await ensureApiKey(ccs.paths);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^port: {3}8317 {3}# p\r\nrouting: \{strategy: {3}fill-first\} {2}# r\r\napi-keys: {3}\["?ccs-tui-[\w-]+"?\] {3}# none yet\r\n# end$/);

    const file2 = ccs.writeRaw('cliproxy/config.yaml', `${head}# end`);
    await ensureApiKey(ccs.paths);
    const text2 = readFileSync(file2, 'utf8');
    assert.ok(text2.startsWith(`${head}# end\r\napi-keys:\r\n  - ccs-tui-`), JSON.stringify(text2));
    assert.equal(parseDocument(text2).toJS()['api-keys'].length, 1);
  } finally {
    ccs.cleanup();
  }
});
