// TurnEvents → OpenAI Responses client (Codex CLI). Stream: `response.created` and
// `response.in_progress`; then per output item `response.output_item.added` … `.done`, with
// `response.content_part.added/done` and `response.output_text.delta/done` for text,
// `response.reasoning_summary_part.added/done` and `response.reasoning_summary_text.delta/done` for
// reasoning, `response.function_call_arguments.delta/done` for calls; then `response.completed`
// (or `response.incomplete` when the output limit or a filter cut the turn) with the whole response
// and usage, or `response.failed`. Every event carries a rising `sequence_number`.
// Reasoning items carry the upstream's signature in `encrypted_content`, tagged with the upstream
// protocol (`../signatures.ts`); Codex CLI sends them back on the next turn, and the request
// translator hands each upstream only its own. Anthropic's redacted thinking travels the same way,
// its data prefixed REDACTED_THINKING_PREFIX.
// Responses `custom` tools (free-form input, Codex's apply_patch) went upstream as functions taking
// one string `input`; their calls come back as `custom_tool_call` items.
import type {StopReason, TurnEvent, Usage} from '../events.js';
import {asString, field, parseJsonObject, type JsonObject} from '../json.js';
import type {TurnWriter} from '../pipe.js';
import {tagSignature} from '../signatures.js';
import {estimatedUsage} from '../estimate-tokens.js';
import {formatSse} from '../sse.js';
import type {ToolNames} from '../tool-names.js';
import {TranslateError, type ApiProtocol} from '../types.js';
import {upstreamFailed} from '../errors.js';

/** Marks an Anthropic redacted-thinking payload inside a tagged `encrypted_content` (signatures never contain `:`). */
export const REDACTED_THINKING_PREFIX = 'redacted:';

export interface ResponsesWriterOptions {
  /** The model id the client asked for. */
  model: string;
  /** The upstream protocol, to tag signatures with. */
  upstream: ApiProtocol;
  names: ToolNames;
  /** Client names of `custom` tools. */
  customTools: ReadonlySet<string>;
  /** `created_at`, unix seconds (now by default). */
  createdAt?: number;
  /** The proxy's estimate of the request's input tokens (estimate-tokens.ts), reported until the upstream reports its own. */
  estimatedInputTokens?: number;
}

/** Usage → Responses `usage` (`input_tokens` counts cached tokens too). */
export function responsesUsageJson(usage: Usage): JsonObject {
  const input = usage.inputTokens ?? 0;
  const output = usage.outputTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: {cached_tokens: usage.cachedInputTokens ?? 0},
    output_tokens: output,
    output_tokens_details: {reasoning_tokens: usage.reasoningTokens ?? 0},
    total_tokens: input + output,
  };
}

type OpenItem =
  | {kind: 'message'; item: JsonObject; text: string}
  | {kind: 'reasoning'; item: JsonObject; text: string; summaryOpen: boolean}
  | {kind: 'call'; item: JsonObject; key: string; args: string; custom: boolean};

export class OpenAIResponsesWriter implements TurnWriter {
  private id = `resp_${Date.now().toString(36)}`;
  private readonly createdAt: number;
  private sequence = 0;
  private started = false;
  private done = false;
  private open: OpenItem | undefined;
  private readonly output: JsonObject[] = [];
  private usage: Usage = {};
  /** The last `response` object written (the whole answer once the turn ended). */
  response: JsonObject | undefined;

  constructor(private readonly options: ResponsesWriterOptions) {
    this.createdAt = options.createdAt ?? Math.floor(Date.now() / 1000);
    this.usage = estimatedUsage(options.estimatedInputTokens);
  }

  write(events: TurnEvent[]): string {
    return events.map((event) => this.event(event)).join('');
  }

  fail(message: string): string {
    if (this.done) return '';
    let out = this.ensureStarted();
    out += this.closeItem('incomplete');
    this.done = true;
    return out + this.send('response.failed', {response: this.snapshot('failed', {error: {code: 'server_error', message}})});
  }

