// An OAuth token an upstream rejects (401) whose refresh is refused (invalid_grant): the account needs
// a login, as `ccs-tui accounts` says. The proxy's status said "cooling 30m (token rejected (401))",
// a wait, and its last error named no way out; a proxy routing by model kept listing the wait. Now
// the account leaves the waiting list once it cannot serve, and the last error says why no new token
// came, with the login. A refresh that fails without a verdict keeps the wait, and says why.
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {proxyLogPath} from '../../source/services/proxy/pid-file.js';
import {describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {anthropicMessage, freePort, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

/** A proxy over two claude accounts whose upstream rejects a's token; the token endpoint answers `refresh`. */
async function rejectedTokenProxy(startArgs: string[], refresh: {status: number; body: object}) {
  const ccs = makeTempCcs();
  const upstream = await startFakeUpstream((req, res) => {
    if (req.path === '/oauth/token') return sendJson(res, refresh.status, refresh.body);
    if (req.path === '/v1/messages') {
      if (String(req.headers.authorization).includes('a@example.com')) return sendJson(res, 401, {type: 'error', error: {type: 'authentication_error', message: 'OAuth token has been revoked'}});
      return sendJson(res, 200, anthropicMessage(String(req.body?.model), 'ok'));
    }
    sendJson(res, 404, {});
  });
  const port = await freePort();
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url, token: `${upstream.url}/oauth/token`}}}));
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeToken('claude-b@example.com.json', oauthToken('claude', 'b@example.com'));
  assert.equal((await runBin(['proxy', 'start', ...startArgs], ccs.env)).code, 0);
  const answer = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{role: 'user', content: 'hi'}]}),
  });
  assert.equal(answer.status, 200, 'b served the request');
  await answer.arrayBuffer();
  return {
    ccs,
    async close() {
      await runBin(['proxy', 'stop'], ccs.env);
      await upstream.close();
      ccs.cleanup();
    },
  };
}

describe('proxy status after a rejected token whose refresh is refused', () => {
  for (const [how, args] of [['serving the claude pool', ['--provider', 'claude']], ['routing by model', []]] as const) {
    it(`${how}: not listed as cooling; the last error says the refresh was refused and to log in`, async () => {
      const proxy = await rejectedTokenProxy([...args], {status: 400, body: {error: 'invalid_grant', error_description: 'Refresh token revoked'}});
      try {
        const status = await runBin(['proxy', 'status'], proxy.ccs.env);
        assert.equal(status.code, 0, status.stderr);
        assert.doesNotMatch(status.stdout, /cooling/, status.stdout);
        assert.match(status.stdout, /claude\/a@example\.com: token rejected \(401\), and its refresh failed: re-login: Refresh token revoked \(invalid_grant\) \(ccs-tui login claude\)/);
        const json = JSON.parse((await runBin(['proxy', 'status', '--json'], proxy.ccs.env)).stdout) as {cooling: {account: string}[]; lastError: {advice?: {action?: string}}};
        assert.deepEqual(json.cooling, []);
        const accounts = await runBin(['accounts'], proxy.ccs.env);
        assert.match(accounts.stdout, /a@example\.com +a@example\.com +! re-login/);
      } finally {
        await proxy.close();
      }
    });
  }

  it("a token the token endpoint echoes that is no account's (a generic credential shape) is masked in status, log and accounts", async () => {
    const echoed = `sk-ant-oat01-${'Z'.repeat(40)}`;
    const proxy = await rejectedTokenProxy(['--provider', 'claude'], {status: 400, body: {error: 'invalid_grant', error_description: `grant revoked for ${echoed}`}});
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const outputs = [
        (await runBin(['proxy', 'status'], proxy.ccs.env)).stdout,
        (await runBin(['proxy', 'status', '--json'], proxy.ccs.env)).stdout,
        (await runBin(['accounts', '--json'], proxy.ccs.env)).stdout,
        readFileSync(proxyLogPath(proxy.ccs.paths), 'utf8'),
      ];
      assert.match(outputs[0]!, /its refresh failed: re-login: grant revoked for sk-a/);
      for (const text of outputs) assert.ok(!text.includes('Z'.repeat(12)), text);
    } finally {
      await proxy.close();
    }
  });

  it('a refresh that fails without a verdict (the token endpoint down): the wait stays, and says why', async () => {
    const proxy = await rejectedTokenProxy(['--provider', 'claude'], {status: 503, body: {error: 'temporarily_unavailable'}});
    try {
      const status = await runBin(['proxy', 'status'], proxy.ccs.env);
      assert.match(status.stdout, /cooling: claude\/a@example\.com \d+m( \d+s)? \(until [\d:]+\) \(token rejected \(401\), and its refresh failed: refresh outcome unknown \(127\.0\.0\.1:\d+\/oauth\/token refused: temporarily_unavailable\)/, status.stdout);
      // rotate does not go onto the account the proxy rests (it would serve b all the same): refused, naming b.
      const rotated = await runBin(['rotate', 'claude'], proxy.ccs.env);
      assert.equal(rotated.code, 1, rotated.stdout);
      assert.equal(rotated.stderr, 'ccs-tui: no other usable claude account to rotate to (staying on b@example.com, what the running proxy serves)\n');
    } finally {
      await proxy.close();
    }
  });
});
