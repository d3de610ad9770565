// A rule whose name holds a key (config.yaml written by hand, or before such names were refused: they
// are read as they are, since CLIProxyAPI reads the file too) is never handed out: not listed by the
// proxy's /v1/models (Anthropic's or OpenAI's shape), not exported by `env` as a slot's model. The
// other rules and models are, as before.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {API_KEY, claudeAccounts, oauthToken, proxyFixture} from './fixture.js';

const KEY = `sk-ant-api03-${'Q'.repeat(40)}`;
const ALIASES = ['oauth-model-alias:', '  claude:', '    - name: "claude-sonnet-4-5-20250929"', `      alias: "sonnet-${KEY}"`, '    - name: "claude-opus-4-6"', '      alias: "team-opus"', ''].join('\n');

describe('an alias holding a key', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a'), configYaml: ALIASES});
  after(() => f.close());

  for (const [shape, headers] of [
    ['Anthropic', {'x-api-key': API_KEY, 'anthropic-version': '2023-06-01'}],
    ['OpenAI', {authorization: `Bearer ${API_KEY}`}],
  ] as const) {
    it(`is not listed by /v1/models (${shape}'s shape); the other alias and the models are`, async () => {
      const response = await fetch(`${f.url}/v1/models`, {headers});
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.ok(!text.includes('QQQQQQQQ'), text);
      const ids = (JSON.parse(text) as {data: {id: string}[]}).data.map((m) => m.id);
      assert.ok(ids.includes('team-opus'), ids.join(' '));
      assert.ok(ids.includes('claude-sonnet-4-6'), ids.join(' '));
    });
  }

  it('is no slot of `env` (Kimi: models are exported): the sonnet slot takes the tier table\'s model, and the key is printed nowhere', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\noauth-model-alias:\n  kimi:\n    - name: "kimi-k2.5"\n      alias: "sonnet-${KEY}"\n`);
      ccs.writeToken('kimi-x@example.com.json', oauthToken('kimi', 'x@example.com'));
      const result = await runBin(['env', 'kimi', '--json'], ccs.env);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(!(result.stdout + result.stderr).includes('QQQQQQQQ'), result.stdout + result.stderr);
      const {env} = JSON.parse(result.stdout) as {env: Record<string, string>};
      assert.equal(env.ANTHROPIC_DEFAULT_SONNET_MODEL, 'kimi-k2.7-code');
      assert.equal(env.ANTHROPIC_MODEL, 'kimi-k3');
    } finally {
      ccs.cleanup();
    }
  });
});
