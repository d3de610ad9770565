// OpenAI Chat Completions client → Gemini through Cloud Code (gemini-cli and antigravity accounts).
// System messages become `systemInstruction`, assistant tool calls `functionCall` parts, tool
// messages `functionResponse` parts named after the call they answer; tool schemas are cleaned to
// the subset Gemini accepts.
import {chatText} from './openai-chat-to-openai-responses.js';
import {GeminiConversation, geminiFunctionDeclaration, geminiMediaPart, geminiPlan, geminiThinkingConfig, geminiToolConfig} from '../gemini-contents.js';
import {geminiParameters} from '../gemini-schema.js';
import {asArray, asNumber, asRecord, asString, field, parseToolArguments, type JsonObject} from '../json.js';
import {asEffort} from '../reasoning.js';
import {toolNamesFor} from '../tool-names.js';
import {TranslateError, type TranslateContext, type UpstreamRequestPlan} from '../types.js';
import {chatClientPair} from './openai-client.js';
import {GeminiReader} from '../readers/gemini.js';

export function chatToGeminiRequest(client: JsonObject, context: TranslateContext): UpstreamRequestPlan {
  const names = toolNamesFor(context);
  const system: string[] = [];
  const conversation = new GeminiConversation();
  asArray(client.messages).forEach((message, i) => {
    const where = `messages[${i}]`;
    const role = asString(field(message, 'role'));
    const content = field(message, 'content');
    switch (role) {
      case 'system':
      case 'developer':
        system.push(chatText(content));
        return;
      case 'user':
        return conversation.add('user', chatGeminiParts(content, where));
      case 'assistant': {
        conversation.add('model', chatGeminiParts(content, where));
        for (const call of asArray(field(message, 'tool_calls'))) {
          const fn = field(call, 'function');
          conversation.addCall(asString(field(call, 'id')) ?? '', names.upstream(asString(field(fn, 'name')) ?? ''), parseToolArguments(asString(field(fn, 'arguments'))));
        }
        return;
      }
      case 'tool': {
        const id = asString(field(message, 'tool_call_id'));
        if (!id) throw new TranslateError(`${where}.tool_call_id: a tool message needs the id of the call it answers`);
        const parts = chatGeminiParts(content, where);
        conversation.addResult(id, chatText(content), parts.filter((part) => part.inlineData !== undefined));
        return;
      }
      default:
        throw new TranslateError(`${where}.role: "${String(role)}" is not a Chat Completions role (system, developer, user, assistant, tool)`);
    }
  });

  const request: JsonObject = {contents: conversation.contents()};
  const systemText = system.filter((text) => text !== '').join('\n\n');
  if (systemText) request.systemInstruction = {role: 'user', parts: [{text: systemText}]};
  const declarations = asArray(client.tools).map((tool, i) => {
    const fn = field(tool, 'function');
    const name = asString(field(fn, 'name'));
    if (field(tool, 'type') !== 'function' || !name) throw new TranslateError(`tools[${i}]: only function tools with a name can be sent to Gemini`);
    return geminiFunctionDeclaration(name, asString(field(fn, 'description')), field(fn, 'parameters'), names);
  });
  if (declarations.length > 0) {
    request.tools = [{functionDeclarations: declarations}];
    const toolConfig = geminiToolConfig(client.tool_choice, asString(field(field(client.tool_choice, 'function'), 'name')), names);
    if (toolConfig) request.toolConfig = toolConfig;
  }
  const generationConfig: JsonObject = {};
  const set = (key: string, value: unknown) => value !== undefined && (generationConfig[key] = value);
  set('temperature', asNumber(client.temperature));
  set('topP', asNumber(client.top_p));
  set('maxOutputTokens', asNumber(client.max_completion_tokens) ?? asNumber(client.max_tokens));
  set('candidateCount', asNumber(client.n));
  set('seed', asNumber(client.seed));
  set('presencePenalty', asNumber(client.presence_penalty));
  set('frequencyPenalty', asNumber(client.frequency_penalty));
  const stop = typeof client.stop === 'string' ? [client.stop] : asArray(client.stop).filter((s) => typeof s === 'string');
  if (stop.length > 0) generationConfig.stopSequences = stop;
  const format = asRecord(client.response_format);
  if (format?.type === 'json_object' || format?.type === 'json_schema') {
    generationConfig.responseMimeType = 'application/json';
    const schema = geminiParameters(field(format.json_schema, 'schema'));
    if (schema) generationConfig.responseSchema = schema;
  }
  set('thinkingConfig', geminiThinkingConfig(context.upstreamModel, asEffort(client.reasoning_effort)));
  if (Object.keys(generationConfig).length > 0) request.generationConfig = generationConfig;
  return geminiPlan(context, request);
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

export const openaiChatToGemini = chatClientPair('gemini-internal', chatToGeminiRequest, GeminiReader);
