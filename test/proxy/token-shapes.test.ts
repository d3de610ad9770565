// Attack on issue 11 "no token is ever shown": tokens echoed in shapes the Redactor does not know.
// Each `it` plants a token in an account and has the upstream echo it in one shape; the proxy's
// client must not receive it.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {gzipSync} from 'node:zlib';
import {makeTempCcs} from '../helpers/ccs.js';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from './fixture.js';
import {startClaudeProxyChild} from './proxy-child.js';

// A stream without secrets, with non-ASCII text cut inside a UTF-8 sequence at the chunk boundary.
const SSE_CLEAN = `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"h\u00e9llo ✓ sk-and 1//"}}\n\n`;

describe('token shapes the redactor misses', async () => {
  const ccs = makeTempCcs();
  // Google-style refresh token ("1//0g…") and an access token with '/' and '+' (base64 alphabet).
  const access = 'sk-ant-oat01-AB/cd+ef/PLANTED-' + Math.random().toString(36).slice(2, 10);
  const refresh = '1//0gPLANTED-refresh-' + Math.random().toString(36).slice(2, 10);
  let shape = 'json-slash';
  const upstream = await startFakeUpstream((req, res) => {
    const bearer = String(req.headers.authorization ?? req.headers['x-api-key']).replace(/^Bearer /, '');
    if (shape === 'json-slash') {
      // PHP json_encode, Jackson ESCAPE_FORWARD_SLASHES, many gateways escape '/' as '\/'.
      const body = JSON.stringify({error: {type: 'invalid_request_error', message: `token ${bearer} refresh ${refresh}`}}).replace(/\//g, '\\/');
      res.writeHead(400, {'content-type': 'application/json'});
      res.end(body);
    } else if (shape === 'header') {
      res.writeHead(400, {'content-type': 'application/json', 'x-debug-authorization': `Bearer ${bearer}`, 'www-authenticate': `Bearer error="invalid_token", token="${bearer}"`});
      res.end(JSON.stringify({error: {type: 'invalid_request_error', message: 'bad'}}));
    } else if (shape === 'sse-error') {
      // Anthropic reports errors that happen mid-stream as an SSE `error` event inside a 200.
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(`event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"claude-opus-4-6","content":[],"stop_reason":null,"usage":{"input_tokens":1,"output_tokens":0}}}\n\n`);
      res.end(`event: error\ndata: ${JSON.stringify({type: 'error', error: {type: 'api_error', message: `upstream rejected ${bearer}`}})}\n\n`);
    } else if (shape === 'json-unicode') {
      // Other serializers escape with \uXXXX ('/' and '+' are both escaped here, in upper-case hex).
      const body = JSON.stringify({error: {type: 'invalid_request_error', message: `token ${bearer} refresh ${refresh}`}}).replace(/\//g, '\\u002F').replace(/\+/g, '\\u002b');
      res.writeHead(400, {'content-type': 'application/json'});
      res.end(body);
    } else if (shape === 'sse-split') {
      // The token cut between two writes (two TCP chunks), in a 200 stream.
      res.writeHead(200, {'content-type': 'text/event-stream'});
      const event = `event: error\ndata: ${JSON.stringify({type: 'error', error: {type: 'api_error', message: `upstream rejected ${bearer}`}})}\n\n`;
      const cut = event.indexOf(bearer) + 9;
      res.write(event.slice(0, cut));
      setTimeout(() => res.end(event.slice(cut)), 50);
    } else if (shape === 'gzip') {
      res.writeHead(400, {'content-type': 'application/json', 'content-encoding': 'gzip'});
      res.end(gzipSync(JSON.stringify({type: 'error', error: {type: 'invalid_request_error', message: `bad token ${bearer}`}})));
    } else if (shape === 'base64-bare') {
      res.writeHead(400, {'content-type': 'application/json'});
      res.end(JSON.stringify({error: {type: 'invalid_request_error', message: `echo ${Buffer.from(bearer).toString('base64')} ${Buffer.from('xy' + refresh).toString('base64url')}`}}));
    } else if (shape === 'sse-clean') {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      const bytes = Buffer.from(SSE_CLEAN);
      const cut = bytes.indexOf(Buffer.from('✓')) + 1; // inside the 3-byte UTF-8 sequence
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 20);
    } else if (shape === 'base64') {
      res.writeHead(400, {'content-type': 'application/json'});
      res.end(JSON.stringify({error: {type: 'invalid_request_error', message: `basic ${Buffer.from(`user:${bearer}`).toString('base64')}`}}));
    }
  });
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com', {access_token: access, refresh_token: refresh}));
  const port = await startClaudeProxyChild(ccs, upstream);

  const ask = async (stream: boolean) => {
    const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, stream, messages: [{role: 'user', content: 'hi'}]}),
    });
    return `${response.status}\n${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${await response.text()}`;
  };
  const clean = (text: string, what: string) => {
    for (const secret of [access, refresh]) {
      for (const form of [secret, secret.replace(/\//g, '\\/')]) assert.ok(!text.includes(form), `${what} shows ${form}:\n${text}`);
    }
  };

  it('a JSON body that escapes "/" as "\\/" (Google refresh tokens start 1//)', async () => {
    shape = 'json-slash';
    clean(await ask(false), 'body with \\/ escapes');
  });
  it('a response header that echoes the bearer', async () => {
    shape = 'header';
    clean(await ask(false), 'forwarded response headers');
  });
  it('an SSE error event inside a 200 stream', async () => {
    shape = 'sse-error';
    clean(await ask(true), 'SSE error event');
  });
  it('a JSON body with \\u002F / \\u002b escapes', async () => {
    shape = 'json-unicode';
    const text = await ask(false);
    clean(text, 'body with \\u escapes');
    assert.ok(!text.includes(access.replace(/\//g, '\\u002F').replace(/\+/g, '\\u002b')), text);
    assert.match(text, /redacted/);
  });
  it('a token cut across two chunks of a 200 stream', async () => {
    shape = 'sse-split';
    const text = await ask(true);
    clean(text, 'split SSE');
    assert.match(text, /upstream rejected sk-a…\(redacted\)/);
  });
  it('a gzip-encoded error body: decoded, masked, sent without content-encoding', async () => {
    shape = 'gzip';
    const text = await ask(false);
    clean(text, 'gzip error');
    assert.match(text, /^400\n/);
    assert.ok(!/content-encoding/i.test(text), text);
    assert.match(text, /bad token sk-a…\(redacted\)/);
  });
  it('a bare base64 / base64url echo', async () => {
    shape = 'base64-bare';
    const text = await ask(false);
    assert.ok(!text.includes(Buffer.from(access).toString('base64').slice(0, 20)), text);
    assert.ok(!text.includes(Buffer.from('xy' + refresh).toString('base64url').slice(4, 24)), text);
  });
  it('a stream without secrets passes byte for byte', async () => {
    shape = 'sse-clean';
    const text = await ask(true);
    assert.ok(text.endsWith(SSE_CLEAN), text);
  });
  it('base64 (Basic auth echo)', async () => {
    shape = 'base64';
    const text = await ask(false);
    const b64 = Buffer.from(`user:${access}`).toString('base64');
    assert.ok(!text.includes(b64), `base64 of the token reaches the client:\n${text}`);
  });
});
