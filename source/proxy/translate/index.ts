// The translator registry: (client protocol, upstream protocol) → the pair's translator, or undefined
// when no translator exists yet (the proxy then answers with a 400 naming what is missing).
import {anthropicToOpenAIChat} from './pairs/anthropic-to-openai-chat.js';
import type {ApiProtocol, PairTranslator} from './types.js';

const PAIRS: PairTranslator[] = [anthropicToOpenAIChat];

export function translatorFor(client: ApiProtocol, upstream: ApiProtocol): PairTranslator | undefined {
  return PAIRS.find((pair) => pair.client === client && pair.upstream === upstream);
}
