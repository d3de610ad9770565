// Every --json output names an account by its id (`accounts --json` `id`), with its provider:
// `proxy status --json` kept `account` as the serving account's label (scripts read it) and now adds
// `accountId`; each `cooling` entry adds `accountId` beside its label. Read together with `rotate
// --json` (ids), a script can tell which account serves without matching labels.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {answerByProtocol, freePort, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

test('proxy status --json: the serving account and each cooling one by id as well as by label', async () => {
  const ccs = makeTempCcs();
  const upstream = await startFakeUpstream((req, res) => answerByProtocol(req, res));
  try {
    ccs.writeToken('claude-dave@example.com.json', oauthToken('claude', 'dave@example.com'));
    ccs.writeToken('claude-erin@example.com.json', oauthToken('claude', 'erin@example.com'));
    ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}, rotation: {strategy: 'round-robin'}}));
    for (const [email, nickname] of [['dave@example.com', 'Dave'], ['erin@example.com', 'Erin Work']]) {
      assert.equal((await runBin(['rename', 'claude', email, nickname], ccs.env)).code, 0);
    }
    const store = new AccountStore(ccs.paths);
    const ids = Object.fromEntries((await store.load()).accounts.map((a) => [a.nickname, a.id]));
    await store.setCooldown('claude', ids['Erin Work']!, {until: new Date(Date.now() + 600_000).toISOString(), kind: 'rate-limit', reason: 'rate limited'});

    const port = await freePort();
    const started = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude', '--json'], ccs.env);
    assert.equal(started.code, 0, started.stderr);
    const status = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {
      provider: string;
      account: string;
      accountId: string;
      cooling: {provider: string; account: string; accountId: string}[];
    };
    assert.equal(status.provider, 'claude');
    assert.equal(status.account, 'Dave', 'the label stays where scripts read it');
    assert.equal(status.accountId, ids.Dave, 'and the id, as accounts --json and rotate --json name it');
    assert.deepEqual(
      status.cooling.map((c) => ({provider: c.provider, account: c.account, accountId: c.accountId})),
      [{provider: 'claude', account: 'Erin Work', accountId: ids['Erin Work']}],
    );
    // `proxy start --json` answers in the same shape.
    assert.equal((JSON.parse(started.stdout) as {accountId: string}).accountId, ids.Dave);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    await upstream.close();
    ccs.cleanup();
  }
});
