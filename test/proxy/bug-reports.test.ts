// Bug reports against CCS and CLIProxyAPI that ccs-tui passes (issue 10, "keep covered"): an SSE
// stream split at odd bytes reaches the client intact. (The 529 failover lives in
// test/proxy/abuse.test.ts and translated-path.test.ts: another account, none parked, issue 11.)
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {anthropicStreamEvents} from '../helpers/fake-upstreams.js';
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

    // The same bytes read by the translator (a Chat Completions client on the Anthropic upstream).
    const chat = await new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0}).chat.completions.create({
      model: 'claude-opus-4-6',
      stream: true,
      messages: [{role: 'user', content: 'hi'}],
    });
    let translated = '';
    for await (const chunk of chat) translated += chunk.choices[0]?.delta.content ?? '';
    assert.equal(translated, parts.join(''));
  });
});
