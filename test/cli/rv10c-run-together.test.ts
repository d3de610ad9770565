// rv10c attack: two `ccs-tui run` started at once with no proxy running (two terminals, a script
// starting two agents). Each finds no proxy and starts one; one of the two proxies refuses to start
// beside the other (or finds its port taken). The run whose proxy lost uses the one that won, as a
// run started a moment later would, instead of failing with "stop it first: ccs-tui proxy stop".
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {readRunningProxy} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

describe('rv10c: two ccs-tui run at once', () => {
  const ccs = makeTempCcs();
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  });

  it('both agents run, on the one proxy that started', async () => {
    ccs.writeToken('codex-c@example.com.json', oauthToken('codex', 'c@example.com', {account_id: 'acct-c'}));
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
    const agent = ccs.writeRaw('agent.mjs', 'process.stdout.write(process.env.ANTHROPIC_BASE_URL ?? "");\n');
    const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])};
    const [first, second] = await Promise.all([runBin(['run', 'codex', '--agent', 'claude'], env, undefined, 40_000), runBin(['run', 'codex', '--agent', 'claude'], env, undefined, 40_000)]);
    for (const result of [first, second]) {
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /did not start|stop it first/);
    }
    const proxy = readRunningProxy(ccs.paths);
    assert.ok(proxy, 'a proxy runs');
    // Both agents were pointed at the proxy that runs: one started it, the other uses it.
    for (const result of [first, second]) assert.match(result.stdout, new RegExp(`^http://127\\.0\\.0\\.1:${proxy.port}/`), result.stdout);
    assert.equal([first, second].filter((r) => /started the proxy in the background/.test(r.stderr)).length, 1, `${first.stderr}\n---\n${second.stderr}`);
    assert.ok([first, second].some((r) => new RegExp(`using the running proxy \\(pid ${proxy.pid}`).test(r.stderr)), `${first.stderr}\n---\n${second.stderr}`);
  });
});
