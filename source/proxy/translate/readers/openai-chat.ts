// OpenAI Chat Completions upstream → TurnEvents. Stream: `data: {choices: [{delta, finish_reason}]}`
// chunks, tool calls as `delta.tool_calls[].index` fragments (id and name in the first), reasoning as
// `delta.reasoning_content` (DeepSeek, Qwen, Kimi, iFlow, xAI) or `delta.reasoning` (OpenRouter-style),
// a final usage chunk (`stream_options.include_usage`) with empty `choices` (Moonshot: the usage in the
// last chunk's choice), then `data: [DONE]`.
// Gemini's OpenAI-compatible surface (and gateways in front of it) puts a Gemini 3 call's thought
// signature beside the call, `extra_content.google.thought_signature`, and refuses the next request
// when it is not sent back there: it becomes a signature for the next part, as the Gemini reader's
// (readers/gemini.ts), which the Chat request builders put back on that call.
import type {StopReason, StreamError, TurnEvent, Usage} from '../events.js';
import {errorCodeWord, errorObjectText} from '../errors.js';
import {asArray, asNumber, asRecord, asString, field, isRecord, parseJsonObject, type JsonObject} from '../json.js';
import {chatCallThoughtSignature} from '../chat-history.js';
import {ChunkTemplate} from './chunk-template.js';
import {GEMINI_SIGNATURE_FOR_NEXT_PART} from './gemini.js';
import {SseTurnReader} from './sse-reader.js';
import {ToolCallQueue} from './tool-calls.js';

/** `finish_reason` → stop reason. */
export function chatStopReason(finish: string): StopReason {
  if (finish === 'length') return 'max_tokens';
  if (finish === 'tool_calls' || finish === 'function_call') return 'tool_use';
  if (finish === 'content_filter') return 'refusal';
  return 'end_turn';
}

/**
 * Chat `usage` → Usage; `prompt_tokens` includes the cached ones, which OpenAI counts in
 * `prompt_tokens_details.cached_tokens`, Moonshot (Kimi) in a top-level `cached_tokens`, DeepSeek in
 * `prompt_cache_hit_tokens`.
 */
export function chatUsage(usage: unknown): Usage | undefined {
  const record = asRecord(usage);
  if (!record) return undefined;
  return {
    inputTokens: asNumber(record.prompt_tokens),
    outputTokens: asNumber(record.completion_tokens),
    cachedInputTokens: asNumber(field(record.prompt_tokens_details, 'cached_tokens')) ?? asNumber(record.cached_tokens) ?? asNumber(record.prompt_cache_hit_tokens),
    reasoningTokens: asNumber(field(record.completion_tokens_details, 'reasoning_tokens')),
  };
}

function reasoningOf(record: unknown): string | undefined {
  return asString(field(record, 'reasoning_content')) ?? asString(field(record, 'reasoning'));
}

/**
 * What a chunk says when all it says is one delta string: text only, or reasoning only (one choice,
 * no tool call, finish reason, usage or error). Nearly every chunk of an answer is one, and
 * `onJson` reads it as exactly `onText` or `onReasoning` of that string, so the reader may read the
 * next chunk of the same text around it by template (chunk-template.ts).
 */
function oneDeltaString(chunk: JsonObject | undefined): {kind: 'text' | 'reasoning'; value: string} | undefined {
  if (!chunk || asRecord(chunk.error) || asRecord(chunk.usage)) return undefined;
  const choices = asArray(chunk.choices);
  if (choices.length !== 1 || (asNumber(field(choices[0], 'index')) ?? 0) !== 0 || asString(field(choices[0], 'finish_reason')) || asRecord(field(choices[0], 'usage'))) return undefined;
  const delta = field(choices[0], 'delta');
  if (!isRecord(delta) || asArray(field(delta, 'tool_calls')).length > 0) return undefined;
  const reasoning = reasoningOf(delta);
  const content = asString(field(delta, 'content'));
  if (content !== undefined && !reasoning) return {kind: 'text', value: content};
  if (reasoning !== undefined && !content) return {kind: 'reasoning', value: reasoning};
  return undefined;
}

