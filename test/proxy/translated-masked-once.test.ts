// Claude Code on a Chat upstream (qwen) through the proxy: the translated stream is masked inside
// the translator and written without a second pass over its bytes (StreamTranslator.masked), so the
// account's token in a tool call's name and id, in a text run cut in two, and in an error the upstream
// streams must still reach the client masked, as the official SDK reads them.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {Redactor} from '../../source/core/redact.js';
import {API_KEY, oauthToken, withOneAccount} from './fixture.js';

const qwen = {provider: 'qwen', apiPath: '/v1', token: oauthToken('qwen', 'q@example.com')};
const token = String(qwen.token.access_token);
const masked = (text: string) => new Redactor([token, String(qwen.token.refresh_token)]).redact(text);
const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({id: 'chatcmpl-1', model: 'qwen3-coder-plus', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;

describe('a translated stream masked once, in the translator (Claude Code → qwen)', () => {
  it('masks the token in a tool name and id and in a text run cut in two', async () => {
    await withOneAccount(qwen, async (f) => {
      const text = `your key is ${token}.`;
      const cut = text.indexOf(token) + 5;
      f.upstream.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.write(chunk({content: text.slice(0, cut)}));
        res.write(chunk({content: text.slice(cut)}));
        res.write(chunk({tool_calls: [{index: 0, id: `call_${token}`, type: 'function', function: {name: token, arguments: `{"k":"${token}"}`}}]}));
        res.end(chunk({}, 'tool_calls') + 'data: [DONE]\n\n');
      };
      const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
      const message = await client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
      const [first, call] = message.content;
      assert.equal(first?.type === 'text' && first.text, masked(text));
      assert.ok(call?.type === 'tool_use');
      assert.equal(call.name, masked(token));
      assert.ok(!call.id.includes(token.slice(0, 12)), call.id);
      assert.deepEqual(call.input, {k: masked(token)});
    });
  });

  it('masks the token in an error the upstream streams', async () => {
    await withOneAccount(qwen, async (f) => {
      f.upstream.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.end(chunk({content: 'so far'}) + `data: ${JSON.stringify({error: {message: `invalid key ${token}`, type: 'invalid_request_error'}})}\n\n`);
      };
      const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
      const stream = client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
      await assert.rejects(stream.finalMessage(), (error: unknown) => {
        const message = (error as Error).message;
        return message.includes(masked(token)) && !message.includes(token.slice(0, 12));
      });
    });
  });
});
