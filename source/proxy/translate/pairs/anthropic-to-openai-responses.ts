// Anthropic Messages client (Claude Code) → OpenAI Responses upstream (the codex backend). The
// backend takes only streamed requests (`stream: true`) with `store: false` and a top-level
// `instructions`; it refuses `max_output_tokens`, `temperature` and `top_p`, so those are not sent.
// Reasoning crosses turns as encrypted content: asked for with `include:
// ["reasoning.encrypted_content"]`, handed to Claude Code as the thinking block's (tagged) signature
// or a redacted_thinking block, and sent back as a `reasoning` input item. Thinking another upstream
// made is dropped (the backend cannot verify it).
import {createHash} from 'node:crypto';
import {CODEX_DEFAULT_INSTRUCTIONS} from '../../../providers/adapters/codex.js';
import {anthropicMessages, clientTools, upstreamBodyBase, mediaUrl, requestSystemText, thinkingEffort, toolChoice, toolResult, toolUseId, type AnthropicMessage} from '../anthropic-request.js';
import {asString, field, toolInputJson, type JsonObject} from '../json.js';
import {OpenAIResponsesReader} from '../readers/openai-responses.js';
import {orphanResultText} from '../chat-history.js';
import {untagSignature} from '../signatures.js';
import {toolNamesFor, type ToolNames} from '../tool-names.js';
import type {TranslateContext, UpstreamRequestPlan} from '../types.js';
import {anthropicClientPair} from '../writers/anthropic.js';

const UPSTREAM = 'openai-responses' as const;

export function anthropicToResponsesRequest(client: JsonObject, context: TranslateContext): UpstreamRequestPlan {
  const names = toolNamesFor(context);
  const body = upstreamBodyBase(client, context.upstreamModel);
  body.instructions = requestSystemText(client) || CODEX_DEFAULT_INSTRUCTIONS;
  body.input = responsesInput(anthropicMessages(client), names);

  const tools = clientTools(client);
  if (tools.length > 0) {
    body.tools = tools.map((tool) => ({type: 'function', name: names.upstream(tool.name), ...(tool.description ? {description: tool.description} : {}), parameters: tool.schema, strict: false}));
    const choice = toolChoice(client);
    if (choice) {
      body.tool_choice = choice.mode === 'any' ? 'required' : choice.mode === 'tool' ? {type: 'function', name: names.upstream(choice.name!)} : choice.mode;
    }
    body.parallel_tool_calls = !choice?.oneCall;
  }
  const effort = thinkingEffort(client);
  // Summaries only when the client shows thinking; the encrypted reasoning is kept either way.
  if (effort && effort !== 'none') body.reasoning = {effort, summary: 'auto'};
  const user = asString(field(client.metadata, 'user_id'));
  // Claude Code's user id names its session: the same key on every turn lets codex reuse its prompt cache.
  if (user && body.prompt_cache_key === undefined) body.prompt_cache_key = createHash('sha256').update(user).digest('hex').slice(0, 32);
  body.include = ['reasoning.encrypted_content'];
  body.store = false;
  body.stream = true;
  return {body, upstreamStream: true, method: 'stream'};
}

/** Anthropic messages → Responses input items, in conversation order. */
function responsesInput(history: AnthropicMessage[], names: ToolNames): JsonObject[] {
  const items: JsonObject[] = [];
  /** Call ids of the history's tool_use blocks so far. */
  const calls = new Set<string>();
  for (const message of history) {
    // Consecutive text and image blocks form one message item; calls, outputs and reasoning are items of their own.
    let parts: JsonObject[] = [];
    const flush = () => {
      if (parts.length > 0) items.push({type: 'message', role: message.role, content: parts});
      parts = [];
    };
    message.blocks.forEach((block, j) => {
      const where = `${message.where}.content[${j}]`;
      switch (block.type) {
        case 'text':
          if (asString(block.text)) parts.push({type: message.role === 'user' ? 'input_text' : 'output_text', text: String(block.text)});
          return;
        case 'image':
          if (message.role === 'user') parts.push({type: 'input_image', image_url: mediaUrl(block, where)});
          return;
        case 'document':
          if (message.role === 'user') parts.push({type: 'input_file', file_data: mediaUrl(block, where), filename: asString(block.title) ?? 'document'});
          return;
        case 'thinking':
        case 'redacted_thinking': {
          const encrypted = untagSignature(UPSTREAM, block.type === 'thinking' ? block.signature : block.data);
          if (encrypted === undefined) return;
          flush();
          const summary = block.type === 'thinking' && asString(block.thinking) ? [{type: 'summary_text', text: String(block.thinking)}] : [];
          items.push({type: 'reasoning', summary, encrypted_content: encrypted});
          return;
        }
        case 'tool_use': {
          const id = toolUseId(block, where);
          flush();
          calls.add(id);
          items.push({type: 'function_call', call_id: id, name: names.upstream(asString(block.name) ?? ''), arguments: toolInputJson(block.input)});
          return;
        }
        case 'tool_result': {
          flush();
          const result = toolResult(block, where);
          // The Responses API refuses an output without its call (history trimmed by the client): kept as user text.
          if (calls.has(result.id)) items.push({type: 'function_call_output', call_id: result.id, output: result.text});
          else items.push({type: 'message', role: 'user', content: [{type: 'input_text', text: orphanResultText(result.id, result.text)}]});
          // Images a tool returned follow as a user message (function outputs here are text).
          if (result.media.length > 0) items.push({type: 'message', role: 'user', content: result.media.map((url) => ({type: 'input_image', image_url: url}))});
          return;
        }
      }
    });
    flush();
  }
  return items;
}

export const anthropicToOpenAIResponses = anthropicClientPair({
  upstream: UPSTREAM,
  request: anthropicToResponsesRequest,
  reader: () => new OpenAIResponsesReader(),
  // The upstream always streams: a non-streaming client's answer is read from the whole SSE text.
  readBody: OpenAIResponsesReader.readBody,
});
