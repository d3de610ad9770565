// Builds the Cloud Code `gemini-internal` request from OpenAI-shaped history: `contents` alternating
// user/model (consecutive same-role turns merged), every function-call turn followed by exactly as
// many `functionResponse` parts as it made calls (Gemini answers 400 otherwise), function names
// within Gemini's rules, and the `{model, project, request}` envelope.
import {budgetForEffort, type ReasoningEffort} from './reasoning.js';
import {geminiParameters} from './gemini-schema.js';
import {field, isRecord, type JsonObject} from './json.js';
import {parseMediaUrl} from './media.js';
import type {ToolNames} from './tool-names.js';
import {TranslateError, type ApiProtocol, type TranslateContext, type UpstreamRequestPlan} from './types.js';

/**
 * Gemini 3 refuses a function call in history without the `thoughtSignature` it made; calls that
 * reach us without one (an OpenAI client cannot keep it) carry the value Google documents for
 * history it did not produce.
 */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

type Role = 'user' | 'model';

export class GeminiConversation {
  private readonly turns: {role: Role; parts: JsonObject[]}[] = [];
  /** Call id → function name, to name the `functionResponse` that answers it. */
  private readonly callNames = new Map<string, string>();

  add(role: Role, parts: JsonObject[]): void {
    const kept = parts.filter((part) => !(typeof part.text === 'string' && part.text === '' && part.thought === undefined));
    if (kept.length === 0) return;
    const last = this.turns.at(-1);
    if (last?.role === role) last.parts.push(...kept);
    else this.turns.push({role, parts: kept});
  }

  /** A model function call (`args` an object); the first call of a turn carries a signature. */
  addCall(id: string, name: string, args: JsonObject, signature?: string): void {
    this.callNames.set(id, name);
    const last = this.turns.at(-1);
    const first = !(last?.role === 'model' && last.parts.some((part) => part.functionCall !== undefined));
    const part: JsonObject = {functionCall: {name, args, ...(id ? {id} : {})}};
    if (signature ?? first) part.thoughtSignature = signature ?? SKIP_THOUGHT_SIGNATURE;
    this.add('model', [part]);
  }

  /** A tool's answer to call `id`; `output` is its text, `images` any image parts it returned. */
  addResult(id: string, output: string, images: JsonObject[] = [], isError = false): void {
    const name = this.callNames.get(id);
    if (name === undefined) {
      // The call is not in the history (trimmed by the client): its result is kept as text.
      this.add('user', [{text: `[tool result ${id}]\n${output}`}, ...images]);
      return;
    }
    this.add('user', [{functionResponse: {name, id, response: isError ? {error: output} : {result: output}}}, ...images]);
  }

  /**
   * The `contents`, each user turn opening with exactly one response per call of the model turn
   * before it: an error response for a call the client never answered, and a response to a call not
   * in that turn (history trimmed or reordered by the client) kept as text.
   */
  contents(): JsonObject[] {
    return this.turns.map((turn, i) => {
      if (turn.role === 'model') return {role: turn.role, parts: turn.parts};
      const previous = this.turns[i - 1];
      const calls = (previous?.parts ?? []).map((part) => part.functionCall).filter(isRecord);
      const answers = new Map<string, JsonObject>();
      const rest: JsonObject[] = [];
      for (const part of turn.parts) {
        const response = isRecord(part.functionResponse) ? part.functionResponse : undefined;
        const id = String(response?.id);
        if (!response) rest.push(part);
        else if (calls.some((call) => String(call.id) === id) && !answers.has(id)) answers.set(id, part);
        else {
          const output = field(response.response, 'result') ?? field(response.response, 'error');
          rest.push({text: `[tool result ${id}]\n${typeof output === 'string' ? output : JSON.stringify(response.response)}`});
        }
      }
      // In the order of the calls (the ids are sent too, as gemini-cli sends them, but order is what
      // Gemini checks first).
      const responses = calls.map(
        (call) => answers.get(String(call.id)) ?? {functionResponse: {name: call.name, id: call.id, response: {error: 'no result: the client sent none for this call'}}},
      );
      return {role: turn.role, parts: [...responses, ...rest]};
    });
  }
}

