// `ccs-tui run <provider> <account>` where that account's token file is corrupt: refused naming the
// account, its file and where it breaks, with the way round (the pool); before, the refusal said the
// provider "has no inference base URL" (what the unreadable file could not give), pointing at
// tui.json. Found by a newcomer.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY} from '../proxy/fixture.js';

describe('run on an account whose token file is corrupt', () => {
  const ccs = makeTempCcs();
  after(() => ccs.cleanup());

  it('bob (an API-key provider whose file names the base URL): says the file is corrupt and where; no agent, no proxy', async () => {
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
    ccs.writeToken('bob-home.json', {type: 'bob', api_key: 'sk-good-home-0123456789', base_url: 'http://127.0.0.1:9/v1', nickname: 'home'});
    // Registered, as a login leaves it; then its file broken (an unregistered broken file is no account).
    ccs.writeRegistry({version: 1, providers: {bob: {default: 'home', accounts: {home: {nickname: 'home', tokenFile: 'bob-home.json'}, fifth: {nickname: 'fifth', tokenFile: 'bob-fifth.json'}}}}});
    ccs.writeRaw('cliproxy/auth/bob-fifth.json', '{"type":"bob","api_key":"sk-good-fff');
    const agent = ccs.writeRaw('agent.mjs', 'process.stdout.write("agent ran");\n');
    const listed = await runBin(['accounts', '--json'], ccs.env);
    const fifth = (JSON.parse(listed.stdout) as Array<{provider: string; id: string; tokenFile: string; health: string}>).find((a) => a.tokenFile.endsWith('bob-fifth.json'))!;
    assert.equal(fifth.health, 'unreadable');
    const run = await runBin(['run', 'bob', fifth.id], {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])});
    assert.equal(run.code, 1, run.stderr);
    assert.doesNotMatch(run.stdout, /agent ran/);
    assert.doesNotMatch(run.stderr, /no inference base URL|tui\.json/);
    assert.match(run.stderr, /bob account \S+ cannot serve \(.*bob-fifth\.json:1:\d+.*\); run the bob pool instead \(home is healthy\): ccs-tui run bob/);
    assert.doesNotMatch(run.stderr, /sk-good-fff/);
    assert.match((await runBin(['proxy', 'status'], ccs.env)).stdout + '', /no proxy is running/);
  });
});
