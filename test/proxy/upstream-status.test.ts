// An upstream whose status line node:http parses but a response cannot carry (`099`): the client
// gets the proxy's 502, and the proxy goes on serving. The pass-through answer's head is written
// late (deliver.ts pipeThrough: with its first bytes, or its end), from an event handler, where a
// throw from res.writeHead would end the proxy process.
import assert from 'node:assert/strict';
import {createServer, type Socket} from 'node:net';
import type {AddressInfo} from 'node:net';
import {after, describe, it} from 'node:test';
import {accountTokens, API_KEY, proxyFixture} from './fixture.js';

describe('an upstream status no response can carry', async () => {
  /** The raw answer of the stand-in upstream (status line, headers, body), closed after it. */
  let answer = '';
  const sockets = new Set<Socket>();
  const upstream = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', () => socket.end(answer));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const api = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const f = await proxyFixture({provider: 'claude', tokens: accountTokens('claude', ['a@example.com']), endpoints: {claude: {api, token: `${api}/oauth/token`}}});
  after(async () => {
    await f.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => upstream.close(resolve));
  });
  const ask = async () => {
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-sonnet-4-5-20250929', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
      signal: AbortSignal.timeout(5000),
    });
    return {status: response.status, text: await response.text()};
  };

  for (const [what, head] of [
    ['a body of known length', 'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'],
    ['a stream', 'Content-Type: text/event-stream\r\n\r\ndata: {}\n\n'],
  ] as const) {
    it(`${what}: 502 naming the status, then the next answer is served`, async () => {
      answer = `HTTP/1.1 099 Odd\r\n${head}`;
      const odd = await ask();
      assert.equal(odd.status, 502, odd.text);
      assert.match(odd.text, /status code/i);
      answer = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}';
      const next = await ask();
      assert.deepEqual(next, {status: 200, text: '{"ok":true}'});
    });
  }
});

describe('a bodiless status from the upstream (RFC 9110 8.6)', async () => {
  let answer = '';
  const upstream = createServer((socket) => socket.once('data', () => socket.end(answer)));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const api = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const f = await proxyFixture({provider: 'claude', tokens: accountTokens('claude', ['a@example.com']), endpoints: {claude: {api, token: `${api}/oauth/token`}}});
  after(async () => {
    await f.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it("304 keeps the upstream's Content-Length (the size of the body it stands for), sends no body, and the connection serves on", async () => {
    answer = 'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 1234\r\n\r\n';
    const ask = () =>
      fetch(`${f.url}/v1/messages`, {
        method: 'POST',
        headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
        body: JSON.stringify({model: 'claude-sonnet-4-5-20250929', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
        signal: AbortSignal.timeout(5000),
      });
    const response = await ask();
    assert.equal(response.status, 304);
    assert.equal(response.headers.get('content-length'), '1234');
    assert.equal(response.headers.get('etag'), '"v1"');
    assert.equal(await response.text(), '');
    answer = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}';
    const next = await ask();
    assert.deepEqual({status: next.status, text: await next.text(), length: next.headers.get('content-length')}, {status: 200, text: '{"ok":true}', length: '11'});
  });
});
