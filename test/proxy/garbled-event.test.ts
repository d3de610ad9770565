// An upstream stream with one event garbled or cut on the way (its JSON broken), translated for a
// Chat client: the client's stream ends with an error naming the event's type (never its text,
// which may hold half a credential), never with a clean stop as if the answer were whole; the
// logged request says the stream broke. Found by an attack on translation.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {oauthToken, proxyFixture} from './fixture.js';
import {askRaw, serve, sse} from './rv-harness.js';

describe('a garbled event in a translated stream', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com')}]});
  after(() => f.close());

  it('Claude upstream → Chat client: "hello", then an error chunk naming the event; no finish_reason stop, no [DONE]', async () => {
    serve(
      f,
      [
        sse('message_start', {type: 'message_start', message: {id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], usage: {input_tokens: 1, output_tokens: 1}}}),
        sse('content_block_start', {type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}}),
        sse('content_block_delta', {type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: 'hello'}}),
        sse('content_block_delta', '{"type":"content_block_delta","index":0,"delta":{"type":"text_de'),
        sse('content_block_stop', {type: 'content_block_stop', index: 0}),
        sse('message_delta', {type: 'message_delta', delta: {stop_reason: 'end_turn'}, usage: {output_tokens: 2}}),
        sse('message_stop', {type: 'message_stop'}),
      ],
      'trickle',
    );
    const answer = await askRaw(f, {model: 'claude-sonnet-4-5', stream: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
    assert.equal(answer.status, 200);
    const data = answer.text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6));
    assert.ok(data.some((d) => d.includes('"content":"hello"')), answer.text);
    const last = JSON.parse(data.at(-1)!) as {error?: {message: string}};
    assert.equal(last.error?.message, 'the upstream sent a content_block_delta event whose JSON is broken (64 bytes; cut or garbled on the way)', answer.text);
    assert.ok(!answer.text.includes('"finish_reason":"stop"') && !answer.text.includes('[DONE]'), answer.text);
    const request = f.events.find((event) => event.type === 'request');
    assert.match(JSON.stringify(request), /"broke":"upstream stream ended with an error: the upstream sent a content_block_delta event whose JSON is broken/);
  });
});
