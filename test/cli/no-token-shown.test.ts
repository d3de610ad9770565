// No token is ever shown (issue 11): upstreams, usage endpoints and token endpoints that echo every
// credential they can in their error bodies. Distinct tokens are planted in every account; then
// every output is grepped for them: command stdout/stderr, the proxy log, `proxy status` (text and
// JSON), the status endpoint, the quota cache, and the bodies the proxy's client received.
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {checkQuotaOutputs, plantEchoAccounts} from '../helpers/echo-accounts.js';
import {runBin} from '../helpers/cli.js';
import {freePort, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY} from '../proxy/fixture.js';

const planted = (name: string) => `${name}-PLANTED-${'x'.repeat(8)}-${Math.random().toString(36).slice(2, 12)}`;

describe('no token is ever shown', async () => {
  const ccs = makeTempCcs();
  const secrets = {
    accessA: planted('sk-ant-oat01-A'),
    refreshA: planted('sk-ant-ort01-A'),
    accessB: planted('sk-ant-oat01-B'),
    refreshB: planted('sk-ant-ort01-B'),
    idB: planted('eyJid-B'),
    // An account the proxy never uses: its tokens must be masked too.
    codexAccess: planted('codex-at'),
    codexRefresh: planted('codex-rt'),
  };
  const all = Object.values(secrets);
  /** Echoes every planted secret, as an upstream that logs "your request" back would. */
  const echo = (req: {headers: Record<string, string | string[] | undefined>}) =>
    JSON.stringify({error: {type: 'invalid_request_error', message: `bad request from ${String(req.headers.authorization ?? req.headers['x-api-key'])}; known: ${all.join(' ')} ${all.map(encodeURIComponent).join(' ')}`}});
  let calls = 0;
  const upstream = await startFakeUpstream((req, res) => {
    calls++;
    // The first account answers 500 (failover: its text becomes the cooling reason), the second 400
    // (passed through to the client); the usage and token endpoints 500 and 400.
    const status = req.path.includes('usage') ? 500 : req.path.includes('token') ? 400 : String(req.headers.authorization ?? req.headers['x-api-key']).includes('-A') ? 500 : 400;
    res.writeHead(status, {'content-type': 'application/json'});
    res.end(echo(req));
  });
  plantEchoAccounts(ccs, upstream, secrets);

  const assertClean = (text: string, where: string) => {
    for (const secret of all) {
      assert.ok(!text.includes(secret) && !text.includes(encodeURIComponent(secret)), `${where} shows ${secret.slice(0, 16)}…: ${text.slice(0, 2000)}`);
    }
  };

  it('proxy: client bodies, log, status (text, JSON, endpoint) carry no account token', async () => {
    const port = await freePort();
    const started = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude', '--json'], ccs.env);
    assert.equal(started.code, 0, started.stderr);
    assertClean(started.stdout + started.stderr, 'proxy start');
    const bodies: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
        method: 'POST',
        headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
        body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
      });
      bodies.push(`${response.status} ${await response.text()}`);
    }
    assert.ok(calls >= 2, 'the upstream was asked');
    assert.match(bodies.join('\n'), /bad request from .*\(redacted\)/, 'the client still learns what the upstream said');
    for (const body of bodies) assertClean(body, 'body returned to the proxy client');
    const statusEndpoint = await fetch(`http://127.0.0.1:${port}/_ccs-tui/status`, {headers: {'x-api-key': API_KEY}});
    assertClean(await statusEndpoint.text(), 'status endpoint');
    const statusJson = await runBin(['proxy', 'status', '--json'], ccs.env);
    assert.equal(statusJson.code, 0, statusJson.stderr);
    assert.match(statusJson.stdout, /redacted/, 'status quotes the (masked) upstream error');
    assertClean(statusJson.stdout + statusJson.stderr, 'proxy status --json');
    const statusText = await runBin(['proxy', 'status'], ccs.env);
    assertClean(statusText.stdout + statusText.stderr, 'proxy status');
    await runBin(['proxy', 'stop'], ccs.env);
    for (const name of readdirSync(ccs.paths.logs)) assertClean(readFileSync(path.join(ccs.paths.logs, name), 'utf8'), `log ${name}`);
  });

  it('quota and refresh: command output and the quota cache carry no token', async () => {
    await checkQuotaOutputs(ccs, assertClean);
  });
});
