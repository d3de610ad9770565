// A person whose shell exports CLAUDE_CODE_USE_BEDROCK=1 (or _VERTEX, _FOUNDRY) for work: Claude Code
// then sends every request to that cloud (its own base URL variables), never to ANTHROPIC_BASE_URL,
// so `ccs-tui run claude` ran on the cloud account, not the account it said it serves. The run
// removes them, as it removes ANTHROPIC_API_KEY.
import assert from 'node:assert/strict';
import {after, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

const SWITCHES = ['CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'CLAUDE_CODE_USE_FOUNDRY'];

const ccs = makeTempCcs();
after(async () => {
  await runBin(['proxy', 'stop'], ccs.env);
  ccs.cleanup();
});

it('run claude: Claude Code is not switched to Bedrock, Vertex or Foundry by the person\'s environment', async () => {
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
  const script = ccs.writeRaw('env-agent.mjs', `process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(SWITCHES)}.map((n) => [n, process.env[n] ?? null]))));\n`);
  const result = await runBin(['run', 'claude'], {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, script]), ...Object.fromEntries(SWITCHES.map((n) => [n, '1']))});
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), Object.fromEntries(SWITCHES.map((n) => [n, null])));
});
