// TurnEvents → OpenAI Chat Completions client. Stream: `chat.completion.chunk` objects as `data:`
// lines: the first delta carries `role`, text as `delta.content`, reasoning as
// `delta.reasoning_content` (the field DeepSeek, Qwen and the clients that show reasoning read), each
// tool call as `delta.tool_calls[{index}]` fragments with id, type and name in the first, then a chunk
// with `finish_reason`, a usage chunk with empty `choices` when the client set
// `stream_options.include_usage`, and `data: [DONE]`. Not streaming: one `chat.completion` object.
// Reasoning signatures have no place in Chat messages and are dropped, but the one Gemini puts on a
// function call goes on that call as Google's own OpenAI-compatible API puts it
// (`extra_content.google.thought_signature`, tagged with the upstream, ../signatures.ts): clients
// that keep the calls they were given send it back, and the next request puts it back on the call.
import type {StopReason, TurnEvent, Usage} from '../events.js';
import type {JsonObject} from '../json.js';
import type {TurnWriter} from '../pipe.js';
import {estimatedUsage} from '../estimate-tokens.js';
import {formatSse} from '../sse.js';
import {chatCallSignatureField} from '../chat-history.js';
import {GEMINI_SIGNATURE_FOR_NEXT_PART} from '../readers/gemini.js';
import {tagSignature} from '../signatures.js';
import type {ToolNames} from '../tool-names.js';
import {upstreamFailed} from '../errors.js';
import type {ApiProtocol} from '../types.js';

export interface ChatWriterOptions {
  /** The model id the client asked for (reported in every chunk). */
  model: string;
  /** Client names for the tool names the upstream calls. */
  names: ToolNames;
  /** Send the final usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
  /** `created`, in unix seconds (now by default). */
  created?: number;
  /** The proxy's estimate of the request's input tokens (estimate-tokens.ts), reported until the upstream reports its own. */
  estimatedInputTokens?: number;
  /** The upstream protocol, to tag the signatures it puts on calls with (Gemini's; others put none). */
  upstream?: ApiProtocol;
}

/**
 * The signature a `thinking-signature` event gives the tool call that follows it, tagged for the
 * client (a Gemini signature of the next part, readers/gemini.ts); undefined for any other.
 */
function nextCallSignature(signature: string, upstream: ApiProtocol | undefined): string | undefined {
  if (!upstream || !signature.startsWith(GEMINI_SIGNATURE_FOR_NEXT_PART)) return undefined;
  return tagSignature(upstream, signature.slice(GEMINI_SIGNATURE_FOR_NEXT_PART.length));
}

/** Stop reason → `finish_reason`. */
export function chatFinishReason(reason: StopReason): string {
  if (reason === 'tool_use') return 'tool_calls';
  if (reason === 'max_tokens') return 'length';
  if (reason === 'refusal') return 'content_filter';
  return 'stop';
}

/** Usage → Chat `usage` (`prompt_tokens` counts cached tokens too, as OpenAI does). */
export function chatUsageJson(usage: Usage): JsonObject {
  const prompt = usage.inputTokens ?? 0;
  const completion = usage.outputTokens ?? 0;
  const out: JsonObject = {prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion};
  if (usage.cachedInputTokens !== undefined) out.prompt_tokens_details = {cached_tokens: usage.cachedInputTokens};
  if (usage.reasoningTokens !== undefined) out.completion_tokens_details = {reasoning_tokens: usage.reasoningTokens};
  return out;
}

/** An OpenAI error object (`{error: {message, type, param, code}}`). */
export function openaiError(message: string, type = 'api_error', code: string | null = null): JsonObject {
  return {error: {message, type, param: null, code}};
}

export class OpenAIChatWriter implements TurnWriter {
  private id = `chatcmpl-${Date.now().toString(36)}`;
  private readonly created: number;
  private usage: Usage = {};
  private sawUsage = false;
  /** Tool calls so far, by event key → their Chat `index`, and whether arguments came. */
  private readonly calls = new Map<string, {index: number; hasArgs: boolean}>();
  private roleSent = false;
  private done = false;
  /** The signature for the next part, while it may be a tool call (nextCallSignature). */
  private callSignature: string | undefined;

  constructor(private readonly options: ChatWriterOptions) {
    this.created = options.created ?? Math.floor(Date.now() / 1000);
    this.usage = estimatedUsage(options.estimatedInputTokens);
    this.sawUsage = options.estimatedInputTokens !== undefined;
  }

  write(events: TurnEvent[]): string {
    return events.map((event) => this.event(event)).join('');
  }

  fail(message: string, code?: string): string {
    if (this.done) return '';
    this.done = true;
    return formatSse(undefined, openaiError(message, 'api_error', code ?? null));
  }

