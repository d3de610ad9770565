// Builds an Anthropic Messages `messages` array that the API accepts from OpenAI-shaped history:
// strictly alternating user/assistant turns (consecutive same-role turns merged), no empty text
// blocks, every `tool_result` right after the assistant turn holding its `tool_use` and listed before
// other content, and every `tool_use` answered. The API answers 400 to each of these otherwise.
import type {JsonObject} from './json.js';
import {parseMediaUrl} from './media.js';
import {toolLoopLacksThinking} from './reasoning-refusal.js';
import type {ToolNames} from './tool-names.js';
import {TranslateError} from './types.js';

export type AnthropicRole = 'user' | 'assistant';

export interface AnthropicMessage {
  role: AnthropicRole;
  content: JsonObject[];
}

export class AnthropicConversation {
  private readonly turns: AnthropicMessage[] = [];

  /** Appends blocks to the conversation, merging into the last turn when it has the same role. */
  add(role: AnthropicRole, blocks: JsonObject[]): void {
    const kept = blocks.filter((block) => !(block.type === 'text' && (typeof block.text !== 'string' || block.text === '')));
    if (kept.length === 0) return;
    const last = this.turns.at(-1);
    if (last?.role === role) last.content.push(...kept);
    else this.turns.push({role, content: kept});
  }

  /** The last turn's blocks (to check what the history ends with). */
  last(): AnthropicMessage | undefined {
    return this.turns.at(-1);
  }

  /** The messages, with tool results paired to their calls (see the file comment). */
  messages(): AnthropicMessage[] {
    const out: AnthropicMessage[] = [];
    for (let i = 0; i < this.turns.length; i++) {
      const turn = this.turns[i]!;
      if (turn.role === 'assistant') {
        out.push(turn);
        continue;
      }
      const previous = out.at(-1);
      const asked = new Set(previous?.role === 'assistant' ? previous.content.filter((b) => b.type === 'tool_use').map((b) => String(b.id)) : []);
      const results: JsonObject[] = [];
      const rest: JsonObject[] = [];
      for (const block of turn.content) {
        if (block.type !== 'tool_result') rest.push(block);
        else if (asked.delete(String(block.tool_use_id))) results.push(block);
        // A result whose call is not in the previous turn (history trimmed by the client): kept as text.
        else rest.push({type: 'text', text: `[tool result ${String(block.tool_use_id)}]\n${toolResultText(block)}`});
      }
      out.push({role: 'user', content: [...unanswered(asked), ...results, ...rest]});
    }
    // An assistant turn with calls followed by nothing: the client is continuing the turn, not answering.
    return out;
  }
}

/** A result for each call the client never answered (an aborted tool), so the history stays valid. */
function unanswered(ids: Set<string>): JsonObject[] {
  return [...ids].map((id) => ({type: 'tool_result', tool_use_id: id, is_error: true, content: 'no result: the client sent none for this call'}));
}

function toolResultText(block: JsonObject): string {
  if (typeof block.content === 'string') return block.content;
  if (!Array.isArray(block.content)) return '';
  return block.content.map((part) => (typeof part === 'object' && part && (part as JsonObject).type === 'text' ? String((part as JsonObject).text) : '')).join('');
}

/** Output tokens asked for when an OpenAI client sets no limit (Anthropic requires `max_tokens`). */
export const DEFAULT_MAX_TOKENS = 8192;
/** The largest `max_tokens` asked for on the client's behalf: every current Claude model allows it. */
const MAX_DEFAULT_OUTPUT = 32_000;
/** Output tokens kept for the answer when thinking shares `max_tokens` with it. */
const ANSWER_ROOM = 4096;

/**
 * Sets `max_tokens`, `thinking` and the sampling fields on an Anthropic body from an OpenAI client's
 * limit and reasoning budget. Thinking needs `budget_tokens` ≥ 1024 and below `max_tokens`, no
 * forced tool choice, no `temperature` other than 1; and when the history ends inside a tool loop
 * whose assistant turn carries no signed thinking block (OpenAI clients cannot keep signatures), the
 * API rejects thinking, so this request goes without it.
 */
export function applyThinking(
  body: JsonObject,
  options: {maxTokens?: number; budget: number; temperature?: number; topP?: number; conversation: AnthropicConversation},
): void {
  const forcedTool = (body.tool_choice as JsonObject | undefined)?.type === 'any' || (body.tool_choice as JsonObject | undefined)?.type === 'tool';
  let budget = options.budget >= 1024 && !forcedTool && !toolLoopLacksThinking(options.conversation.messages()) ? options.budget : 0;
  let maxTokens = options.maxTokens;
  if (maxTokens === undefined) {
    // Chosen here: room for the answer beside the thinking, within every current model's output limit.
    maxTokens = Math.min(MAX_DEFAULT_OUTPUT, Math.max(DEFAULT_MAX_TOKENS, budget + ANSWER_ROOM));
    budget = Math.min(budget, maxTokens - ANSWER_ROOM);
  }
  if (budget >= maxTokens) budget = maxTokens - 1 >= 1024 ? maxTokens - 1 : 0;
  body.max_tokens = maxTokens;
  if (budget > 0) {
    body.thinking = {type: 'enabled', budget_tokens: budget};
    if (options.topP !== undefined && options.topP >= 0.95) body.top_p = options.topP;
    return;
  }
  // OpenAI's temperature runs to 2, Anthropic's to 1; recent Claude models refuse temperature and
  // top_p together, so temperature (the one clients set on purpose) wins.
  if (options.temperature !== undefined) body.temperature = Math.min(options.temperature, 1);
  else if (options.topP !== undefined) body.top_p = options.topP;
}

/** One Anthropic tool definition; `input_schema` must be an object schema. */
export function anthropicTool(name: string, description: string | undefined, schema: JsonObject | undefined, names: ToolNames): JsonObject {
  const input = schema ?? {type: 'object', properties: {}};
  return {name: names.upstream(name), ...(description ? {description} : {}), input_schema: input.type === undefined ? {type: 'object', ...input} : input};
}

/** An image or document block from an OpenAI URL (a base64 `data:` URL, or a link for images). */
export function anthropicMediaBlock(type: 'image' | 'document', url: string, where: string): JsonObject {
  const source = parseMediaUrl(url);
  if (source?.kind === 'base64') return {type, source: {type: 'base64', media_type: source.mediaType, data: source.data}};
  if (source?.kind === 'url' && /^https?:/.test(source.url)) return {type, source: {type: 'url', url: source.url}};
  throw new TranslateError(`${where}: not a base64 data: URL or an http(s) link (file ids are OpenAI's own)`);
}