  private event(event: TurnEvent): string {
    if (this.done) return '';
    switch (event.type) {
      case 'start':
        if (event.id) this.id = event.id.startsWith('resp_') ? event.id : `resp_${event.id}`;
        return this.ensureStarted();
      case 'text':
        return this.ensureStarted() + this.text(event.text);
      case 'thinking':
        return this.ensureStarted() + this.thinking(event.text);
      case 'thinking-signature':
        return this.ensureStarted() + this.signature(tagSignature(this.options.upstream, event.signature));
      case 'redacted-thinking':
        return this.ensureStarted() + this.closeItem() + this.signature(tagSignature(this.options.upstream, `${REDACTED_THINKING_PREFIX}${event.data}`));
      case 'tool-call-start':
        return this.ensureStarted() + this.callStart(event.key, event.id, event.name);
      case 'tool-call-args':
        return this.callArgs(event.key, event.json);
      case 'tool-call-end':
        return this.open?.kind === 'call' && this.open.key === event.key ? this.closeItem() : '';
      case 'usage':
        this.usage = {...this.usage, ...event.usage};
        return '';
      case 'stop':
        return this.ensureStarted() + this.closeItem(event.reason === 'max_tokens' || event.reason === 'refusal' ? 'incomplete' : 'completed') + this.finish(event.reason);
      case 'error':
        return this.fail(event.message);
    }
  }

  private ensureStarted(): string {
    if (this.started) return '';
    this.started = true;
    const response = this.snapshot('in_progress');
    return this.send('response.created', {response}) + this.send('response.in_progress', {response});
  }

  private text(text: string): string {
    let out = '';
    if (this.open?.kind !== 'message') {
      out += this.closeItem();
      const item: JsonObject = {id: this.itemId('msg'), type: 'message', status: 'in_progress', role: 'assistant', content: []};
      this.open = {kind: 'message', item, text: ''};
      out += this.send('response.output_item.added', {output_index: this.output.length, item});
      out += this.send('response.content_part.added', {item_id: item.id, output_index: this.output.length, content_index: 0, part: outputText('')});
    }
    const open = this.open as Extract<OpenItem, {kind: 'message'}>;
    open.text += text;
    return out + this.send('response.output_text.delta', {item_id: open.item.id, output_index: this.output.length, content_index: 0, delta: text, logprobs: []});
  }

  private thinking(text: string): string {
    let out = '';
    if (this.open?.kind !== 'reasoning') {
      out += this.closeItem();
      out += this.openReasoning();
    }
    const open = this.open as Extract<OpenItem, {kind: 'reasoning'}>;
    const at = {item_id: open.item.id, output_index: this.output.length, summary_index: 0};
    if (!open.summaryOpen) {
      open.summaryOpen = true;
      out += this.send('response.reasoning_summary_part.added', {...at, part: {type: 'summary_text', text: ''}});
    }
    open.text += text;
    return out + this.send('response.reasoning_summary_text.delta', {...at, delta: text});
  }

  /** Ends the open reasoning item with `encrypted_content` (a reasoning item of its own when none is open). */
  private signature(encrypted: string): string {
    let out = '';
    if (this.open?.kind !== 'reasoning') out += this.closeItem() + this.openReasoning();
    (this.open as Extract<OpenItem, {kind: 'reasoning'}>).item.encrypted_content = encrypted;
    return out + this.closeItem();
  }

  private openReasoning(): string {
    const item: JsonObject = {id: this.itemId('rs'), type: 'reasoning', summary: []};
    this.open = {kind: 'reasoning', item, text: '', summaryOpen: false};
    return this.send('response.output_item.added', {output_index: this.output.length, item});
  }

  private callStart(key: string, callId: string, upstreamName: string): string {
    const out = this.closeItem();
    const name = this.options.names.client(upstreamName);
    const custom = this.options.customTools.has(name);
    const item: JsonObject = custom
      ? {id: this.itemId('ctc'), type: 'custom_tool_call', status: 'in_progress', call_id: callId, name, input: ''}
      : {id: this.itemId('fc'), type: 'function_call', status: 'in_progress', call_id: callId, name, arguments: ''};
    this.open = {kind: 'call', item, key, args: '', custom};
    return out + this.send('response.output_item.added', {output_index: this.output.length, item});
  }