/** Tool-call indexes of choice n are read as n × CHOICE_STRIDE + index (no answer has this many calls). */
const CHOICE_STRIDE = 1 << 16;

export class OpenAIChatReader extends SseTurnReader {
  private readonly calls = new ToolCallQueue(this.out);
  /** Tool-call ids by index (for fragments without an `index`): the id of the index's latest call. */
  private readonly callIds = new Map<number, string>();
  /** The key of an index's latest call, when it is not the index itself (see onToolCall). */
  private readonly keys = new Map<number, string>();
  private renumbered = 0;
  private thinkingOpen = false;
  private sawDone = false;
  /** The last text-only and reasoning-only chunks (see oneDeltaString). */
  private readonly templates = {text: new ChunkTemplate(), reasoning: new ChunkTemplate()};

  protected override onDone(): void {
    this.sawDone = true;
    // Some providers send [DONE] without any finish_reason; [DONE] itself says the turn is complete.
    if (!this.out.stopKnown) this.out.stop('end_turn');
  }

  protected override readByTemplate(text: string): boolean {
    const delta = this.templates.text.match(text);
    if (delta !== undefined) {
      this.onText(delta, this.templates.text.json);
      return true;
    }
    const reasoning = this.templates.reasoning.match(text);
    if (reasoning === undefined) return false;
    this.onReasoning(reasoning, this.templates.reasoning.json);
    return true;
  }

  /**
   * One stream chunk (`text`: its data as sent), or a whole non-stream completion (its `message`
   * read as one big delta).
   */
  protected onJson(chunk: JsonObject, text?: string): void {
    if (text !== undefined) this.learnTemplate(chunk, text);
    const error = chatStreamError(chunk);
    if (error) {
      this.out.error(error.message, error.code, error.detail);
      return;
    }
    this.out.start(asString(chunk.id), asString(chunk.model));
    // Moonshot (Kimi) streams its usage inside the last chunk's choice, not beside `choices`.
    let choiceUsage: unknown;
    // The proxy never asks for n > 1, and the client has one answer: its text, reasoning and finish
    // reason are choice 0's (no `index`: 0). Another choice's are dropped, not joined to them (a
    // second choice's delta inside the first's text split what the client reads, credentials too).
    // Its tool calls are kept: Copilot with Claude models puts each call of the one answer in a
    // choice of its own.
    for (const choice of asArray(chunk.choices)) {
      const index = asNumber(field(choice, 'index')) ?? 0;
      const delta = field(choice, 'delta') ?? field(choice, 'message');
      if (index === 0) {
        this.onReasoning(reasoningOf(delta));
        this.onText(asString(field(delta, 'content')));
      }
      this.onToolCalls(delta, index);
      const finish = index === 0 ? asString(field(choice, 'finish_reason')) : undefined;
      if (finish) this.out.stop(chatStopReason(finish));
      choiceUsage = field(choice, 'usage') ?? choiceUsage;
    }
    const usage = chatUsage(chunk.usage ?? choiceUsage);
    if (usage) this.out.usage(usage);
  }

  /** A chunk of one delta string is the template for the next ones of its kind. */
  private learnTemplate(chunk: JsonObject, text: string): void {
    const one = oneDeltaString(chunk);
    if (!one) return;
    const kind = one.kind;
    this.templates[kind].learn(text, one.value, (probe) => {
      const read = oneDeltaString(parseJsonObject(probe));
      return read?.kind === kind ? read.value : undefined;
    });
  }

  private onToolCalls(delta: unknown, choice: number): void {
    const toolCalls = asArray(field(delta, 'tool_calls'));
    if (toolCalls.length) this.endThinking();
    for (const [position, call] of toolCalls.entries()) this.onToolCall(call, position, choice);
  }

  /** `json`: the string as a JSON literal, when at hand (TurnEvent). */
  private onReasoning(reasoning: string | undefined, json?: string): void {
    if (!reasoning) return;
    // Inside an open call's arguments: after them (ToolCallQueue heldWords).
    if (this.calls.holding()) return this.calls.hold(() => this.onReasoning(reasoning, json));
    this.out.thinking(reasoning, json);
    this.thinkingOpen = true;
  }

