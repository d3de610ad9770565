// The event-order guarantees of every reader (see README.md beside this file), kept in one place:
// readers report what the upstream said in whatever order it said it, and this class emits TurnEvents
// in the order writers rely on.
import type {StopReason, TurnEvent, Usage} from '../events.js';

type Open = {kind: 'text'} | {kind: 'thinking'} | {kind: 'tool'; key: string} | undefined;

export class TurnEmitter {
  private events: TurnEvent[] = [];
  private started = false;
  private open: Open;
  private sawToolCall = false;
  private stopReason: StopReason | undefined;
  private stopSequence: string | undefined;
  private done = false;

  /** Whether `stop` or `error` was emitted: nothing more will be. */
  get finished(): boolean {
    return this.done;
  }

  /** Whether the upstream reported how the turn ended (a finish reason, `response.completed`). */
  get stopKnown(): boolean {
    return this.stopReason !== undefined;
  }

  start(id?: string, model?: string): void {
    if (this.started || this.done) return;
    this.started = true;
    const event: TurnEvent = {type: 'start'};
    if (id) event.id = id;
    if (model) event.model = model;
    this.events.push(event);
  }

  /** `json`: `text` as JSON.stringify writes it, when the reader has it (see TurnEvent). */
  text(text: string, json?: string): void {
    if (!text) return;
    this.openBlock({kind: 'text'});
    this.events.push(json === undefined ? {type: 'text', text} : {type: 'text', text, json});
  }

  thinking(text: string, json?: string): void {
    if (!text) return;
    this.openBlock({kind: 'thinking'});
    this.events.push(json === undefined ? {type: 'thinking', text} : {type: 'thinking', text, json});
  }

  /** Ends the open thinking run with its signature, or stands alone (a signature without text). */
  thinkingSignature(signature: string): void {
    this.openBlock({kind: 'thinking'});
    this.events.push({type: 'thinking-signature', signature});
    this.open = undefined;
  }

  redactedThinking(data: string): void {
    this.openBlock(undefined);
    this.events.push({type: 'redacted-thinking', data});
  }

  toolCallStart(key: string, id: string, name: string): void {
    this.openBlock(undefined);
    this.sawToolCall = true;
    this.open = {kind: 'tool', key};
    this.ensureStarted();
    this.events.push({type: 'tool-call-start', key, id, name});
  }

  /** Arguments for the open call `key`; readers call this only for the open call. */
  toolCallArgs(key: string, json: string): void {
    if (!json || this.open?.kind !== 'tool' || this.open.key !== key) return;
    this.events.push({type: 'tool-call-args', key, json});
  }

  toolCallEnd(key: string): void {
    if (this.open?.kind !== 'tool' || this.open.key !== key) return;
    this.events.push({type: 'tool-call-end', key});
    this.open = undefined;
  }

  get openToolKey(): string | undefined {
    return this.open?.kind === 'tool' ? this.open.key : undefined;
  }

  /** Usage as reported so far; later reports replace the fields they carry. */
  usage(usage: Usage): void {
    if (this.done) return;
    const defined = Object.fromEntries(Object.entries(usage).filter(([, v]) => typeof v === 'number')) as Usage;
    if (Object.keys(defined).length === 0) return;
    this.ensureStarted();
    this.events.push({type: 'usage', usage: defined});
  }

  /** Records how the turn ended; emitted by `finish` so that usage sent after it still comes first. */
  stop(reason: StopReason, stopSequence?: string): void {
    this.stopReason = reason;
    this.stopSequence = stopSequence;
  }

  /**
   * Ends the turn: closes the open block and emits `stop` (`tool_use` whenever a tool call was
   * emitted, whatever the upstream said), or `error` when the upstream never said how the turn ended.
   */
  finish(): void {
    if (this.done) return;
    if (this.stopReason === undefined) {
      this.error('the upstream stream ended before the turn finished');
      return;
    }
    this.openBlock(undefined);
    this.ensureStarted();
    const reason: StopReason = this.sawToolCall && this.stopReason !== 'max_tokens' ? 'tool_use' : this.stopReason;
    const event: TurnEvent = {type: 'stop', reason};
    if (reason === 'stop_sequence' && this.stopSequence !== undefined) event.stopSequence = this.stopSequence;
    this.events.push(event);
    this.done = true;
  }

  /** The message of the error the turn ended with (see error()). */
  failure: string | undefined;

  error(message: string, errorType?: string): void {
    if (this.done) return;
    this.failure = message;
    this.openBlock(undefined);
    const event: TurnEvent = {type: 'error', message};
    if (errorType) event.errorType = errorType;
    this.events.push(event);
    this.done = true;
  }

  /** The events emitted since the last call. */
  take(): TurnEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  private ensureStarted(): void {
    if (!this.started) this.start();
  }

  /** Closes the open block unless it is `next`'s kind; tool calls close with their `tool-call-end`. */
  private openBlock(next: Open): void {
    this.ensureStarted();
    const open = this.open;
    if (open && next && open.kind === next.kind && open.kind !== 'tool') return;
    if (open?.kind === 'tool') this.events.push({type: 'tool-call-end', key: open.key});
    this.open = next;
  }
}
