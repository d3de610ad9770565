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
import {anthropicError, anthropicErrorBody, anthropicStreamErrorType} from '../errors.js';
import type {StopReason, TurnEvent, Usage} from '../events.js';
import {estimatedUsage, estimateTokensOfText} from '../estimate-tokens.js';
import {parseToolArguments, type JsonObject} from '../json.js';
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

/**
 * The event machine shared by the streaming and the non-streaming writer: TurnEvents in, Anthropic
 * stream events (plain objects, `type` first) out.
 */
class AnthropicEvents {
  private started = false;
  private index = -1;
  private open: {block: Block; key?: string} | undefined;
  private usage: Usage = {};
  /** Characters of output, for an estimate when the upstream never reports usage. */
  private outputChars = 0;
  finished = false;

  constructor(private readonly options: AnthropicWriterOptions) {
    this.usage = estimatedUsage(options.estimatedInputTokens);
  }

  events(event: TurnEvent): JsonObject[] {
    if (this.finished) return [];
    const out: JsonObject[] = [];
    if (event.type !== 'error') this.ensureStarted(out, event.type === 'start' ? event.id : undefined);
    switch (event.type) {
      case 'start':
        break;
      case 'text':
        this.outputChars += event.text.length;
        if (this.open?.block !== 'text') this.openBlock(out, 'text', {type: 'text', text: ''});
        out.push(this.delta({type: 'text_delta', text: event.text}));
        break;
      case 'thinking':
        this.outputChars += event.text.length;
        if (this.open?.block !== 'thinking') this.openBlock(out, 'thinking', {type: 'thinking', thinking: '', signature: ''});
        out.push(this.delta({type: 'thinking_delta', thinking: event.text}));
        break;
      case 'thinking-signature':
        if (this.open?.block !== 'thinking') this.openBlock(out, 'thinking', {type: 'thinking', thinking: '', signature: ''});
        out.push(this.delta({type: 'signature_delta', signature: tagSignature(this.options.upstream, event.signature)}));
        this.closeBlock(out);
        break;
      case 'redacted-thinking':
        this.openBlock(out, 'redacted', {type: 'redacted_thinking', data: tagSignature(this.options.upstream, event.data)});
        this.closeBlock(out);
        break;
      case 'tool-call-start':
        this.openBlock(out, 'tool', {type: 'tool_use', id: anthropicToolId(event.id), name: this.options.names.client(event.name), input: {}}, event.key);
        break;
      case 'tool-call-args':
        this.outputChars += event.json.length;
        if (this.open?.block === 'tool' && this.open.key === event.key) out.push(this.delta({type: 'input_json_delta', partial_json: event.json}));
        break;
      case 'tool-call-end':
        if (this.open?.block === 'tool' && this.open.key === event.key) this.closeBlock(out);
        break;
      case 'usage':
        this.usage = {...this.usage, ...event.usage};
        break;
      case 'stop':
        this.closeBlock(out);
        out.push({
          type: 'message_delta',
          delta: {stop_reason: event.reason satisfies StopReason, stop_sequence: event.stopSequence ?? null},
          usage: anthropicUsageJson(this.usage, estimateTokensOfText(this.outputChars)),
        });
        out.push({type: 'message_stop'});
        this.finished = true;
        break;
      case 'error':
        out.push(anthropicErrorBody(anthropicStreamErrorType(event.errorType), event.message));
        this.finished = true;
        break;
    }
    return out;
  }

  fail(message: string): JsonObject[] {
    if (this.finished) return [];
    this.finished = true;
    return [anthropicErrorBody('api_error', message)];
  }

  private ensureStarted(out: JsonObject[], upstreamId: string | undefined): void {
    if (this.started) return;
    this.started = true;
    const id = upstreamId && /^msg_[a-zA-Z0-9_-]+$/.test(upstreamId) ? upstreamId : `msg_${randomUUID().replace(/-/g, '')}`;
    out.push({
      type: 'message_start',
      message: {id, type: 'message', role: 'assistant', model: this.options.clientModel, content: [], stop_reason: null, stop_sequence: null, usage: anthropicUsageJson(this.usage, 0)},
    });
  }

  private openBlock(out: JsonObject[], block: Block, contentBlock: JsonObject, key?: string): void {
    this.closeBlock(out);
    this.index++;
    this.open = {block, key};
    out.push({type: 'content_block_start', index: this.index, content_block: contentBlock});
  }

