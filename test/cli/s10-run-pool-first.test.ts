// `ccs-tui run <provider>` on a pool builds the agent's model list and exports from the account the
// pool serves first (the proxy's own pick: tui.json's strategy over the quota cache, or a running
// proxy's answer), not from the default: with most-headroom, the default at 90 % of its 5-hour window
// is not what serves, and its own exclusions must not decide the models the agent is given
// (the proxy's status names the same account: what `started the proxy … (X first)` says).
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';
import {API_KEY} from '../proxy/fixture.js';

describe('run on a pool: the exports are the first-served account\'s', () => {
  const ccs = makeTempCcs();
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  });

  it('most-headroom serves erin first (dave, the default, is at 90 %): the agent gets erin\'s models, not dave\'s', async () => {
    // Dave's own rules exclude every model but the mini ones; Erin's exclude nothing.
    ccs.writeToken('codex-dave@example.com.json', tokenFixture('codex', 'dave@example.com', {account_id: 'acct-dave', excluded_models: ['gpt-5.5', 'gpt-5.4', 'gpt-5.3-codex', 'gpt-5.2', 'gpt-5.6*']}));
    ccs.writeToken('codex-erin@example.com.json', tokenFixture('codex', 'erin@example.com', {account_id: 'acct-erin'}));
    ccs.writeRegistry({
      version: 1,
      providers: {codex: {default: 'dave@example.com', accounts: {
        'dave@example.com': {email: 'dave@example.com', tokenFile: 'codex-dave@example.com.json'},
        'erin@example.com': {email: 'erin@example.com', tokenFile: 'codex-erin@example.com.json'},
      }}},
    });
    const now = Date.now();
    writeQuotaCache(ccs, new Date(now), {codex: {
      'dave@example.com': [quotaWindowFixture(now, '5h', 90, 3600_000, 18_000)],
      'erin@example.com': [quotaWindowFixture(now, '5h', 10, 3600_000, 18_000)],
    }});
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
    writeFileSync(ccs.paths.settings, JSON.stringify({rotation: {strategy: 'most-headroom'}}));
    const agent = ccs.writeRaw('agent.mjs', 'process.stdout.write(JSON.stringify({opus: process.env.ANTHROPIC_DEFAULT_OPUS_MODEL ?? null, main: process.env.ANTHROPIC_MODEL ?? null}));\n');
    const models = (ref: string) => runBin(['models', 'codex', '--account', ref, '--json'], ccs.env).then((r) => (JSON.parse(r.stdout) as {models: {id: string}[]}).models.map((m) => m.id));
    const [daves, erins] = [await models('dave@example.com'), await models('erin@example.com')];
    assert.ok(!daves.includes('gpt-5.6-sol') && erins[0] === 'gpt-5.6-sol', `${daves} / ${erins}`);
    const run = await runBin(['run', 'codex', '--agent', 'claude'], {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])}, undefined, 40_000);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /serving the codex pool \(erin@example\.com first\)/, run.stderr);
    const got = JSON.parse(run.stdout) as {opus: string | null; main: string | null};
    // Erin's list, as `models codex --account erin` resolves it (dave's excludes that model).
    assert.deepEqual(got, {opus: 'gpt-5.6-sol', main: 'gpt-5.6-sol'});
  });
});
