// A success the adapter reads whole before answering (iFlow may hide an error in a 200 JSON body) is
// sent by the proxy itself, not piped: its joined strings must be masked as a piped whole JSON
// answer's are (core/joined-text-mask.ts), or a token cut across two parts reaches the client joined.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {sendJson} from '../helpers/fake-upstreams.js';
import {oauthToken, proxyFixture} from './fixture.js';
import {askRaw} from './rv-harness.js';

describe('an iFlow success read whole: a token cut across the content parts of its choice', async () => {
  const apiKey = 'iflow-api-key-0123456789abcdef';
  const f = await proxyFixture({provider: 'iflow', apiPath: '/v1', tokens: [{file: 'iflow-a@example.com-1.json', token: oauthToken('iflow', 'a@example.com', {api_key: apiKey})}]});
  after(() => f.close());
  it('the joined parts hold no token; the answer is still the upstream one', async () => {
    const s = `key ${apiKey} end`;
    const c = s.indexOf(apiKey) + 10;
    f.upstream.handler = (_req, res) =>
      sendJson(res, 200, {id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, message: {role: 'assistant', content: [{type: 'text', text: s.slice(0, c)}, {type: 'text', text: s.slice(c)}]}, finish_reason: 'stop'}]});
    const r = await askRaw(f, {model: 'qwen3-coder-plus', messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
    assert.equal(r.status, 200, r.text);
    const parts = (JSON.parse(r.text) as {choices: {message: {content: {text: string}[]}}[]}).choices[0]!.message.content;
    const joined = parts.map((part) => part.text).join('');
    assert.ok(joined.startsWith('key ') && joined.endsWith(' end'), joined);
    assert.ok(!joined.includes(apiKey), joined);
  });
});
