// ATTACK (s39): `ccs-tui quota` behind another process's refresh of the same grant (suspended with
// Ctrl-Z, say) printed nothing for up to the lock's whole wait (150 s), then one error. It now says
// once, after a second, what it waits for and who holds it, as a wait for CCS's file lock does.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {grantKey, withGrantLock} from '../../source/store/grant-lock.js';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startTokenServer} from '../helpers/token-server.js';

test('a command waiting for another process\'s refresh of the grant says so once, then goes on when it ends', {timeout: 60_000}, async () => {
  const server = await startTokenServer();
  const ccs = makeTempCcs();
  try {
    ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}}));
    ccs.writeToken('claude-a@x.com.json', {type: 'claude', email: 'a@x.com', access_token: 'sk-ant-oat01-AT1-0123456789', refresh_token: 'sk-ant-ort01-RT1-0123456789', expired: new Date(Date.now() - 3600_000).toISOString()});
    const store = new AccountStore(ccs.paths);
    const key = grantKey('claude', 'claude-a@x.com.json', await store.readToken({tokenFile: 'claude-a@x.com.json', paused: false}));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const taken = new Promise<void>((resolve) => (locked = resolve));
    const holder = withGrantLock(ccs.paths, key, async () => {
      locked();
      await released;
    });
    await taken;
    const quota = runBin(['quota'], ccs.env);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    release();
    await holder;
    const run = await quota;
    const waits = run.stderr.match(/^ccs-tui: waiting: a refresh of claude token file claude-a@x\.com\.json is in progress by process \d+ on \S+ for \d+ s; this goes on once it ends \(or gives up after \d+ s, doing nothing\)$/gm) ?? [];
    assert.equal(waits.length, 1, run.stderr);
    assert.equal(server.presented.length, 1, 'refreshed once the lock was let go');
  } finally {
    ccs.cleanup();
    await server.close();
  }
});
