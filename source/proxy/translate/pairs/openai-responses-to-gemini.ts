// OpenAI Responses client (Codex CLI) → Gemini, through Cloud Code (gemini-cli and antigravity
// accounts) or the native API (Vertex AI, AI Studio). `instructions` become `systemInstruction`, function and custom tool calls `functionCall`
// parts, their outputs `functionResponse` parts. Reasoning items this proxy made from Gemini
// signatures go back where Gemini put them: a thought part with its signature, or (signatures the
// Gemini reader marked for the next part) the signature on the call or text that follows.
import {GeminiConversation, geminiFunctionDeclaration, geminiGenerationConfig, geminiMediaPart, geminiPlan, geminiToolConfig, type GeminiProtocol} from '../gemini-contents.js';
import {asArray, asNumber, asRecord, asString, field, parseToolArguments, type JsonObject} from '../json.js';
import {asEffort} from '../reasoning.js';
import {GEMINI_SIGNATURE_FOR_NEXT_PART} from '../readers/gemini.js';
import {requestMemo} from '../request-memo.js';
import {callArguments, forcedToolName, isCallItem, isCallOutputItem, partsText, readResponsesInput, reasoningSummary, unsupportedItem, responsesFunctionTools} from '../responses-input.js';
import {untagSignature} from '../signatures.js';
import {toolNamesFor} from '../tool-names.js';
import {TranslateError, type TranslateContext, type UpstreamRequestPlan} from '../types.js';
import {responsesClientPair} from './openai-client.js';
import {GeminiReader} from '../readers/gemini.js';

export function responsesToGeminiRequest(client: JsonObject, context: TranslateContext, upstream: GeminiProtocol): UpstreamRequestPlan {
  const names = toolNamesFor(context);
  const memo = requestMemo(context);
  const {system, items, tools: declared} = readResponsesInput(client);
  const conversation = new GeminiConversation();
  /** A Gemini signature waiting for the model part it belongs on. */
  let pending: string | undefined;
  const take = () => {
    const signature = pending;
    pending = undefined;
    return signature;
  };
  items.forEach((item, i) => {
    const where = `input[${i}]`;
    if (item.type === 'message') {
      const parts = asArray(item.content).map((part, j) => geminiPart(part, `${where}.content[${j}]`));
      if (item.role !== 'assistant') return conversation.add('user', parts);
      const signature = take();
      if (signature && parts[0]) parts[0].thoughtSignature = signature;
      return conversation.add('model', parts);
    }
    if (item.type === 'reasoning') {
      const raw = untagSignature(upstream, item.encrypted_content);
      if (raw === undefined) return;
      if (raw.startsWith(GEMINI_SIGNATURE_FOR_NEXT_PART)) {
        pending = raw.slice(GEMINI_SIGNATURE_FOR_NEXT_PART.length);
        return;
      }
      const text = reasoningSummary(item);
      return conversation.add('model', [{text, thought: true, ...(raw ? {thoughtSignature: raw} : {})}]);
    }
    if (isCallItem(item)) {
      return conversation.addCall(asString(item.call_id) ?? '', names.upstream(asString(item.name) ?? ''), parseToolArguments(callArguments(item)), take());
    }
    if (isCallOutputItem(item)) {
      const output = item.output;
      const parts = typeof output === 'string' ? [] : asArray(output).map((part, j) => geminiPart(part, `${where}.output[${j}]`));
      return conversation.addResult(asString(item.call_id) ?? '', typeof output === 'string' ? output : partsText(output), parts.filter((part) => part.inlineData !== undefined));
    }
    throw unsupportedItem(item, where, 'Gemini');
  });

  const request: JsonObject = {contents: conversation.contents()};
  const systemText = system.filter((text) => text !== '').join('\n\n');
  if (systemText) request.systemInstruction = {role: 'user', parts: [{text: systemText}]};
  const tools = responsesFunctionTools(declared, memo);
  if (tools.length > 0) {
    request.tools = [{functionDeclarations: tools.map((tool) => geminiFunctionDeclaration(tool.name, tool.description, tool.parameters, names))}];
    const toolConfig = geminiToolConfig(client.tool_choice, forcedToolName(client.tool_choice), names);
    if (toolConfig) request.toolConfig = toolConfig;
  }
  const format = asRecord(field(client.text, 'format'));
  const generationConfig = geminiGenerationConfig(context.upstreamModel, {
    sampling: {temperature: asNumber(client.temperature), topP: asNumber(client.top_p), maxOutputTokens: asNumber(client.max_output_tokens)},
    json: format?.type === 'json_object' || format?.type === 'json_schema' ? {schema: format.schema} : undefined,
    effort: asEffort(field(client.reasoning, 'effort')),
  });
  if (generationConfig) request.generationConfig = generationConfig;
  return geminiPlan(upstream, context, request);
}

function geminiPart(part: unknown, where: string): JsonObject {
  const type = asString(field(part, 'type'));
  if (type === 'input_text' || type === 'output_text' || type === 'refusal') return {text: partsText([part])};
  if (type === 'input_image') return geminiMediaPart(asString(field(part, 'image_url')) ?? '', `${where}.image_url`);
  if (type === 'input_file') return geminiMediaPart(asString(field(part, 'file_data')) ?? '', `${where}.file_data`);
  throw new TranslateError(`${where}.type: "${String(type)}" parts cannot be sent to Gemini (input_text, output_text, input_image and input_file can)`);
}

const responsesToGeminiPair = (upstream: GeminiProtocol) => responsesClientPair(upstream, (client, context) => responsesToGeminiRequest(client, context, upstream), GeminiReader);

export const openaiResponsesToGemini = responsesToGeminiPair('gemini-internal');
export const openaiResponsesToNativeGemini = responsesToGeminiPair('gemini-native');
