// rv9p probe: an early refusal of a large body is read by a client that uploads all of it before it
// reads (Python's http.client, many SDKs), whatever refused it. A body the proxy began reading and
// then refused (its first bytes not a JSON object; a repeated "model") is left paused by the read
// (body.ts collectBody): if nothing reads it afterwards, the client's upload stalls once the socket
// buffers are full, the lingering close times out and the client sees a reset, not the 400.
import assert from 'node:assert/strict';
import {connect} from 'node:net';
import {after, describe, it} from 'node:test';
import {API_KEY, claudeAccounts, proxyFixture} from './fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes head, `first` and then spaces up to `total` bytes (waiting on drain), only then reads: the answer's status, or the socket's failure. */
function uploadThenRead(port: number, head: string, first: Buffer, total: number): Promise<{status?: number; failure?: string}> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.pause();
    let raw = '';
    socket.on('data', (d: Buffer) => {
      raw += d.toString('latin1');
      const end = raw.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, end))?.[1] ?? NaN);
      if (raw.length >= end + 4 + length) {
        socket.destroy();
        resolve({status: Number(raw.slice(9, 12))});
      }
    });
    socket.on('error', (error) => resolve({failure: error.message}));
    socket.on('close', () => resolve({failure: `closed before a whole answer (${raw.length} bytes)`}));
    void (async () => {
      await new Promise((r) => socket.once('connect', r));
      const write = (data: string | Buffer) => (socket.write(data) ? undefined : new Promise((r) => socket.once('drain', r)));
      await write(head);
      await write(first);
      const slice = Buffer.alloc(64 * 1024, ' ');
      for (let sent = first.length; sent < total && !socket.destroyed; sent += slice.length) {
        await write(slice);
        await sleep(0);
      }
      socket.resume();
    })();
  });
}

describe('rv9p: a large body refused after its first bytes were read', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a')});
  after(() => f.close());
  const port = Number(new URL(f.url).port);
  const size = 32 * 1024 * 1024;
  const head = `POST /v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\nx-api-key: ${API_KEY}\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n`;

  for (const [name, first] of [
    ['not a JSON object', Buffer.from('[')],
    ['a repeated "model"', Buffer.from('{"model":"claude-opus-4-6","model":"x","messages":[{"role":"user","content":"')],
  ] as const) {
    it(`${name}, 32 MB uploaded before reading: the client reads the 400`, {timeout: 60_000}, async () => {
      const answer = await uploadThenRead(port, head, first, size);
      assert.deepEqual(answer, {status: 400});
      assert.equal(f.upstream.requests.length, 0);
    });
  }
});
