// rv10 attack review (masking): a credential an upstream echoes as a response header's NAME. Header
// names are RFC 9110 tokens, whose characters (letters, digits, `-._~!#$%&'*+^|\``) spell most API
// keys and OAuth tokens; Node lowercases names, so a lowercase key (hex API keys, `sk-…` of many
// services) reaches the client whole. Redactor.redactHeaders masked values only. Through a real
// proxy on a hostile fake upstream. Fails on main at cc40c31.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {API_KEY, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

const TOKEN = 'sk-0f1e2d3c4b5a69788796a5b4c3d2e1f0';

describe('rv10: a token echoed as a response header name', () => {
  let f: ProxyFixture;
  before(async () => (f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: oauthToken('claude', 'a@example.com', {access_token: TOKEN})}]})));
  after(() => f.close());
  const ask = (stream: boolean) =>
    fetch(`${f.url}/v1/messages`, {method: 'POST', headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, stream, messages: [{role: 'user', content: 'hi'}]})});
  const names = [TOKEN, `x-${TOKEN}`, `x-echo-${TOKEN}-end`];
  for (const [label, status, stream] of [
    ['a JSON success', 200, false],
    ['a stream', 200, true],
    ['an error answer', 400, false],
    ['a rate limit (served alone: passed through)', 429, false],
  ] as const) {
    it(`${label}: no header name holds the token`, async () => {
      f.upstream.handler = (_req, res) => {
        const head: Record<string, string> = {'content-type': stream ? 'text/event-stream' : 'application/json'};
        for (const name of names) head[name] = 'x';
        res.writeHead(status, head);
        res.end(stream ? 'event: ping\ndata: {"type":"ping"}\n\n' : status === 200 ? JSON.stringify({id: 'm', type: 'message', role: 'assistant', model: 'claude-opus-4-6', content: [{type: 'text', text: 'ok'}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}}) : JSON.stringify({type: 'error', error: {type: 'invalid_request_error', message: 'bad'}}));
      };
      const response = await ask(stream);
      await response.text();
      assert.equal(response.status, status);
      const leaked = [...response.headers].filter(([name, value]) => name.includes(TOKEN) || value.includes(TOKEN));
      assert.deepEqual(leaked, []);
    });
  }
});
