// Attack review of issue 12 (translation in the proxy): failing tests for the breaks found.
// Drop into test/proxy/ to run (imports are relative to test/proxy/).
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

const TOKEN_TAIL = '0123456789abcdef';

describe('attack12: an account token echoed inside a 200 answer never reaches a translated client', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());
  const echo = (mode: 'midstream' | 'json200') =>
    (f.upstream.handler = (req, res) => {
      const token = String(req.headers.authorization).slice('Bearer '.length);
      if (mode === 'json200') {
        res.writeHead(200, {'content-type': 'application/json'});
        res.end(JSON.stringify({error: {message: `token ${token} revoked`}}));
        return;
      }
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.end(`data: {"choices":[{"index":0,"delta":{"content":"x"}}]}\n\ndata: ${JSON.stringify({error: {message: `token ${token} revoked`}})}\n\n`);
    });
  const cases = [
    ['/v1/messages', {model: 'qwen3-coder-plus', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]}],
    ['/v1/responses', {model: 'qwen3-coder-plus', input: 'hi'}],
  ] as const;
  for (const mode of ['midstream', 'json200'] as const) {
    for (const [path, body] of cases) {
      for (const stream of [true, false]) {
        it(`${mode} ${path} stream=${stream}`, async () => {
          echo(mode);
          const res = await fetch(`${f.url}${path}`, {method: 'POST', headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body: JSON.stringify({...body, stream})});
          const text = await res.text();
          assert.ok(!text.includes(TOKEN_TAIL), `the client saw the account token: ${text.slice(-300)}`);
        });
      }
    }
  }
});

const R = (type: string, o: Record<string, unknown> = {}) => `data: ${JSON.stringify({type, ...o})}\n\n`;

describe('attack12: parallel tool calls whose argument deltas interleave', async () => {
  it('codex (Responses upstream): neither call loses its arguments silently', async () => {
    const f = await proxyFixture({provider: 'codex', apiPath: '/backend-api/codex', tokens: [{file: 'codex-a.json', token: oauthToken('codex', 'x@example.com', {account_id: 'a1'})}]});
    try {
      const call = (i: number) => ({type: 'function_call', id: `fc_${i}`, call_id: `c${i}`, name: 'Read', arguments: ''});
      f.upstream.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.end(
          R('response.created', {response: {id: 'resp_1'}}) +
            R('response.output_item.added', {output_index: 0, item: call(1)}) +
            R('response.output_item.added', {output_index: 1, item: call(2)}) +
            R('response.function_call_arguments.delta', {output_index: 0, item_id: 'fc_1', delta: '{"a":1}'}) +
            R('response.function_call_arguments.delta', {output_index: 1, item_id: 'fc_2', delta: '{"a":2}'}) +
            R('response.output_item.done', {output_index: 0, item: {...call(1), arguments: '{"a":1}'}}) +
            R('response.output_item.done', {output_index: 1, item: {...call(2), arguments: '{"a":2}'}}) +
            R('response.completed', {response: {id: 'resp_1', status: 'completed'}}),
        );
      };
      const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
      const message = await client.messages.stream({model: 'gpt-5.2-codex', max_tokens: 64, tools: [{name: 'Read', input_schema: {type: 'object'}}], messages: [{role: 'user', content: 'hi'}]}).finalMessage();
      const inputs = message.content.filter((b) => b.type === 'tool_use').map((b) => (b as Anthropic.ToolUseBlock).input);
      assert.deepEqual(inputs, [{a: 1}, {a: 2}]);
    } finally {
      await f.close();
    }
  });

  it('Chat upstream: every call announced first, then the arguments per index (valid OpenAI wire)', async () => {
    const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
    try {
      const C = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({id: 'c1', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
      f.upstream.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.end(
          C({tool_calls: [{index: 0, id: 'call_1', type: 'function', function: {name: 'Read', arguments: ''}}, {index: 1, id: 'call_2', type: 'function', function: {name: 'Read', arguments: ''}}]}) +
            C({tool_calls: [{index: 0, function: {arguments: '{"a":1}'}}]}) +
            C({tool_calls: [{index: 1, function: {arguments: '{"a":2}'}}]}) +
            C({}, 'tool_calls') +
            'data: [DONE]\n\n',
        );
      };
      const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
      const message = await client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, tools: [{name: 'Read', input_schema: {type: 'object'}}], messages: [{role: 'user', content: 'hi'}]}).finalMessage();
      const inputs = message.content.filter((b) => b.type === 'tool_use').map((b) => (b as Anthropic.ToolUseBlock).input);
      assert.deepEqual(inputs, [{a: 1}, {a: 2}]);
    } finally {
      await f.close();
    }
  });
});

