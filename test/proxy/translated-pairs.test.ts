// Every translated (client, upstream) pair through the real proxy, with the official SDKs as clients
// and faithful local upstreams that refuse what the real services refuse (fake-inference/): a tool
// round trip (the upstream calls a tool whose long name it only knows shortened, the client gets its
// own name back, runs it, sends the result, and the upstream reads that result), streaming and not.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type {FakeInference, Script} from '../helpers/fake-inference/server.js';
import {API_KEY} from './fixture.js';
import {inferenceFixture, UPSTREAMS, type UpstreamCase} from './upstream-cases.js';

/** Longer than the 64 characters every upstream allows: only the request's context can restore it. */
const TOOL = 'mcp__workspace_files_server__read_a_file_from_the_workspace_by_its_path';
const SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {path: {type: 'string', description: 'file path'}, lines: {type: ['integer', 'null']}},
  required: ['path'],
  additionalProperties: false,
};
const RESULT = 'the file says: forty-two';

/** Calls the first tool offered (after some reasoning), then answers with what it returned. */
const script: Script = (turn) => {
  if (turn.toolResults.length > 0) return {text: `Tool said: ${turn.toolResults.join(' | ')}`};
  if (turn.tools.length > 0) return {reasoning: 'I should read the file.', call: {name: turn.tools[0]!, args: {path: 'notes.txt'}}};
  return {text: 'no tools'};
};
const fixtureFor = (c: UpstreamCase) => inferenceFixture(c, script);

/** The upstream saw the tool under a name within its limit, refused nothing, and read the result. */
function assertUpstreamSawRoundTrip(upstream: FakeInference): void {
  assert.deepEqual(upstream.refusals, [], 'the upstream refused nothing');
  const [first, second] = upstream.turns.slice(-2);
  assert.ok(first && second);
  assert.equal(first.tools.length, 1);
  assert.ok(first.tools[0]!.length <= 64, `tool name sent upstream: ${first.tools[0]}`);
  assert.ok(second.continuesToolLoop);
  assert.match(second.toolResults.join('\n'), /forty-two/);
}

const anthropicTools = [{name: TOOL, description: 'Reads a file', input_schema: SCHEMA as Anthropic.Tool.InputSchema}];

for (const id of ['qwen', 'iflow', 'codex', 'gemini', 'antigravity']) {
  describe(`Anthropic client (Claude Code) → ${id}`, async () => {
    const {f, upstream} = await fixtureFor(UPSTREAMS[id]!);
    after(() => f.close());
    const client = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${id}`, maxRetries: 0});
    const model = UPSTREAMS[id]!.model;

    for (const stream of [false, true]) {
      it(`tool round trip, ${stream ? 'streaming' : 'not streaming'}`, async () => {
        const ask = (messages: Anthropic.MessageParam[]) => {
          const params = {model, max_tokens: 1024, system: 'You are a test.', tools: anthropicTools, messages, thinking: {type: 'enabled' as const, budget_tokens: 1024}};
          return stream ? client.messages.stream(params).finalMessage() : client.messages.create(params);
        };
        // Claude Code 2.1 sends its environment as a `system` message mid-conversation.
        const environment = {role: 'system', content: [{type: 'text', text: 'Environment: a test run'}]} as unknown as Anthropic.MessageParam;
        const messages: Anthropic.MessageParam[] = [{role: 'user', content: 'What does notes.txt say?'}, environment];
        const first = await ask(messages);
        assert.match(upstream.turns.at(-1)!.system, /You are a test\.[\s\S]*Environment: a test run/, 'system messages join the system prompt');
        assert.equal(first.stop_reason, 'tool_use');
        assert.equal(first.model, model, 'the model the client asked for');
        const call = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
        assert.ok(call, JSON.stringify(first.content));
        assert.equal(call.name, TOOL, 'the client gets its own tool name back');
        assert.deepEqual(call.input, {path: 'notes.txt'});
        assert.ok(first.usage.input_tokens > 0 && first.usage.output_tokens > 0, JSON.stringify(first.usage));
        messages.push({role: 'assistant', content: first.content}, {role: 'user', content: [{type: 'tool_result', tool_use_id: call.id, content: RESULT}]});
        const second = await ask(messages);
        assert.equal(second.stop_reason, 'end_turn');
        const text = second.content.filter((b): b is Anthropic.TextBlock => b.type === 'text').map((b) => b.text).join('');
        assert.match(text, /Tool said: .*forty-two/);
        assertUpstreamSawRoundTrip(upstream);
      });
    }

    it('count_tokens is answered (upstream count or local estimate), not a 400', async () => {
      const counted = await client.messages.countTokens({model, messages: [{role: 'user', content: 'x'.repeat(400)}]});
      assert.ok(counted.input_tokens >= 50 && counted.input_tokens < 400, String(counted.input_tokens));
    });

    it('/v1/models answers in the Anthropic format', async () => {
      const page = await client.models.list();
      assert.ok(page.data.length > 0);
      assert.equal(page.data[0]!.type, 'model');
      assert.equal(typeof page.data[0]!.display_name, 'string');
    });
  });
}

for (const id of ['claude', 'codex', 'gemini']) {
  describe(`Chat Completions client → ${id}`, async () => {
    const {f, upstream} = await fixtureFor(UPSTREAMS[id]!);
    after(() => f.close());
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${id}/v1`, maxRetries: 0});
    const model = UPSTREAMS[id]!.model;
    const tools: OpenAI.ChatCompletionTool[] = [{type: 'function', function: {name: TOOL, description: 'Reads a file', parameters: SCHEMA}}];

    for (const stream of [false, true]) {
      it(`tool round trip, ${stream ? 'streaming' : 'not streaming'}`, async () => {
        const ask = (messages: OpenAI.ChatCompletionMessageParam[]) =>
          stream
            ? client.chat.completions.stream({model, tools, messages, stream_options: {include_usage: true}}).finalChatCompletion()
            : client.chat.completions.create({model, tools, messages});
        const messages: OpenAI.ChatCompletionMessageParam[] = [
          {role: 'system', content: 'You are a test.'},
          {role: 'user', content: 'What does notes.txt say?'},
        ];
        const first = await ask(messages);
        const choice = first.choices[0]!;
        assert.equal(choice.finish_reason, 'tool_calls');
        const call = choice.message.tool_calls?.[0];
        assert.ok(call && call.type === 'function', JSON.stringify(choice.message));
        assert.equal(call.function.name, TOOL);
        assert.deepEqual(JSON.parse(call.function.arguments), {path: 'notes.txt'});
        assert.ok((first.usage?.prompt_tokens ?? 0) > 0, JSON.stringify(first.usage));
        messages.push({role: 'assistant', content: choice.message.content, tool_calls: choice.message.tool_calls}, {role: 'tool', tool_call_id: call.id, content: RESULT});
        const second = await ask(messages);
        assert.equal(second.choices[0]!.finish_reason, 'stop');
        assert.match(second.choices[0]!.message.content ?? '', /Tool said: .*forty-two/);
        assertUpstreamSawRoundTrip(upstream);
      });
    }

    it('/v1/models answers in the OpenAI format', async () => {
      const page = await client.models.list();
      assert.ok(page.data.length > 0);
      assert.equal(page.data[0]!.object, 'model');
    });
  });
}

