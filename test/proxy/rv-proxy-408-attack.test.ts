// Review attack on the 408 line's timing (server.ts refusedUnread): a connection that idles before
// sending a slow first message, and a kept-alive connection whose second message is slow.
import assert from 'node:assert/strict';
import {connect} from 'node:net';
import {after, describe, it} from 'node:test';
import {describeEvent} from '../../source/services/proxy/ipc.js';
import {API_KEY, claudeAccounts, proxyFixture} from './fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('408 lines', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a@example.com'), clientTimeouts: {headersMs: 600, requestMs: 1200, checkEveryMs: 100}});
  after(() => f.close());
  const port = Number(new URL(f.url).port);
  const open = async () => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    let got = '';
    socket.on('data', (d) => (got += d));
    await new Promise((r) => socket.once('connect', r));
    return {socket, got: () => got, closed: new Promise((r) => socket.once('close', r))};
  };

  it('a first message whose headers trickle in: 408, and its line says how long (at least the limit, from the connection start)', {timeout: 10_000}, async () => {
    // Read before the connection opens: the proxy (in this process, on the same clock) times it from
    // its accept, which can come before the client hears `connect` (a busy machine: many ms before).
    const t0 = Date.now();
    const c = await open();
    c.socket.write('POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    for (let i = 0; i < 20 && !c.socket.destroyed; i++) {
      c.socket.write(`X-Slow-${i}: y\r\n`);
      await sleep(100);
    }
    await c.closed;
    assert.match(c.got(), /^HTTP\/1\.1 408/);
    const line = f.events.findLast((e) => e.type === 'refused');
    assert.ok(line, 'a refused line');
    const text = describeEvent(line);
    const ms = (line as {ms: number}).ms;
    assert.ok(ms >= 600 && ms <= Date.now() - t0, `${text} (took ${Date.now() - t0} ms)`);
  });

  it('a kept-alive connection whose second message is slow: 408, logged "over" the limit', {timeout: 10_000}, async () => {
    const c = await open();
    const body = JSON.stringify({model: 'claude-sonnet-4-5-20250929', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
    c.socket.write(`POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${API_KEY}\r\nanthropic-version: 2023-06-01\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    for (let i = 0; i < 250 && !/\r\n0\r\n\r\n|"end_turn"/.test(c.got()); i++) await sleep(20);
    assert.match(c.got(), /^HTTP\/1\.1 200/);
    const before = f.events.length;
    c.socket.write('POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    for (let i = 0; i < 20 && !c.socket.destroyed; i++) {
      c.socket.write(`X-Slow-${i}: y\r\n`);
      await sleep(100);
    }
    await c.closed;
    const line = f.events.slice(before).find((e) => e.type === 'refused');
    assert.ok(line, `a refused line; got ${c.got().slice(-200)}`);
    assert.equal((line as {status: number}).status, 408, describeEvent(line));
    assert.match(describeEvent(line), /over/);
  });
});
