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
import {AccountStore} from '../../source/store/accounts.js';
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
        // The text says each pool's next pick but the root's (its serving line says that one).
        const text = (await runBin(['proxy', 'status'], f.ccs.env)).stdout;
        if (args.length === 0) assert.match(text, /^serving: every provider, picked by the model asked for\npools: claude now b@example\.com\n/m, text);
        else assert.doesNotMatch(text, /^pools:/m, text);
        const json = JSON.parse((await runBin(['proxy', 'status', '--json'], f.ccs.env)).stdout) as {pools: unknown};
        assert.deepEqual(json.pools, [{provider: 'claude', account: 'b@example.com', accountId: 'b@example.com'}]);
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

  it('no other account to go to: the refusal names the account the proxy serves, not the default', async () => {
    const f = await threeAccounts(['--provider', 'claude']);
    try {
      assert.match(await f.ask(), /b@example\.com/);
      assert.equal((await runBin(['pause', 'claude', 'c@example.com'], f.ccs.env)).code, 0);
      await new AccountStore(f.ccs.paths).setCooldown('claude', 'a@example.com', {until: new Date(Date.now() + 600_000).toISOString(), kind: 'rate-limit', reason: 'rate limited'});
      const refused = await runBin(['rotate', 'claude'], f.ccs.env);
      assert.equal(refused.code, 1, refused.stdout);
      assert.equal(refused.stderr, 'ccs-tui: no other usable claude account to rotate to (staying on b@example.com, what the running proxy serves)\n');
      const json = JSON.parse((await runBin(['rotate', 'claude', '--json'], f.ccs.env)).stdout) as {error: string};
      assert.match(json.error, /staying on b@example\.com, what the running proxy serves/);
    } finally {
      await f.close();
    }
  });

  it('--json says which account it moved on from (served), beside from and to', async () => {
    const f = await threeAccounts(['--provider', 'claude']);
    try {
      assert.match(await f.ask(), /b@example\.com/);
      const rotated = JSON.parse((await runBin(['rotate', 'claude', '--json'], f.ccs.env)).stdout) as Record<string, unknown>;
      assert.deepEqual(rotated, {provider: 'claude', from: 'a@example.com', to: 'c@example.com', served: 'b@example.com', nativeFile: null});
    } finally {
      await f.close();
    }
  });

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
