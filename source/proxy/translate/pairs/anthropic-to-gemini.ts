// Anthropic Messages client (Claude Code) → Gemini: `{contents, systemInstruction, tools:
// [{functionDeclarations}], toolConfig, generationConfig}`, in Cloud Code's `{model, project,
// request}` envelope (gemini-cli, antigravity) or bare for the native API (Vertex AI, AI Studio). Tool schemas are cleaned to the subset Gemini accepts
// (gemini-schema.ts); `tool_result` blocks become `functionResponse` parts named after their call;
// images go inline. Thought signatures come back to Claude Code as tagged thinking-block signatures
// and return here to the part that carried them (readers/gemini.ts); thinking another upstream made
// is dropped. Gemini refuses unknown request fields, so the client's extra fields are not carried.
import {cutText} from '../../../core/redact.js';
import {anthropicMessages, clientTools, mediaUrl, requestSystemText, thinkingEffort, toolChoice, toolResult, toolUseId, type AnthropicMessage} from '../anthropic-request.js';
import {geminiFunctionDeclaration, geminiGenerationConfig, geminiMediaPart, geminiPlan, geminiToolConfig, GeminiConversation, type GeminiProtocol} from '../gemini-contents.js';
import {asArray, asNumber, asString, isRecord, parseJsonObject, type JsonObject} from '../json.js';
import {GEMINI_SIGNATURE_FOR_NEXT_PART, GeminiReader} from '../readers/gemini.js';
import {untagSignature} from '../signatures.js';
import {toolNamesFor, type ToolNames} from '../tool-names.js';
import {TranslateError, type TranslateContext, type UpstreamRequestPlan} from '../types.js';
import {anthropicClientPair} from '../writers/anthropic.js';

/** The `contents` of an Anthropic conversation; thinking signatures `upstream` made go back to it. */
function geminiContents(history: AnthropicMessage[], names: ToolNames, upstream: GeminiProtocol): JsonObject[] {
  const conversation = new GeminiConversation();
  for (const message of history) {
    const role = message.role === 'user' ? 'user' : 'model';
    /** A signature that belongs on the next part of this model turn. */
    let pending: string | undefined;
    message.blocks.forEach((block, j) => {
      const where = `${message.where}.content[${j}]`;
      switch (block.type) {
        case 'text': {
          const text = asString(block.text) ?? '';
          if (!text) return;
          conversation.add(role, [pending ? {text, thoughtSignature: pending} : {text}]);
          pending = undefined;
          return;
        }
        case 'image':
        case 'document':
          conversation.add(role, [geminiMediaPart(mediaUrl(block, where), where)]);
          return;
        case 'thinking': {
          const raw = untagSignature(upstream, block.signature);
          if (raw === undefined || role !== 'model') return;
          if (raw.startsWith(GEMINI_SIGNATURE_FOR_NEXT_PART)) pending = raw.slice(GEMINI_SIGNATURE_FOR_NEXT_PART.length);
          else conversation.add('model', [{text: asString(block.thinking) ?? '', thought: true, thoughtSignature: raw}]);
          return;
        }
        case 'tool_use': {
          conversation.addCall(toolUseId(block, where), names.upstream(asString(block.name) ?? ''), isRecord(block.input) ? block.input : {}, pending);
          pending = undefined;
          return;
        }
        case 'tool_result': {
          const result = toolResult(block, where);
          conversation.addResult(result.id, result.text, result.media.map((url) => geminiMediaPart(url, where)), result.isError);
          return;
        }
      }
    });
  }
  return conversation.contents();
}

export function anthropicToGeminiRequest(client: JsonObject, context: TranslateContext, upstream: GeminiProtocol): UpstreamRequestPlan {
  const names = toolNamesFor(context);
  const request: JsonObject = {contents: geminiContents(anthropicMessages(client), names, upstream)};
  const system = requestSystemText(client);
  if (system) request.systemInstruction = {role: 'user', parts: [{text: system}]};

  const tools = clientTools(client);
  if (tools.length > 0) {
    request.tools = [{functionDeclarations: tools.map((tool) => geminiFunctionDeclaration(tool.name, tool.description, tool.schema, names))}];
    const choice = toolChoice(client);
    const config = choice && geminiToolConfig(choice.mode === 'any' ? 'required' : choice.mode, choice.mode === 'tool' ? choice.name : undefined, names);
    if (config) request.toolConfig = config;
  }

  const generationConfig = geminiGenerationConfig(context.upstreamModel, {
    sampling: {maxOutputTokens: asNumber(client.max_tokens), temperature: asNumber(client.temperature), topP: asNumber(client.top_p), topK: asNumber(client.top_k)},
    stopSequences: asArray(client.stop_sequences).filter((stop): stop is string => typeof stop === 'string'),
    effort: thinkingEffort(client),
  });
  if (generationConfig) request.generationConfig = generationConfig;
  return geminiPlan(upstream, context, request);
}

/**
 * `countTokens`: Cloud Code's `{request: {model: "models/<id>", contents}}` (as gemini-cli sends
 * it), the native API's `{contents}` (model in the URL). Contents only, so the system prompt is
 * counted as a first user turn.
 */
export function anthropicToGeminiCountTokens(client: JsonObject, context: TranslateContext, upstream: GeminiProtocol): UpstreamRequestPlan {
  const contents = geminiContents(anthropicMessages(client), toolNamesFor(context), upstream);
  const system = requestSystemText(client);
  if (system) contents.unshift({role: 'user', parts: [{text: system}]});
  const body = upstream === 'gemini-native' ? {contents} : {request: {model: `models/${context.upstreamModel}`, contents}};
  return {body, upstreamStream: false, method: 'count-tokens'};
}

/** `{totalTokens}` → `{input_tokens}`; throws when the answer has no count. */
export function geminiCountTokensResponse(upstreamBody: string): Record<string, unknown> {
  const body = parseJsonObject(upstreamBody);
  const total = asNumber(body?.totalTokens) ?? asNumber(isRecord(body?.response) ? body.response.totalTokens : undefined);
  if (total === undefined) throw new TranslateError(`the upstream's countTokens answer has no totalTokens: ${cutText(upstreamBody, 200)}`, 502);
  return {input_tokens: total};
}

/** The pair for one of the two Gemini protocols (one translation, two envelopes). */
const anthropicToGeminiPair = (upstream: GeminiProtocol) =>
  anthropicClientPair({
    upstream,
    request: (client, context) => anthropicToGeminiRequest(client, context, upstream),
    reader: () => new GeminiReader(),
    readBody: GeminiReader.readBody,
    countTokens: (client, context) => anthropicToGeminiCountTokens(client, context, upstream),
    countTokensResponse: geminiCountTokensResponse,
  });

export const anthropicToGemini = anthropicToGeminiPair('gemini-internal');
export const anthropicToNativeGemini = anthropicToGeminiPair('gemini-native');
