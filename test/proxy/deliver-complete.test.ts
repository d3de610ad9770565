// pipeThrough of an answer whose message is complete before it is piped (deliver.ts: read at once,
// masked whole, written with its head and end in one write). That path skips the chunk-by-chunk
// masking: a token cut between the body's chunks, or spelled across SSE events, must still reach
// the client masked, a body without a secret byte for byte with its own length, and a real
// node:http answer must take the path (and release its connection).
import assert from 'node:assert/strict';
import {Agent, createServer, request, type IncomingMessage, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {Readable} from 'node:stream';
import {after, describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {pipeThrough} from '../../source/proxy/deliver.js';

const TOKEN = 'sk-ant-oat01-COMPLETE/answer+0123456789-abcdef';
const redactor = new Redactor([TOKEN]);

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
};

/** The text a client joins from an Anthropic stream's text deltas. */
const joinedText = (sse: string) =>
  sse
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as {type: string; delta?: {text?: string}})
    .filter((event) => event.type === 'content_block_delta')
    .map((event) => event.delta!.text)
    .join('');

const delta = (text: string) => `event: content_block_delta\ndata: ${JSON.stringify({type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text}})}\n\n`;

describe('pipeThrough of an answer complete before it is piped', async () => {
  /** The next answer: its chunks, its type, whether it declares its length. */
  let next: {chunks: Buffer[]; type: string; length: boolean} = {chunks: [], type: 'application/json', length: true};
  let tookPath: boolean[] = [];
  const url = await listen(
    createServer((_req, res) => {
      const {chunks, type, length} = next;
      const size = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
      const upstream = Object.assign(new Readable({read() {}}), {
        statusCode: 200,
        headers: {'content-type': type, ...(length ? {'content-length': String(size)} : {})},
        complete: true,
      }) as unknown as IncomingMessage;
      for (const chunk of chunks) (upstream as unknown as Readable).push(chunk);
      (upstream as unknown as Readable).push(null);
      tookPath.push(upstream.readableFlowing === null);
      void pipeThrough(upstream, res, {aborted: false}, (message) => assert.fail(message), redactor);
    }),
  );
  const ask = async (answer: typeof next) => {
    next = answer;
    tookPath = [];
    const response = await fetch(url);
    const body = Buffer.from(await response.arrayBuffer());
    assert.deepEqual(tookPath, [true], 'the answer was read before it was piped');
    return {length: response.headers.get('content-length'), body};
  };
  /** A body cut into pieces of `size` bytes. */
  const cut = (body: Buffer, size: number) => Array.from({length: Math.ceil(body.length / size)}, (_, i) => body.subarray(i * size, (i + 1) * size));

  it('a token cut between chunks, in every form, goes out masked with the masked length', async () => {
    const forms = [TOKEN, encodeURIComponent(TOKEN), TOKEN.replace(/\//g, '\\u002F'), Buffer.from(`user:${TOKEN}`).toString('base64')];
    for (const form of forms) {
      const body = Buffer.from(JSON.stringify({type: 'error', error: {message: `bad key ${form} sent`}}));
      for (const size of [1, 7, 30, body.length]) {
        const got = await ask({chunks: cut(body, size), type: 'application/json', length: true});
        assert.ok(!got.body.toString('latin1').includes(form), `${form} in chunks of ${size}: the client got the token`);
        const whole = redactor.stream();
        const expected = Buffer.concat([whole.push(Buffer.from(body)), whole.end()]);
        assert.ok(got.body.equals(expected), `${form} in chunks of ${size}: the bytes differ from the body masked whole`);
        assert.equal(got.length, String(expected.length));
      }
    }
  });

  it('a token spelled across SSE events of a complete stream is masked in the text the client joins', async () => {
    const half = Math.floor(TOKEN.length / 2);
    const body = Buffer.from(`${delta('the key is ')}${delta(TOKEN.slice(0, half))}${delta(TOKEN.slice(half))}${delta(' ok')}event: message_stop\ndata: {"type":"message_stop"}\n\n`);
    for (const size of [5, body.length]) {
      const got = await ask({chunks: cut(body, size), type: 'text/event-stream', length: false});
      const text = joinedText(got.body.toString('utf8'));
      assert.ok(!text.includes(TOKEN), `chunks of ${size}: the joined text carries the token`);
      assert.match(text, /^the key is .*ok$/);
      assert.equal(got.length, null, 'a stream goes out chunked');
    }
  });

  // ATTACK (s39): a 200 body that ends in the middle of a token (the upstream cut it off) showed all
  // of it but its last characters; an error body's was masked as a cut echo. A 200's is now too.
  it('a body that ends in the middle of a token: its start is masked as a cut echo, in JSON and in a stream', async () => {
    for (const shown of [17, 21, TOKEN.length - 1]) {
      for (const [type, body] of [
        ['application/json', `{"id":"msg_1","content":[{"type":"text","text":"key ${TOKEN.slice(0, shown)}`],
        ['text/event-stream', `${delta('key ')}${delta(TOKEN.slice(0, shown)).replace(/"\}\}\n\n$/, '')}`],
        ['text/plain', `key ${TOKEN.slice(0, shown)}`],
      ] as const) {
        for (const size of [7, body.length]) {
          const got = (await ask({chunks: cut(Buffer.from(body), size), type, length: type !== 'text/event-stream'})).body.toString('utf8');
          assert.ok(!got.includes(TOKEN.slice(0, shown)), `${type}, ${shown} characters shown, in chunks of ${size}: ${got}`);
          assert.match(got, /redacted/, got);
        }
      }
    }
  });

  it('a body that ends in what every such token begins with (sk-ant-oat01-), and no more, passes as it is', async () => {
    for (const end of ['sk-ant-oat01', 'sk-ant-oat01-', 'sk-ant-oat01-COM']) {
      const body = Buffer.from(`the prefix is ${end}`);
      const got = await ask({chunks: [body], type: 'text/plain', length: true});
      assert.equal(got.body.toString('utf8'), body.toString('utf8'));
    }
  });

  it('a body without a secret passes byte for byte with its own length', async () => {
    const body = Buffer.from(JSON.stringify({id: 'msg_1', content: [{type: 'text', text: 'héllo wörld, sk-ant-oat01 is not a token'}], stop_reason: 'end_turn'}));
    const got = await ask({chunks: cut(body, 9), type: 'application/json', length: true});
    assert.ok(got.body.equals(body));
    assert.equal(got.length, String(body.length));
    const empty = await ask({chunks: [], type: 'application/json', length: true});
    assert.equal(empty.body.length, 0);
    assert.equal(empty.length, '0');
  });

  it('a real node:http answer complete before it is piped takes the path, and its connection serves the next request', {timeout: 10_000}, async () => {
    const body = `{"text":"echo ${TOKEN} end"}`;
    const upstreamUrl = await listen(
      createServer((_req, res) => {
        res.writeHead(200, {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)});
        res.end(body);
      }),
    );
    const agent = new Agent({keepAlive: true, maxSockets: 1});
    after(() => agent.destroy());
    const paths: boolean[] = [];
    const proxyUrl = await listen(
      createServer((_req, res) => {
        request(upstreamUrl, {agent}, (answer) => {
          // Piped once the whole message is in (as when the proxy's own work came first).
          const wait = () => (answer.complete ? pipe() : setTimeout(wait, 2));
          const pipe = () => {
            paths.push(answer.readableFlowing === null);
            void pipeThrough(answer, res, {aborted: false}, (message) => assert.fail(message), redactor);
          };
          wait();
        }).end();
      }),
    );
    for (let i = 0; i < 3; i++) {
      const response = await fetch(proxyUrl);
      const text = await response.text();
      assert.equal(text, `{"text":"echo ${redactor.redact(TOKEN)} end"}`);
      assert.equal(response.headers.get('content-length'), String(Buffer.byteLength(text)));
    }
    assert.deepEqual(paths, [true, true, true]);
  });
});
