// A streamed answer collected for a client that asked for none, on a pass-through to an upstream
// that answers only streams (ProviderAdapter.upstreamStreamsOnly: the codex backend). The client
// gets the one JSON document its protocol answers a non-stream request with; nothing is sent before
// the stream has ended (or said it is over: StreamCollector.answered), so the answer is masked whole
// (deliver.ts sendMaskedJson).
//
// OpenAI Responses: the stream's terminal event carries the whole Response object (`response.completed`,
// `response.incomplete`, `response.failed`), which is what OpenAI's non-stream Responses API answers
// with (CLIProxyAPI's codex executor answers a non-stream client the same way). The codex backend
// with `store: false` sends that object with an empty `output`: the items come from the
// `response.output_item.done` events (by `output_index`), or, when none came, a message item is
// made of the `response.output_text.delta` texts. A top-level `error` event becomes a failed
// Response as the translated Responses writer makes one (writers/openai-responses.ts fail); a
// stream that ends without any of these is a broken answer (502).
import type {ApiProtocol} from '../providers/table.js';
import {asArray, asNumber, asRecord, asString, field, parseJsonObject, type JsonObject} from './translate/json.js';
import {SseParser} from './translate/sse.js';
import {openaiError} from './translate/writers/openai-chat.js';

/** The client's answer: its status and JSON body; `broke` says why it is not the upstream's whole answer (the request log). */
export interface CollectedAnswer {
  status: number;
  body: JsonObject;
  broke?: string;
}

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

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** The Response object of an OpenAI Responses stream (see the file comment). */
export class ResponsesCollector implements StreamCollector {
  private readonly sse = new SseParser();
  /** The last Response object seen (created, in_progress), for an `error` event's answer. */
  private snapshot: JsonObject | undefined;
  private terminal: JsonObject | undefined;
  private failure: {code: string; message: string} | undefined;
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
    if (this.failure) {
      const base = this.snapshot ?? {id: `resp_${Date.now().toString(36)}`, object: 'response', created_at: Math.floor(Date.now() / 1000)};
      return {status: 200, body: this.withOutput({...base, status: 'failed', error: this.failure, incomplete_details: null})};
    }
    const why = broke ?? 'the upstream stream ended before its response.completed event';
    return {status: 502, body: openaiError(`upstream stream broke: ${why}`, 'api_error'), broke: why};
  }

  private onData(data: string): void {
    if (this.terminal || this.failure) return;
    const event = parseJsonObject(data);
    if (!event) return;
    const type = asString(event.type) ?? '';
    const response = asRecord(event.response);
    if (TERMINAL.has(type) && response) {
      this.terminal = response;
    } else if (type === 'response.created' || type === 'response.in_progress') {
      if (response) this.snapshot = response;
    } else if (type === 'response.output_item.done') {
      const item = asRecord(event.item);
      if (item) this.items.set(asNumber(event.output_index) ?? this.items.size, item);
    } else if (type === 'response.output_text.delta') {
      const index = asNumber(event.output_index) ?? 0;
      this.texts.set(index, (this.texts.get(index) ?? '') + (asString(event.delta) ?? ''));
    } else if (type === 'error') {
      const error = asRecord(event.error);
      const code = asString(event.code) ?? asString(field(error, 'code')) ?? 'server_error';
      const message = asString(event.message) ?? asString(field(error, 'message')) ?? 'the upstream reported an error';
      this.failure = {code, message};
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
