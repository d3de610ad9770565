// rv9p probe: a proxy started on a broken tui.json re-reads it per request and serves once it is
// fixed (server.ts settingsIfFixed, store/settings.ts settingsWhenChanged). An editor that saves by
// renaming the old file away and writing a new one (vim's default on Unix) leaves a moment with no
// tui.json: a request in that moment reads the defaults as "fixed", and from then on the proxy never
// reads tui.json again, so the overrides the user just saved (a company gateway) are never used and
// every token goes to the public default host instead.
import assert from 'node:assert/strict';
import {rmSync, writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {ProxyServer} from '../../source/proxy/server.js';
import {ensureFresh} from '../../source/services/refresh.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadCliproxyConfig} from '../../source/store/cliproxy-config.js';
import {loadSettings, settingsWhenChanged} from '../../source/store/settings.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {startFakeTokenServer, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {guardLoopback} from '../helpers/loopback-guard.js';
import {API_KEY, askMessages, oauthToken} from './fixture.js';

test('rv9p: a broken tui.json saved through a moment without the file: the saved overrides are served, no token goes to the default host', async () => {
  const guard = guardLoopback();
  const ccs = makeTempCcs();
  const gateway = await startFakeUpstream();
  const tokenServer = await startFakeTokenServer();
  let proxy: ProxyServer | undefined;
  try {
    ccs.writeToken('claude-a.json', oauthToken('claude', 'a@example.com'));
    ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
    const good = JSON.stringify({endpoints: {claude: {api: gateway.url, token: `${tokenServer.url}/oauth/token`}}});
    writeFileSync(ccs.paths.settings, good.slice(0, -1)); // one brace short
    const loaded = await loadSettings(ccs.paths, {report: false});
    assert.ok(loaded.problem);
    const store = new AccountStore(ccs.paths);
    const {config} = await loadCliproxyConfig(ccs.paths);
    proxy = new ProxyServer({
      port: 0,
      provider: 'claude',
      store,
      settings: loaded.settings,
      rereadSettings: settingsWhenChanged(ccs.paths),
      config: () => config,
      refresh: (provider, accountId, force) => ensureFresh({store, settings: proxy!.settings}, provider, accountId, {force}),
    });
    const url = `http://127.0.0.1:${await proxy.listen()}`;
    assert.equal((await askMessages({url})).status, 503);

    // The editor's save: the broken file renamed away, a request meanwhile, then the fixed file written.
    rmSync(ccs.paths.settings);
    const gap = await askMessages({url});
    // Still refused, naming the file: a removed tui.json is no fix (no token to the default host).
    assert.equal(gap.status, 503, gap.text);
    assert.match((JSON.parse(gap.text) as {error: {message: string}}).error.message, /tui\.json:1:\d+: invalid JSON .*reads it again on each request until it is a valid one \(a removed file is no fix\)/);
    writeFileSync(ccs.paths.settings, good);

    const answer = await askMessages({url});
    assert.equal(answer.status, 200, answer.text);
    assert.equal(gateway.requests.length, 1, 'the request went to the endpoint tui.json now names');
    assert.deepEqual(guard.blocked, [], 'no token went to a host beyond 127.0.0.1 (the default public endpoint)');
  } finally {
    await proxy?.close();
    guard.restore();
    await gateway.close();
    await tokenServer.close();
    ccs.cleanup();
  }
});
