// TurnEvents → Anthropic Messages client (Claude Code). Stream, by the wire rules of
// docs.anthropic.com "Streaming Messages": `message_start` first (with the model the CLIENT asked
// for), then one content block at a time with rising indexes (`content_block_start`, deltas
// `text_delta` / `thinking_delta` / `signature_delta` / `input_json_delta`, `content_block_stop`),
// `message_delta` with stop_reason and usage, `message_stop` last; or an `error` event on failure.
// Not streaming: the same events folded into one `message` object, as the SDK assembles it.
//
// Signatures are tagged with the upstream's protocol (signatures.ts) so the next request can tell
// them apart; tool names come back as the client named them (tool-names.ts).
import {randomUUID} from 'node:crypto';
import type {Redactor} from '../../../core/redact.js';
import {anthropicError, anthropicErrorBody, anthropicStreamErrorType, upstreamFailed} from '../errors.js';
import type {StopReason, TurnEvent, Usage} from '../events.js';
import {estimatedUsage, estimateTokensOfText} from '../estimate-tokens.js';
import {parseJsonObject, parseToolArguments, type JsonObject} from '../json.js';
import {pipeStream, type TurnReader, type TurnWriter} from '../pipe.js';
import {tagSignature} from '../signatures.js';
import {formatSse} from '../sse.js';
import {safeToolId, toolNamesFor, type ToolNames} from '../tool-names.js';
import {TranslateError, type ApiProtocol, type PairTranslator, type TranslateContext} from '../types.js';

export interface AnthropicWriterOptions {
  /** The model id the client asked for: reported in `message_start` whatever the upstream says. */
  clientModel: string;
  /** The upstream protocol, whose tag the signatures get. */
  upstream: ApiProtocol;
  /** Client names for the tool names the upstream calls. */
  names: ToolNames;
  /** The proxy's estimate of the request's input tokens (estimate-tokens.ts), reported until the upstream reports its own. */
  estimatedInputTokens?: number;
}

/** Usage → Anthropic `usage`: its `input_tokens` excludes cache reads and writes (TurnEvents count all input). */
export function anthropicUsageJson(usage: Usage, estimatedOutput: number): JsonObject {
  const cached = usage.cachedInputTokens ?? 0;
  const written = usage.cacheCreationInputTokens ?? 0;
  const out: JsonObject = {
    input_tokens: Math.max(0, (usage.inputTokens ?? 0) - cached - written),
    output_tokens: usage.outputTokens ?? estimatedOutput,
  };
  if (usage.cachedInputTokens !== undefined) out.cache_read_input_tokens = cached;
  if (usage.cacheCreationInputTokens !== undefined) out.cache_creation_input_tokens = written;
  return out;
}

type Block = 'text' | 'thinking' | 'redacted' | 'tool';

type DeltaType = 'text_delta' | 'thinking_delta' | 'signature_delta' | 'input_json_delta';

/** Per delta type, the one field after `type` that carries its string. */
const DELTA_FIELD: Readonly<Record<DeltaType, string>> = {text_delta: 'text', thinking_delta: 'thinking', signature_delta: 'signature', input_json_delta: 'partial_json'};

/**
 * What AnthropicEvents emits, in order: whole events (plain objects, `type` first), and each
 * `content_block_delta` as its parts (the delta object would be `{type, [DELTA_FIELD[type]]: value}`;
 * `json`, when given, is JSON.stringify(value)), since nearly every event of a long answer is one and
 * the streaming writer need not build it.
 */
interface AnthropicSink {
  event(wire: JsonObject): void;
  delta(index: number, type: DeltaType, value: string, json?: string): void;
}

/** The event machine shared by the streaming and the non-streaming writer: TurnEvents in, Anthropic stream events out to `sink`. */
class AnthropicEvents {
  private started = false;
  private index = -1;
  private open: {block: Block; key?: string} | undefined;
  /**
   * The open tool call's arguments while they are held (undefined once they stream): until they
   * start as a JSON object (`{"` or `{}`), and to the call's end when they do not. Streamed as they
   * came, arguments that are no JSON object (`path=a.txt`, `{'path': …}`, a JSON string) made the
   * Anthropic SDK throw at the block and Claude Code lose the whole turn; held, they become the
   * input a non-stream answer gets (json.ts parseToolArguments).
   */
  private heldArgs: string | undefined;
  private usage: Usage = {};
  /** Characters of output, for an estimate when the upstream never reports usage. */
  private outputChars = 0;
  finished = false;

  constructor(
    private readonly options: AnthropicWriterOptions,
    private readonly sink: AnthropicSink,
  ) {
    this.usage = estimatedUsage(options.estimatedInputTokens);
  }

