// The proxy and token refreshes on a broken tui.json: tui.json pointed claude's `api` and `token` at
// 127.0.0.1 stand-ins (a company gateway), then broke. No request leaves: the proxy answers 503
// naming the file, a refresh refuses before its lock, and nothing reaches the stand-ins or (with
// the default endpoints) the public hosts, which the loopback guard would name.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {ProxyServer} from '../../source/proxy/server.js';
import {ensureFresh, ensureFreshToken} from '../../source/services/refresh.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadCliproxyConfig} from '../../source/store/cliproxy-config.js';
import {loadSettings, SettingsUnreadableError} from '../../source/store/settings.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {startFakeTokenServer, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {guardLoopback} from '../helpers/loopback-guard.js';
import {API_KEY, askMessages, oauthToken} from './fixture.js';

test('a proxy started on a broken tui.json refuses with 503 and sends nothing; a refresh refuses too', async () => {
  const guard = guardLoopback();
  const ccs = makeTempCcs();
  const upstream = await startFakeUpstream();
  const tokenServer = await startFakeTokenServer();
  let proxy: ProxyServer | undefined;
  try {
    ccs.writeToken('claude-a.json', oauthToken('claude', 'a@example.com'));
    // Due for a refresh.
    ccs.writeToken('claude-b.json', oauthToken('claude', 'b@example.com', {expired: new Date(Date.now() - 60_000).toISOString()}));
    ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
    writeFileSync(ccs.paths.settings, `{"endpoints": {"claude": {"api": "${upstream.url}", "token": "${tokenServer.url}/oauth/token"}}`); // one brace short
    const {settings, problem} = await loadSettings(ccs.paths);
    assert.match(problem!.message, /tui\.json:1:\d+: invalid JSON/);
    const store = new AccountStore(ccs.paths);
    const {config} = await loadCliproxyConfig(ccs.paths);
    proxy = new ProxyServer({
      port: 0,
      provider: 'claude',
      store,
      settings,
      config: () => config,
      refresh: (provider, accountId, force) => ensureFresh({store, settings}, provider, accountId, {force}),
    });
    const port = await proxy.listen();
    const answer = await askMessages({url: `http://127.0.0.1:${port}`});
    assert.equal(answer.status, 503, answer.text);
    const message = (JSON.parse(answer.text) as {error: {message: string}}).error.message;
    assert.match(message, /tui\.json:1:\d+: invalid JSON \(.*\); no token is sent to any provider until it is fixed \(its endpoint overrides are unknown\)/);

    const account = (await store.load()).accounts.find((a) => a.email === 'b@example.com')!;
    await assert.rejects(ensureFreshToken({store, settings}, 'claude', account.id, {force: true}), (error: Error) => {
      assert.ok(error instanceof SettingsUnreadableError);
      assert.match(error.message, /tui\.json:1:\d+: invalid JSON .*token refreshes/);
      return true;
    });
    assert.deepEqual(upstream.requests.map((r) => r.path), []);
    assert.equal(tokenServer.requests.length, 0);
    assert.deepEqual(guard.blocked, []);
  } finally {
    await proxy?.close();
    guard.restore();
    await upstream.close();
    await tokenServer.close();
    ccs.cleanup();
  }
});