  private onText(content: string | undefined, json?: string): void {
    if (!content) return;
    if (this.calls.holding()) return this.calls.hold(() => this.onText(content, json));
    this.endThinking();
    this.out.text(content, json);
  }

  /** Chat has no signatures; an empty one marks the thinking as made by this upstream (signatures.ts). */
  private endThinking(): void {
    if (!this.thinkingOpen) return;
    this.thinkingOpen = false;
    this.out.thinkingSignature('');
  }

  /** `choice`: the call's choice; each numbers its calls on its own (CHOICE_STRIDE apart). */
  private onToolCall(call: unknown, position: number, choice: number): void {
    const id = asString(field(call, 'id'));
    const given = asNumber(field(call, 'index'));
    const index = given === undefined ? this.indexWithoutIndex(id, position) : choice * CHOICE_STRIDE + given;
    const fn = field(call, 'function');
    const known = this.callIds.get(index);
    let key = this.keys.get(index) ?? String(index);
    // Some servers number every parallel call 0, each whole with its own id: a new id under an index
    // whose call is complete (whole arguments, or none yet and a new name comes) is the next call
    // (its arguments would otherwise join the first's).
    const name = asString(field(fn, 'name'));
    // Gemini signs only the first call of a step; one on a later call (Gemini sends none) would land inside the open call.
    const signature = this.callIds.size === 0 ? chatCallThoughtSignature(call) : undefined;
    if (signature) this.out.thinkingSignature(GEMINI_SIGNATURE_FOR_NEXT_PART + signature);
    if (id && known && id !== known && (this.calls.hasWholeArguments(key) || (name && !this.calls.hasArguments(key)))) {
      key = `${index}.${++this.renumbered}`;
      this.keys.set(index, key);
      this.callIds.set(index, id);
    } else if (known === undefined || (id && !known)) this.callIds.set(index, id ?? '');
    this.calls.announce(key, id ?? '', name ?? '');
    const args = asString(field(fn, 'arguments')) ?? (isRecord(field(fn, 'arguments')) ? JSON.stringify(field(fn, 'arguments')) : '');
    // Chat never says a call is complete: a later call's fragment ends it once its JSON is whole.
    this.calls.args(key, args, true);
  }

  /**
   * Some OpenAI-compatible servers omit `index`: a fragment with a new id is a new call, one without
   * an id continues the latest call.
   */
  private indexWithoutIndex(id: string | undefined, position: number): number {
    for (const [index, known] of this.callIds) if (id && known === id) return index;
    if (id || this.callIds.size === 0) return Math.max(this.callIds.size, position);
    return Math.max(...this.callIds.keys());
  }

  protected override onEnd(): void {
    if (this.out.finished) return;
    // Every call still held is reported (one whose name never arrived too), in order.
    this.calls.flush();
    if (!this.out.stopKnown && !this.sawDone) {
      this.out.error('the upstream stream ended before the turn finished (no finish_reason, no [DONE])');
      return;
    }
    this.out.finish();
  }

  /** A whole non-stream body (or SSE text from an upstream that streamed anyway). */
  static readBody(text: string): TurnEvent[] {
    const reader = new OpenAIChatReader();
    return reader.readWhole(text, (body) => {
      if (isRecord(body)) reader.onJson(body);
    });
  }
}

/**
 * The error an OpenAI Chat stream chunk reports (`{error: {message, code, type}}`), else undefined:
 * its message (the object described when it has none), its code word (OpenAI's `code` is the word,
 * `rate_limit_exceeded`; its `type` may be what was limited, `requests`) and the error object as
 * sent. Read here for the translators and for a pass-through stream (sse-final-event.ts).
 */
export function chatStreamError(chunk: JsonObject): StreamError | undefined {
  const error = asRecord(chunk.error);
  return error && {message: asString(error.message) ?? errorObjectText(error), code: errorCodeWord(error), detail: error};
}
