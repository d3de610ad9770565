// pipeThrough's batches, driven chunk by chunk: an upstream whose chunks are all there when the
// proxy starts reading (a paused or slow answer) is delivered in one event-loop turn, so its batches
// end exactly at COALESCE_MAX_BYTES, and a chunk too large to batch follows a batch. A token planted
// across those edges at every offset, in every form, must reach the client masked, every other byte
// unchanged, and a Content-Length only when it is the masked body's.
import assert from 'node:assert/strict';
import {createServer, type IncomingMessage} from 'node:http';
import type {AddressInfo} from 'node:net';
import {Readable} from 'node:stream';
import {after, describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {COALESCE_CHUNK_MAX, COALESCE_MAX_BYTES, pipeThrough} from '../../source/proxy/deliver.js';

const TOKEN = 'sk-ant-oat01-EDGE/of+batch_0123456789-abcdef';
const FORMS: Record<string, string> = {
  raw: TOKEN,
  percent: encodeURIComponent(TOKEN),
  'JSON \\u002F': TOKEN.replace(/\//g, '\\u002F').replace(/\+/g, '\\u002b'),
  base64: Buffer.from(`user:${TOKEN}`).toString('base64'),
};
const CHUNK = 512; // divides COALESCE_MAX_BYTES: a batch ends exactly at the limit

describe('pipeThrough batches at the size limit', async () => {
  const redactor = new Redactor([TOKEN]);
  /** What the next request's upstream answer is made of. */
  let next: {chunks: Buffer[]; length?: number; complete: boolean} = {chunks: [], complete: false};
  const server = createServer((_req, res) => {
    const {chunks, length, complete} = next;
    const upstream = Object.assign(new Readable({read() {}}), {
      statusCode: 200,
      headers: {'content-type': length === undefined ? 'text/event-stream' : 'application/octet-stream', ...(length === undefined ? {} : {'content-length': String(length)})},
      complete,
    }) as unknown as IncomingMessage;
    // All there before pipeThrough reads: its first turn delivers every chunk.
    for (const chunk of chunks) (upstream as unknown as Readable).push(chunk);
    (upstream as unknown as Readable).push(null);
    void pipeThrough(upstream, res, {aborted: false}, (message) => assert.fail(message), redactor);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const ask = async (answer: typeof next) => {
    next = answer;
    const response = await fetch(url);
    return {headers: response.headers, body: Buffer.from(await response.arrayBuffer())};
  };
  const split = (bytes: Buffer) => Array.from({length: Math.ceil(bytes.length / CHUNK)}, (_, i) => bytes.subarray(i * CHUNK, (i + 1) * CHUNK));
  /** The body masked in one piece: batching must not change a byte of it. */
  const maskedWhole = (body: Buffer) => {
    const stream = redactor.stream();
    return Buffer.concat([stream.push(Buffer.from(body)), stream.end()]);
  };

  it('a token across the limit at every offset, in every form, streamed and with a length', async () => {
    for (const [name, form] of Object.entries(FORMS)) {
      const echo = Buffer.from(form);
      for (let offset = -echo.length; offset <= 1; offset++) {
        const body = Buffer.concat([Buffer.alloc(COALESCE_MAX_BYTES + offset, 'data: x\n\n'), echo, Buffer.alloc(COALESCE_CHUNK_MAX + 3 * CHUNK + 7, 'data: y\n\n')]);
        const expected = maskedWhole(body);
        assert.ok(!expected.toString('latin1').includes(form), `${name}: the whole-body masker missed it`);
        // Small chunks up to the middle of the echo, then one chunk too large to batch.
        const cut = COALESCE_MAX_BYTES + offset + Math.floor(echo.length / 2);
        assert.ok(body.length - cut >= COALESCE_CHUNK_MAX);
        const chunkings = {small: split(body), 'small then large': [...split(body.subarray(0, cut)), body.subarray(cut)]};
        for (const [chunking, chunks] of Object.entries(chunkings)) {
          for (const complete of [false, true]) {
            for (const length of [undefined, body.length]) {
              const got = await ask({chunks, length, complete});
              const what = `${name} at limit${offset >= 0 ? '+' : ''}${offset}, ${chunking} (complete ${complete}, length ${length ?? 'none'})`;
              assert.ok(!got.body.toString('latin1').includes(form), `${what}: the client got the token`);
              assert.ok(got.body.equals(expected), `${what}: the bytes differ from the body masked whole`);
              // A length only when the body was all there before it was sent, and then the masked body's.
              assert.equal(got.headers.get('content-length'), complete && length !== undefined ? String(expected.length) : null, `${what}: content-length`);
            }
          }
        }
      }
    }
  });

  it('a body complete on arrival is sent with the length of what is sent; one without a secret byte for byte', async () => {
    const json = Buffer.from(JSON.stringify({type: 'error', error: {message: `echo ${TOKEN} and ${encodeURIComponent(TOKEN)}`}}));
    for (const length of [json.length, undefined]) {
      const got = await ask({chunks: split(json), length, complete: true});
      assert.ok(!got.body.includes(Buffer.from(TOKEN)) && got.body.includes(Buffer.from('sk-a…(redacted)')), got.body.toString());
      assert.ok(got.body.equals(maskedWhole(json)));
      assert.equal(got.headers.get('content-length'), length === undefined ? null : String(got.body.length));
    }
    const clean = Buffer.alloc(COALESCE_MAX_BYTES * 2 + 99, 'event: ping\ndata: {"n":"sk-and 1//"}\n\n');
    for (const complete of [false, true]) {
      const whole = await ask({chunks: split(clean), length: clean.length, complete});
      assert.ok(whole.body.equals(clean));
      assert.equal(whole.headers.get('content-length'), complete ? String(clean.length) : null);
      const small = clean.subarray(0, 5000);
      const got = await ask({chunks: split(small), length: small.length, complete});
      assert.ok(got.body.equals(small));
      if (complete) assert.equal(got.headers.get('content-length'), '5000');
    }
  });
});
