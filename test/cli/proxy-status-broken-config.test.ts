// `proxy status` while config.yaml is broken: the proxy cannot be asked (its API key is in that
// file), yet the account is named as when the file is fine (the nickname, not the id the record
// holds), and the lines it cannot show are said, with why and the file at fault.
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

test('proxy status with a broken config.yaml names the account by its nickname and says what it cannot show', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-alice@example.com.json', oauthToken('claude', 'alice@example.com'));
    ccs.writeRegistry({
      version: 1,
      providers: {claude: {default: 'alice@example.com', accounts: {'alice@example.com': {email: 'alice@example.com', nickname: 'personal', tokenFile: 'claude-alice@example.com.json'}}}},
    });
    ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
    const port = await freePort();
    // The id, as `run` and the TUI record it.
    const started = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude', '--account', 'alice@example.com'], ccs.env);
    assert.equal(started.code, 0, started.stderr);
    const fine = await runBin(['proxy', 'status'], ccs.env);
    assert.match(fine.stdout, /^serving: claude \/ personal$/m, fine.stdout);
    assert.match(fine.stdout, /^requests: /m, fine.stdout);

    writeFileSync(ccs.paths.config, `${readFileSync(ccs.paths.config, 'utf8')}port: [\n`);
    const broken = await runBin(['proxy', 'status'], ccs.env);
    assert.equal(broken.code, 0, broken.stderr);
    assert.match(broken.stdout, /^serving: claude \/ personal$/m, broken.stdout);
    assert.doesNotMatch(broken.stdout, /^requests: /m, broken.stdout);
    const notShown = broken.stdout.split('\n').find((line) => line.startsWith('requests, last error and cooldowns not shown: '));
    assert.ok(notShown, broken.stdout);
    assert.ok(notShown.includes(ccs.paths.config), notShown);
    assert.match(notShown, /invalid YAML/, notShown);

    const json = await runBin(['proxy', 'status', '--json'], ccs.env);
    assert.equal(json.code, 0, json.stderr);
    const answer = JSON.parse(json.stdout) as {account?: string; totalRequests?: unknown; liveProblem?: string};
    assert.equal(answer.account, 'personal');
    assert.equal(answer.totalRequests, null);
    assert.ok(answer.liveProblem?.includes(ccs.paths.config), json.stdout);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  }
});