  private callArgs(key: string, json: string): string {
    const open = this.open;
    if (open?.kind !== 'call' || open.key !== key) return '';
    open.args += json;
    // A custom tool's input is one string inside the JSON: sent whole when the call ends.
    return open.custom ? '' : this.send('response.function_call_arguments.delta', {item_id: open.item.id, output_index: this.output.length, delta: json});
  }

  /**
   * Closes the open item with its `.done` events and adds it to the output. `status`: `incomplete`
   * when the turn ends without finishing it (a failure, the output limit), as OpenAI marks such items.
   */
  private closeItem(status: 'completed' | 'incomplete' = 'completed'): string {
    const open = this.open;
    if (!open) return '';
    this.open = undefined;
    const index = this.output.length;
    const item = open.item;
    let out = '';
    if (open.kind === 'message') {
      const at = {item_id: item.id, output_index: index, content_index: 0};
      out += this.send('response.output_text.done', {...at, text: open.text, logprobs: []});
      out += this.send('response.content_part.done', {...at, part: outputText(open.text)});
      item.content = [outputText(open.text)];
    } else if (open.kind === 'reasoning') {
      if (open.summaryOpen) {
        const at = {item_id: item.id, output_index: index, summary_index: 0};
        out += this.send('response.reasoning_summary_text.done', {...at, text: open.text});
        out += this.send('response.reasoning_summary_part.done', {...at, part: {type: 'summary_text', text: open.text}});
        item.summary = [{type: 'summary_text', text: open.text}];
      }
    } else if (open.custom) {
      const input = asString(field(parseJsonObject(open.args), 'input')) ?? open.args;
      item.input = input;
      out += this.send('response.custom_tool_call_input.delta', {item_id: item.id, output_index: index, delta: input});
      out += this.send('response.custom_tool_call_input.done', {item_id: item.id, output_index: index, input});
    } else {
      // A call without arguments still has to parse as JSON on the client.
      item.arguments = open.args === '' ? '{}' : open.args;
      out += this.send('response.function_call_arguments.done', {item_id: item.id, output_index: index, arguments: item.arguments});
    }
    if (item.type !== 'reasoning') item.status = status;
    this.output.push(item);
    return out + this.send('response.output_item.done', {output_index: index, item});
  }

  private finish(reason: StopReason): string {
    this.done = true;
    if (reason === 'max_tokens' || reason === 'refusal') {
      const response = this.snapshot('incomplete', {incomplete_details: {reason: reason === 'max_tokens' ? 'max_output_tokens' : 'content_filter'}});
      return this.send('response.incomplete', {response});
    }
    return this.send('response.completed', {response: this.snapshot('completed')});
  }

  private snapshot(status: string, extra: JsonObject = {}): JsonObject {
    const response: JsonObject = {
      id: this.id,
      object: 'response',
      created_at: this.createdAt,
      status,
      model: this.options.model,
      output: [...this.output],
      error: null,
      incomplete_details: null,
      ...extra,
    };
    if (status !== 'in_progress') response.usage = responsesUsageJson(this.usage);
    this.response = response;
    return response;
  }

  private itemId(prefix: string): string {
    return `${prefix}_${this.id.replace(/^resp_/, '')}_${this.output.length}`;
  }

  private send(type: string, data: JsonObject): string {
    return formatSse(type, {type, sequence_number: this.sequence++, ...data});
  }

  /**
   * A whole Responses object from a turn's events. Throws `TranslateError` (502) when the upstream
   * reported an error instead of finishing the turn: an error status, as the other clients get (a 200
   * `status: failed` was logged and counted as an answer).
   */
  static body(events: TurnEvent[], options: ResponsesWriterOptions): JsonObject {
    const failed = events.find((event) => event.type === 'error');
    if (failed) throw upstreamFailed(failed.message, failed.errorType, failed.detail);
    const writer = new OpenAIResponsesWriter(options);
    writer.write(events);
    if (!writer.done) throw new TranslateError('the upstream answer ended before the turn finished', 502);
    return writer.response!;
  }
}

function outputText(text: string): JsonObject {
  return {type: 'output_text', text, annotations: []};
}
