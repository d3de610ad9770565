// Two turns of Claude Code on each upstream: the assistant message the Anthropic SDK assembled from
// the translated stream goes back, as Claude Code sends it, in the next request; what the upstream
// made (signatures, encrypted reasoning, reasoning text, shortened tool names) must reach it again.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {translatorFor} from '../../../source/proxy/translate/index.js';
import type {ApiProtocol, TranslateContext} from '../../../source/proxy/translate/types.js';
import {anthropicSdkFinalMessage, runStream, withoutGeminiCallIds} from '../../helpers/translate-stream.js';

const MCP_TOOL = 'mcp__project-knowledge-base__search_documents_by_semantic_similarity_v2';
const TOOLS = [{name: MCP_TOOL, description: 'Search', input_schema: {type: 'object', properties: {query: {type: 'string'}}, required: ['query']}}];

/** Turn one streamed through the pair, then turn two's request body built from the SDK's final message. */
async function secondTurnBody(upstream: ApiProtocol, upstreamModel: string, stream: (shortName: string) => string): Promise<Record<string, unknown>> {
  const pair = translatorFor('anthropic', upstream)!;
  const first: TranslateContext = {clientModel: 'claude-sonnet-4-6', upstreamModel, clientStream: true, project: 'p'};
  const firstRequest = {model: 'claude-sonnet-4-6', max_tokens: 1000, tools: TOOLS, thinking: {type: 'enabled', budget_tokens: 4000}, messages: [{role: 'user', content: 'Find the doc'}]};
  const plan = pair.request(firstRequest, first);
  const shortName = JSON.stringify(plan.body).match(/mcp__project-knowledge-base__search_docu[a-z_]*_[0-9a-f]{8}/)![0];
  const message = await anthropicSdkFinalMessage(runStream(pair.stream(first), stream(shortName), [3, 8, 1]));
  const call = message.content.find((block) => block.type === 'tool_use');
  assert.ok(call && call.type === 'tool_use');
  assert.equal(call.name, MCP_TOOL, 'the client sees its own tool name');
  assert.deepEqual(call.input, {query: 'x'});
  const second = {
    ...firstRequest,
    messages: [...firstRequest.messages, {role: 'assistant', content: message.content}, {role: 'user', content: [{type: 'tool_result', tool_use_id: call.id, content: 'found it'}]}],
  };
  return pair.request(second as Record<string, unknown>, {...first}).body;
}

describe('Claude Code two-turn round trips', () => {
  it('Gemini: the thought signature returns on the function call that carried it, the thought summary on its thought part', async () => {
    const body = await secondTurnBody('gemini-internal', 'gemini-3-pro-preview', (name) =>
      [
        {parts: [{text: 'Looking it up', thought: true, thoughtSignature: 'THOUGHT-SIG'}]},
        {parts: [{functionCall: {name, args: {query: 'x'}}, thoughtSignature: 'CALL-SIG'}], finishReason: 'STOP'},
      ]
        .map((candidate) => `data: ${JSON.stringify({response: {candidates: [{content: {role: 'model', parts: candidate.parts}, finishReason: candidate.finishReason}]}})}\n\n`)
        .join(''),
    );
    const request = withoutGeminiCallIds(body.request) as {contents: {role: string; parts: Record<string, unknown>[]}[]; tools: {functionDeclarations: {name: string}[]}[]};
    const declared = request.tools[0]!.functionDeclarations[0]!.name;
    assert.match(declared, /^mcp__project-knowledge-base__search_docu.*_[0-9a-f]{8}$/);
    assert.deepEqual(request.contents.slice(1), [
      {
        role: 'model',
        parts: [
          {text: 'Looking it up', thought: true, thoughtSignature: 'THOUGHT-SIG'},
          {functionCall: {name: declared, args: {query: 'x'}}, thoughtSignature: 'CALL-SIG'},
        ],
      },
      {role: 'user', parts: [{functionResponse: {name: declared, response: {result: 'found it'}}}]},
    ]);
  });

  it('codex: the encrypted reasoning returns as a reasoning item before the call', async () => {
    const event = (type: string, data: object) => `data: ${JSON.stringify({type, ...data})}\n\n`;
    const body = await secondTurnBody('openai-responses', 'gpt-5.5', (name) =>
      [
        event('response.created', {response: {id: 'r'}}),
        event('response.output_item.added', {output_index: 0, item: {type: 'reasoning'}}),
        event('response.reasoning_summary_text.delta', {output_index: 0, delta: 'Plan'}),
        event('response.output_item.done', {output_index: 0, item: {type: 'reasoning', encrypted_content: 'gAAAA-ENC'}}),
        event('response.output_item.added', {output_index: 1, item: {type: 'function_call', call_id: 'call_1', name}}),
        event('response.function_call_arguments.delta', {output_index: 1, delta: '{"query":"x"}'}),
        event('response.output_item.done', {output_index: 1, item: {type: 'function_call', call_id: 'call_1', name, arguments: '{"query":"x"}'}}),
        event('response.completed', {response: {status: 'completed'}}),
      ].join(''),
    );
    const input = body.input as Record<string, unknown>[];
    assert.deepEqual(input.slice(1, 4), [
      {type: 'reasoning', summary: [{type: 'summary_text', text: 'Plan'}], encrypted_content: 'gAAAA-ENC'},
      {type: 'function_call', call_id: 'call_1', name: (input[2] as {name: string}).name, arguments: '{"query":"x"}'},
      {type: 'function_call_output', call_id: 'call_1', output: 'found it'},
    ]);
    assert.equal((body.tools as {name: string}[])[0]!.name, (input[2] as {name: string}).name, 'the call uses the name the tool was declared with');
  });

  it('Chat: reasoning text returns as reasoning_content on the assistant message with the call', async () => {
    const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
    const body = await secondTurnBody('openai-chat', 'deepseek-v3.2', (name) =>
      chunk({reasoning_content: 'Need search'}) + chunk({tool_calls: [{index: 0, id: 'call_1', function: {name, arguments: '{"query":"x"}'}}]}) + chunk({}, 'tool_calls') + 'data: [DONE]\n\n',
    );
    const messages = body.messages as Record<string, unknown>[];
    const tools = body.tools as {function: {name: string}}[];
    assert.deepEqual(messages.slice(1), [
      {role: 'assistant', content: null, reasoning_content: 'Need search', tool_calls: [{id: 'call_1', type: 'function', function: {name: tools[0]!.function.name, arguments: '{"query":"x"}'}}]},
      {role: 'tool', tool_call_id: 'call_1', content: 'found it'},
    ]);
  });
});
