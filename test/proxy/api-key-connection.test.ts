// The proxy checks a kept-alive connection's API key once per config (issue 14: hashing it on every
// request was a measurable share of a small answer's time). What a client meets must not change:
// the same connection presenting another key, or a key config.yaml no longer lists, is refused.
import assert from 'node:assert/strict';
import {Agent, request} from 'node:http';
import {describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {anthropicMessage, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from './fixture.js';
import {startClaudeProxyChild} from './proxy-child.js';

const OTHER_KEY = 'another-proxy-key-9876543210';

describe('the API key on a kept-alive connection', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  const upstream = await startFakeUpstream((_req, res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify(anthropicMessage('claude-opus-4-6', 'hello')));
  });
  const port = await startClaudeProxyChild(ccs, upstream);
  // One socket, kept alive: every request below goes over the same connection (asserted).
  const agent = new Agent({keepAlive: true, maxSockets: 1});
  const ask = (key: string) =>
    new Promise<{status: number; reused: boolean; body: string}>((resolve, reject) => {
      const body = JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
      const req = request({host: '127.0.0.1', port, path: '/v1/messages', method: 'POST', agent, headers: {'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}}, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({status: res.statusCode!, reused: req.reusedSocket, body: text}));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('refuses another key on a connection that presented a good one', async () => {
    assert.equal((await ask(API_KEY)).status, 200);
    const wrong = await ask(`${API_KEY}x`);
    assert.equal(wrong.reused, true, 'asked on the connection that proved the good key');
    assert.equal(wrong.status, 401, wrong.body);
    assert.match(wrong.body, /invalid API key/);
    // A refusal closes the connection: the next request opens another, and its good key is checked there.
    const again = await ask(API_KEY);
    assert.equal(again.status, 200);
    assert.equal((await ask(API_KEY)).reused, true, 'the good key is asked again on one connection');
  });

  it('refuses a key config.yaml no longer lists, on a connection that was let in with it', async () => {
    const before = await ask(API_KEY);
    assert.equal(before.status, 200);
    ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${OTHER_KEY}"\n`);
    // The proxy looks at config.yaml at most every 500 ms, and re-reads it when it changed.
    let status = 200;
    for (let i = 0; i < 40 && status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const answer = await ask(API_KEY);
      status = answer.status;
      if (status === 200) assert.equal(answer.reused, true);
    }
    assert.equal(status, 401, 'the removed key is refused within 4 s');
    assert.equal((await ask(OTHER_KEY)).status, 200);
    agent.destroy();
  });
});
