// OpenAI Chat Completions upstream → TurnEvents. Stream: `data: {choices: [{delta, finish_reason}]}`
// chunks, tool calls as `delta.tool_calls[].index` fragments (id and name in the first), reasoning as
// `delta.reasoning_content` (DeepSeek, Qwen, Kimi, iFlow, xAI) or `delta.reasoning` (OpenRouter-style),
// a final usage chunk (`stream_options.include_usage`) with empty `choices`, then `data: [DONE]`.
import type {StopReason, TurnEvent, Usage} from '../events.js';
import {asArray, asNumber, asRecord, asString, field, isRecord, type JsonObject} from '../json.js';
import {SseTurnReader} from './sse-reader.js';

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

interface CallState {
  key: string;
  id: string;
  name: string;
  /** Arguments received before the call could be opened (another call was open). */
  pending: string;
  state: 'waiting' | 'open' | 'closed';
}

export class OpenAIChatReader extends SseTurnReader {
  private readonly calls = new Map<number, CallState>();
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
    const index = asNumber(field(call, 'index')) ?? this.indexWithoutIndex(asString(field(call, 'id')), position);
    const fn = field(call, 'function');
    let state = this.calls.get(index);
    if (!state) {
      state = {key: String(index), id: '', name: '', pending: '', state: 'waiting'};
      this.calls.set(index, state);
    }
    state.id ||= asString(field(call, 'id')) ?? '';
    state.name ||= asString(field(fn, 'name')) ?? '';
    const args = asString(field(fn, 'arguments')) ?? (isRecord(field(fn, 'arguments')) ? JSON.stringify(field(fn, 'arguments')) : '');
    if (state.state === 'open') {
      this.out.toolCallArgs(state.key, args);
      return;
    }
    if (state.state === 'closed') {
      if (args) this.out.error(`the upstream sent arguments for tool call ${index} after starting call ${this.out.openToolKey}: interleaved tool calls are not supported`);
      return;
    }
    state.pending += args;
    if (state.name) this.openCall(state);
  }

  /**
   * Some OpenAI-compatible servers omit `index`: a fragment with a new id is a new call, one without
   * an id continues the latest call.
   */
  private indexWithoutIndex(id: string | undefined, position: number): number {
    for (const [index, state] of this.calls) if (id && state.id === id) return index;
    if (id || this.calls.size === 0) return Math.max(this.calls.size, position);
    return Math.max(...this.calls.keys());
  }

  /**
   * Opens `state` as the one streaming call. Providers send parallel calls one after another, so a
   * new index ends the previous call. Arguments for a call already ended end the turn with an error
   * rather than being lost (no known provider interleaves them).
   */
  private openCall(state: CallState): void {
    const openKey = this.out.openToolKey;
    if (openKey !== undefined) {
      const previous = this.calls.get(Number(openKey));
      if (previous) previous.state = 'closed';
      this.out.toolCallEnd(openKey);
    }
    state.state = 'open';
    this.out.toolCallStart(state.key, state.id || `call_${state.key}`, state.name);
    this.out.toolCallArgs(state.key, state.pending);
    state.pending = '';
  }

  protected override onEnd(): void {
    if (this.out.finished) return;
    // A call whose name never arrived is still reported, not lost.
    for (const state of this.calls.values()) if (state.state === 'waiting') this.openCall(state);
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
