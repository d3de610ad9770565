// Google AI Studio API keys: Gemini's OpenAI-compatible surface lives under `/v1beta/openai`.
import type {ProviderAdapter} from '../types.js';
import {apiBase, baseAdapter, bearerHeader, upstreamPath} from './base.js';

export const aistudioAdapter: ProviderAdapter = {
  ...baseAdapter('aistudio'),
  upstreamTarget: (ctx) => ({url: `${apiBase(ctx)}/v1beta/openai${upstreamPath(ctx.protocol, ctx.method)}`, headers: bearerHeader(ctx.secret)}),
  // Its models list names each model as a Gemini API resource (`models/gemini-2.5-flash`); requests,
  // rules and the static patterns use the bare id (ai.google.dev "Models": `name` is `models/{model}`).
  listedModelId: (listed) => listed.replace(/^models\//, ''),
};
