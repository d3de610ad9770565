// A local ESTIMATE of token counts, for upstreams that have no count endpoint (Anthropic
// `count_tokens` on a Chat or Responses upstream) and for output usage an upstream never reported.
// Rule of thumb: one token per 4 characters of text (OpenAI's and Anthropic's own guidance for English
// and code). It is not a tokenizer: it can be off by a third either way, so nothing should bill by it.
import {asArray, asString, field, isRecord} from './json.js';

const CHARS_PER_TOKEN = 4;
/** What one image costs, roughly (Anthropic: width × height / 750; ~1.15 MP images ≈ 1600 tokens). */
const TOKENS_PER_IMAGE = 1600;

/** Estimated tokens of `chars` characters of text. */
export function estimateTokensOfText(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/**
 * Estimated input tokens of an Anthropic Messages request (`count_tokens` body): the text of the
 * system prompt, every message block (text, thinking, tool inputs and results) and the tool
 * definitions, at 4 characters a token, plus a flat amount per image or document.
 */
export function estimateAnthropicInputTokens(body: Record<string, unknown>): number {
  let chars = 0;
  let images = 0;
  const visit = (block: unknown): void => {
    if (typeof block === 'string') {
      chars += block.length;
      return;
    }
    if (!isRecord(block)) return;
    const type = asString(block.type);
    if (type === 'image' || type === 'document') {
      images++;
      return;
    }
    for (const key of ['text', 'thinking'] as const) chars += asString(block[key])?.length ?? 0;
    if (type === 'tool_use') chars += (asString(block.name)?.length ?? 0) + JSON.stringify(block.input ?? {}).length;
    if (type === 'tool_result') {
      const content = block.content;
      if (typeof content === 'string') chars += content.length;
      else asArray(content).forEach(visit);
    }
  };
  const system = body.system;
  if (typeof system === 'string') chars += system.length;
  else asArray(system).forEach(visit);
  for (const message of asArray(body.messages)) {
    const content = field(message, 'content');
    if (typeof content === 'string') chars += content.length;
    else asArray(content).forEach(visit);
  }
  for (const tool of asArray(body.tools)) chars += JSON.stringify(tool).length;
  return estimateTokensOfText(chars) + images * TOKENS_PER_IMAGE;
}

/**
 * Estimated input tokens of any client request (Anthropic Messages, OpenAI Chat `messages`, Responses
 * `input` and `instructions`): usage to report when the upstream reports none.
 */
export function estimateRequestInputTokens(body: Record<string, unknown>): number {
  const {input, instructions} = body;
  // Responses items carry `content` as a string or text parts, like a message's.
  const items = typeof input === 'string' ? [{content: input}] : asArray(input);
  return estimateAnthropicInputTokens(body) + estimateAnthropicInputTokens({messages: items, ...(typeof instructions === 'string' ? {system: instructions} : {})});
}

/** Usage to start from: the input estimate when the proxy made one. */
export function estimatedUsage(estimatedInputTokens: number | undefined): {inputTokens?: number} {
  return estimatedInputTokens ? {inputTokens: estimatedInputTokens} : {};
}

/** The `count_tokens` answer from the estimate. */
export function estimatedCountTokensResponse(body: Record<string, unknown>): {input_tokens: number} {
  return {input_tokens: estimateAnthropicInputTokens(body)};
}
