// An OpenAI-compatible upstream that streams a call's arguments and then sends them whole again (a
// "consolidated" last chunk, as some servers do), or adds a stray closing brace: Claude Code and
// Codex CLI get the arguments once, as valid JSON. Joined as they came they were invalid, and the
// client's SDK threw on the tool input.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

const ARGS = '{"file_path":"/tmp/a {b}.txt","note":"say \\"hi\\""}';

describe('a Chat upstream that sends the arguments again after streaming them', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());
  const chunk = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({id: 'c1', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
  let tail = ARGS;
  f.upstream.handler = (_req, res) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.end(
      chunk({role: 'assistant', tool_calls: [{index: 0, id: 'call_1', type: 'function', function: {name: 'Read', arguments: ''}}]}) +
        chunk({tool_calls: [{index: 0, function: {arguments: ARGS.slice(0, 20)}}]}) +
        chunk({tool_calls: [{index: 0, function: {arguments: ARGS.slice(20)}}]}) +
        chunk({tool_calls: [{index: 0, id: 'call_1', type: 'function', function: {name: 'Read', arguments: tail}}]}) +
        chunk({}, 'tool_calls') +
        'data: [DONE]\n\n',
    );
  };
  const tools = [{name: 'Read', input_schema: {type: 'object' as const}}];

  for (const [name, resent] of [['the whole arguments again', ARGS], ['a stray closing brace', '}']] as const) {
    it(`Claude Code (streamed): one tool_use with the arguments, after ${name}`, async () => {
      tail = resent;
      const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
      const message = await client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, tools, messages: [{role: 'user', content: 'read it'}]}).finalMessage();
      assert.deepEqual(
        message.content.map((block) => (block.type === 'tool_use' ? [block.name, block.input] : [block.type])),
        [['Read', JSON.parse(ARGS)]],
      );
    });
  }

  it('Codex CLI (Responses, streamed): the function call\'s arguments are the JSON once', async () => {
    tail = ARGS;
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const response = await client.responses.stream({model: 'qwen3-coder-plus', tools: [{type: 'function', name: 'Read', parameters: {type: 'object'}, strict: false}], input: 'read it'}).finalResponse();
    const calls = response.output.filter((item) => item.type === 'function_call');
    assert.deepEqual(calls.map((call) => (call.type === 'function_call' ? JSON.parse(call.arguments) : undefined)), [JSON.parse(ARGS)]);
  });
});
