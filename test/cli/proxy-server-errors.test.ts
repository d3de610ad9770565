// `ccs-tui proxy status` and the proxy's log (the TUI's log tail) say truthfully what a cooldown
// waits for after upstream server errors, on a real background proxy: a lone account is never
// parked by them, and since no other account could be tried first, no "tried last" wait is listed
// or logged (core/pool.ts SERVER_BACKOFF_MS; the backoff behind other accounts is in
// test/proxy/server-errors.test.ts).
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {answerByProtocol, freePort, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

describe('proxy status after upstream 500s on a lone account', async () => {
  const ccs = makeTempCcs();
  let failing = true;
  const upstream = await startFakeUpstream((req, res) => (failing ? sendJson(res, 500, {type: 'error', error: {type: 'api_error', message: 'Internal server error'}}) : answerByProtocol(req, res)));
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    await upstream.close();
    ccs.cleanup();
  });

  it('answers each 500 as the upstream did, lists no wait for the lone account (no other could serve first), logs no "tried last" line, and serves again', async () => {
    const port = await freePort();
    const started = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude', '--json'], ccs.env);
    assert.equal(started.code, 0, started.stderr);
    const ask = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
        method: 'POST',
        headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
        body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
      });
      return {status: response.status, text: await response.text()};
    };
    for (let i = 1; i <= 5; i++) {
      const again = await ask();
      assert.equal(again.status, 500, `request ${i}: the upstream's answer, not the proxy's 429: ${again.text}`);
      assert.match(again.text, /Internal server error/);
    }
    const status = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {cooling: unknown[]};
    assert.deepEqual(status.cooling, [], 'nothing waits: a lone account is tried first and last alike');
    const human = await runBin(['proxy', 'status'], ccs.env);
    assert.doesNotMatch(human.stdout, /tried last|cooling/, human.stdout);

    failing = false;
    assert.equal((await ask()).status, 200, 'the lone account serves as soon as the upstream does');

    await runBin(['proxy', 'stop'], ccs.env);
    const log = readFileSync(path.join(ccs.paths.logs, 'proxy.log'), 'utf8');
    assert.equal(log.match(/→ claude\/a@example\.com 500 \d+ ms$/gm)?.length, 5, log);
    assert.doesNotMatch(log, /tried last|cooling/, "the log (the TUI's tail) lists no wait either");
  });
});
