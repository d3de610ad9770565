// OpenAI Chat Completions client → Gemini, through Cloud Code (gemini-cli and antigravity accounts)
// or the native API (Vertex AI, AI Studio).
// System messages become `systemInstruction`, assistant tool calls `functionCall` parts, tool
// messages `functionResponse` parts named after the call they answer, each call with the thought
// signature this upstream gave it (writers/openai-chat.ts); tool schemas are cleaned to the subset
// Gemini accepts.
import {chatFunctionTools, chatText, visitChatMessages} from '../chat-history.js';
import {GeminiConversation, geminiFunctionDeclaration, geminiGenerationConfig, geminiMediaPart, geminiPlan, geminiToolConfig, type GeminiProtocol} from '../gemini-contents.js';
import {asArray, asNumber, asRecord, asString, field, parseToolArguments, type JsonObject} from '../json.js';
import {asEffort} from '../reasoning.js';
import {untagSignature} from '../signatures.js';
import {toolNamesFor} from '../tool-names.js';
import {TranslateError, type TranslateContext, type UpstreamRequestPlan} from '../types.js';
import {chatClientPair} from './openai-client.js';
import {GeminiReader} from '../readers/gemini.js';

export function chatToGeminiRequest(client: JsonObject, context: TranslateContext, upstream: GeminiProtocol): UpstreamRequestPlan {
  const names = toolNamesFor(context);
  const system: string[] = [];
  const conversation = new GeminiConversation();
  visitChatMessages(asArray(client.messages), {
    system: (content) => system.push(chatText(content)),
    user: (content, where) => conversation.add('user', chatGeminiParts(content, where)),
    assistant: (content, calls, where) => {
      conversation.add('model', chatGeminiParts(content, where));
      for (const call of calls) conversation.addCall(call.id, names.upstream(call.name), parseToolArguments(call.arguments), untagSignature(upstream, call.signature));
    },
    tool: (id, content, where) => {
      const images = chatGeminiParts(content, where).filter((part) => part.inlineData !== undefined);
      conversation.addResult(id, chatText(content), images);
    },
  });

  const request: JsonObject = {contents: conversation.contents()};
  const systemText = system.filter((text) => text !== '').join('\n\n');
  if (systemText) request.systemInstruction = {role: 'user', parts: [{text: systemText}]};
  const declarations = chatFunctionTools(client.tools, 'Gemini').map((tool) => geminiFunctionDeclaration(tool.name, tool.description, tool.parameters, names));
  if (declarations.length > 0) {
    request.tools = [{functionDeclarations: declarations}];
    const toolConfig = geminiToolConfig(client.tool_choice, asString(field(field(client.tool_choice, 'function'), 'name')), names);
    if (toolConfig) request.toolConfig = toolConfig;
  }
  const format = asRecord(client.response_format);
  const generationConfig = geminiGenerationConfig(context.upstreamModel, {
    sampling: {
      temperature: asNumber(client.temperature),
      topP: asNumber(client.top_p),
      topK: asNumber(client.top_k),
      maxOutputTokens: asNumber(client.max_completion_tokens) ?? asNumber(client.max_tokens),
      seed: asNumber(client.seed),
      presencePenalty: asNumber(client.presence_penalty),
      frequencyPenalty: asNumber(client.frequency_penalty),
    },
    stopSequences: typeof client.stop === 'string' ? [client.stop] : asArray(client.stop).filter((s): s is string => typeof s === 'string'),
    json: format?.type === 'json_object' || format?.type === 'json_schema' ? {schema: field(format.json_schema, 'schema')} : undefined,
    effort: asEffort(client.reasoning_effort),
  });
  if (generationConfig) request.generationConfig = generationConfig;
  return geminiPlan(upstream, context, request);
}

/** Chat content → Gemini parts (text and inline images/files). */
function chatGeminiParts(content: unknown, where: string): JsonObject[] {
  if (typeof content === 'string') return [{text: content}];
  return asArray(content).map((part, j) => {
    const type = asString(field(part, 'type'));
    const at = `${where}.content[${j}]`;
    if (type === 'text' || type === 'refusal') return {text: asString(field(part, type)) ?? ''};
    if (type === 'image_url') return geminiMediaPart(asString(field(part, 'image_url')) ?? asString(field(field(part, 'image_url'), 'url')) ?? '', `${at}.image_url.url`);
    if (type === 'file') return geminiMediaPart(asString(field(field(part, 'file'), 'file_data')) ?? '', `${at}.file.file_data`);
    throw new TranslateError(`${at}.type: "${String(type)}" parts cannot be sent to Gemini (text, image_url and file can)`);
  });
}

const chatToGeminiPair = (upstream: GeminiProtocol) => chatClientPair(upstream, (client, context) => chatToGeminiRequest(client, context, upstream), GeminiReader);

export const openaiChatToGemini = chatToGeminiPair('gemini-internal');
export const openaiChatToNativeGemini = chatToGeminiPair('gemini-native');
