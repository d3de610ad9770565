// Google AI Studio API keys speak two surfaces of the Gemini API. Translated traffic (Claude Code,
// Codex CLI) goes to the native API, `/v1beta/models/<model>:generateContent` (`:streamGenerateContent
// ?alt=sse`, `:countTokens`), the key in `x-goog-api-key` (Gemini API reference: API keys go there,
// Bearer is for OAuth): Gemini 3 refuses a function call sent back without the thoughtSignature it
// made, and only the native parts carry it where the translators keep it. Chat clients pass through
// to the OpenAI-compatible surface under `/v1beta/openai` (Bearer), whose own client carries the
// signature (`extra_content.google.thought_signature`); its models list is the key check's.
import type {ProviderAdapter} from '../types.js';
import {apiBase, baseAdapter, bearerHeader, upstreamPath} from './base.js';

export const aistudioAdapter: ProviderAdapter = {
  ...baseAdapter('aistudio'),
  upstreamTarget: (ctx) =>
    ctx.protocol === 'gemini-native'
      ? {url: `${apiBase(ctx)}/v1beta${upstreamPath(ctx.protocol, ctx.method, ctx.model ?? '')}`, headers: {'x-goog-api-key': ctx.secret}}
      : {url: `${apiBase(ctx)}/v1beta/openai${upstreamPath(ctx.protocol, ctx.method)}`, headers: bearerHeader(ctx.secret)},
  // Its models list names each model as a Gemini API resource (`models/gemini-2.5-flash`); requests,
  // rules and the static patterns use the bare id (ai.google.dev "Models": `name` is `models/{model}`).
  listedModelId: (listed) => listed.replace(/^models\//, ''),
};
