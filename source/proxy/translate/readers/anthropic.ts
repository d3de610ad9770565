// Anthropic Messages upstream → TurnEvents. Stream: `message_start` (id, model, input usage),
// `content_block_start/delta/stop` per block (`text_delta`, `thinking_delta`, `signature_delta`,
// `input_json_delta` fragments of a `tool_use` input; `redacted_thinking` whole in its start),
// `message_delta` (stop_reason, output usage), `message_stop`, `ping`, and `error` events. A whole
// message (non-streaming) is the same blocks at once.
// Usage: Anthropic's `input_tokens` excludes cache reads and writes; TurnEvents count all input
// (OpenAI's convention), so the three are added and the cached parts reported beside.
import {ownValue} from '../../../core/id-map.js';
import {cutText} from '../../../core/redact.js';
import {errorObjectText} from '../errors.js';
import type {StopReason, StreamError, TurnEvent, Usage} from '../events.js';
import {asArray, asNumber, asRecord, asString, field, isRecord, type JsonObject} from '../json.js';
import {SseTurnReader} from './sse-reader.js';

const STOP_REASONS: Record<string, StopReason> = {
  end_turn: 'end_turn',
  max_tokens: 'max_tokens',
  stop_sequence: 'stop_sequence',
  tool_use: 'tool_use',
  pause_turn: 'pause_turn',
  refusal: 'refusal',
  model_context_window_exceeded: 'max_tokens',
};

/** Anthropic `usage` → Usage (see the file comment); fields it lacks stay undefined. */
export function anthropicUsage(usage: unknown): Usage | undefined {
  const record = asRecord(usage);
  if (!record) return undefined;
  const input = asNumber(record.input_tokens);
  const read = asNumber(record.cache_read_input_tokens);
  const written = asNumber(record.cache_creation_input_tokens);
  return {
    inputTokens: input === undefined ? undefined : input + (read ?? 0) + (written ?? 0),
    outputTokens: asNumber(record.output_tokens),
    cachedInputTokens: read,
    cacheCreationInputTokens: written,
  };
}

type Block = {kind: 'text' | 'thinking' | 'other'} | {kind: 'tool'; key: string};

/**
 * A block an upstream sent while a tool call's block was still open: its events (start, deltas,
 * stop), held in order until that call ends (see AnthropicReader).
 */
/** The held-block index of text sent on tool block `index`'s own index: never an upstream's (those are >= 0). */
const besideToolIndex = (index: number): number => -1 - index;

interface HeldBlock {
  index: number;
  events: Array<() => void>;
}

export class AnthropicReader extends SseTurnReader {
  private readonly blocks = new Map<number, Block>();
  /**
   * Blocks an upstream interleaved with an open tool call (Anthropic itself streams one block at a
   * time; a gateway may not): a text, thinking or tool block that starts or goes on meanwhile is
   * held, then emitted in order once the call ends, as the Chat reader keeps interleaved calls.
   * Emitted directly, they closed the open call and its later arguments were lost.
   */
  private readonly held: HeldBlock[] = [];

  protected onJson(event: JsonObject): void {
    switch (event.type) {
      case 'message_start': {
        const message = asRecord(event.message);
        this.out.start(asString(message?.id), asString(message?.model));
        this.onUsage(message?.usage);
        return;
      }
      case 'content_block_start':
        return this.onBlockStart(asNumber(event.index) ?? 0, asRecord(event.content_block) ?? {});
      case 'content_block_delta':
        return this.onDelta(asNumber(event.index) ?? 0, asRecord(event.delta) ?? {});
      case 'content_block_stop':
        return this.onBlockStop(asNumber(event.index) ?? 0);
      case 'message_delta': {
        const reason = asString(field(event.delta, 'stop_reason'));
        if (reason) this.out.stop(ownValue(STOP_REASONS, reason) ?? 'end_turn', asString(field(event.delta, 'stop_sequence')));
        this.onUsage(event.usage);
        return;
      }
      case 'message_stop':
        return this.onEnd();
      case 'error': {
        const error = anthropicStreamError(event);
        return this.out.error(error.message, error.code, error.detail);
      }
      default:
        return; // ping, and event types added later
    }
  }

