// An upstream that streams a line-wrapped base64 echo of the account's token (a log wrapped at 76
// columns with JSON-escaped line breaks inside an SSE data string, a percent-encoded block wrapped at 64,
// a block folded to one line with spaces at 16), its writes split inside the echo at many offsets
// and sent a few milliseconds apart (separate chunks at the proxy): the client never receives a
// piece of the token's base64, and the bytes around the echo arrive unchanged.
import assert from 'node:assert/strict';
import type {ServerResponse} from 'node:http';
import {after, describe, it} from 'node:test';
import {leakedBase64} from '../helpers/base64-leak.js';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

const TOKEN = 'sk-ant-oat01-WRAP/edge+token_0123456789-abcdefghijklmnop';
const base64 = Buffer.from(`user:${TOKEN}`).toString('base64');
/** `text` in lines of `width` joined by `separator`. */
const wrap = (text: string, width: number, separator: string) => (text.match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join(separator);

/** A log line wrapped at 76: the token's base64 starts near the first line's end, so a line break cuts the start of its core (the token's first whole 3-byte group: base64 character 8 after `user:`). */
const logLine = `${'x'.repeat(43)} Authorization: Basic ${base64}`;

const ECHOES: Record<string, string> = {
  'JSON \\r\\n at 76': wrap(logLine, 76, '\\r\\n'),
  '%0D%0A at 64': wrap(encodeURIComponent(base64), 64, '%0D%0A'),
  'spaces at 16': wrap(base64, 16, ' '),
};

describe('a wrapped base64 echo streamed across writes is masked', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com', {access_token: TOKEN})}]});
  after(() => f.close());

  let pieces: Buffer[] = [];
  f.upstream.handler = async (_req, res: ServerResponse) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    for (const piece of pieces) {
      res.write(piece);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    res.end();
  };

  const ask = async (): Promise<string> => {
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, stream: true, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(response.status, 200);
    return response.text();
  };

  const before = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"echo: ';
  const after_ = '"}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n';

  for (const [name, echo] of Object.entries(ECHOES)) {
    it(`${name}, the writes split inside the echo`, async () => {
      const body = Buffer.from(before + echo + after_);
      for (let cut = before.length + 1; cut < before.length + echo.length; cut += 9) {
        // Three writes: the second boundary inside the echo's later lines.
        const second = Math.min(body.length - 1, cut + 80);
        pieces = [body.subarray(0, cut), body.subarray(cut, second), body.subarray(second)];
        const got = await ask();
        assert.equal(leakedBase64(got, TOKEN), undefined, `${name}, cut at ${cut}: ${got}`);
        assert.ok(got.startsWith(before) && got.endsWith(after_), `${name}, cut at ${cut}: bytes around the echo changed: ${got}`);
        assert.match(got, /…\(redacted\)/, `${name}, cut at ${cut}`);
      }
    });
  }
});
