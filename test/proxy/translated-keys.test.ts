// A token an upstream echoes as an object KEY (a tool call's arguments JSON) must be masked too: the
// translator turns the arguments string into an object, and the masker walks keys as well as values.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

describe('a token as a JSON key', async () => {
  it('Redactor.redactDeep masks keys, and a "__proto__" key stays data', () => {
    const secret = 'sk-ant-oat01-KEYSECRET-0123456789';
    const redactor = new Redactor([secret]);
    const input = JSON.parse(`{"${secret}": {"__proto__": {"${secret}": 1}}, "n": ["${secret}"]}`) as Record<string, unknown>;
    const out = redactor.redactDeep(input);
    assert.ok(!JSON.stringify(out).includes(secret), JSON.stringify(out));
    assert.deepEqual(Object.keys(out), ['sk-a…(redacted)', 'n']);
    const inner = out['sk-a…(redacted)'] as Record<string, unknown>;
    assert.ok(Object.hasOwn(inner, '__proto__'));
    assert.equal(Object.getPrototypeOf(inner), Object.prototype);
  });

  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com', {access_token: 'qwen-access-KEYLEAK-0123456789abcdef'})}]});
  after(() => f.close());
  it('a non-streamed translated tool call whose arguments carry the token as a key', async () => {
    f.upstream.handler = (req, res) => {
      const token = String(req.headers.authorization).slice('Bearer '.length);
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({id: 'c1', object: 'chat.completion', model: 'qwen3-coder-plus', choices: [{index: 0, finish_reason: 'tool_calls', message: {role: 'assistant', content: null, tool_calls: [{id: 'call_1', type: 'function', function: {name: 'Read', arguments: JSON.stringify({[token]: 'x', nested: {[token]: token}})}}]}}], usage: {prompt_tokens: 1, completion_tokens: 1}}));
    };
    const res = await fetch(`${f.url}/v1/messages`, {method: 'POST', headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body: JSON.stringify({model: 'qwen3-coder-plus', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]})});
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.ok(text.includes('tool_use'), text);
    assert.ok(!text.includes('KEYLEAK-0123456789abcdef'), `the client saw the account token: ${text}`);
  });
});
