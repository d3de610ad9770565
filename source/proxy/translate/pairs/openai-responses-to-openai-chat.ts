// OpenAI Responses client (Codex CLI) → OpenAI Chat Completions upstream (qwen, iflow, xai, copilot,
// OpenAI-compatible API keys). `instructions` become the system message, function and custom tool
// calls an assistant message's `tool_calls`, their outputs `tool` messages; reasoning items this
// proxy made from a Chat upstream's reasoning go back as the assistant's `reasoning_content` (what
// the Chat providers that reason read), and one that holds a Gemini thought signature goes back on
// the call it came with (readers/openai-chat.ts); other reasoning is left out. Fields the Chat API shares with
// Responses (`metadata`, `user`, `prompt_cache_key`, `service_tier`, `store`) are carried.
import {asArray, asNumber, asRecord, asString, field, type JsonObject} from '../json.js';
import {chatCallSignatureField, pairToolMessages, textOnlyToolMessages} from '../chat-history.js';
import {requestMemo} from '../request-memo.js';
import {callArguments, forcedToolName, isCallItem, isCallOutputItem, partsText, readResponsesInput, reasoningSummary, unsupportedItem, responsesFunctionTools} from '../responses-input.js';
import {untagSignature} from '../signatures.js';
import {toolNamesFor} from '../tool-names.js';
import {TranslateError, type TranslateContext, type UpstreamRequestPlan} from '../types.js';
import {responsesClientPair} from './openai-client.js';
import {GEMINI_SIGNATURE_FOR_NEXT_PART} from '../readers/gemini.js';
import {OpenAIChatReader} from '../readers/openai-chat.js';

const CARRIED = ['metadata', 'user', 'prompt_cache_key', 'service_tier', 'safety_identifier'];

export function responsesToChatRequest(client: JsonObject, context: TranslateContext): UpstreamRequestPlan {
  const names = toolNamesFor(context);
  const memo = requestMemo(context);
  const {system, items, tools: declared} = readResponsesInput(client);
  const messages: JsonObject[] = [];
  const systemText = system.filter((text) => text !== '').join('\n\n');
  if (systemText) messages.push({role: 'system', content: systemText});
  // The assistant message being built: text, reasoning and calls of one turn go into one message.
  let assistant: JsonObject | undefined;
  const assistantMessage = (): JsonObject => {
    if (!assistant) {
      assistant = {role: 'assistant', content: null};
      messages.push(assistant);
    }
    return assistant;
  };
  /** A Gemini signature for the call that follows. */
  let signature: string | undefined;
  items.forEach((item, i) => {
    const where = `input[${i}]`;
    if (item.type === 'message' && item.role === 'assistant') {
      const message = assistantMessage();
      message.content = `${asString(message.content) ?? ''}${partsText(item.content)}`;
    } else if (item.type === 'message') {
      assistant = undefined;
      // A signature is for the call right after its reasoning item; a history that lost the call
      // (compacted) must not carry it onto a call of a later turn.
      signature = undefined;
      messages.push({role: 'user', content: chatContent(item.content, `${where}.content`)});
    } else if (item.type === 'reasoning') {
      const raw = untagSignature('openai-chat', item.encrypted_content);
      if (raw === undefined) return;
      if (raw.startsWith(GEMINI_SIGNATURE_FOR_NEXT_PART)) {
        signature = raw.slice(GEMINI_SIGNATURE_FOR_NEXT_PART.length);
        return;
      }
      const text = reasoningSummary(item);
      if (text) assistantMessage().reasoning_content = `${asString(assistantMessage().reasoning_content) ?? ''}${text}`;
    } else if (isCallItem(item)) {
      const message = assistantMessage();
      const calls = (message.tool_calls ??= []) as JsonObject[];
      calls.push({id: asString(item.call_id) ?? '', type: 'function', function: {name: names.upstream(asString(item.name) ?? ''), arguments: callArguments(item)}, ...chatCallSignatureField(signature)});
      signature = undefined;
    } else if (isCallOutputItem(item)) {
      assistant = undefined;
      signature = undefined;
      const output = item.output;
      messages.push({role: 'tool', tool_call_id: asString(item.call_id) ?? '', content: typeof output === 'string' ? output : chatContent(output, `${where}.output`)});
    } else {
      throw unsupportedItem(item, where, 'a Chat Completions upstream');
    }
  });

  const body: JsonObject = {model: context.upstreamModel, messages: textOnlyToolMessages(pairToolMessages(messages))};
  for (const key of CARRIED) if (client[key] !== undefined) body[key] = client[key];
  const tools = responsesFunctionTools(declared, memo);
  if (tools.length > 0) {
    body.tools = tools.map((tool) => ({type: 'function', function: {name: names.upstream(tool.name), ...(tool.description ? {description: tool.description} : {}), parameters: tool.parameters}}));
    const forced = forcedToolName(client.tool_choice);
    if (forced) body.tool_choice = {type: 'function', function: {name: names.upstream(forced)}};
    else if (typeof client.tool_choice === 'string') body.tool_choice = client.tool_choice;
    if (typeof client.parallel_tool_calls === 'boolean') body.parallel_tool_calls = client.parallel_tool_calls;
  }
  const maxTokens = asNumber(client.max_output_tokens);
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  for (const key of ['temperature', 'top_p'] as const) if (asNumber(client[key]) !== undefined) body[key] = client[key];
  const effort = asString(field(client.reasoning, 'effort'));
  if (effort) body.reasoning_effort = effort;
  const format = asRecord(field(client.text, 'format'));
  if (format?.type === 'json_schema') {
    const {type: _type, ...schema} = format;
    body.response_format = {type: 'json_schema', json_schema: schema};
  } else if (format?.type === 'json_object') body.response_format = {type: 'json_object'};
  body.stream = context.clientStream;
  if (context.clientStream) body.stream_options = {include_usage: true};
  return {body, upstreamStream: context.clientStream, method: context.clientStream ? 'stream' : 'generate'};
}

/** Responses message parts → Chat content: a plain string when all text (what every Chat provider takes), else parts. */
function chatContent(parts: unknown, where: string): string | JsonObject[] {
  const out = chatParts(parts, where);
  return out.every((part) => part.type === 'text') ? out.map((part) => String(part.text)).join('') : out;
}

function chatParts(parts: unknown, where: string): JsonObject[] {
  return asArray(parts).map((part, j) => {
    const type = asString(field(part, 'type'));
    if (type === 'input_text' || type === 'output_text' || type === 'refusal') return {type: 'text', text: partsText([part])};
    if (type === 'input_image') {
      const detail = asString(field(part, 'detail'));
      return {type: 'image_url', image_url: {url: asString(field(part, 'image_url')) ?? '', ...(detail ? {detail} : {})}};
    }
    if (type === 'input_file') {
      const {type: _type, ...file} = asRecord(part) ?? {};
      return {type: 'file', file};
    }
    throw new TranslateError(`${where}[${j}].type: "${String(type)}" parts cannot be sent to a Chat Completions upstream`);
  });
}

export const openaiResponsesToOpenaiChat = responsesClientPair('openai-chat', responsesToChatRequest, OpenAIChatReader);
