// Attack review (issues 10/16): failing tests. Copy into test/services/ to run.
import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, describe, test} from 'node:test';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startFakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {ManagementClient} from '../../source/services/remote/client.js';
import {RemoteAccountStore} from '../../source/services/remote/accounts.js';
import {resolveTarget} from '../../source/store/targets.js';
import type {TuiSettings} from '../../source/store/settings.js';

const KEY = 'mgmt-key-5f2c9e7a1b3d4f60';

describe('attack review: remote target', () => {
  test('a key the server stopped accepting is not re-sent by the 15 s reloads until the IP is banned', async () => {
    const stand = await startFakeCliproxy({key: KEY});
    after(() => stand.close());
    const ccs = makeTempCcs();
    after(() => ccs.cleanup());
    const target = resolveTarget(ccs.paths, {targets: {team: {url: stand.url, managementKeyEnv: 'K'}}} as unknown as TuiSettings, 'team', {K: 'rotated-away-key-0000'});
    const store = new RemoteAccountStore(await ManagementClient.open(target));
    // What useAccounts does every REMOTE_RELOAD_MS while the TUI is open on this target.
    for (let i = 0; i < 6; i++) await store.load().catch(() => undefined);
    // The person fixes the key: the same address must still be able to connect.
    const fixed = resolveTarget(ccs.paths, {targets: {team: {url: stand.url, managementKeyEnv: 'K'}}} as unknown as TuiSettings, 'team', {K: KEY});
    await assert.doesNotReject(new RemoteAccountStore(await ManagementClient.open(fixed)).load(), 'the TUI retried a refused key into the 30-minute IP ban');
  });

  test('a management key echoed across the error-excerpt cut is not printed in part', async () => {
    for (const pad of [100, 280]) {
      const server = http.createServer((req, res) => {
        res.writeHead(502, {'content-type': 'application/json'});
        res.end(JSON.stringify({error: 'y'.repeat(pad) + String(req.headers.authorization)}));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const ccs = makeTempCcs();
      writeFileSync(path.join(ccs.paths.root, 'tui.json'), JSON.stringify({targets: {team: {url, managementKeyEnv: 'K'}}}));
      const run = await runBin(['accounts', '--target', 'team'], {...ccs.env, K: KEY});
      server.close();
      ccs.cleanup();
      assert.equal(run.code, 1);
      // More than the redactor's own 4-character hint is a leak.
      assert.ok(!run.stderr.includes(KEY.slice(0, 8)), `pad ${pad}: key prefix printed: ${run.stderr.slice(-80)}`);
    }
  });

  test('a key file that is a FIFO is refused with a message, not a hang', async () => {
    const {execFileSync} = await import('node:child_process');
    const ccs = makeTempCcs();
    after(() => ccs.cleanup());
    const fifo = `${ccs.paths.root}/team.key`;
    execFileSync('mkfifo', ['-m', '600', fifo]);
    const target = resolveTarget(ccs.paths, {targets: {team: {url: 'http://127.0.0.1:9', managementKeyFile: fifo}}} as unknown as TuiSettings, 'team', {});
    const outcome = await Promise.race([
      target.readKey().then(() => 'read', (e: Error) => e.message),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 2000).unref()),
    ]);
    assert.notEqual(outcome, 'hung');
    assert.match(String(outcome), /team\.key/);
  });
});
