// pipeThrough copies batches of 4 KB and more into reused buffers (deliver.ts BatchBuffers), given
// back when their write completes. A socket that takes its time (its writes complete only later,
// as when the kernel's buffer is full and the client reads slowly) must still send each stream's
// own bytes: a buffer reused before its write completed would send another stream's batch.
import assert from 'node:assert/strict';
import {ServerResponse, type IncomingMessage} from 'node:http';
import {Duplex, Readable} from 'node:stream';
import {describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {pipeThrough} from '../../source/proxy/deliver.js';

const TOKEN = 'sk-ant-oat01-REUSED/buffer+0123456789-abcdef';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stream `id`'s body: bursts of small SSE events (several per turn: batches of 4 KB and more), a token in some. */
function bodyOf(id: number): Buffer[][] {
  const letter = String.fromCharCode(65 + id);
  return Array.from({length: 30}, (_, burst) =>
    Array.from({length: 24}, (_, i) => Buffer.from(`data: ${letter.repeat(200)} ${id}/${burst}/${i}${burst % 5 === 0 && i === 3 ? ` ${TOKEN}` : ''}\n\n`)),
  );
}

/** A socket whose writes complete `delayMs` later; the bytes it "sends" are read when the write completes. */
function slowSocket(delayMs: number): {socket: Duplex; sent: () => Buffer} {
  const sent: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      setTimeout(() => {
        sent.push(Buffer.from(chunk));
        callback();
      }, delayMs);
    },
  });
  return {socket, sent: () => Buffer.concat(sent)};
}

/** The chunked body of a raw response, its chunk frames removed. */
function unchunk(raw: Buffer): Buffer {
  let at = raw.indexOf('\r\n\r\n') + 4;
  const out: Buffer[] = [];
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
    if (!size) break;
    out.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}

describe('pipeThrough with reused batch buffers', () => {
  const redactor = new Redactor([TOKEN]);

  const stream = async (id: number, delayMs: number) => {
    const req = {method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1, headers: {}} as unknown as IncomingMessage;
    const res = new ServerResponse(req);
    const {socket, sent} = slowSocket(delayMs);
    res.assignSocket(socket as never);
    // As node:http's server does for the sockets it accepts: the response drains with its socket.
    socket.on('drain', () => res.emit('drain'));
    const upstream = Object.assign(new Readable({read() {}}), {statusCode: 200, headers: {'content-type': 'text/event-stream'}, complete: false}) as unknown as IncomingMessage & Readable;
    const piped = pipeThrough(upstream, res, {aborted: false}, (message) => assert.fail(message), redactor);
    for (const burst of bodyOf(id)) {
      for (const chunk of burst) upstream.push(chunk);
      await sleep(1);
    }
    (upstream as {complete: boolean}).complete = true;
    upstream.push(null);
    await piped;
    await sleep(delayMs * 2 + 20);
    return unchunk(sent()).toString('latin1');
  };

  it('six streams at once, on sockets whose writes complete late, each get exactly their own masked body', async () => {
    const got = await Promise.all([0, 1, 2, 3, 4, 5].map((id) => stream(id, 3 + id)));
    for (const [id, text] of got.entries()) {
      const whole = redactor.stream();
      const expected = Buffer.concat([whole.push(Buffer.concat(bodyOf(id).flat())), whole.end()]).toString('latin1');
      assert.ok(!text.includes(TOKEN), `stream ${id} carried the token`);
      assert.equal(text.length, expected.length, `stream ${id}: length`);
      assert.ok(text === expected, `stream ${id}: bytes differ from offset ${[...text].findIndex((c, i) => c !== expected[i])}`);
    }
  });
});
