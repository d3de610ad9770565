// The part every SSE reader shares: SSE text in, each event's JSON `data` handed to the protocol's
// reader, TurnEvents out through the TurnEmitter; and a whole body read the same way.
import {cutText} from '../../../core/redact.js';
import {upstreamErrorMessage} from '../errors.js';
import type {ErrorEvent, TurnEvent} from '../events.js';
import {parseJsonObject, type JsonObject} from '../json.js';
import type {TurnReader} from '../pipe.js';
import {looksLikeSse, SseParser} from '../sse.js';
import {TurnEmitter} from './turn-emitter.js';

export abstract class SseTurnReader implements TurnReader {
  private readonly sse = new SseParser();
  protected readonly out = new TurnEmitter();
  /** `data: [DONE]` came: the upstream said the answer is over, and nothing after it counts. */
  private sawDoneMarker = false;

  /**
   * The turn ended (a stop or an error, e.g. Responses `response.completed`, Anthropic
   * `message_stop`) or OpenAI's `data: [DONE]` came: what follows is ignored anyway. A Chat finish
   * reason alone is not the end (usage follows it, then [DONE]); Gemini overrides this.
   */
  get answered(): boolean {
    return this.out.finished || this.sawDoneMarker;
  }

  get failure(): ErrorEvent | undefined {
    return this.out.failure;
  }

  push(chunk: string): TurnEvent[] {
    for (const event of this.sse.push(chunk)) this.onData(event.data);
    return this.out.take();
  }

  end(): TurnEvent[] {
    for (const event of this.sse.end()) this.onData(event.data);
    // An upstream that answered a stream with a plain body (an error with status 200): say what it said.
    if (!this.out.finished && !this.out.stopKnown && this.sse.notSse.trim()) this.out.error(upstreamErrorMessage(200, this.sse.notSse.trim()));
    this.onEnd();
    return this.out.take();
  }

  /** One event's JSON `data` (events after the end of the turn never get here); `text` is the data as sent. */
  protected abstract onJson(data: JsonObject, text?: string): void;

  /**
   * Reads one event's `data` without parsing it, when the reader knows its shape (chunk-template.ts):
   * true when read, false to have it parsed and given to `onJson`.
   */
  protected readByTemplate(_text: string): boolean {
    return false;
  }

  /** `data: [DONE]` (OpenAI's end marker). */
  protected onDone(): void {}

  /** The upstream closed: ends the turn (an error when the upstream never said how it ended). */
  protected onEnd(): void {
    this.out.finish();
  }

  /**
   * A whole non-stream body: SSE text (an upstream that streamed anyway) goes through `push`,
   * JSON to `readJson`; anything else ends the turn with an error quoting its start.
   */
  protected readWhole(text: string, readJson: (value: unknown) => void): TurnEvent[] {
    if (looksLikeSse(text)) return [...this.push(text), ...this.end()];
    if (text.trim() === '') {
      this.out.error(upstreamErrorMessage(200, text));
      return this.out.take();
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.out.error(`the upstream answered with a body that is not JSON: ${cutText(text, 200)}`);
      return this.out.take();
    }
    readJson(value);
    this.onEnd();
    return this.out.take();
  }

  private onData(data: string): void {
    if (this.out.finished || this.sawDoneMarker) return;
    if (data.trim() === '[DONE]') {
      this.sawDoneMarker = true;
      this.onDone();
      return;
    }
    if (this.readByTemplate(data)) return;
    // A byte order mark before the JSON (some servers write one per event) is no part of it.
    const text = data.charCodeAt(0) === 0xfeff ? data.slice(1) : data;
    const json = parseJsonObject(text);
    if (json) this.onJson(json, text);
    // An object cut or garbled on the way: what it carried is lost, so the answer is not whole and
    // must not end as if it were. (Data that is no object, `data: ping`, `data: []`, is a keep-alive.)
    else if (/^[ \t\r\n]*\{/.test(text)) this.out.error(garbledEventMessage(text));
  }
}

/**
 * What the client is told of a garbled event: its type and size, never its text (it may hold a
 * credential the cut leaves half of, which no masker recognises as one).
 */
function garbledEventMessage(text: string): string {
  // Only what an event type looks like (`content_block_delta`, `response.output_text.delta`): a value
  // with capitals or digits may be a credential.
  const type = /^[ \t\r\n]*\{\s*"type"\s*:\s*"([a-z_.]{1,40})"/.exec(text)?.[1];
  return `the upstream sent ${type ? `a ${type} event` : 'an event'} whose JSON is broken (${Buffer.byteLength(text)} bytes; cut or garbled on the way)`;
}
