// A streamed answer collected for a client that asked for none, on a pass-through to an upstream
// that answers only streams (ProviderAdapter.upstreamStreamsOnly: the codex backend). The client
// gets the one JSON document its protocol answers a non-stream request with; nothing is sent before
// the stream has ended (or said it is over: StreamCollector.answered), so the answer is masked whole
// (deliver.ts sendMaskedJson).
//
// OpenAI Responses: the stream's terminal event carries the whole Response object (`response.completed`,
// `response.incomplete`), which is what OpenAI's non-stream Responses API answers
// with (CLIProxyAPI's codex executor answers a non-stream client the same way). The codex backend
// with `store: false` sends that object with an empty `output`: the items come from the
// `response.output_item.done` events (by `output_index`), or, when none came, a message item is
// made of the `response.output_text.delta` texts. A stream that failed (`response.failed`, an
// `error` event) is the account's failure, handed back as a translated answer's is (deliver.ts
// RefusedAnswer: a rate limit moves the pool on; any other failure is answered with the error status
// its code word stands for, as a non-stream client is answered on the translated paths); a stream
// that ends without any of these is a broken answer (502).
import type {ApiProtocol} from '../providers/table.js';
import {upstreamFailed} from './translate/errors.js';
import {asArray, asNumber, asRecord, asString, parseJsonObject, type JsonObject} from './translate/json.js';
import {responsesStreamError} from './translate/readers/openai-responses.js';
import {SseParser} from './translate/sse.js';
import type {TranslateError} from './translate/types.js';
import {openaiError} from './translate/writers/openai-chat.js';

/**
 * The client's answer: its status and JSON body; `broke` says why it is not the upstream's whole
 * answer (the request log). Or `refused`: the stream failed, nothing is answered yet (deliver.ts RefusedAnswer).
 */
export type CollectedAnswer = {status: number; body: JsonObject; broke?: string} | {refused: TranslateError};

export interface StreamCollector {
  /** Upstream SSE text, split anywhere. */
  push(chunk: string): void;
  /**
   * The upstream said its answer is over (a terminal event): nothing it sends after can change the
   * client's answer, so the caller answers now and drops the upstream request, rather than wait for
   * an end an upstream that holds the stream open may never send.
   */
  readonly answered: boolean;
  /** The stream ended, or broke off (`broke`: why); the answer for the client. */
  end(broke?: string): CollectedAnswer;
}

/** A collector for a stream of `protocol`, or undefined when the proxy has none for it. */
export function streamCollectorFor(protocol: ApiProtocol): (() => StreamCollector) | undefined {
  return protocol === 'openai-responses' ? () => new ResponsesCollector() : undefined;
}

const TERMINAL = new Set(['response.completed', 'response.incomplete']);

/** The Response object of an OpenAI Responses stream (see the file comment). */
export class ResponsesCollector implements StreamCollector {
  private readonly sse = new SseParser();
  private terminal: JsonObject | undefined;
  private failure: TranslateError | undefined;
  /** `response.output_item.done` items by `output_index` (arrival order where an event has none). */
  private readonly items = new Map<number, JsonObject>();
  /** `response.output_text.delta` texts by `output_index`, for a stream whose items never came done. */
  private readonly texts = new Map<number, string>();

  push(chunk: string): void {
    for (const event of this.sse.push(chunk)) this.onData(event.data);
  }

  get answered(): boolean {
    return this.terminal !== undefined || this.failure !== undefined;
  }

  end(broke?: string): CollectedAnswer {
    for (const event of this.sse.end()) this.onData(event.data);
    if (this.terminal) return {status: 200, body: this.withOutput(this.terminal)};
    if (this.failure) return {refused: this.failure};
    const why = broke ?? 'the upstream stream ended before its response.completed event';
    return {status: 502, body: openaiError(`upstream stream broke: ${why}`, 'api_error'), broke: why};
  }

  private onData(data: string): void {
    if (this.terminal || this.failure) return;
    const event = parseJsonObject(data);
    if (!event) return;
    const type = asString(event.type) ?? '';
    const response = asRecord(event.response);
    const error = responsesStreamError(event);
    if (error) {
      this.failure = upstreamFailed(error.message, error.code, error.detail);
    } else if (TERMINAL.has(type) && response) {
      this.terminal = response;
    } else if (type === 'response.output_item.done') {
      const item = asRecord(event.item);
      if (item) this.items.set(asNumber(event.output_index) ?? this.items.size, item);
    } else if (type === 'response.output_text.delta') {
      const index = asNumber(event.output_index) ?? 0;
      this.texts.set(index, (this.texts.get(index) ?? '') + (asString(event.delta) ?? ''));
    }
  }

  /** `response` with its `output` from the streamed items when it came without any. */
  private withOutput(response: JsonObject): JsonObject {
    if (asArray(response.output).length > 0) return response;
    const indexes = [...(this.items.size > 0 ? this.items : this.texts).keys()].sort((a, b) => a - b);
    const output = this.items.size > 0 ? indexes.map((i) => this.items.get(i)!) : indexes.map((i) => textItem(`msg_${i}`, this.texts.get(i)!));
    return output.length > 0 ? {...response, output} : response;
  }
}

/** A completed assistant message item holding `text`. */
function textItem(id: string, text: string): JsonObject {
  return {id, type: 'message', status: 'completed', role: 'assistant', content: [{type: 'output_text', text, annotations: []}]};
}
