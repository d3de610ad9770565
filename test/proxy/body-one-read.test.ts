// A small body that came in the socket read that brought its head is taken in one read (body.ts
// bufferedBody) instead of chunk by chunk: the same checks must hold whichever way it came. Each body
// is sent over a raw connection twice: head and body in one write, and the body in two late pieces
// (read as it comes). The answers, and what the upstream received, must be the same.
import assert from 'node:assert/strict';
import {connect} from 'node:net';
import {after, describe, it} from 'node:test';
import {API_KEY, claudeAccounts, proxyFixture} from './fixture.js';

/**
 * Raw HTTP/1.1 exchanges on one connection, one per entry of `bodies`, each sent after the answer
 * before it: with its head in one write, or (`split`) its head, then the body in two pieces 30 ms
 * apart. Ends early when the proxy closes the connection (it may after a refusal).
 */
function exchange(port: number, bodies: readonly string[], split: boolean): Promise<{status: number; text: string}[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const answers: {status: number; text: string}[] = [];
    let received = '';
    const send = (index: number) => {
      const body = Buffer.from(bodies[index]!);
      const head = `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${API_KEY}\r\nanthropic-version: 2023-06-01\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
      if (!split) return void socket.write(Buffer.concat([Buffer.from(head), body]));
      socket.write(head);
      setTimeout(() => socket.writable && socket.write(body.subarray(0, 3)), 30);
      setTimeout(() => socket.writable && socket.write(body.subarray(3)), 60);
    };
    const timer = setTimeout(() => socket.destroy(new Error(`no answer after ${answers.length} of ${bodies.length}`)), 10_000);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      // Each answer carries a Content-Length: one whole answer at a time.
      const end = received.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(received.slice(0, end));
      if (end < 0 || !length || received.length < end + 4 + Number(length[1])) return;
      answers.push({status: Number(received.slice(9, 12)), text: received.slice(end + 4, end + 4 + Number(length[1]))});
      received = received.slice(end + 4 + Number(length[1]));
      if (answers.length === bodies.length) socket.end();
      else send(answers.length);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answers);
    });
    socket.on('error', reject);
    send(0);
  });
}

/** Each body on a connection of its own. */
async function eachAlone(port: number, bodies: readonly string[], split: boolean): Promise<{status: number; text: string}[]> {
  const answers = [];
  for (const body of bodies) answers.push(...(await exchange(port, [body], split)));
  return answers;
}

describe('a small body is checked the same whether it came with its head or later', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a')});
  after(() => f.close());
  const port = Number(new URL(f.url).port);

  const valid = '{"model":"claude-opus-4-6","max_tokens":8,"messages":[{"role":"user","content":"hi \\u00e9"}],  "metadata":{"user_id":"u1"} }';
  const refused = [
    '{"model":"claude-opus-4-6","max_tokens":8,"messages":[],"model":"claude-opus-4-1-20250805"}',
    '["model","claude-opus-4-6"]',
    '{"model":"claude-opus-4-6","messages":[]} trailing',
    '{"model":"claude-opus-4-6","messages":[], /* lenient */ "max_tokens":8}',
    '{"Model":"claude-opus-4-6","model":"claude-opus-4-6","messages":[]}',
    '{"model":["claude-opus-4-6"],"messages":[]}',
  ];

  for (const split of [false, true]) {
    it(`${split ? 'in late pieces' : 'in one write'}: a good body goes upstream byte for byte, a bad one is refused with the same 400 and never sent`, async () => {
      const before = f.upstream.requests.length;
      const answers = await eachAlone(port, [valid, ...refused, valid], split);
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, ...refused.map(() => 400), 200],
      );
      for (const [i, answer] of answers.slice(1, -1).entries()) assert.equal(JSON.parse(answer.text).type, 'error', refused[i]);
      const sent = f.upstream.requests.slice(before);
      assert.deepEqual(
        sent.map((r) => r.raw),
        [valid, valid],
        'only the good bodies, unchanged',
      );
    });
  }

  it('gives the same refusal texts both ways', async () => {
    assert.deepEqual(await eachAlone(port, refused, false), await eachAlone(port, refused, true));
  });

  it('serves the next request on a kept-alive connection after a body taken in one read', async () => {
    const before = f.upstream.requests.length;
    const answers = await exchange(port, [valid, valid, valid], false);
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200],
    );
    assert.equal(f.upstream.requests.length, before + 3);
  });
});
