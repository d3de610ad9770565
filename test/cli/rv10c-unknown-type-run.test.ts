// rv10c attack: `ccs-tui run <account>` and `proxy serve/start --account <account>` (no provider
// named) where the account is a token file of a type the provider table does not know (README:
// such files are accounts of a provider of that name, listed but not served). `run` crashed with
// "unexpected error: TypeError"; `proxy serve` said `unknown provider "foo"` of a provider nobody
// typed. Both now refuse as bad usage (exit 2) naming the account and its unknown type; an account
// of a known provider with the same name is still found.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

describe('rv10c: an account of an unknown token type named without its provider', () => {
  const ccs = makeTempCcs();
  after(() => ccs.cleanup());

  for (const type of ['foo', '__proto__']) {
    it(`type "${type}": run and proxy serve refuse naming the account and its type (exit 2)`, async () => {
      ccs.writeToken(`${type}-u@unknown.example.json`, {type, email: 'u@unknown.example', access_token: 'at-unknown-type-0123456789'});
      ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
      const agent = ccs.writeRaw('agent.mjs', 'process.stdout.write("agent ran");\n');
      const run = await runBin(['run', 'u@unknown.example'], {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])});
      const serve = await runBin(['proxy', 'serve', '--port', '0', '--account', 'u@unknown.example'], ccs.env);
      for (const result of [run, serve]) {
        assert.equal(result.code, 2, result.stderr);
        assert.doesNotMatch(result.stderr, /unexpected error|TypeError/);
        assert.match(result.stderr, new RegExp(`"u@unknown\\.example" is an account of token type "${type.replace(/_/g, '_')}", which ccs-tui does not know`), result.stderr);
        assert.doesNotMatch(result.stdout, /agent ran|listening/);
      }
    });
  }

  it('a known provider\'s account of the same name is the one found', async () => {
    ccs.writeToken('claude-u@unknown.example.json', oauthToken('claude', 'u@unknown.example'));
    const agent = ccs.writeRaw('agent.mjs', 'process.stdout.write(process.env.ANTHROPIC_BASE_URL ?? "");\n');
    const run = await runBin(['run', 'u@unknown.example'], {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])});
    try {
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /\/api\/provider\/claude$/);
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
    }
  });
});