  private onBlockStart(index: number, block: JsonObject): void {
    // A text or thinking block started on the index of a call still open (no upstream should; a
    // gateway might): held beside the call, as its deltas are (onDelta), and the index stays the call's.
    const beside = block.type !== 'tool_use' && this.toolStillOpen(index);
    const at = beside ? besideToolIndex(index) : index;
    switch (block.type) {
      case 'text':
        if (!beside) this.blocks.set(index, {kind: 'text'});
        return this.emit(at, true, () => this.out.text(asString(block.text) ?? ''));
      case 'thinking':
        if (!beside) this.blocks.set(index, {kind: 'thinking'});
        return this.emit(at, true, () => {
          this.out.thinking(asString(block.thinking) ?? '');
          if (asString(block.signature)) this.out.thinkingSignature(String(block.signature));
        });
      case 'redacted_thinking':
        if (!beside) this.blocks.set(index, {kind: 'other'});
        return this.emit(at, true, () => this.out.redactedThinking(asString(block.data) ?? ''));
      case 'tool_use': {
        const key = String(index);
        this.blocks.set(index, {kind: 'tool', key});
        return this.emit(index, true, () => {
          this.out.toolCallStart(key, asString(block.id) ?? `toolu_${index}`, asString(block.name) ?? '');
          // A whole message carries the input here; a stream sends `{}` and then input_json_delta.
          if (isRecord(block.input) && Object.keys(block.input).length > 0) this.out.toolCallArgs(key, JSON.stringify(block.input));
        });
      }
      default:
        // Server tools (web search results and the like) have no counterpart in the clients' protocols.
        if (!beside) this.blocks.set(index, {kind: 'other'});
    }
  }

  /** Whether block `index` is a tool call not yet ended: open now, or held behind another call. */
  private toolStillOpen(index: number): boolean {
    const block = this.blocks.get(index);
    if (block?.kind !== 'tool') return false;
    return this.out.openToolKey === block.key || this.held.some((held) => held.index === index);
  }

  private onDelta(index: number, delta: JsonObject): void {
    const block = this.blocks.get(index);
    // Text or thinking sent on a tool call's own index (no upstream should; a gateway might): held
    // as a block of its own, so the call's later arguments are not cut off by it.
    const textIndex = block?.kind === 'tool' ? besideToolIndex(index) : index;
    switch (delta.type) {
      case 'text_delta':
        return this.emit(textIndex, false, () => this.out.text(asString(delta.text) ?? ''));
      case 'thinking_delta':
        return this.emit(textIndex, false, () => this.out.thinking(asString(delta.thinking) ?? ''));
      case 'signature_delta':
        return this.emit(textIndex, false, () => this.out.thinkingSignature(asString(delta.signature) ?? ''));
      case 'input_json_delta':
        if (block?.kind === 'tool') this.emit(index, false, () => this.out.toolCallArgs(block.key, asString(delta.partial_json) ?? ''));
        return;
      default:
        return; // citations_delta: the text it cites already came as text
    }
  }

  private onBlockStop(index: number): void {
    const block = this.blocks.get(index);
    if (block?.kind !== 'tool') return;
    const open = this.out.openToolKey === block.key;
    this.emit(index, false, () => this.out.toolCallEnd(block.key));
    // The call that held the others back has ended: they go out now.
    if (open) this.emitHeld(false);
  }

  /**
   * Runs `event` (a block's start, delta or stop) now, or holds it: its block is held already, or
   * a tool call of another block is open, or (a start) blocks are held before it.
   */
  private emit(index: number, start: boolean, event: () => void): void {
    const held = this.held.find((block) => block.index === index);
    if (held) return void held.events.push(event);
    const open = this.out.openToolKey;
    if ((open !== undefined && open !== String(index)) || (start && this.held.length > 0)) return void this.held.push({index, events: [event]});
    event();
  }

  /** The held blocks' events, in order, while no call is open; all of them (`all`) when the turn ends. */
  private emitHeld(all: boolean): void {
    // After an error nothing more is the turn's.
    if (this.out.finished) this.held.length = 0;
    while (this.held.length > 0 && (all || this.out.openToolKey === undefined)) for (const event of this.held.shift()!.events) event();
  }

  protected override onEnd(): void {
    this.emitHeld(true);
    super.onEnd();
  }

  private onUsage(usage: unknown): void {
    const read = anthropicUsage(usage);
    if (read) this.out.usage(read);
  }

  /** A whole non-stream message (or SSE text from an upstream that streamed anyway). */
  static readBody(text: string): TurnEvent[] {
    const reader = new AnthropicReader();
    return reader.readWhole(text, (value) => {
      const body = asRecord(value);
      if (!body || body.type === 'error') return reader.onJson(body ?? {type: 'error', error: {message: cutText(text, 200)}});
      reader.out.start(asString(body.id), asString(body.model));
      reader.onUsage(body.usage);
      asArray(body.content).forEach((block, index) => {
        if (!isRecord(block)) return;
        reader.onBlockStart(index, block);
        reader.onBlockStop(index);
      });
      const reason = asString(body.stop_reason);
      if (reason) reader.out.stop(ownValue(STOP_REASONS, reason) ?? 'end_turn', asString(body.stop_sequence));
    });
  }
}

/**
 * What an Anthropic `error` event reports (`{type: 'error', error: {type, message}}`): its message
 * (the error object described when it has none), its code word (`overloaded_error`,
 * `rate_limit_error`) and the error object as sent. Read here for the translators and for a
 * pass-through stream that ended in one (sse-final-event.ts).
 */
export function anthropicStreamError(event: JsonObject): StreamError {
  const error = asRecord(event.error);
  return {message: asString(error?.message) ?? errorObjectText(event.error ?? event), code: asString(error?.type), detail: error};
}