describe('attack12: a CLIProxyAPI thinking suffix on a translated path', async () => {
  it('gemini-2.5-pro(8192): the upstream gets the bare model and a thinking budget, not the suffix', async () => {
    const f = await proxyFixture({provider: 'gemini', tokens: [{file: 'g.json', token: oauthToken('gemini', 'g@example.com', {project_id: 'p1'})}]});
    try {
      f.upstream.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.end(`data: {"response":{"candidates":[{"content":{"role":"model","parts":[{"text":"ok"}]},"finishReason":"STOP"}]}}\n\n`);
      };
      const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
      await client.messages.create({model: 'gemini-2.5-pro(8192)', max_tokens: 16000, messages: [{role: 'user', content: 'hi'}]});
      const sent = f.upstream.requests.at(-1)!.body as {model: string; request: {generationConfig?: {thinkingConfig?: {thinkingBudget?: number}}}};
      assert.equal(sent.model, 'gemini-2.5-pro');
      assert.equal(sent.request.generationConfig?.thinkingConfig?.thinkingBudget, 8192);
    } finally {
      await f.close();
    }
  });
});

describe('attack12: an OpenAI-compatible upstream that ignores stream: true', async () => {
  it('a whole chat.completion JSON answer to a streaming request reaches Claude Code as the answer, not as an error', async () => {
    const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
    try {
      f.upstream.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'application/json'});
        res.end(JSON.stringify({id: 'c1', object: 'chat.completion', model: 'm', choices: [{index: 0, message: {role: 'assistant', content: 'whole answer'}, finish_reason: 'stop'}], usage: {prompt_tokens: 3, completion_tokens: 2}}));
      };
      const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
      const message = await client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
      assert.equal(message.content.map((b) => (b.type === 'text' ? b.text : '')).join(''), 'whole answer');
      assert.equal(message.stop_reason, 'end_turn');
    } finally {
      await f.close();
    }
  });
});

describe('attack12: a failing upstream countTokens', async () => {
  it('antigravity: a 404 from v1internal:countTokens is answered with the local estimate and does not take the model out of the pool', async () => {
    const f = await proxyFixture({provider: 'antigravity', tokens: [{file: 'a.json', token: oauthToken('antigravity', 'a@example.com', {project_id: 'p1'})}]});
    try {
      f.upstream.handler = (req, res) => {
        if (req.path.includes('countTokens')) {
          res.writeHead(404, {'content-type': 'application/json'});
          res.end(JSON.stringify({error: {code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND'}}));
          return;
        }
        res.writeHead(200, {'content-type': 'application/json'});
        res.end(JSON.stringify({response: {candidates: [{content: {role: 'model', parts: [{text: 'ok'}]}, finishReason: 'STOP'}]}}));
      };
      const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
      const counted = await client.messages.countTokens({model: 'gemini-3-pro-high', messages: [{role: 'user', content: 'x'.repeat(400)}]});
      assert.ok(counted.input_tokens > 0);
      const message = await client.messages.create({model: 'gemini-3-pro-high', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]});
      assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'ok');
    } finally {
      await f.close();
    }
  });
});

describe('attack12: usage when the upstream never reports it', async () => {
  it('Claude Code still gets an input-token figure (an estimate of the request), not 0', async () => {
    const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
    try {
      f.upstream.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.end(`data: {"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`);
      };
      const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
      const message = await client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, messages: [{role: 'user', content: 'word '.repeat(2000)}]}).finalMessage();
      assert.ok(message.usage.input_tokens > 1000, JSON.stringify(message.usage));
    } finally {
      await f.close();
    }
  });
});
