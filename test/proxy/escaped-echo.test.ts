// An upstream that sends an account's token with its letters as JSON `\u` escapes (`\u0061` for
// `a`), whole in a JSON answer or split across two SSE deltas: what the client decodes holds no token.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {accountTokens, askMessages, proxyFixture} from './fixture.js';

const escapeLetters = (text: string) => [...text].map((c, i) => (i % 2 === 0 && /[a-z0-9]/.test(c) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('');

describe('a token echoed with escaped letters', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: accountTokens('claude', ['esc@example.com'])});
  after(() => f.close());
  const token = 'at-esc@example.com-0123456789abcdef';
  const escaped = escapeLetters(token);

  it('in a JSON answer: masked in what the client decodes', async () => {
    f.upstream.handler = (_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(`{"id":"msg_1","type":"message","role":"assistant","model":"claude-opus-4-6","content":[{"type":"text","text":"your key: ${escaped}"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}`);
    };
    const {status, text} = await askMessages(f);
    assert.equal(status, 200);
    const shown = (JSON.parse(text) as {content: {text: string}[]}).content[0]!.text;
    assert.equal(shown, 'your key: at-e…(redacted)');
  });

  it('in a JSON answer written in small chunks (cut inside and between escapes): masked in what the client decodes', async () => {
    const allEscaped = [...token].map((c) => (/[a-z0-9]/.test(c) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('');
    for (const letters of [escaped, allEscaped]) {
      const body = `{"id":"msg_1","type":"message","role":"assistant","model":"claude-opus-4-6","content":[{"type":"text","text":"your key: ${letters} ok"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}`;
      for (const size of [1, 5, 16, 64]) {
        f.upstream.handler = async (_req, res) => {
          res.writeHead(200, {'content-type': 'application/json'});
          for (let i = 0; i < body.length; i += size) {
            res.write(body.slice(i, i + size));
            // Each piece its own TCP write: the proxy sees the cuts.
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
          res.end();
        };
        const {status, text} = await askMessages(f);
        assert.equal(status, 200);
        const shown = (JSON.parse(text) as {content: {text: string}[]}).content[0]!.text;
        assert.equal(shown, 'your key: at-e…(redacted) ok', `chunks of ${size}`);
      }
    }
  });

  it('split across two SSE text deltas, at every cut between escapes: masked in the joined text', async () => {
    // Each event is whole JSON: cuts fall between an escape and the next character.
    const cuts = [...escaped.matchAll(/\\u[0-9a-f]{4}|./g)].map((m) => m.index!).filter((at) => at > 0);
    for (const at of cuts) {
      const delta = (piece: string) => `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${piece}"}}\n\n`;
      f.upstream.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.write('event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n');
        res.write(delta(`key ${escaped.slice(0, at)}`));
        setTimeout(() => res.end(`${delta(`${escaped.slice(at)} end`)}event: message_stop\ndata: {"type":"message_stop"}\n\n`), 5);
      };
      const response = await fetch(`${f.url}/v1/messages`, {method: 'POST', headers: {'x-api-key': 'test-proxy-key-0123456789', 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, stream: true, messages: [{role: 'user', content: 'hi'}]})});
      let joined = '';
      for (const line of (await response.text()).split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const event = JSON.parse(line.slice(6)) as {delta?: {text?: string}};
        joined += event.delta?.text ?? '';
      }
      assert.ok(!joined.includes(token), `${at}: ${joined}`);
      assert.equal(joined, 'key at-e…(redacted) end', String(at));
    }
  });
});
