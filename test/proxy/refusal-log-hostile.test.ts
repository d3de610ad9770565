// A client that puts a key where the proxy logs what it was asked (the path, the provider's name in
// a route, the model name): proxy.log and `proxy status` never carry it, as the key header is never.
import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {answerByProtocol, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from './fixture.js';
import {startClaudeProxyChild} from './proxy-child.js';

const WRONG_KEY = 'sk-ant-api03-guessed-not-a-real-key-0123456789';

describe('keys a client puts in the path or the model name', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com'));
  const upstream = await startFakeUpstream((req, res) => answerByProtocol(req, res));
  const port = await startClaudeProxyChild(ccs, upstream);
  const ask = (route: string, key: string | undefined, model = 'claude-opus-4-6') =>
    fetch(`http://127.0.0.1:${port}${route}`, {
      method: 'POST',
      headers: {...(key ? {'x-api-key': key} : {}), 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model, max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    }).then(async (r) => ({status: r.status, text: await r.text()}));

  it('neither the wrong key nor the proxy key reaches proxy.log or status', async () => {
    const answers = [
      await ask(`/${WRONG_KEY}/v1/messages`, undefined),
      await ask(`/v1/messages/${WRONG_KEY}`, WRONG_KEY),
      await ask(`/${API_KEY}/v1/messages`, API_KEY),
      await ask(`/api/provider/${WRONG_KEY}/v1/messages`, API_KEY),
      await ask('/v1/messages', API_KEY, API_KEY),
      await ask('/v1/messages', API_KEY, WRONG_KEY),
    ];
    assert.deepEqual(answers.map((a) => a.status).slice(0, 4), [401, 401, 404, 404]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const log = readFileSync(path.join(ccs.paths.logs, 'proxy.log'), 'utf8');
    const status = (await runBin(['proxy', 'status', '--json'], ccs.env)).stdout;
    for (const [name, text] of [['proxy.log', log], ['proxy status', status]]) {
      assert.ok(!text.includes('guessed-not-a-real'), `${name} holds the wrong key:\n${text}`);
      assert.ok(!text.includes(API_KEY), `${name} holds the proxy's key:\n${text}`);
    }
  });
});

// ATTACK (s39): model names went into proxy.log whole (a 1 MB name, a 1 MB line per request), and the
// log was rotated only at a start: a client holding the API key could fill the disk.
describe('a client that sends long model names, again and again', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com'));
  const upstream = await startFakeUpstream((req, res) => answerByProtocol(req, res));
  const log = path.join(ccs.paths.logs, 'proxy.log');
  // A log just under the rotation size (5 MB) when the proxy starts: it is not rotated then, but as
  // the requests' lines take it over.
  mkdirSync(ccs.paths.logs, {recursive: true, mode: 0o700});
  writeFileSync(log, `${'an earlier line\n'.repeat((5 * 1024 * 1024 - 1024) / 16)}`, {mode: 0o600});
  const port = await startClaudeProxyChild(ccs, upstream);

  it('each line is cut to a line\'s length, and the log is rotated while the proxy runs (5 MB each)', {timeout: 120_000}, async () => {
    const model = `claude-${'x'.repeat(1024 * 1024)}`;
    for (let i = 0; i < 24; i++) {
      await fetch(`http://127.0.0.1:${port}/v1/messages`, {
        method: 'POST',
        headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
        body: JSON.stringify({model: `${model}-${i}`, max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
      }).then((r) => r.arrayBuffer());
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const lines = readFileSync(log, 'utf8').split('\n');
    assert.ok(lines.some((line) => /POST \/v1\/messages …\(a model name of \d+ characters\) → claude\/me@example\.com 200/.test(line)), `the requests are logged:\n${lines.map((line) => line.slice(0, 300)).join('\n')}`);
    for (const line of lines) assert.ok(line.length <= 2100, `a line of ${line.length} characters`);
    // 24 requests of 1 MB names: 24 MB uncut. Over 5 MB, the log went to proxy.log.1 as the proxy ran.
    assert.ok(statSync(log).size < 1024 * 1024, `proxy.log is ${statSync(log).size} bytes`);
    assert.ok(!lines.includes('an earlier line'), 'not rotated');
    const before = readFileSync(`${log}.1`, 'utf8');
    assert.ok(before.startsWith('an earlier line\n') && before.includes('listening on'), 'proxy.log.1 holds what was before the rotation');
    // No request's line lost across the rotation.
    const requestLines = (text: string) => text.split('\n').filter((line) => /POST \/v1\/messages …\(a model name of/.test(line)).length;
    assert.equal(requestLines(before) + requestLines(lines.join('\n')), 24);
  });
});