for (const id of ['claude', 'qwen', 'gemini']) {
  describe(`Responses client (Codex CLI) → ${id}`, async () => {
    const {f, upstream} = await fixtureFor(UPSTREAMS[id]!);
    after(() => f.close());
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${id}/v1`, maxRetries: 0});
    const model = UPSTREAMS[id]!.model;
    const tools: OpenAI.Responses.Tool[] = [{type: 'function', name: TOOL, description: 'Reads a file', parameters: SCHEMA, strict: false}];

    for (const stream of [false, true]) {
      it(`tool round trip, ${stream ? 'streaming' : 'not streaming'}`, async () => {
        const ask = (input: OpenAI.Responses.ResponseInputItem[]) =>
          stream ? client.responses.stream({model, tools, input, instructions: 'You are a test.'}).finalResponse() : client.responses.create({model, tools, input, instructions: 'You are a test.'});
        const input: OpenAI.Responses.ResponseInputItem[] = [{role: 'user', content: 'What does notes.txt say?'}];
        const first = await ask(input);
        const call = first.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall | undefined;
        assert.ok(call, JSON.stringify(first.output));
        assert.equal(call.name, TOOL);
        assert.deepEqual(JSON.parse(call.arguments), {path: 'notes.txt'});
        assert.equal(first.status, 'completed');
        assert.ok((first.usage?.input_tokens ?? 0) > 0, JSON.stringify(first.usage));
        input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]), {type: 'function_call_output', call_id: call.call_id, output: RESULT});
        const second = await ask(input);
        assert.match(second.output_text, /Tool said: .*forty-two/);
        assertUpstreamSawRoundTrip(upstream);
      });
    }
  });
}

describe('upstream refusals reach the client in its own protocol, before any byte is streamed', async () => {
  const {f, upstream} = await fixtureFor({...UPSTREAMS.gemini!, project: 'another-project'});
  after(() => f.close());

  it("Cloud Code's 403 for a project the account does not own becomes an Anthropic error", async () => {
    const client = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/gemini`, maxRetries: 0});
    await assert.rejects(
      client.messages.stream({model: 'gemini-2.5-pro', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage(),
      (error: unknown) => error instanceof Anthropic.APIError && /Permission denied on resource project proj-gemini-1/.test(error.message),
    );
    assert.equal(upstream.refusals.at(-1)?.status, 403);
  });
});
