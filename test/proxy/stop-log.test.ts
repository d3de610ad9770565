// `proxy stop` (SIGTERM to the child): the request lines still in the 100 ms batch reach the log
// before the child exits; requests that end within the stop's grace are logged as they end, and the
// ones it cuts at the grace's end as "cut by stop" (a newcomer's log said so of requests that went on
// for 4 s, and then blamed the account for the stream the cut broke).
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
  const upstream = await startFakeUpstream(async (req, res) => {
    seen++;
    const kind = req.raw;
    // `stream`: a stream whose head comes at once and whose end never comes before the stop's cut.
    if (kind.includes('"stream"')) {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write('event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"claude-opus-4-6","content":[],"usage":{"input_tokens":1,"output_tokens":0}}}\n\n');
      return;
    }
    // `fast` at once; `grace` a second after the stop (within its grace: it ends normally); `slow`
    // after the grace (CLOSE_GRACE_MS, 4 s): cut.
    const wait = kind.includes('"slow"') ? 6000 : kind.includes('"grace"') ? 1000 : 0;
    if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
    if (res.destroyed) return;
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify(anthropicMessage('claude-opus-4-6', 'hello')));
  });
  const port = await startClaudeProxyChild(ccs, upstream);
  // The answers are held until the test ends: Node 22's fetch cancels the body of a Response no one
  // holds when it is collected, and the proxy then logged the stream as left by its client.
  const held: Response[] = [];
  const ask = (query: string) =>
    fetch(`http://127.0.0.1:${port}/v1/messages?${query}`, {method: 'POST', headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: query}]})}).then(
      (r) => {
        held.push(r);
        return r.status;
      },
      () => 'cut',
    );

  it('a request that ends before the stop, or within its grace, is logged as it ended; each one the stop cuts as "cut by stop", never as an upstream\'s break', async () => {
    assert.equal(await ask('fast'), 200);
    const inFlight = [ask('grace'), ask('slow'), ask('slow'), ask('stream')];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = await runBin(['proxy', 'stop'], ccs.env);
    assert.equal(stopped.code, 0, stopped.stderr);
    const [grace] = await Promise.all(inFlight);
    assert.equal(grace, 200, 'answered within the grace');
    const log = readFileSync(path.join(ccs.paths.logs, 'proxy.log'), 'utf8');
    const lines = log.split('\n').filter((line) => line.includes('POST /v1/messages'));
    assert.equal(lines.filter((line) => / 200 \d+ ms$/.test(line)).length, 2, log);
    assert.equal(lines.filter((line) => / cut by stop \d+ ms$/.test(line)).length, 3, log);
    // The stream the stop cut is no upstream fault (it read "upstream stream broke: connection reset").
    assert.doesNotMatch(log, /stream broke|error:/, log);
    for (const response of held.splice(0)) await response.body?.cancel().catch(() => undefined);
  });
});
