// A credential an upstream echoes in a RESPONSE HEADER: masked in an ASCII form (the '…' of the body
// form is no valid header character, and writeHead would throw, answering 502), and the upstream
// connection never outlives the client's answer.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

const TOKEN = 'sk-ant-oat01-HEADERECHO-' + Math.random().toString(36).slice(2, 12);

describe('a token echoed in a response header', async () => {
  it('redactHeaders masks in ASCII', () => {
    const out = new Redactor([TOKEN]).redactHeaders({'x-echo': `Bearer ${TOKEN}`, 'x-list': [`a ${encodeURIComponent(TOKEN)}`], 'content-length': 3});
    assert.deepEqual(out, {'x-echo': 'Bearer sk-a...(redacted)', 'x-list': ['a sk-a...(redacted)'], 'content-length': 3});
  });

  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'a@example.com', {access_token: TOKEN})}]});
  after(() => f.close());
  const ask = (stream: boolean, signal?: AbortSignal) =>
    fetch(`${f.url}/v1/messages`, {method: 'POST', signal, headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, stream, messages: [{role: 'user', content: 'hi'}]})});

  it('a pass-through stream: answered 200 with the header masked; the upstream closed when the client leaves', async () => {
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => (closed = resolve));
    f.upstream.handler = (req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream', 'x-request-echo': `Bearer ${TOKEN}`});
      const timer = setInterval(() => res.write('event: ping\ndata: {"type":"ping"}\n\n'), 50);
      res.on('close', () => {
        clearInterval(timer);
        closed();
      });
    };
    const controller = new AbortController();
    const response = await ask(true, controller.signal);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-request-echo'), 'Bearer sk-a...(redacted)');
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /event: ping/);
    controller.abort();
    await upstreamClosed;
  });

  it('an error answer and a JSON success: the header masked, the body intact', async () => {
    for (const status of [400, 200]) {
      f.upstream.handler = (req, res) => {
        res.writeHead(status, {'content-type': 'application/json', 'www-authenticate': `Bearer error="invalid_token", token="${TOKEN}"`, 'retry-after': `1 ${TOKEN}`});
        res.end(status === 200 ? JSON.stringify({id: 'm', type: 'message', role: 'assistant', model: 'claude-opus-4-6', content: [{type: 'text', text: 'ok'}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}}) : JSON.stringify({type: 'error', error: {type: 'invalid_request_error', message: 'bad'}}));
      };
      const response = await ask(false);
      const text = await response.text();
      assert.equal(response.status, status, text);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token", token="sk-a...(redacted)"');
      JSON.parse(text);
      assert.ok(![...response.headers].some(([, value]) => value.includes(TOKEN)));
    }
  });
});
