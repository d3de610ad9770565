// OpenAI Chat Completions client → OpenAI Responses upstream (the codex backend). The backend takes
// only streamed requests with `store: false` and a top-level `instructions` (400 "Instructions are
// required" without one); it refuses `max_output_tokens`, `temperature` and `top_p`, so those are not
// sent. System and developer messages become `instructions`; tool messages become
// `function_call_output` items. Reasoning comes back as encrypted content, which a Chat client has no
// place to keep, so each Chat turn starts its reasoning afresh.
import {CODEX_DEFAULT_INSTRUCTIONS} from '../../../providers/adapters/codex.js';
import {chatFunctionTools, chatText, pairToolMessages, visitChatMessages} from '../chat-history.js';
import {asArray, asRecord, asString, field, isRecord, type JsonObject} from '../json.js';
import {asEffort} from '../reasoning.js';
import {toolNamesFor, type ToolNames} from '../tool-names.js';
import {TranslateError, type TranslateContext, type UpstreamRequestPlan} from '../types.js';
import {chatClientPair} from './openai-client.js';
import {OpenAIResponsesReader} from '../readers/openai-responses.js';


export function chatToResponsesRequest(client: JsonObject, context: TranslateContext): UpstreamRequestPlan {
  const names = toolNamesFor(context);
  const instructions: string[] = [];
  const input: JsonObject[] = [];
  visitChatMessages(pairToolMessages(asArray(client.messages).filter(isRecord)), {
    system: (content) => instructions.push(chatText(content)),
    user: (content, where) => {
      const parts = responsesInputParts(content, where);
      if (parts.length > 0) input.push({type: 'message', role: 'user', content: parts});
    },
    assistant: (content, calls) => {
      const text = chatText(content);
      if (text !== '') input.push({type: 'message', role: 'assistant', content: [{type: 'output_text', text}]});
      for (const call of calls) input.push({type: 'function_call', call_id: call.id, name: names.upstream(call.name), arguments: call.arguments});
    },
    tool: (id, content, where) => input.push({type: 'function_call_output', call_id: id, output: typeof content === 'string' ? content : responsesInputParts(content, where)}),
  });

  const body: JsonObject = {
    model: context.upstreamModel,
    instructions: instructions.filter((text) => text !== '').join('\n\n') || CODEX_DEFAULT_INSTRUCTIONS,
    input,
  };
  const tools = responsesTools(client.tools, names);
  if (tools.length > 0) {
    body.tools = tools;
    const choice = responsesToolChoice(client.tool_choice, names);
    if (choice !== undefined) body.tool_choice = choice;
    if (typeof client.parallel_tool_calls === 'boolean') body.parallel_tool_calls = client.parallel_tool_calls;
  }
  const effort = asEffort(client.reasoning_effort);
  body.reasoning = {...(effort ? {effort} : {}), summary: 'auto'};
  body.include = ['reasoning.encrypted_content'];
  const format = asRecord(client.response_format);
  if (format?.type === 'json_schema') body.text = {format: {type: 'json_schema', ...asRecord(format.json_schema)}};
  else if (format?.type === 'json_object') body.text = {format: {type: 'json_object'}};
  // The one client field the backend uses as is: it keys the prompt cache.
  if (typeof client.prompt_cache_key === 'string') body.prompt_cache_key = client.prompt_cache_key;
  body.store = false;
  body.stream = true;
  return {body, upstreamStream: true, method: 'stream'};
}

/** Chat content parts → Responses input parts (`input_text`, `input_image`, `input_file`). */
function responsesInputParts(content: unknown, where: string): JsonObject[] {
  if (typeof content === 'string') return content === '' ? [] : [{type: 'input_text', text: content}];
  return asArray(content).map((part, j) => {
    const type = asString(field(part, 'type'));
    if (type === 'text') return {type: 'input_text', text: asString(field(part, 'text')) ?? ''};
    if (type === 'image_url') {
      const image = field(part, 'image_url');
      const detail = asString(field(image, 'detail'));
      return {type: 'input_image', image_url: asString(image) ?? asString(field(image, 'url')) ?? '', ...(detail ? {detail} : {})};
    }
    if (type === 'file') return {type: 'input_file', ...asRecord(field(part, 'file'))};
    throw new TranslateError(`${where}.content[${j}].type: "${String(type)}" parts cannot be sent to the Responses API (text, image_url and file can)`);
  });
}

function responsesTools(tools: unknown, names: ToolNames): JsonObject[] {
  // Everything else of the definition (description, parameters, strict) has the same shape there.
  return chatFunctionTools(tools, 'the Responses API').map((tool) => ({type: 'function', ...tool.definition, name: names.upstream(tool.name)}));
}

/** Chat `tool_choice` → Responses `tool_choice` (a named function is flattened). */
function responsesToolChoice(choice: unknown, names: ToolNames): unknown {
  if (choice === 'none' || choice === 'auto' || choice === 'required') return choice;
  const name = asString(field(field(choice, 'function'), 'name'));
  return name ? {type: 'function', name: names.upstream(name)} : undefined;
}

export const openaiChatToOpenaiResponses = chatClientPair('openai-responses', chatToResponsesRequest, OpenAIResponsesReader);
