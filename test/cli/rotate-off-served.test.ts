// `ccs-tui rotate` with a proxy running whose pool serves another account than the default (its
// strategy picked it: most-headroom put the roomiest first): the rotation moves on from the account
// served, not from the default, and says so. It went from the default to the account already
// served, so nothing a person could see changed. Checked on a proxy serving the provider on its root
// and on one routing by model (the pool made by a request).
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {fetchProxyStatus} from '../../source/services/proxy/control.js';
import {readRunningProxy} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {anthropicMessage, freePort, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';
import {API_KEY} from '../proxy/fixture.js';

/** Three claude accounts: a (the default, 50 % used), b (10 %: the roomiest), c (30 %); a proxy started with `args`. */
async function threeAccounts(args: string[]) {
  const ccs = makeTempCcs();
  const upstream = await startFakeUpstream((req, res) => sendJson(res, 200, anthropicMessage(String(req.body?.model), 'pong')));
  const port = await freePort();
  for (const name of ['a', 'b', 'c']) ccs.writeToken(`claude-${name}@example.com.json`, tokenFixture('claude', `${name}@example.com`));
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({rotation: {strategy: 'most-headroom'}, endpoints: {claude: {api: upstream.url}}}));
  const now = Date.now();
  writeQuotaCache(ccs, new Date(now), {claude: {
    'a@example.com': [quotaWindowFixture(now, '5h', 50, 3600_000, 18_000)],
    'b@example.com': [quotaWindowFixture(now, '5h', 10, 3600_000, 18_000)],
    'c@example.com': [quotaWindowFixture(now, '5h', 30, 3600_000, 18_000)],
  }});
  assert.equal((await runBin(['use', 'claude', 'a@example.com'], ccs.env)).code, 0);
  assert.equal((await runBin(['proxy', 'start', ...args], ccs.env)).code, 0);
  const ask = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
      method: 'POST',
      headers: {'content-type': 'application/json', 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]}),
    });
    await res.arrayBuffer();
    return String(upstream.requests.at(-1)?.headers.authorization);
  };
  return {
    ccs,
    port,
    ask,
    async close() {
      await runBin(['proxy', 'stop'], ccs.env);
      await upstream.close();
      ccs.cleanup();
    },
  };
}

describe('rotate moves on from the account the running proxy serves', () => {
  for (const [how, args] of [['serving claude', ['--provider', 'claude']], ['routing by model', []]] as const) {
    it(`${how}: b served (roomiest) → rotate goes to c, said; the proxy serves c`, async () => {
      const f = await threeAccounts([...args]);
      try {
        assert.match(await f.ask(), /b@example\.com/, 'most-headroom serves b');
        const status = await fetchProxyStatus(f.ccs.paths, readRunningProxy(f.ccs.paths)!.port);
        assert.deepEqual(status?.pools?.map((p) => [p.provider, p.account]), [['claude', 'b@example.com']]);
        const rotated = await runBin(['rotate', 'claude'], f.ccs.env);
        assert.equal(rotated.code, 0, rotated.stderr);
        assert.equal(rotated.stdout, 'claude: b@example.com → c@example.com (what the running proxy served; the default was a@example.com)\n');
        assert.match(await f.ask(), /c@example\.com/, 'the proxy serves c now');
        // Served and default the same now: no note.
        const again = await runBin(['rotate', 'claude'], f.ccs.env);
        assert.equal(again.code, 0, again.stderr);
        assert.doesNotMatch(again.stdout, /what the running proxy served/);
        assert.match(again.stdout, /^claude: c@example\.com → b@example\.com\n$/);
      } finally {
        await f.close();
      }
    });
  }

  it('no proxy running: from the default, as before', async () => {
    const f = await threeAccounts(['--provider', 'claude']);
    try {
      assert.equal((await runBin(['proxy', 'stop'], f.ccs.env)).code, 0);
      const rotated = await runBin(['rotate', 'claude'], f.ccs.env);
      assert.equal(rotated.stdout, 'claude: a@example.com → b@example.com\n');
    } finally {
      await f.close();
    }
  });
});
