// OpenAI Chat Completions client (aider, opencode, Cline) → Anthropic Messages upstream (claude
// accounts). System and developer messages become `system`; `tool` messages become `tool_result`
// blocks after the assistant turn that called them; `reasoning_effort` becomes a thinking budget.
// Anthropic rejects fields it does not know, so only the fields below are carried.
import {AnthropicConversation, anthropicMediaBlock, anthropicTool, applyThinking} from '../anthropic-messages.js';
import {chatFunctionTools, visitChatMessages} from '../chat-history.js';
import {asArray, asNumber, asRecord, asString, field, parseToolArguments, type JsonObject} from '../json.js';
import {asEffort, budgetForEffort} from '../reasoning.js';
import {safeToolId, toolNamesFor, type ToolNames} from '../tool-names.js';
import {TranslateError, type TranslateContext, type UpstreamRequestPlan} from '../types.js';
import {chatClientPair} from './openai-client.js';
import {AnthropicReader} from '../readers/anthropic.js';

export function chatToAnthropicRequest(client: JsonObject, context: TranslateContext): UpstreamRequestPlan {
  const names = toolNamesFor(context);
  const system: JsonObject[] = [];
  const conversation = new AnthropicConversation();
  visitChatMessages(asArray(client.messages), {
    system: (content, where) => system.push(...chatContentBlocks(content, where).filter((block) => block.type === 'text')),
    user: (content, where) => conversation.add('user', chatContentBlocks(content, where)),
    assistant: (content, calls, where) =>
      conversation.add('assistant', [
        ...chatContentBlocks(content, where),
        ...calls.map((call) => ({type: 'tool_use', id: safeToolId(call.id), name: names.upstream(call.name), input: parseToolArguments(call.arguments)})),
      ]),
    tool: (id, content, where) => conversation.add('user', [{type: 'tool_result', tool_use_id: safeToolId(id), content: toolResultContent(content, where)}]),
  });
  const format = asRecord(client.response_format);
  if (format?.type === 'json_object' || format?.type === 'json_schema') system.push({type: 'text', text: jsonInstruction(format)});

  const body: JsonObject = {model: context.upstreamModel, messages: []};
  if (system.length > 0) body.system = system;
  const tools = chatFunctionTools(client.tools, 'Anthropic').map((tool) => anthropicTool(tool.name, tool.description, tool.parameters, names));
  if (tools.length > 0) {
    body.tools = tools;
    const choice = anthropicToolChoice(client.tool_choice, client.parallel_tool_calls, names);
    if (choice) body.tool_choice = choice;
  }
  const stop = typeof client.stop === 'string' ? [client.stop] : asArray(client.stop).filter((s): s is string => typeof s === 'string');
  if (stop.length > 0) body.stop_sequences = stop;
  const effort = asEffort(client.reasoning_effort);
  applyThinking(body, {
    maxTokens: asNumber(client.max_completion_tokens) ?? asNumber(client.max_tokens),
    // Some clients pass Anthropic's own `thinking` through the OpenAI API (LiteLLM style).
    budget: asNumber(field(client.thinking, 'budget_tokens')) ?? (effort ? budgetForEffort(effort) : 0),
    temperature: asNumber(client.temperature),
    topP: asNumber(client.top_p),
    conversation,
  });
  body.messages = conversation.messages();
  // Not OpenAI's, but clients written for several providers send it; Anthropic takes it as is.
  if (asNumber(client.top_k) !== undefined && body.thinking === undefined) body.top_k = client.top_k;
  const user = asString(client.user);
  if (user) body.metadata = {user_id: user};
  body.stream = context.clientStream;
  return {body, upstreamStream: context.clientStream, method: context.clientStream ? 'stream' : 'generate'};
}

/** Chat `content` (string or parts) → Anthropic blocks; `cache_control` on a part is kept. */
export function chatContentBlocks(content: unknown, where: string): JsonObject[] {
  if (typeof content === 'string') return [{type: 'text', text: content}];
  if (content === null || content === undefined) return [];
  return asArray(content).map((part, j) => {
    const block = chatPartBlock(part, `${where}.content[${j}]`);
    const cache = field(part, 'cache_control');
    return cache === undefined ? block : {...block, cache_control: cache};
  });
}

function chatPartBlock(part: unknown, where: string): JsonObject {
  const type = asString(field(part, 'type'));
  if (type === 'text' || type === 'refusal') return {type: 'text', text: asString(field(part, type)) ?? ''};
  if (type === 'image_url') {
    const image = field(part, 'image_url');
    return anthropicMediaBlock('image', asString(image) ?? asString(field(image, 'url')) ?? '', `${where}.image_url.url`);
  }
  if (type === 'file') return anthropicMediaBlock('document', asString(field(field(part, 'file'), 'file_data')) ?? '', `${where}.file.file_data`);
  throw new TranslateError(`${where}.type: "${String(type)}" parts cannot be sent to Anthropic (text, image_url and file can)`);
}

/** A `tool` message's content → `tool_result.content` (a string, or text and image blocks). */
function toolResultContent(content: unknown, where: string): string | JsonObject[] {
  if (typeof content === 'string') return content;
  return chatContentBlocks(content, where).filter((block) => block.type !== 'text' || block.text !== '');
}

/** Chat `tool_choice` + `parallel_tool_calls` → Anthropic `tool_choice`. */
export function anthropicToolChoice(choice: unknown, parallel: unknown, names: ToolNames): JsonObject | undefined {
  let out: JsonObject | undefined;
  if (choice === 'none') out = {type: 'none'};
  else if (choice === 'auto') out = {type: 'auto'};
  else if (choice === 'required') out = {type: 'any'};
  else {
    const name = asString(field(field(choice, 'function'), 'name')) ?? asString(field(choice, 'name'));
    if (name) out = {type: 'tool', name: names.upstream(name)};
  }
  if (parallel === false && out?.type !== 'none') out = {...(out ?? {type: 'auto'}), disable_parallel_tool_use: true};
  return out;
}

function jsonInstruction(format: JsonObject): string {
  const schema = field(field(format, 'json_schema'), 'schema');
  return schema === undefined
    ? 'Answer with one JSON object and nothing else.'
    : `Answer with one JSON object and nothing else, matching this JSON Schema:\n${JSON.stringify(schema)}`;
}

export const openaiChatToAnthropic = chatClientPair('anthropic', chatToAnthropicRequest, AnthropicReader);
