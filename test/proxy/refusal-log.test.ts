// The proxy's own refusals, through the real proxy child: each is one line in proxy.log saying
// status, route and why (never the key a client presented), and `proxy status` gives the last
// error its time, as a past event.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from './fixture.js';
import {startClaudeProxyChild} from './proxy-child.js';

const WRONG_KEY = 'sk-ant-api03-guessed-not-a-real-key-0123456789';

describe('refusals in proxy.log, and the last error with its time', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com'));
  const upstream = await startFakeUpstream((_req, res) =>
    sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'rate limited'}}, {'retry-after': '120'}),
  );
  const port = await startClaudeProxyChild(ccs, upstream);
  const ask = (route: string, key: string | undefined, method = 'POST') =>
    fetch(`http://127.0.0.1:${port}${route}`, {
      method,
      headers: {...(key ? {'x-api-key': key} : {}), 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      ...(method === 'POST' ? {body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]})} : {}),
    }).then(async (r) => ({status: r.status, text: await r.text()}));

  it('every refusal is one masked line with its reason; the count in status matches', async () => {
    assert.equal((await ask('/v1/messages', WRONG_KEY)).status, 401);
    assert.equal((await ask('/v1/messages', undefined)).status, 401);
    assert.equal((await ask(`/v1/nothing-here?key=${WRONG_KEY}`, API_KEY)).status, 404);
    assert.equal((await ask('/v1/messages', API_KEY, 'PUT')).status, 405);
    // The only account's upstream 429 leaves none to fail over to: the upstream's answer is the
    // client's (forwarded, not a refusal), and the next request meets the cooldown without going
    // upstream: the proxy's own 429 (a refusal, after the failover line).
    const upstream429 = await ask('/v1/messages', API_KEY);
    assert.equal(upstream429.status, 429);
    assert.match(upstream429.text, /"rate limited"/);
    const cooling = await ask('/v1/messages', API_KEY);
    assert.equal(cooling.status, 429);
    assert.match(cooling.text, /retry in \d+ s/);

    const status = await runBin(['proxy', 'status', '--json'], ccs.env);
    assert.equal(status.code, 0, status.stderr);
    const json = JSON.parse(status.stdout) as {refusedRequests: number; totalRequests: number; lastError: string; lastErrorAt: string};
    assert.equal(json.refusedRequests, 5);
    assert.equal(json.totalRequests, 1);
    assert.equal(upstream.requests.length, 1);

    // The batch reaches the log within a tenth of a second.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const log = readFileSync(path.join(ccs.paths.logs, 'proxy.log'), 'utf8');
    const refused = log.split('\n').filter((line) => line.includes('refused by the proxy'));
    assert.equal(refused.length, 5, log);
    assert.match(refused[0]!, /POST \/v1\/messages → refused by the proxy 401 \d+ ms: wrong key$/);
    assert.match(refused[1]!, /POST \/v1\/messages → refused by the proxy 401 \d+ ms: no key$/);
    assert.match(refused[2]!, /POST \/v1\/nothing-here → refused by the proxy 404 \d+ ms: unknown route$/);
    assert.match(refused[3]!, /PUT \/v1\/messages → refused by the proxy 405 \d+ ms: wrong method$/);
    for (const line of refused.slice(4)) assert.match(line, /POST \/v1\/messages → claude refused by the proxy 429 \d+ ms: me@example\.com, the only account that can serve now, is cooling down \(rate limited\); retry in \d+ s$/);
    assert.match(log, /POST \/v1\/messages claude-opus-4-6 → claude\/me@example\.com 429 \d+ ms\n/, "the upstream's 429 is a request line");
    assert.match(log, /claude\/me@example\.com cooling .*: rate limited\n(.*\n)*.*429 .*the only account that can serve now, is cooling down/, 'the failover line comes first');
    assert.ok(!log.includes(WRONG_KEY) && !log.includes('guessed'), 'the presented key is never logged');
  });

  it('proxy status gives the last error its time, ISO in --json and local with "ago" for a person', async () => {
    const json = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {lastError: string; lastErrorAt: string};
    assert.match(json.lastError, /retry in \d+ s/);
    const at = Date.parse(json.lastErrorAt);
    assert.ok(Date.now() - at >= 0 && Date.now() - at < 20_000, json.lastErrorAt);
    assert.match(json.lastErrorAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const text = (await runBin(['proxy', 'status'], ccs.env)).stdout;
    assert.match(text, /^last error (\d+s ago|just now) \(at (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\): .*retry in \d+ s$/m, text);
  });
});
