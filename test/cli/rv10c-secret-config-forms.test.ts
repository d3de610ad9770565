// rv10c attack: config.yaml holding api-keys in YAML forms other than a block list (a flow list over
// several lines, a quoted key, an anchored list, keys merged in with `<<`), readable by others. Every
// command that reads it warns, `accounts` (the store's load: the TUI's banner too) as `env` does.
import assert from 'node:assert/strict';
import {chmodSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import {exposedConfigWarning} from '../../source/store/secret-files.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

const configWarning = /^ccs-tui: warning: \S*config\.yaml: readable by group and others \(mode 0644\); it holds api-keys \(secrets\)/m;

const FORMS: Record<string, string> = {
  'a flow list over several lines': `port: 8317\napi-keys: [\n  "${API_KEY}"\n]\n`,
  'a quoted key': `port: 8317\n"api-keys": ["${API_KEY}"]\n`,
  'an anchored list': `port: 8317\napi-keys: &keys\n  - "${API_KEY}"\n`,
  'keys merged in with <<': `base: &base\n  api-keys:\n    - "${API_KEY}"\n<<: *base\nport: 8317\n`,
};

describe('rv10c: config.yaml with api-keys in any YAML form, readable by others', () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  after(() => ccs.cleanup());

  for (const [form, text] of Object.entries(FORMS)) {
    it(`${form}: \`accounts\` warns as \`env\` does`, async () => {
      ccs.writeRaw('cliproxy/config.yaml', text);
      chmodSync(ccs.paths.config, 0o644);
      const env = await runBin(['env', 'claude'], ccs.env);
      assert.match(env.stderr, configWarning, `env: ${env.stderr}`);
      const accounts = await runBin(['accounts'], ccs.env);
      assert.equal(accounts.code, 0, accounts.stderr);
      assert.match(accounts.stderr, configWarning, `accounts: ${accounts.stderr}`);
    });
  }

  it('a config.yaml whose api-keys list is empty, or that only mentions them in a comment, is no secret', async () => {
    for (const text of ['port: 8317\napi-keys: []\n', 'port: 8317\n# api-keys: [a]\n', 'port: 8317\nnote: "api-keys"\n']) {
      ccs.writeRaw('cliproxy/config.yaml', text);
      chmodSync(ccs.paths.config, 0o644);
      assert.equal(await exposedConfigWarning(ccs.paths.config), undefined, text);
    }
  });
});
