// A background proxy (`proxy start`) whose CCS dir is removed (an uninstall, a temp dir cleaned away)
// has nothing left to serve and no pid file for `proxy stop` to find: it stops by itself.
import assert from 'node:assert/strict';
import {rmSync} from 'node:fs';
import {test} from 'node:test';
import {isProcessAlive} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

test('a background proxy stops within seconds once its CCS dir is gone', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  const started = await runBin(['proxy', 'start', '--port', String(await freePort()), '--provider', 'claude', '--json'], ccs.env);
  assert.equal(started.code, 0, started.stderr);
  const {pid} = JSON.parse(started.stdout) as {pid: number};
  try {
    assert.ok(isProcessAlive(pid));
    rmSync(ccs.paths.root, {recursive: true, force: true});
    const deadline = Date.now() + 15_000;
    while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(!isProcessAlive(pid), `proxy ${pid} still serves with its CCS dir gone`);
  } finally {
    if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
    ccs.cleanup();
  }
});
