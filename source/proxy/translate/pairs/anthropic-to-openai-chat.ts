// Anthropic Messages client (Claude Code) → OpenAI Chat Completions upstream (qwen, iflow, xai,
// copilot, OpenAI-compatible API keys). The system prompt becomes a `system` message; `tool_result`
// blocks become `tool` messages placed right after the assistant message holding their call (Chat
// answers 400 to a tool message without a preceding call, and to a call left unanswered); images go
// as `image_url` data URLs; thinking is asked for with `reasoning_effort` and comes back from
// `reasoning_content`. Reasoning this upstream made (tagged signature) goes back as the assistant
// message's `reasoning_content` within the current tool loop (after the last user message that is
// not only tool results), which DeepSeek V3.2 and Kimi thinking models require there; older turns
// and foreign thinking are dropped (DeepSeek's reasoner refuses reasoning_content elsewhere). A Gemini
// thought signature this upstream gave on a call (readers/openai-chat.ts) goes back on that call.
import {anthropicMessages, clientTools, upstreamBodyBase, mediaUrl, requestSystemText, thinkingEffort, toolChoice, toolResult, toolUseId, type AnthropicMessage} from '../anthropic-request.js';
import {asNumber, asString, toolInputJson, type JsonObject} from '../json.js';
import {chatCallSignatureField, TOOL_IMAGES_ATTACHED} from '../chat-history.js';
import {GEMINI_SIGNATURE_FOR_NEXT_PART} from '../readers/gemini.js';
import {OpenAIChatReader} from '../readers/openai-chat.js';
import {untagSignature} from '../signatures.js';
import {toolNamesFor, type ToolNames} from '../tool-names.js';
import type {TranslateContext, UpstreamRequestPlan} from '../types.js';
import {anthropicClientPair} from '../writers/anthropic.js';

const UPSTREAM = 'openai-chat' as const;

export function anthropicToChatRequest(client: JsonObject, context: TranslateContext): UpstreamRequestPlan {
  const names = toolNamesFor(context);
  const body = upstreamBodyBase(client, context.upstreamModel);
  const messages: JsonObject[] = [];
  const system = requestSystemText(client);
  if (system) messages.push({role: 'system', content: system});
  messages.push(...chatMessages(anthropicMessages(client), names));
  body.messages = messages;

  const maxTokens = asNumber(client.max_tokens);
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  for (const key of ['temperature', 'top_p'] as const) if (asNumber(client[key]) !== undefined) body[key] = client[key];
  if (Array.isArray(client.stop_sequences) && client.stop_sequences.length > 0) body.stop = client.stop_sequences;

  const tools = clientTools(client);
  if (tools.length > 0) {
    body.tools = tools.map((tool) => ({type: 'function', function: {name: names.upstream(tool.name), ...(tool.description ? {description: tool.description} : {}), parameters: tool.schema}}));
  }
  const choice = toolChoice(client);
  if (choice && tools.length > 0) {
    body.tool_choice = choice.mode === 'any' ? 'required' : choice.mode === 'tool' ? {type: 'function', function: {name: names.upstream(choice.name!)}} : choice.mode;
    if (choice.oneCall) body.parallel_tool_calls = false;
  }
  // Chat upstreams know low, medium and high (OpenAI's newer minimal and xhigh are not widely taken).
  const effort = thinkingEffort(client);
  if (effort && effort !== 'none') body.reasoning_effort = effort === 'minimal' ? 'low' : effort === 'xhigh' ? 'high' : effort;
  body.stream = context.clientStream;
  if (context.clientStream) body.stream_options = {include_usage: true};
  return {body, upstreamStream: context.clientStream, method: context.clientStream ? 'stream' : 'generate'};
}

/** Anthropic messages → Chat messages (see the file comment for the placement rules). */
function chatMessages(history: AnthropicMessage[], names: ToolNames): JsonObject[] {
  const out: JsonObject[] = [];
  /** Calls of the last assistant message not yet answered by a tool message. */
  let unanswered: string[] = [];
  const answerMissing = () => {
    for (const id of unanswered) out.push({role: 'tool', tool_call_id: id, content: 'Error: no result: the client sent none for this call'});
    unanswered = [];
  };
  const loopStart = history.findLastIndex((message) => message.role === 'user' && message.blocks.some((block) => block.type !== 'tool_result'));
  for (const [i, message] of history.entries()) {
    if (message.role === 'assistant') {
      answerMissing();
      const text: string[] = [];
      const reasoning: string[] = [];
      const calls: JsonObject[] = [];
      /** A Gemini signature for the call that follows. */
      let signature: string | undefined;
      message.blocks.forEach((block, j) => {
        const raw = block.type === 'thinking' ? untagSignature(UPSTREAM, block.signature) : undefined;
        if (block.type === 'text') text.push(asString(block.text) ?? '');
        else if (raw?.startsWith(GEMINI_SIGNATURE_FOR_NEXT_PART)) signature = raw.slice(GEMINI_SIGNATURE_FOR_NEXT_PART.length);
        else if (raw !== undefined && i > loopStart) reasoning.push(asString(block.thinking) ?? '');
        else if (block.type === 'tool_use') {
          const id = toolUseId(block, `${message.where}.content[${j}]`);
          calls.push({id, type: 'function', function: {name: names.upstream(asString(block.name) ?? ''), arguments: toolInputJson(block.input)}, ...chatCallSignatureField(signature)});
          signature = undefined;
        }
      });
      const assistant: JsonObject = {role: 'assistant', content: text.length > 0 ? text.join('') : calls.length > 0 ? null : ''};
      if (reasoning.length > 0) assistant.reasoning_content = reasoning.join('');
      if (calls.length > 0) assistant.tool_calls = calls;
      out.push(assistant);
      unanswered = calls.map((call) => String(call.id));
      continue;
    }
    const parts: JsonObject[] = [];
    const resultMedia: JsonObject[] = [];
    message.blocks.forEach((block, j) => {
      const where = `${message.where}.content[${j}]`;
      if (block.type === 'tool_result') {
        const result = toolResult(block, where);
        const media = result.media.map((url) => ({type: 'image_url', image_url: {url}}));
        if (unanswered.includes(result.id)) {
          unanswered = unanswered.filter((id) => id !== result.id);
          out.push({role: 'tool', tool_call_id: result.id, content: result.text || (media.length ? TOOL_IMAGES_ATTACHED : '')});
          resultMedia.push(...media);
        } else {
          // A result whose call is not in the previous message (history trimmed by the client).
          parts.push({type: 'text', text: `[tool result ${result.id}]\n${result.text}`}, ...media);
        }
      } else if (block.type === 'text') {
        if (asString(block.text)) parts.push({type: 'text', text: String(block.text)});
      } else if (block.type === 'image') {
        parts.push({type: 'image_url', image_url: {url: mediaUrl(block, where)}});
      } else if (block.type === 'document') {
        parts.push({type: 'file', file: {file_data: mediaUrl(block, where), ...(asString(block.title) ? {filename: block.title} : {})}});
      }
    });
    answerMissing();
    const content = [...resultMedia, ...parts];
    if (content.length === 0) continue;
    // Text-only content goes as a string: some Chat upstreams take nothing else.
    out.push({role: 'user', content: content.every((part) => part.type === 'text') ? content.map((part) => part.text).join('\n\n') : content});
  }
  return out;
}

export const anthropicToOpenAIChat = anthropicClientPair({
  upstream: UPSTREAM,
  request: anthropicToChatRequest,
  reader: () => new OpenAIChatReader(),
  readBody: OpenAIChatReader.readBody,
});
