// A proxy started on a broken tui.json whose file is then replaced by a directory or a FIFO while it
// runs: the 503 and `proxy status` name the file as it now is (as loadSettings reads such a file:
// unreadable, its cause said), never a 502 "proxy error" or a status request that fails.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {ProxyServer} from '../../source/proxy/server.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadCliproxyConfig} from '../../source/store/cliproxy-config.js';
import {loadSettings, settingsWhenChanged} from '../../source/store/settings.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, askMessages, oauthToken} from './fixture.js';

for (const how of ['directory', 'fifo'] as const) {
  test(`broken tui.json replaced by a ${how} while the proxy runs: status answers and the 503 names it as it now is`, async () => {
    const ccs = makeTempCcs();
    const upstream = await startFakeUpstream();
    let proxy: ProxyServer | undefined;
    try {
      ccs.writeToken('claude-a.json', oauthToken('claude', 'a@example.com'));
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
      writeFileSync(ccs.paths.settings, `{"endpoints": {"claude": {"api": "${upstream.url}"}}`);
      const {settings} = await loadSettings(ccs.paths, {report: false});
      const {config} = await loadCliproxyConfig(ccs.paths);
      proxy = new ProxyServer({port: 0, provider: 'claude', store: new AccountStore(ccs.paths), settings, config: () => config, refresh: async () => undefined as never, rereadSettings: settingsWhenChanged(ccs.paths)});
      const port = await proxy.listen();
      const url = `http://127.0.0.1:${port}`;
      assert.equal((await askMessages({url})).status, 503);
      rmSync(ccs.paths.settings);
      if (how === 'directory') mkdirSync(ccs.paths.settings);
      else execFileSync('mkfifo', [ccs.paths.settings]);
      // What loadSettings (every command, a new proxy) says of it.
      const expected = (await loadSettings(ccs.paths, {report: false})).problem!.cause;
      assert.match(expected, /not a file|FIFO|fifo|pipe/i);
      const status = await proxy.currentStatus().then((s) => s.settingsTrouble, (error: Error) => `THREW: ${error.message}`);
      assert.doesNotMatch(String(status), /THREW/);
      assert.ok(String(status).includes(expected), String(status));
      const answer = await askMessages({url});
      assert.equal(answer.status, 503, answer.text);
      assert.ok(answer.text.includes(expected), answer.text);
      assert.deepEqual(upstream.requests.map((r) => r.path), []);
    } finally {
      await proxy?.close();
      await upstream.close();
      ccs.cleanup();
    }
  });
}
