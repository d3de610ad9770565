// OpenAI Chat Completions upstream → TurnEvents. Stream: `data: {choices: [{delta, finish_reason}]}`
// chunks, tool calls as `delta.tool_calls[].index` fragments (id and name in the first), reasoning as
// `delta.reasoning_content` (DeepSeek, Qwen, Kimi, iFlow, xAI) or `delta.reasoning` (OpenRouter-style),
// a final usage chunk (`stream_options.include_usage`) with empty `choices`, then `data: [DONE]`.
import type {StopReason, TurnEvent, Usage} from '../events.js';
import {asArray, asNumber, asRecord, asString, field, isRecord, type JsonObject} from '../json.js';
import {SseTurnReader} from './sse-reader.js';
import {ToolCallQueue} from './tool-calls.js';

/** `finish_reason` → stop reason. */
export function chatStopReason(finish: string): StopReason {
  if (finish === 'length') return 'max_tokens';
  if (finish === 'tool_calls' || finish === 'function_call') return 'tool_use';
  if (finish === 'content_filter') return 'refusal';
  return 'end_turn';
}

/** Chat `usage` → Usage; `prompt_tokens` includes the cached ones. */
export function chatUsage(usage: unknown): Usage | undefined {
  const record = asRecord(usage);
  if (!record) return undefined;
  return {
    inputTokens: asNumber(record.prompt_tokens),
    outputTokens: asNumber(record.completion_tokens),
    cachedInputTokens: asNumber(field(record.prompt_tokens_details, 'cached_tokens')) ?? asNumber(record.prompt_cache_hit_tokens),
    reasoningTokens: asNumber(field(record.completion_tokens_details, 'reasoning_tokens')),
  };
}

function reasoningOf(record: unknown): string | undefined {
  return asString(field(record, 'reasoning_content')) ?? asString(field(record, 'reasoning'));
}

export class OpenAIChatReader extends SseTurnReader {
  private readonly calls = new ToolCallQueue(this.out);
  /** Tool-call ids by index (for fragments without an `index`). */
  private readonly callIds = new Map<number, string>();
  private thinkingOpen = false;
  private sawDone = false;

  protected override onDone(): void {
    this.sawDone = true;
    // Some providers send [DONE] without any finish_reason; [DONE] itself says the turn is complete.
    if (!this.out.stopKnown) this.out.stop('end_turn');
  }

  /** One stream chunk, or a whole non-stream completion (its `message` read as one big delta). */
  protected onJson(chunk: JsonObject): void {
    const error = asRecord(chunk.error);
    if (error) {
      this.out.error(asString(error.message) ?? JSON.stringify(error), asString(error.type) ?? asString(error.code));
      return;
    }
    this.out.start(asString(chunk.id), asString(chunk.model));
    for (const choice of asArray(chunk.choices)) {
      if (asNumber(field(choice, 'index')) ?? 0) continue; // n > 1 is never asked for
      const delta = field(choice, 'delta') ?? field(choice, 'message');
      this.onDelta(delta);
      const finish = asString(field(choice, 'finish_reason'));
      if (finish) this.out.stop(chatStopReason(finish));
    }
    const usage = chatUsage(chunk.usage);
    if (usage) this.out.usage(usage);
  }

  private onDelta(delta: unknown): void {
    const reasoning = reasoningOf(delta);
    if (reasoning) {
      this.out.thinking(reasoning);
      this.thinkingOpen = true;
    }
    const content = asString(field(delta, 'content'));
    if (content) {
      this.endThinking();
      this.out.text(content);
    }
    const toolCalls = asArray(field(delta, 'tool_calls'));
    if (toolCalls.length) this.endThinking();
    for (const [position, call] of toolCalls.entries()) this.onToolCall(call, position);
  }

  /** Chat has no signatures; an empty one marks the thinking as made by this upstream (signatures.ts). */
  private endThinking(): void {
    if (!this.thinkingOpen) return;
    this.thinkingOpen = false;
    this.out.thinkingSignature('');
  }

  private onToolCall(call: unknown, position: number): void {
    const id = asString(field(call, 'id'));
    const index = asNumber(field(call, 'index')) ?? this.indexWithoutIndex(id, position);
    const fn = field(call, 'function');
    if (!this.callIds.has(index) || (id && !this.callIds.get(index))) this.callIds.set(index, id ?? '');
    const key = String(index);
    this.calls.announce(key, id ?? '', asString(field(fn, 'name')) ?? '');
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
