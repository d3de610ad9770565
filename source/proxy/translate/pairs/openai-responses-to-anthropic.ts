// OpenAI Responses client (Codex CLI) → Anthropic Messages upstream (claude accounts).
// `instructions` and system/developer messages become `system`; function and custom tool calls become
// `tool_use`, their outputs `tool_result`; reasoning items whose `encrypted_content` this proxy made
// from an Anthropic signature become the signed thinking (or redacted thinking) blocks again, so
// extended thinking survives tool loops; reasoning from any other upstream is left out.
import {AnthropicConversation, anthropicMediaBlock, anthropicTool, applyThinking} from '../anthropic-messages.js';
import {asArray, asNumber, asRecord, asString, field, parseToolArguments, type JsonObject} from '../json.js';
import {asEffort, budgetForEffort} from '../reasoning.js';
import {requestMemo} from '../request-memo.js';
import {callArguments, forcedToolName, isCallItem, isCallOutputItem, partsText, readResponsesInput, reasoningSummary, unsupportedItem, responsesFunctionTools} from '../responses-input.js';
import {untagSignature} from '../signatures.js';
import {safeToolId, toolNamesFor} from '../tool-names.js';
import {TranslateError, type TranslateContext, type UpstreamRequestPlan} from '../types.js';
import {anthropicToolChoice} from './openai-chat-to-anthropic.js';
import {REDACTED_THINKING_PREFIX} from '../writers/openai-responses.js';
import {responsesClientPair} from './openai-client.js';
import {AnthropicReader} from '../readers/anthropic.js';

export function responsesToAnthropicRequest(client: JsonObject, context: TranslateContext): UpstreamRequestPlan {
  const names = toolNamesFor(context);
  const memo = requestMemo(context);
  const {system, items, tools: declared} = readResponsesInput(client);
  const conversation = new AnthropicConversation();
  items.forEach((item, i) => {
    const where = `input[${i}]`;
    if (item.type === 'message') {
      const role = item.role === 'assistant' ? 'assistant' : 'user';
      conversation.add(role, asArray(item.content).map((part, j) => responsesPartBlock(part, `${where}.content[${j}]`)));
    } else if (item.type === 'reasoning') {
      const block = anthropicThinkingBlock(item);
      if (block) conversation.add('assistant', [block]);
    } else if (isCallItem(item)) {
      const name = asString(item.name) ?? '';
      conversation.add('assistant', [{type: 'tool_use', id: safeToolId(asString(item.call_id) ?? ''), name: names.upstream(name), input: parseToolArguments(callArguments(item))}]);
    } else if (isCallOutputItem(item)) {
      const output = item.output;
      const content = typeof output === 'string' ? output : asArray(output).map((part, j) => responsesPartBlock(part, `${where}.output[${j}]`));
      conversation.add('user', [{type: 'tool_result', tool_use_id: safeToolId(asString(item.call_id) ?? ''), content}]);
    } else {
      throw unsupportedItem(item, where, 'Anthropic');
    }
  });

  const body: JsonObject = {model: context.upstreamModel, messages: []};
  const format = asRecord(field(client.text, 'format'));
  if (format?.type === 'json_schema' || format?.type === 'json_object') {
    system.push(format.schema === undefined ? 'Answer with one JSON object and nothing else.' : `Answer with one JSON object and nothing else, matching this JSON Schema:\n${JSON.stringify(format.schema)}`);
  }
  const systemBlocks = system.filter((text) => text !== '').map((text) => ({type: 'text', text}));
  if (systemBlocks.length > 0) body.system = systemBlocks;
  const tools = responsesFunctionTools(declared, memo);
  if (tools.length > 0) {
    body.tools = tools.map((tool) => anthropicTool(tool.name, tool.description, tool.parameters, names));
    const forced = forcedToolName(client.tool_choice);
    const choice = anthropicToolChoice(forced ? {name: forced} : client.tool_choice, client.parallel_tool_calls, names);
    if (choice) body.tool_choice = choice;
  }
  const effort = asEffort(field(client.reasoning, 'effort'));
  applyThinking(body, {
    maxTokens: asNumber(client.max_output_tokens),
    budget: effort ? budgetForEffort(effort) : 0,
    temperature: asNumber(client.temperature),
    topP: asNumber(client.top_p),
    conversation,
  });
  body.messages = conversation.messages();
  body.stream = context.clientStream;
  return {body, upstreamStream: context.clientStream, method: context.clientStream ? 'stream' : 'generate'};
}

/** A reasoning item back into the Anthropic block it came from, or undefined when Anthropic did not make it. */
function anthropicThinkingBlock(item: JsonObject): JsonObject | undefined {
  const raw = untagSignature('anthropic', item.encrypted_content);
  if (raw === undefined) return undefined;
  if (raw.startsWith(REDACTED_THINKING_PREFIX)) return {type: 'redacted_thinking', data: raw.slice(REDACTED_THINKING_PREFIX.length)};
  const thinking = reasoningSummary(item);
  return {type: 'thinking', thinking, signature: raw};
}

function responsesPartBlock(part: unknown, where: string): JsonObject {
  const type = asString(field(part, 'type'));
  if (type === 'input_text' || type === 'output_text' || type === 'refusal') return {type: 'text', text: partsText([part])};
  if (type === 'input_image') return anthropicMediaBlock('image', asString(field(part, 'image_url')) ?? '', `${where}.image_url`);
  if (type === 'input_file') return anthropicMediaBlock('document', asString(field(part, 'file_data')) ?? asString(field(part, 'file_url')) ?? '', `${where}.file_data`);
  throw new TranslateError(`${where}.type: "${String(type)}" parts cannot be sent to Anthropic (input_text, output_text, input_image and input_file can)`);
}

export const openaiResponsesToAnthropic = responsesClientPair('anthropic', responsesToAnthropicRequest, AnthropicReader);
