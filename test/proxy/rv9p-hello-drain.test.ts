// rv9p probe: a request without the API key is answered and its connection closed without reading
// the rest of its body (refusal.ts: Node's default drain let a client without a key hold the
// socket and feed it bytes as long as it liked). The hello route (GET /_ccs-tui/hello?challenge=C)
// is answered without a key too: its body must not be drained either.
import assert from 'node:assert/strict';
import {connect} from 'node:net';
import {after, describe, it} from 'node:test';
import {claudeAccounts, proxyFixture} from './fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `head` then body bytes for `forMs`; how many body bytes the proxy took, and whether it closed the connection. */
async function feed(port: number, head: string, forMs: number): Promise<{answered: boolean; closed: boolean; fed: number}> {
  const socket = connect(port, '127.0.0.1');
  let answered = false;
  let closed = false;
  socket.on('data', (chunk: Buffer) => (answered ||= chunk.toString('latin1').startsWith('HTTP/1.1 ')));
  socket.on('close', () => (closed = true));
  socket.on('error', () => (closed = true));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(head);
  const chunk = Buffer.alloc(256 * 1024, 0x20);
  let fed = 0;
  const until = Date.now() + forMs;
  while (!closed && Date.now() < until) {
    if (socket.write(chunk)) fed += chunk.length;
    else {
      fed += chunk.length;
      await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), sleep(200)]);
    }
    await sleep(0);
  }
  socket.destroy();
  return {answered, closed, fed};
}

describe('rv9p: the hello route does not drain a keyless body', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a')});
  (f.proxy as unknown as {options: {nonce?: string}}).options.nonce = 'e'.repeat(64);
  after(() => f.close());
  const port = Number(new URL(f.url).port);
  const head = (target: string) => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: 4000000000\r\n\r\n`;

  it('a keyless request elsewhere: answered and closed (the reference)', async () => {
    const result = await feed(port, head('/v1/models'), 3000);
    // (Whether the 401 is read before the close's reset is the lingering close's business, branch flakes.)
    assert.ok(result.closed, JSON.stringify(result));
  });

  it('the hello with a 4 GB body: answered and closed, not drained', async () => {
    const result = await feed(port, head('/_ccs-tui/hello?challenge=x'), 3000);
    assert.ok(result.answered, 'the proof came');
    assert.ok(result.closed, `the proxy still reading a keyless body after 3 s (${Math.round(result.fed / 1024 / 1024)} MB taken)`);
  });
});
