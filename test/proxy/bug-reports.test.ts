// Bug reports against CCS and CLIProxyAPI that ccs-tui passes (issue 10, "keep covered"): an SSE
// stream split at odd bytes reaches the client intact, and Anthropic's 529 (overloaded) fails over.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {anthropicStreamEvents, answerByProtocol, sendJson} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, proxyFixture} from './fixture.js';

describe('bug reports replayed on the proxy', async () => {
  const f = await proxyFixture({
    provider: 'claude',
    tokens: accountTokens('claude', ['a@example.com', 'b@example.com']),
  });
  after(() => f.close());
  const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});

  it('an SSE stream split at odd bytes (inside lines and inside multi-byte characters) arrives whole', async () => {
    const parts = ['研究', ' café ', '👩‍💻 done', '\n'];
    const bytes = Buffer.from(anthropicStreamEvents('claude-opus-4-6', parts).join(''), 'utf8');
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      // 7-byte pieces cut every line and most multi-byte characters somewhere in the middle.
      for (let at = 0; at < bytes.length; at += 7) {
        res.write(bytes.subarray(at, at + 7));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    };
    const stream = await client.messages.create({model: 'claude-opus-4-6', max_tokens: 16, stream: true, messages: [{role: 'user', content: 'hi'}]});
    let text = '';
    for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    assert.equal(text, parts.join(''));
  });

  it('529 overloaded from one account fails over to the next', async () => {
    f.upstream.handler = (req, res) =>
      String(req.headers.authorization).includes('a@example.com')
        ? sendJson(res, 529, {type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}})
        : answerByProtocol(req, res);
    const from = f.upstream.requests.length;
    for (let i = 0; i < 2; i++) {
      const message = await client.messages.create({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
      assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'Hello from upstream');
    }
    const bearers = f.upstream.requests.slice(from).map((r) => String(r.headers.authorization));
    assert.ok(bearers.at(-1)!.includes('b@example.com'));
    assert.ok(f.events.some((e) => e.type === 'failover' && e.reason === 'upstream error 529'));
  });
});
