// The translator registry: (client protocol, upstream protocol) → the pair's translator, or undefined
// when no translator exists yet (the proxy then answers with a 400 naming what is missing).
import {anthropicToGemini, anthropicToNativeGemini} from './pairs/anthropic-to-gemini.js';
import {anthropicToOpenAIChat} from './pairs/anthropic-to-openai-chat.js';
import {anthropicToOpenAIResponses} from './pairs/anthropic-to-openai-responses.js';
import {openaiChatToAnthropic} from './pairs/openai-chat-to-anthropic.js';
import {openaiChatToGemini, openaiChatToNativeGemini} from './pairs/openai-chat-to-gemini.js';
import {openaiChatToOpenaiResponses} from './pairs/openai-chat-to-openai-responses.js';
import {openaiResponsesToAnthropic} from './pairs/openai-responses-to-anthropic.js';
import {openaiResponsesToGemini, openaiResponsesToNativeGemini} from './pairs/openai-responses-to-gemini.js';
import {openaiResponsesToOpenaiChat} from './pairs/openai-responses-to-openai-chat.js';
import type {ApiProtocol, PairTranslator} from './types.js';

/** OpenAI clients (aider, opencode, Cline; Codex CLI) on the other upstreams. */
const OPENAI_CLIENT_PAIRS: PairTranslator[] = [
  openaiChatToAnthropic,
  openaiChatToOpenaiResponses,
  openaiChatToGemini,
  openaiChatToNativeGemini,
  openaiResponsesToAnthropic,
  openaiResponsesToOpenaiChat,
  openaiResponsesToGemini,
  openaiResponsesToNativeGemini,
];

/** The Anthropic Messages client (Claude Code) on the other upstreams. */
const ANTHROPIC_CLIENT_PAIRS: PairTranslator[] = [anthropicToOpenAIChat, anthropicToOpenAIResponses, anthropicToGemini, anthropicToNativeGemini];

const PAIRS: PairTranslator[] = [...ANTHROPIC_CLIENT_PAIRS, ...OPENAI_CLIENT_PAIRS];

export function translatorFor(client: ApiProtocol, upstream: ApiProtocol): PairTranslator | undefined {
  return PAIRS.find((pair) => pair.client === client && pair.upstream === upstream);
}
