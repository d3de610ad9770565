// Pass-through answers are masked and written in batches: the chunks of one event-loop turn go
// through the stream masker together, up to COALESCE_MAX_BYTES at a time (proxy/deliver.ts), and a
// body complete on arrival is written with its end. These tests plant an account's token where a
// batch ends (exactly at the size limit, across it at every offset, at a socket read's end) in a
// long SSE stream and in a bulk body, and check that the client receives no form of it while the
// bytes around it arrive unchanged.
import assert from 'node:assert/strict';
import type {ServerResponse} from 'node:http';
import {after, describe, it} from 'node:test';
import {COALESCE_MAX_BYTES} from '../../source/proxy/deliver.js';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

const TOKEN = 'sk-ant-oat01-BATCH/edge+token_0123456789-abcdef';
const MASKED = 'sk-a…(redacted)';

/** The forms the masker handles, each as the upstream would echo it. */
const FORMS: Record<string, string> = {
  raw: TOKEN,
  percent: encodeURIComponent(TOKEN),
  'JSON \\/': TOKEN.replace(/\//g, '\\/'),
  'JSON \\u002F': TOKEN.replace(/\//g, '\\u002F').replace(/\+/g, '\\u002b'),
  base64: Buffer.from(`user:${TOKEN}`).toString('base64'),
  base64url: Buffer.from(`xy${TOKEN}`).toString('base64url'),
};

describe('pass-through batches: a token at a batch edge is masked', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com', {access_token: TOKEN})}]});
  after(() => f.close());

  /** The upstream answer: its body written in `pieces` (all in one turn unless `pauseMs`), chunked or with a length. */
  let answer: {type: string; pieces: Buffer[]; length?: boolean; pauseMs?: number} = {type: 'text/event-stream', pieces: []};
  f.upstream.handler = async (_req, res: ServerResponse) => {
    const total = answer.pieces.reduce((sum, piece) => sum + piece.length, 0);
    res.writeHead(200, {'content-type': answer.type, ...(answer.length ? {'content-length': String(total)} : {})});
    for (const piece of answer.pieces) {
      if (answer.pauseMs !== undefined) await new Promise((resolve) => setTimeout(resolve, answer.pauseMs));
      res.write(piece);
    }
    res.end();
  };

  const ask = async (): Promise<Buffer> => {
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, stream: true, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(response.status, 200);
    return Buffer.from(await response.arrayBuffer());
  };

  /** `before` + echo + `after` must arrive as `before` + a masked form + `after`, byte for byte around it. */
  const assertMasked = (got: Buffer, before: Buffer, after: Buffer, what: string) => {
    const text = got.toString('latin1');
    for (const form of Object.values(FORMS)) assert.ok(!text.includes(form), `${what}: the client got ${form.slice(0, 12)}…`);
    assert.ok(!got.includes(Buffer.from(TOKEN.slice(0, 20))), `${what}: the client got the token's start`);
    assert.ok(got.subarray(0, before.length).equals(before), `${what}: bytes before the echo changed`);
    assert.ok(got.subarray(got.length - after.length).equals(after), `${what}: bytes after the echo changed`);
    const middle = got.subarray(before.length, got.length - after.length).toString('utf8');
    assert.match(middle, /…\(redacted\)/, `${what}: the echo was not replaced by a masked form: ${middle.slice(0, 80)}`);
  };

  /** `size` bytes of SSE events without any secret (the last event cut off to fit). */
  const sse = (size: number) => {
    const event = `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hello world "}}\n\n`;
    return Buffer.from(event.repeat(Math.ceil(size / event.length)).slice(0, size));
  };

  it('a long SSE stream in small writes of one turn: the token straddles the batch limit at every offset', async () => {
    for (const [name, form] of Object.entries(FORMS)) {
      const echo = Buffer.from(form);
      // The echo starting a whole echo before the limit, ending exactly at it, across it at every
      // other byte, starting exactly at it.
      for (let offset = -echo.length; offset <= 0; offset += name === 'raw' ? 1 : 7) {
        const before = sse(COALESCE_MAX_BYTES + offset);
        const rest = sse(3000);
        const body = Buffer.concat([before, echo, rest]);
        // 512-byte writes: the proxy sees chunks that end exactly at the limit.
        const pieces: Buffer[] = [];
        for (let at = 0; at < body.length; at += 512) pieces.push(body.subarray(at, at + 512));
        answer = {type: 'text/event-stream', pieces};
        assertMasked(await ask(), before, rest, `${name} at limit${offset >= 0 ? '+' : ''}${offset}`);
      }
    }
  });

  it('an SSE stream whose events arrive one turn apart, the token cut between two of them', async () => {
    for (const [name, form] of Object.entries(FORMS)) {
      const before = sse(700);
      const rest = sse(400);
      const echo = Buffer.from(form);
      for (const cut of [1, 8, Math.floor(echo.length / 2), echo.length - 1]) {
        answer = {type: 'text/event-stream', pieces: [before, echo.subarray(0, cut), echo.subarray(cut), rest], pauseMs: 5};
        assertMasked(await ask(), before, rest, `${name} cut at ${cut}`);
      }
    }
  });

  it('a bulk body with a length, the token at 64 KB boundaries and in one write larger than the limit', async () => {
    const filler = (size: number) => Buffer.alloc(size, 'abcdefgh');
    for (const [name, form] of Object.entries(FORMS)) {
      const echo = Buffer.from(form);
      for (const at of [COALESCE_MAX_BYTES - 1, COALESCE_MAX_BYTES - Math.floor(echo.length / 2), COALESCE_MAX_BYTES * 3, 1_000_000 - 5]) {
        const before = filler(at);
        const rest = filler(2 * 1024 * 1024 - at);
        // One write of everything (reads of the socket's size) and 64 KB writes (chunks at the limit).
        for (const pieces of [[Buffer.concat([before, echo, rest])], splitEvery(Buffer.concat([before, echo, rest]), COALESCE_MAX_BYTES)]) {
          answer = {type: 'application/octet-stream', pieces, length: pieces.length === 1};
          assertMasked(await ask(), before, rest, `${name} at ${at} in ${pieces.length} writes`);
        }
      }
    }
  });

  it('a stream without secrets arrives byte for byte, in one write or many', async () => {
    const body = Buffer.concat([sse(COALESCE_MAX_BYTES * 2 + 123), Buffer.from('data: {"text":"h\u00e9llo ✓ sk-and 1//"}\n\n')]);
    for (const pieces of [[body], splitEvery(body, 333), splitEvery(body, COALESCE_MAX_BYTES)]) {
      answer = {type: 'text/event-stream', pieces};
      assert.ok((await ask()).equals(body), `${pieces.length} writes: the bytes changed`);
    }
  });

  it("a stream's headers reach the client while the upstream has not sent its first event", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.flushHeaders();
      await held;
      res.end(`data: {"echo":"${TOKEN}"}\n\n`);
    };
    const timeout = setTimeout(release, 10_000); // a proxy holding the headers would answer only after this
    const started = Date.now();
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, stream: true, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(response.status, 200);
    assert.ok(Date.now() - started < 5_000, 'the headers came only with the first event');
    clearTimeout(timeout);
    release();
    assert.equal(await response.text(), `data: {"echo":"${MASKED}"}\n\n`);
  });
});

function splitEvery(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}
