// A provider whose live list names models but none ccs-tui can pick for the agent (no tier table:
// IBM Bob) is refused with the way to name one for every launch, an alias holding a Claude tier word;
// that alias then fills the slot, as the README's `env` section says.
import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY} from '../proxy/fixture.js';

test('run bob: no model picked from the live list → the alias way is named; with that alias, the run names it', async () => {
  const KEY = 'bob-key-0123456789abcdef';
  const server = createServer((_req, res) => res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({data: [{id: 'bob-large'}, {id: 'bob-small'}]})));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('bob-spare.json', {type: 'bob', api_key: KEY, base_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`});
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
    const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify(['/bin/sh', '-c', 'env | grep ^ANTHROPIC_ | grep MODEL= | sort'])};
    const refused = await runBin(['run', 'bob', 'spare'], env);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^ {2}or, for every launch, give the model to use an alias holding the word opus \(e\.g\. team-opus; sonnet and haiku name the smaller slots\): ccs-tui alias add bob <model id> team-opus --fork$/m, refused.stderr);
    assert.equal(refused.stderr.split('team-opus; sonnet').length - 1, 1, `said once:\n${refused.stderr}`);
    // `env bob` names it too, after the by-hand exports (it named only those).
    const exports = await runBin(['env', 'bob'], ccs.env);
    assert.match(exports.stdout + exports.stderr, /^# or, for every launch, give the model to use an alias holding the word opus .*: ccs-tui alias add bob <model id> team-opus --fork$/m, exports.stdout + exports.stderr);
    const added = await runBin(['alias', 'add', 'bob', 'bob-large', 'team-opus'], ccs.env);
    assert.equal(added.code, 0, added.stderr);
    const run = await runBin(['run', 'bob', 'spare'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^ANTHROPIC_MODEL=team-opus$/m, run.stdout);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    await new Promise((resolve) => server.close(resolve));
    ccs.cleanup();
  }
});