  events(event: TurnEvent): void {
    if (this.finished) return;
    if (event.type !== 'error') this.ensureStarted(event.type === 'start' ? event.id : undefined);
    switch (event.type) {
      case 'start':
        break;
      case 'text':
        this.outputChars += event.text.length;
        if (this.open?.block !== 'text') this.openBlock('text', {type: 'text', text: ''});
        this.sink.delta(this.index, 'text_delta', event.text, event.json);
        break;
      case 'thinking':
        this.outputChars += event.text.length;
        if (this.open?.block !== 'thinking') this.openBlock('thinking', {type: 'thinking', thinking: '', signature: ''});
        this.sink.delta(this.index, 'thinking_delta', event.text, event.json);
        break;
      case 'thinking-signature':
        if (this.open?.block !== 'thinking') this.openBlock('thinking', {type: 'thinking', thinking: '', signature: ''});
        this.sink.delta(this.index, 'signature_delta', tagSignature(this.options.upstream, event.signature));
        this.closeBlock();
        break;
      case 'redacted-thinking':
        this.openBlock('redacted', {type: 'redacted_thinking', data: tagSignature(this.options.upstream, event.data)});
        this.closeBlock();
        break;
      case 'tool-call-start':
        this.openBlock('tool', {type: 'tool_use', id: anthropicToolId(event.id), name: this.options.names.client(event.name), input: {}}, event.key);
        this.heldArgs = '';
        break;
      case 'tool-call-args':
        this.outputChars += event.json.length;
        if (this.open?.block !== 'tool' || this.open.key !== event.key) break;
        if (this.heldArgs === undefined) this.sink.delta(this.index, 'input_json_delta', event.json);
        else {
          this.heldArgs += event.json;
          // An object's start streams from here on; anything else is held to the call's end.
          if (/^\s*\{\s*["}]/.test(this.heldArgs)) {
            this.sink.delta(this.index, 'input_json_delta', this.heldArgs);
            this.heldArgs = undefined;
          }
        }
        break;
      case 'tool-call-end':
        if (this.open?.block === 'tool' && this.open.key === event.key) this.closeBlock();
        break;
      case 'usage':
        this.usage = {...this.usage, ...event.usage};
        break;
      case 'stop':
        this.closeBlock();
        this.sink.event({
          type: 'message_delta',
          delta: {stop_reason: event.reason satisfies StopReason, stop_sequence: event.stopSequence ?? null},
          usage: anthropicUsageJson(this.usage, estimateTokensOfText(this.outputChars)),
        });
        this.sink.event({type: 'message_stop'});
        this.finished = true;
        break;
      case 'error':
        this.sink.event(anthropicErrorBody(anthropicStreamErrorType(event.errorType), event.message));
        this.finished = true;
        break;
    }
  }

  fail(message: string): void {
    if (this.finished) return;
    this.finished = true;
    this.sink.event(anthropicErrorBody('api_error', message));
  }

  private ensureStarted(upstreamId: string | undefined): void {
    if (this.started) return;
    this.started = true;
    const id = upstreamId && /^msg_[a-zA-Z0-9_-]+$/.test(upstreamId) ? upstreamId : `msg_${randomUUID().replace(/-/g, '')}`;
    this.sink.event({
      type: 'message_start',
      message: {id, type: 'message', role: 'assistant', model: this.options.clientModel, content: [], stop_reason: null, stop_sequence: null, usage: anthropicUsageJson(this.usage, 0)},
    });
  }

  private openBlock(block: Block, contentBlock: JsonObject, key?: string): void {
    this.closeBlock();
    this.index++;
    this.open = {block, key};
    this.sink.event({type: 'content_block_start', index: this.index, content_block: contentBlock});
  }

  private closeBlock(): void {
    if (!this.open) return;
    if (this.open.block === 'tool' && this.heldArgs !== undefined) {
      // Held to the end (see heldArgs): as they are when they are an object after all, else as a non-stream answer reads them.
      const held = this.heldArgs;
      this.heldArgs = undefined;
      if (held.trim() !== '') this.sink.delta(this.index, 'input_json_delta', parseJsonObject(held) !== undefined ? held : JSON.stringify(parseToolArguments(held)));
    }
    this.sink.event({type: 'content_block_stop', index: this.index});
    this.open = undefined;
  }
}

/** A tool_use id Anthropic accepts (`^[a-zA-Z0-9_-]+$`); upstreams without ids get a fresh one. */
function anthropicToolId(id: string): string {
  return id ? safeToolId(id) : `toolu_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

/**
 * The streaming writer: TurnEvents → Anthropic SSE text, each event as `event: <type>`, its object
 * as JSON.stringify writes it, a blank line. A delta is spelled out by hand, the same bytes at a
 * fraction of the cost: a head per block and delta type, the string as JSON, the closing braces.
 * One call's events are joined once (no string built per event).
 * With a `redactor`, it masks every string it writes but the deltas of runs (TurnWriter.masksOtherStrings):
 * each whole event's text, and a signature delta's string.
 */
export class AnthropicStreamWriter implements TurnWriter {
  private readonly machine: AnthropicEvents;
  private parts: string[] = [];
  /** The SSE text of a delta up to its string, for the last index and type. */
  private head = '';
  private headIndex = -1;
  private headType: DeltaType | undefined;
  readonly masksOtherStrings: boolean;

  constructor(options: AnthropicWriterOptions, redactor?: Redactor) {
    this.masksOtherStrings = redactor !== undefined;
    const mask = (text: string) => (redactor ? redactor.redact(text) : text);
    this.machine = new AnthropicEvents(options, {
      event: (wire) => this.parts.push(mask(formatSse(String(wire.type), wire))),
      delta: (index, type, value, json) => {
        // A signature is no run of deltas (pipeStream masks only those): it is masked here.
        const literal = type === 'signature_delta' ? JSON.stringify(mask(value)) : (json ?? JSON.stringify(value));
        this.parts.push(this.deltaHead(index, type), literal, '}}\n\n');
      },
    });
  }

  write(events: TurnEvent[]): string {
    for (const event of events) this.machine.events(event);
    return this.take();
  }

  fail(message: string): string {
    this.machine.fail(message);
    return this.take();
  }

  private deltaHead(index: number, type: DeltaType): string {
    if (index !== this.headIndex || type !== this.headType) {
      this.head = `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"${type}","${DELTA_FIELD[type]}":`;
      this.headIndex = index;
      this.headType = type;
    }
    return this.head;
  }

  private take(): string {
    if (this.parts.length === 0) return '';
    const out = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    return out;
  }
}

/**
 * The non-streaming answer: all of a turn's events → one Anthropic `message`, folded as the SDK
 * folds the stream. Throws `TranslateError` (502) when the upstream reported an error instead of
 * finishing the turn.
 */
export function anthropicMessage(events: TurnEvent[], options: AnthropicWriterOptions): JsonObject {
  // The upstream's own code word and error object, not the Anthropic type written for them (the pool reads its wait).
  const failed = events.find((event) => event.type === 'error');
  if (failed) throw upstreamFailed(failed.message, failed.errorType, failed.detail);
  let message: JsonObject = {};
  const content: JsonObject[] = [];
  const partialJson = new Map<number, string>();
  const machine = new AnthropicEvents(options, {
    event: (wire) => {
      const index = typeof wire.index === 'number' ? wire.index : -1;
      switch (wire.type) {
        case 'message_start':
          message = {...(wire.message as JsonObject)};
          break;
        case 'content_block_start':
          content[index] = {...(wire.content_block as JsonObject)};
          break;
        case 'content_block_stop':
          if (partialJson.has(index)) content[index]!.input = parseToolArguments(partialJson.get(index));
          break;
        case 'message_delta': {
          const delta = wire.delta as JsonObject;
          message.stop_reason = delta.stop_reason;
          message.stop_sequence = delta.stop_sequence;
          message.usage = wire.usage;
          break;
        }
        case 'error':
          throw upstreamFailed(String((wire.error as JsonObject).message), String((wire.error as JsonObject).type));
      }
    },
    delta: (index, type, value) => {
      const block = content[index]!;
      if (type === 'text_delta') block.text = `${String(block.text)}${value}`;
      else if (type === 'thinking_delta') block.thinking = `${String(block.thinking)}${value}`;
      else if (type === 'signature_delta') block.signature = value;
      else partialJson.set(index, (partialJson.get(index) ?? '') + value);
    },
  });
  for (const event of events) machine.events(event);
  if (!machine.finished) throw new TranslateError('the upstream answer ended before the turn finished', 502);
  return {...message, content};
}

export interface AnthropicClientPairSpec {
  upstream: ApiProtocol;
  request: PairTranslator['request'];
  /** A fresh reader of the upstream's stream (one per request). */
  reader: () => TurnReader;
  /** The upstream's whole body → TurnEvents (the reader's `readBody`). */
  readBody: (upstreamBody: string) => TurnEvent[];
  countTokens?: PairTranslator['countTokens'];
  countTokensResponse?: PairTranslator['countTokensResponse'];
}

/**
 * The PairTranslator of an Anthropic client on `upstream`: the pair's own request translation, the
 * upstream's reader feeding this writer, and Anthropic errors. Tool names restored from the table
 * the request filled on the same context (tool-names.ts).
 */
export function anthropicClientPair(spec: AnthropicClientPairSpec): PairTranslator {
  const options = (context: TranslateContext): AnthropicWriterOptions => ({clientModel: context.clientModel, upstream: spec.upstream, names: toolNamesFor(context), estimatedInputTokens: context.estimatedInputTokens});
  const pair: PairTranslator = {
    client: 'anthropic',
    upstream: spec.upstream,
    request: spec.request,
    stream: (context) => pipeStream(spec.reader(), new AnthropicStreamWriter(options(context), context.redactor), spec.readBody, context.redactor),
    response: (upstreamBody, context) => anthropicMessage(spec.readBody(upstreamBody), options(context)),
    answerWatch: spec.reader,
    error: anthropicError,
  };
  if (spec.countTokens) pair.countTokens = spec.countTokens;
  if (spec.countTokensResponse) pair.countTokensResponse = spec.countTokensResponse;
  return pair;
}
