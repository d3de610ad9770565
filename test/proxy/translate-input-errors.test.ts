// Issue 12 review, smaller breaks: fields every translator needs are checked up front, an orphan
// tool_result on the codex path stays as text, the proxy's own errors come in the client's error
// shape, and nothing after an early `[DONE]` reaches the client.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

const anthropicHeaders = {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'};

describe('translated requests: input the proxy refuses, and its own errors', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());

  it('no model: 400 naming the field, nothing sent upstream', async () => {
    const before = f.upstream.requests.length;
    const res = await fetch(`${f.url}/api/provider/qwen/v1/messages`, {method: 'POST', headers: anthropicHeaders, body: JSON.stringify({max_tokens: 5, messages: [{role: 'user', content: 'x'}]})});
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as {error: {message: string}}).error.message, /^model: /);
    assert.equal(f.upstream.requests.length, before);
  });

  it('tools as an object: 400 naming the field', async () => {
    const res = await fetch(`${f.url}/v1/messages`, {method: 'POST', headers: anthropicHeaders, body: JSON.stringify({model: 'qwen3-coder-plus', max_tokens: 5, messages: [{role: 'user', content: 'x'}], tools: {name: 'x'}})});
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as {error: {message: string}}).error.message, /^tools: /);
  });

  it("the proxy's own error reaches an OpenAI client in OpenAI's shape and an Anthropic client in Anthropic's", async () => {
    const openai = await fetch(`${f.url}/v1/responses`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify({model: 'qwen3-coder-plus', input: 'x', tools: {}})});
    assert.equal(openai.status, 400);
    const body = (await openai.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['error']);
    assert.deepEqual(Object.keys(body.error as object).sort(), ['code', 'message', 'param', 'type']);
    const anthropic = await fetch(`${f.url}/v1/messages`, {method: 'POST', headers: anthropicHeaders, body: JSON.stringify({model: 'qwen3-coder-plus', max_tokens: 5, messages: [], tools: {}})});
    assert.equal(((await anthropic.json()) as {type: string}).type, 'error');
  });

  it('content after an early [DONE] is ignored', async () => {
    f.upstream.handler = (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.end(`data: {"choices":[{"index":0,"delta":{"content":"kept"}}]}\n\ndata: [DONE]\n\ndata: {"choices":[{"index":0,"delta":{"content":" LATE"},"finish_reason":"stop"}]}\n\n`);
    };
    const res = await fetch(`${f.url}/v1/messages`, {method: 'POST', headers: anthropicHeaders, body: JSON.stringify({model: 'qwen3-coder-plus', max_tokens: 5, messages: [{role: 'user', content: 'x'}]})});
    const message = (await res.json()) as {content: {text: string}[]};
    assert.equal(message.content.map((b) => b.text).join(''), 'kept');
  });
});

describe('codex path: an orphan tool_result', async () => {
  it('goes upstream as user text, not as a function_call_output without its call', async () => {
    const f = await proxyFixture({provider: 'codex', apiPath: '/backend-api/codex', tokens: [{file: 'codex-a.json', token: oauthToken('codex', 'x@example.com', {account_id: 'a1'})}]});
    try {
      f.upstream.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.end(`data: ${JSON.stringify({type: 'response.completed', response: {id: 'r', status: 'completed', output: []}})}\n\n`);
      };
      await fetch(`${f.url}/v1/messages`, {
        method: 'POST',
        headers: anthropicHeaders,
        body: JSON.stringify({model: 'gpt-5.2-codex', max_tokens: 5, messages: [{role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_gone', content: 'file text'}]}]}),
      });
      const input = (f.upstream.requests.at(-1)!.body as {input: {type: string; role?: string; content?: {text: string}[]}[]}).input;
      assert.equal(input.some((item) => item.type === 'function_call_output'), false);
      assert.ok(input.some((item) => item.role === 'user' && item.content?.some((part) => part.text.includes('[tool result toolu_gone]') && part.text.includes('file text'))), JSON.stringify(input));
    } finally {
      await f.close();
    }
  });
});