  private closeBlock(out: JsonObject[]): void {
    if (!this.open) return;
    out.push({type: 'content_block_stop', index: this.index});
    this.open = undefined;
  }

  private delta(delta: JsonObject): JsonObject {
    return {type: 'content_block_delta', index: this.index, delta};
  }
}

/** A tool_use id Anthropic accepts (`^[a-zA-Z0-9_-]+$`); upstreams without ids get a fresh one. */
function anthropicToolId(id: string): string {
  return id ? safeToolId(id) : `toolu_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

/** The streaming writer: TurnEvents → Anthropic SSE text. */
export class AnthropicStreamWriter implements TurnWriter {
  private readonly machine: AnthropicEvents;

  constructor(options: AnthropicWriterOptions) {
    this.machine = new AnthropicEvents(options);
  }

  write(events: TurnEvent[]): string {
    let out = '';
    for (const event of events) for (const wire of this.machine.events(event)) out += wireSse(wire);
    return out;
  }

  fail(message: string): string {
    return this.machine.fail(message).map(wireSse).join('');
  }
}

/** Per delta type, the one field after `type` that carries its text (as AnthropicEvents builds them). */
const DELTA_TEXT_FIELD: ReadonlyMap<unknown, string> = new Map([
  ['text_delta', 'text'],
  ['thinking_delta', 'thinking'],
  ['signature_delta', 'signature'],
  ['input_json_delta', 'partial_json'],
]);

/**
 * One wire event as SSE. A `content_block_delta` (nearly every event of a long answer) is spelled out
 * by hand: the bytes JSON.stringify makes of that object (same key order, an integer index), at a
 * third of the cost per event.
 */
function wireSse(wire: JsonObject): string {
  if (wire.type === 'content_block_delta') {
    const delta = wire.delta as JsonObject;
    const field = DELTA_TEXT_FIELD.get(delta.type);
    if (field !== undefined) {
      return `event: content_block_delta\ndata: {"type":"content_block_delta","index":${Number(wire.index)},"delta":{"type":"${String(delta.type)}","${field}":${JSON.stringify(delta[field])}}}\n\n`;
    }
  }
  return formatSse(String(wire.type), wire);
}

/**
 * The non-streaming answer: all of a turn's events → one Anthropic `message`. Throws
 * `TranslateError` (502) when the upstream reported an error instead of finishing the turn.
 */
export function anthropicMessage(events: TurnEvent[], options: AnthropicWriterOptions): JsonObject {
  const machine = new AnthropicEvents(options);
  let message: JsonObject = {};
  const content: JsonObject[] = [];
  const partialJson = new Map<number, string>();
  for (const wire of events.flatMap((event) => machine.events(event))) {
    const index = typeof wire.index === 'number' ? wire.index : -1;
    const delta = (wire.delta ?? {}) as JsonObject;
    switch (wire.type) {
      case 'message_start':
        message = {...(wire.message as JsonObject)};
        break;
      case 'content_block_start':
        content[index] = {...(wire.content_block as JsonObject)};
        break;
      case 'content_block_delta': {
        const block = content[index]!;
        if (delta.type === 'text_delta') block.text = `${String(block.text)}${String(delta.text)}`;
        else if (delta.type === 'thinking_delta') block.thinking = `${String(block.thinking)}${String(delta.thinking)}`;
        else if (delta.type === 'signature_delta') block.signature = delta.signature;
        else if (delta.type === 'input_json_delta') partialJson.set(index, (partialJson.get(index) ?? '') + String(delta.partial_json));
        break;
      }
      case 'content_block_stop':
        if (partialJson.has(index)) content[index]!.input = parseToolArguments(partialJson.get(index));
        break;
      case 'message_delta':
        message.stop_reason = delta.stop_reason;
        message.stop_sequence = delta.stop_sequence;
        message.usage = wire.usage;
        break;
      case 'error':
        throw new TranslateError(`the upstream failed: ${String((wire.error as JsonObject).message)}`, 502);
    }
  }
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
    stream: (context) => pipeStream(spec.reader(), new AnthropicStreamWriter(options(context)), spec.readBody),
    response: (upstreamBody, context) => anthropicMessage(spec.readBody(upstreamBody), options(context)),
    error: anthropicError,
  };
  if (spec.countTokens) pair.countTokens = spec.countTokens;
  if (spec.countTokensResponse) pair.countTokensResponse = spec.countTokensResponse;
  return pair;
}