  private event(event: TurnEvent): string {
    if (this.done) return '';
    switch (event.type) {
      case 'start':
        if (event.id) this.id = event.id.startsWith('chatcmpl') ? event.id : `chatcmpl-${event.id}`;
        return this.delta({content: ''});
      case 'text':
        this.callSignature = undefined;
        return this.delta({content: event.text});
      case 'thinking':
        return this.delta({reasoning_content: event.text});
      case 'thinking-signature':
        this.callSignature = nextCallSignature(event.signature, this.options.upstream);
        return '';
      case 'tool-call-start': {
        const index = this.calls.size;
        this.calls.set(event.key, {index, hasArgs: false});
        const signature = chatCallSignatureField(this.callSignature);
        this.callSignature = undefined;
        return this.delta({tool_calls: [{index, id: event.id, type: 'function', function: {name: this.options.names.client(event.name), arguments: ''}, ...signature}]});
      }
      case 'tool-call-args': {
        const call = this.calls.get(event.key);
        if (!call) return '';
        call.hasArgs = true;
        return this.delta({tool_calls: [{index: call.index, function: {arguments: event.json}}]});
      }
      case 'tool-call-end': {
        // A call without arguments still has to parse as JSON on the client.
        const call = this.calls.get(event.key);
        return call && !call.hasArgs ? this.delta({tool_calls: [{index: call.index, function: {arguments: '{}'}}]}) : '';
      }
      case 'usage':
        this.usage = {...this.usage, ...event.usage};
        this.sawUsage = true;
        return '';
      case 'stop': {
        this.done = true;
        let out = this.chunk([{index: 0, delta: {}, finish_reason: chatFinishReason(event.reason)}]);
        if (this.options.includeUsage) out += this.chunk([], chatUsageJson(this.sawUsage ? this.usage : {}));
        return `${out}data: [DONE]\n\n`;
      }
      case 'error':
        // The upstream's own code word (overloaded_error, RESOURCE_EXHAUSTED…) tells clients whether to retry.
        return this.fail(event.message, event.errorType);
      default:
        return ''; // signatures and redacted thinking: Chat has no place for them
    }
  }

  private delta(delta: JsonObject): string {
    if (!this.roleSent) {
      this.roleSent = true;
      delta = {role: 'assistant', ...delta};
    }
    return this.chunk([{index: 0, delta, finish_reason: null}]);
  }

  private chunk(choices: JsonObject[], usage?: JsonObject): string {
    const chunk: JsonObject = {id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.options.model, choices};
    if (usage) chunk.usage = usage;
    return formatSse(undefined, chunk);
  }

  /** A whole `chat.completion` from a turn's events; an `error` event becomes `{error}` (status from the caller). */
  static body(events: TurnEvent[], options: Omit<ChatWriterOptions, 'includeUsage'>): JsonObject {
    let id = `chatcmpl-${Date.now().toString(36)}`;
    let content = '';
    let reasoning = '';
    const calls: JsonObject[] = [];
    const args = new Map<string, {fn: JsonObject; json: string}>();
    let usage: Usage = estimatedUsage(options.estimatedInputTokens);
    let finish = 'stop';
    let callSignature: string | undefined;
    for (const event of events) {
      switch (event.type) {
        case 'start':
          if (event.id) id = event.id.startsWith('chatcmpl') ? event.id : `chatcmpl-${event.id}`;
          break;
        case 'text':
          content += event.text;
          callSignature = undefined;
          break;
        case 'thinking':
          reasoning += event.text;
          break;
        case 'thinking-signature':
          callSignature = nextCallSignature(event.signature, options.upstream);
          break;
        case 'tool-call-start': {
          const fn: JsonObject = {name: options.names.client(event.name), arguments: ''};
          args.set(event.key, {fn, json: ''});
          calls.push({id: event.id, type: 'function', function: fn, ...chatCallSignatureField(callSignature)});
          callSignature = undefined;
          break;
        }
        case 'tool-call-args': {
          const call = args.get(event.key);
          if (call) call.fn.arguments = call.json += event.json;
          break;
        }
        case 'usage':
          usage = {...usage, ...event.usage};
          break;
        case 'stop':
          finish = chatFinishReason(event.reason);
          break;
        case 'error':
          // Not a chat.completion: an error status (deliver.ts), never a 200 the SDK reads as one without choices.
          throw upstreamFailed(event.message, event.errorType, event.detail);
        default:
          break;
      }
    }
    for (const {fn} of args.values()) if (fn.arguments === '') fn.arguments = '{}';
    const message: JsonObject = {role: 'assistant', content: content === '' && calls.length > 0 ? null : content};
    if (reasoning) message.reasoning_content = reasoning;
    if (calls.length > 0) message.tool_calls = calls;
    return {
      id,
      object: 'chat.completion',
      created: options.created ?? Math.floor(Date.now() / 1000),
      model: options.model,
      choices: [{index: 0, message, finish_reason: finish, logprobs: null}],
      usage: chatUsageJson(usage),
    };
  }
}
