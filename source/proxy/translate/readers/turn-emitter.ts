// The event-order guarantees of every reader (see README.md beside this file), kept in one place:
// readers report what the upstream said in whatever order it said it, and this class emits TurnEvents
// in the order writers rely on.
import {isHigh, isLow, isWellFormed, toWellFormed} from '../../../core/code-units.js';
import {cutText} from '../../../core/redact.js';
import {ERROR_MESSAGE_MAX} from '../errors.js';
import type {ErrorEvent, StopReason, TurnEvent, Usage} from '../events.js';

type Open = {kind: 'text'} | {kind: 'thinking'} | {kind: 'tool'; key: string} | undefined;

/** A delta that neither ends in a high surrogate (half of a character split off) nor holds a lone half. */
const wholeDelta = (text: string): boolean => !isHigh(text.charCodeAt(text.length - 1)) && isWellFormed(text);

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
    this.words('text', text, json);
  }

  thinking(text: string, json?: string): void {
    this.words('thinking', text, json);
  }

  /** A text or thinking delta: its run's block opened, a split character joined (joinSplit). */
  private words(kind: 'text' | 'thinking', text: string, json?: string): void {
    if (!text) return;
    // Nearly every delta: nothing held, no half in it.
    if (this.split === undefined && wholeDelta(text)) {
      this.openBlock({kind});
      this.events.push(json === undefined ? {type: kind, text} : {type: kind, text, json});
      return;
    }
    const whole = this.joinSplit(kind, text, json);
    // Opened for a held half alone too: what it is part of closes an open call now, as a whole delta would.
    this.openBlock({kind});
    if (whole.text) this.events.push(whole.json === undefined ? {type: kind, text: whole.text} : {type: kind, text: whole.text, json: whole.json});
    this.holdSplit(kind, whole.high);
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
    if (this.split === undefined && wholeDelta(json)) return void this.events.push({type: 'tool-call-args', key, json});
    const whole = this.joinSplit(`tool:${key}`, json);
    if (whole.text) this.events.push({type: 'tool-call-args', key, json: whole.text});
    this.holdSplit(`tool:${key}`, whole.high);
  }

  toolCallEnd(key: string): void {
    if (this.open?.kind !== 'tool' || this.open.key !== key) return;
    // A half held here is this call's own (a held half opens its run's block): its U+FFFD ends its arguments.
    this.flushSplit();
    this.events.push({type: 'tool-call-end', key});
    this.open = undefined;
  }

  /**
   * A UTF-16 high surrogate a delta ended with (an emoji or other astral character an upstream split
   * across two deltas), held for the low one the next delta of the same run (`text`, `thinking`,
   * `tool:<key>`) begins with. Sent alone, each delta carried a lone surrogate (`\ud83d`), which
   * strict JSON readers refuse (Rust's serde_json, so Codex CLI). One that no low surrogate follows,
   * and any other lone half, goes out as U+FFFD, as a UTF-8 encoder writes it.
   */
  private split: {run: string; high: string} | undefined;

  /**
   * `text` with a held high surrogate of the same run in front when `text` begins with its low half,
   * less a high surrogate it ends with (`high`); any other lone half in it made U+FFFD. A held half
   * that `text` does not complete goes out first (flushSplit).
   */
  private joinSplit(run: string, text: string, json?: string): {text: string; json?: string; high?: string} {
    const split = this.split;
    if (split) {
      const first = text.charCodeAt(0);
      if (split.run === run && isLow(first)) {
        this.split = undefined;
        text = split.high + text;
        json = undefined;
      } else this.flushSplit();
    }
    const last = text.charCodeAt(text.length - 1);
    let high: string | undefined;
    if (isHigh(last)) {
      high = text.slice(-1);
      text = text.slice(0, -1);
      json = undefined;
    }
    // The upstream's own lone halves (a low one whose high went out as U+FFFD, a broken string).
    if (!isWellFormed(text)) {
      text = toWellFormed(text);
      json = undefined;
    }
    return {text, ...(json === undefined ? {} : {json}), ...(high === undefined ? {} : {high})};
  }

  private holdSplit(run: string, high: string | undefined): void {
    if (high !== undefined && !this.done) this.split = {run, high};
  }

  /** The held high surrogate, with nothing to pair with, as U+FFFD in its own run. */
  private flushSplit(): void {
    const split = this.split;
    if (!split) return;
    this.split = undefined;
    if (split.run === 'text') this.text('\uFFFD');
    else if (split.run === 'thinking') this.thinking('\uFFFD');
    else this.toolCallArgs(split.run.slice('tool:'.length), '\uFFFD');
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

  /** The error the turn ended with (see error()). */
  failure: ErrorEvent | undefined;

  error(message: string, errorType?: string, detail?: Record<string, unknown>): void {
    if (this.done) return;
    // Control characters out (a body in UTF-16 quoted as text puts a NUL between every letter): a
    // credential among them would pass the mask, and a terminal shows it whole (attack, s41). Cut as
    // an error body is: a stream's error event is not bounded, and megabytes are not masked.
    // eslint-disable-next-line no-control-regex
    message = cutText(message.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, ''), ERROR_MESSAGE_MAX);
    this.openBlock(undefined);
    const event: ErrorEvent = {type: 'error', message};
    if (errorType) event.errorType = errorType;
    if (detail) event.detail = detail;
    this.failure = event;
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
    this.flushSplit();
    this.ensureStarted();
    const open = this.open;
    if (open && next && open.kind === next.kind && open.kind !== 'tool') return;
    if (open?.kind === 'tool') this.events.push({type: 'tool-call-end', key: open.key});
    this.open = next;
  }
}
