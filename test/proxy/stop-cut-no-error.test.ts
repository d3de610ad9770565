// A stop (close) cuts the requests still under way at the end of its grace: each is logged once, as
// cut by stop, and what the cut breaks is no error of the proxy's or the account's: no last error, no
// second line, no backoff. Found by an attack: an answer read whole (iFlow's successes) and a body
// still uploading each got a "proxy error: aborted" 502 line, or "the client left", after the cut.
import assert from 'node:assert/strict';
import net from 'node:net';
import {describe, it} from 'node:test';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, claudeAccounts, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

/** Closes the proxy (and the fixture) with the request under way; the events after the start (its listening line left out). */
async function cutByStop(f: ProxyFixture): Promise<{type: string; [key: string]: unknown}[]> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  await f.close();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return (f.events as {type: string}[]).filter((e) => e.type !== 'listening');
}

describe('requests a stop cuts', () => {
  it('an answer read whole (iFlow\'s success) whose body never ends: one line, cut by stop, and no last error', async () => {
    const upstream = await startFakeUpstream((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.write('{"id":"x",');
    });
    const f = await proxyFixture({provider: 'iflow', apiPath: '/v1', upstream, tokens: [{file: 'iflow-a@example.com-1.json', token: oauthToken('iflow', 'a@example.com', {api_key: 'iflow-key-0123456789abcdef'})}]});
    {
      const client = fetch(`${f.url}/v1/chat/completions`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify({model: 'qwen3-coder-plus', messages: [{role: 'user', content: 'hi'}]})}).then((r) => r.text()).catch(() => 'cut');
      const events = await cutByStop(f);
      await client;
      assert.deepEqual(events.map((e) => [e.type, e.status, e.cut]), [['request', 0, 'stop']], JSON.stringify(events));
      assert.equal(f.proxy.status().lastError, undefined);
    }
  });

  it('a request whose body is still uploading: one line, cut by stop (not "the client left")', async () => {
    const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a', 'b')});
    const socket = net.connect(Number(new URL(f.url).port), '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`POST /v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\nx-api-key: ${API_KEY}\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\ncontent-length: 100000\r\n\r\n{"model":"claude-opus-4-6","max_tokens":8,"messages":[`);
    const events = await cutByStop(f);
    socket.destroy();
    assert.deepEqual(events.map((e) => [e.type, e.status, e.cut]), [['request', 0, 'stop']], JSON.stringify(events));
    assert.equal(f.proxy.status().lastError, undefined);
  });
});
