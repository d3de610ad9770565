// `ccs-tui run <provider>` on a pool whose every usable account rests (cooling down after a limit,
// or used up by the quota cache): the agent starts (the cache may be behind; the proxy still tries),
// and stderr says so with when the first account is back, as the TUI's `S` does. A newcomer's run
// said only "serving the claude pool (bob first)" and the agent's first request got a 429.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';
import {API_KEY} from '../proxy/fixture.js';
import {AccountStore} from '../../source/store/accounts.js';

describe('run on a resting pool', () => {
  const ccs = makeTempCcs();
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  });

  it('one account used up, the other cooling: the run goes on, with a warning naming when the first is back; a free account: no warning', async () => {
    ccs.writeToken('claude-alice@example.com.json', tokenFixture('claude', 'alice@example.com'));
    ccs.writeToken('claude-bob@example.com.json', tokenFixture('claude', 'bob@example.com'));
    const now = Date.now();
    writeQuotaCache(ccs, new Date(now), {claude: {'alice@example.com': [quotaWindowFixture(now, '5h', 100, 3 * 3600_000, 18_000)]}});
    await new AccountStore(ccs.paths).setCooldown('claude', 'bob@example.com', {until: new Date(now + 2 * 3600_000).toISOString(), kind: 'quota', reason: 'usage limit reached'});
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
    const agent = ccs.writeRaw('agent.mjs', 'process.stdout.write("agent ran\\n");\n');
    const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])};
    let run = await runBin(['run', 'claude'], env, undefined, 40_000);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'agent ran\n');
    assert.match(run.stderr, /ccs-tui: warning: all 2 usable claude accounts are cooling down or used up: the first is back in (?:2h|1h 59m) \(until [^)]+\): its requests will likely be refused until then/, run.stderr);

    // The used-up account asked for by name: the run goes on, with the same words as the TUI's `s`.
    run = await runBin(['run', 'claude', 'alice@example.com'], env, undefined, 40_000);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /ccs-tui: warning: claude account alice@example\.com has used up its 5h quota \(resets in (?:3h|2h 59m) \(until [^)]+\)\): served alone, its requests would likely be refused until then/, run.stderr);

    // alice has room again: nothing to warn of.
    writeQuotaCache(ccs, new Date(now), {claude: {'alice@example.com': [quotaWindowFixture(now, '5h', 20, 3 * 3600_000, 18_000)]}});
    run = await runBin(['run', 'claude'], env, undefined, 40_000);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /usable claude account/);
    run = await runBin(['run', 'claude', 'alice@example.com'], env, undefined, 40_000);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /used up/);
  });
});
