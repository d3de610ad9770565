// Content-Encoding lists (RFC 9110 8.4) through the real proxy: every coding is undone before the
// masker reads the body, and a coding the proxy cannot undo is answered 502, never forwarded (the
// client's own decoder would otherwise reveal a token the upstream echoed).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {brotliCompressSync, deflateSync, gzipSync} from 'node:zlib';
import {makeTempCcs} from '../helpers/ccs.js';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from './fixture.js';
import {startClaudeProxyChild} from './proxy-child.js';

const CODERS: Record<string, (body: Buffer) => Buffer> = {gzip: gzipSync, 'x-gzip': gzipSync, deflate: deflateSync, br: brotliCompressSync, identity: (body) => body};

/** The body encoded with each coding of `header` in the order listed (first applied first). */
function encode(header: string, body: Buffer): Buffer {
  return header.split(',').map((coding) => coding.trim().toLowerCase()).filter(Boolean).reduce((data, coding) => CODERS[coding]!(data), body);
}

describe('content-encoding lists', async () => {
  const ccs = makeTempCcs();
  const access = 'sk-ant-oat01-CODINGS-' + Math.random().toString(36).slice(2, 12);
  let encoding = 'gzip, gzip';
  let status = 400;
  const upstream = await startFakeUpstream((req, res) => {
    const bearer = String(req.headers.authorization ?? req.headers['x-api-key']).replace(/^Bearer /, '');
    const body = Buffer.from(status >= 400
      ? JSON.stringify({type: 'error', error: {type: 'invalid_request_error', message: `you sent ${bearer}`}})
      : JSON.stringify({id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-opus-4-6', content: [{type: 'text', text: `echo ${bearer}`}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}}));
    const known = encoding.split(',').every((coding) => coding.trim() === '' || Object.hasOwn(CODERS, coding.trim().toLowerCase()));
    res.writeHead(status, {'content-type': 'application/json', 'content-encoding': encoding});
    res.end(known ? encode(encoding, body) : body);
  });
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com', {access_token: access}));
  const port = await startClaudeProxyChild(ccs, upstream);

  const ask = async () => {
    const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    });
    return {status: response.status, encoding: response.headers.get('content-encoding'), text: await response.text()};
  };

  for (const [header, code] of [['gzip, gzip', 400], ['gzip,br', 400], ['identity, gzip', 400], ['gzip, identity', 400], [' Gzip ', 400], ['X-GZIP, deflate', 400], ['br, deflate, gzip', 400], ['identity', 400], ['gzip, gzip', 200], ['deflate,br', 200]] as const) {
    it(`${JSON.stringify(header)} on a ${code}: decoded, masked, sent without content-encoding`, async () => {
      encoding = header;
      status = code;
      const answer = await ask();
      assert.equal(answer.status, code, answer.text);
      assert.equal(answer.encoding, null);
      assert.ok(!answer.text.includes(access), answer.text);
      assert.match(answer.text, code === 400 ? /you sent sk-a…\(redacted\)/ : /echo sk-a…\(redacted\)/);
      JSON.parse(answer.text);
    });
  }

  for (const header of ['zstd', 'gzip, compress', 'br, x-unknown']) {
    it(`${JSON.stringify(header)}: answered 502 naming the encoding, the body never forwarded`, async () => {
      encoding = header;
      status = 200;
      const answer = await ask();
      assert.equal(answer.status, 502);
      assert.equal(answer.encoding, null);
      assert.ok(!answer.text.includes(access), answer.text);
      assert.ok(answer.text.includes(`upstream used a content encoding the proxy cannot check (${header})`), answer.text);
    });
  }
});
