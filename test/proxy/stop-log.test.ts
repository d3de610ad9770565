// `proxy stop` (SIGTERM to the child): the request lines still in the 100 ms batch reach the log
// before the child exits, and requests the stop cuts are logged as "cut by stop".
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {anthropicMessage, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from './fixture.js';
import {startClaudeProxyChild} from './proxy-child.js';

describe('request log lines at proxy stop', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  let seen = 0;
  const upstream = await startFakeUpstream(async (_req, res) => {
    // The first request is answered at once, the others only after the stop.
    if (++seen > 1) await new Promise((resolve) => setTimeout(resolve, 3000));
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify(anthropicMessage('claude-opus-4-6', 'hello')));
  });
  const port = await startClaudeProxyChild(ccs, upstream);
  const ask = (query: string) =>
    fetch(`http://127.0.0.1:${port}/v1/messages?${query}`, {method: 'POST', headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]})}).then(
      (r) => r.status,
      () => 'cut',
    );

  it('a finished request just before the stop is logged, and each cut one as "cut by stop"', async () => {
    assert.equal(await ask('fast'), 200);
    const cut = [ask('slow'), ask('slow')];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = await runBin(['proxy', 'stop'], ccs.env);
    assert.equal(stopped.code, 0, stopped.stderr);
    await Promise.all(cut);
    const log = readFileSync(path.join(ccs.paths.logs, 'proxy.log'), 'utf8');
    const lines = log.split('\n').filter((line) => line.includes('POST /v1/messages'));
    assert.equal(lines.filter((line) => / 200 \d+ ms$/.test(line)).length, 1, log);
    assert.equal(lines.filter((line) => / cut by stop \d+ ms$/.test(line)).length, 2, log);
  });
});