/** An OpenAI image or file URL → a Gemini `inlineData` part (Cloud Code cannot fetch links). */
export function geminiMediaPart(url: string, where: string): JsonObject {
  const source = parseMediaUrl(url);
  if (source?.kind !== 'base64') throw new TranslateError(`${where}: Gemini takes images and files inline only; send a base64 data: URL`);
  return {inlineData: {mimeType: source.mediaType, data: source.data}};
}

/** One function declaration; a tool without parameters gets none (Gemini refuses empty properties). */
export function geminiFunctionDeclaration(name: string, description: string | undefined, parameters: unknown, names: ToolNames): JsonObject {
  const cleaned = geminiParameters(parameters);
  return {name: names.upstream(name), ...(description ? {description} : {}), ...(cleaned ? {parameters: cleaned} : {})};
}

/** OpenAI `tool_choice` (`none`/`auto`/`required`/a named function) → Gemini `toolConfig`. */
export function geminiToolConfig(choice: unknown, functionName: string | undefined, names: ToolNames): JsonObject | undefined {
  if (functionName) return {functionCallingConfig: {mode: 'ANY', allowedFunctionNames: [names.upstream(functionName)]}};
  if (choice === 'none') return {functionCallingConfig: {mode: 'NONE'}};
  if (choice === 'auto') return {functionCallingConfig: {mode: 'AUTO'}};
  if (choice === 'required') return {functionCallingConfig: {mode: 'ANY'}};
  return undefined;
}

/**
 * Reasoning effort → `thinkingConfig`: Gemini 3 models take a `thinkingLevel` (low, high), earlier
 * ones a `thinkingBudget` in tokens (0 turns thinking off where the model allows it).
 */
export function geminiThinkingConfig(model: string, effort: ReasoningEffort | undefined): JsonObject | undefined {
  if (effort === undefined) return undefined;
  if (/^gemini-3/.test(model)) return {thinkingLevel: effort === 'minimal' || effort === 'low' || effort === 'none' ? 'low' : 'high', includeThoughts: effort !== 'none'};
  if (effort === 'none') return /pro/.test(model) ? undefined : {thinkingBudget: 0};
  return {thinkingBudget: budgetForEffort(effort), includeThoughts: true};
}

export interface GenerationOptions {
  /** Sampling and limits under their Gemini names (temperature, topP, topK, maxOutputTokens, seed…); undefined ones are left out. */
  sampling: Record<string, number | undefined>;
  stopSequences?: string[];
  /** The client asked for JSON output (`undefined` schema: any JSON object). */
  json?: {schema: unknown};
  effort?: ReasoningEffort;
}

/** `generationConfig` for `model`, or undefined when nothing is set. */
export function geminiGenerationConfig(model: string, options: GenerationOptions): JsonObject | undefined {
  const config: JsonObject = {};
  for (const [key, value] of Object.entries(options.sampling)) if (value !== undefined) config[key] = value;
  if (options.stopSequences?.length) config.stopSequences = options.stopSequences;
  if (options.json) {
    config.responseMimeType = 'application/json';
    const schema = geminiParameters(options.json.schema);
    if (schema) config.responseSchema = schema;
  }
  const thinking = geminiThinkingConfig(model, options.effort);
  if (thinking) config.thinkingConfig = thinking;
  return Object.keys(config).length > 0 ? config : undefined;
}

/** The two protocols that carry a Gemini request: Cloud Code's envelope, or the native API's bare request. */
export type GeminiProtocol = Extract<ApiProtocol, 'gemini-internal' | 'gemini-native'>;

/**
 * The body that carries a Gemini request, streamed or not as the client asked: Cloud Code wraps it
 * as `{model, project, request}`; the native API (Vertex AI, AI Studio) takes the request itself, the model and
 * project being in its URL.
 */
export function geminiPlan(upstream: GeminiProtocol, context: TranslateContext, request: JsonObject): UpstreamRequestPlan {
  const method = context.clientStream ? 'stream' : 'generate';
  if (upstream === 'gemini-native') return {body: request, upstreamStream: context.clientStream, method};
  const body: JsonObject = {model: context.upstreamModel, request};
  if (context.project) body.project = context.project;
  return {body, upstreamStream: context.clientStream, method};
}
