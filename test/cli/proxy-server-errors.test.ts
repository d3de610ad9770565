// `ccs-tui proxy status` and the proxy's log (the TUI's log tail) say truthfully what a cooldown
// waits for after upstream server errors, on a real background proxy: one 500 parks nothing, two in
// a row back the account off briefly, and only behind other accounts (it still serves).
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {formatLocalClock} from '../../source/core/relative-time.js';
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

  it('answers each 500 as the upstream did, then shows the brief "tried last" backoff, and serves again', async () => {
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
    const first = await ask();
    assert.equal(first.status, 500, first.text);
    let status = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {cooling: {reason: string; until: string; triedLast?: boolean}[]};
    assert.deepEqual(status.cooling, [], 'one 500 parks nothing');

    // Four more in a row: backed off 2, 4, 8, then 16 s (long enough to read under load).
    for (let i = 2; i <= 5; i++) {
      const again = await ask();
      assert.equal(again.status, 500, `request ${i}: the upstream's answer again, not the proxy's 429: ${again.text}`);
      assert.match(again.text, /Internal server error/);
    }
    status = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as typeof status;
    assert.equal(status.cooling.length, 1);
    const [backoff] = status.cooling;
    assert.equal(backoff!.reason, 'upstream error 500, 5 in a row');
    assert.equal(backoff!.triedLast, true);
    const human = await runBin(['proxy', 'status'], ccs.env);
    const clock = formatLocalClock(backoff!.until, Date.now()).replace(/[.()]/g, '\\$&');
    assert.match(human.stdout, new RegExp(`^tried last: claude/a@example\\.com for \\d+s \\(until ${clock}\\) \\(upstream error 500, 5 in a row\\), still serves when no other account can$`, 'm'));

    failing = false;
    assert.equal((await ask()).status, 200, 'the lone account serves through its backoff');
    status = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as typeof status;
    assert.deepEqual(status.cooling, [], 'a success ends the backoff');

    await runBin(['proxy', 'stop'], ccs.env);
    const log = readFileSync(path.join(ccs.paths.logs, 'proxy.log'), 'utf8');
    const logged = new RegExp(`claude/a@example\\.com tried last for \\d+s \\(until ${clock}\\), still serves when no other account can: upstream error 500, 5 in a row`);
    assert.match(log, logged, "the log (the TUI's tail) says the same");
    assert.doesNotMatch(log, /cooling/);
  });
});
