// OpenAI Responses upstream (codex backend) → TurnEvents. Stream events (each `data` carries `type`):
// `response.created`, `response.output_item.added` / `.done` (items `message`, `reasoning`,
// `function_call`), `response.output_text.delta`, `response.reasoning_summary_text.delta`,
// `response.reasoning_text.delta`, `response.function_call_arguments.delta`, then
// `response.completed` / `response.incomplete` (with usage) or `response.failed` / `error`.
// Reasoning comes back as `encrypted_content` on the reasoning item's `.done` (asked for with
// `include: ["reasoning.encrypted_content"]`): it becomes the thinking block's signature, or a
// redacted-thinking block when the item had no summary text.
import type {StopReason, StreamError, TurnEvent, Usage} from '../events.js';
import {errorCodeWord, errorObjectText} from '../errors.js';
import {asArray, asNumber, asRecord, asString, field, type JsonObject} from '../json.js';
import {SseTurnReader} from './sse-reader.js';
import {ToolCallQueue} from './tool-calls.js';

/** Responses `usage` → Usage; `input_tokens` includes the cached ones. */
export function responsesUsage(usage: unknown): Usage | undefined {
  const record = asRecord(usage);
  if (!record) return undefined;
  return {
    inputTokens: asNumber(record.input_tokens),
    outputTokens: asNumber(record.output_tokens),
    cachedInputTokens: asNumber(field(record.input_tokens_details, 'cached_tokens')),
    reasoningTokens: asNumber(field(record.output_tokens_details, 'reasoning_tokens')),
  };
}

/** A finished response's status → stop reason (`incomplete` for max_output_tokens or content filter). */
export function responsesStopReason(response: unknown): StopReason {
  if (asString(field(response, 'status')) === 'incomplete') {
    const reason = asString(field(field(response, 'incomplete_details'), 'reason'));
    return reason === 'content_filter' ? 'refusal' : 'max_tokens';
  }
  return 'end_turn';
}

interface ItemState {
  type: string;
  /** Text (or summary text) already emitted for this item from deltas. */
  streamed: boolean;
}

/** Whether a message or reasoning item holds any text (a message's parts, a reasoning item's summary). */
function holdsText(item: JsonObject): boolean {
  const parts = asString(item.type) === 'reasoning' ? asArray(item.summary) : asArray(item.content);
  return parts.some((part) => (asString(field(part, 'text')) ?? asString(field(part, 'refusal')) ?? '') !== '');
}

export class OpenAIResponsesReader extends SseTurnReader {
  private readonly items = new Map<string, ItemState>();
  private readonly calls = new ToolCallQueue(this.out);
  /** An item's key (keyOf) by its id and by its output_index, as first seen: events that give one and not the other find it. */
  private readonly keysById = new Map<string, string>();
  private readonly keysByIndex = new Map<string, string>();
  /** Whether any item event or delta came: then the stream itself is the answer, `output` only adds to it (finishFromOutput). */
  private streamedItems = false;
  /** The item ids, and the call_ids, the stream named (in any event): an `output` item with neither may be one it never sent. */
  private readonly namedIds = new Set<string>();
  private readonly namedCallIds = new Set<string>();
  /** The item types the stream carried (`message` for text deltas, `reasoning` for reasoning ones), and those it carried an item of without an id. */
  private readonly streamedTypes = new Set<string>();
  private readonly namelessTypes = new Set<string>();
  /** The reasoning summary part being read (its item's key, its summary_index): a new part of the same item starts after a blank line. */
  private summaryAt: {key: string; index: number} | undefined;

  protected onJson(event: JsonObject): void {
    const type = asString(event.type) ?? '';
    const response = asRecord(event.response);
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
        this.out.start(asString(field(response, 'id')), asString(field(response, 'model')));
        return;
      case 'response.output_item.added':
        this.onItemAdded(event);
        return;
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        this.markStreamed(event, 'message');
        return this.say('text', asString(event.delta) ?? '');
      case 'response.reasoning_summary_part.added':
        return this.summaryPart(event, true);
      case 'response.reasoning_summary_text.delta': {
        const key = this.keyOf(event);
        this.summaryPart(event, false, key);
        this.markStreamed(event, 'reasoning', key);
        return this.say('thinking', asString(event.delta) ?? '');
      }
      case 'response.reasoning_text.delta':
        this.markStreamed(event, 'reasoning');
        return this.say('thinking', asString(event.delta) ?? '');
      case 'response.function_call_arguments.delta':
        this.calls.args(this.keyOf(event), asString(event.delta) ?? '');
        return;
      case 'response.output_item.done':
        this.onItemDone(asRecord(event.item) ?? {}, this.keyOf(event));
        return;
      case 'response.completed':
      case 'response.incomplete':
        this.onFinished(response);
        return;
      case 'response.failed':
      case 'error': {
        const {message, code, detail} = responsesStreamError(event)!;
        this.out.error(message, code, detail);
        return;
      }
    }
  }

  /** Notes an item's id, call_id and type as the stream's. */
  private nameIds(item: JsonObject): void {
    const [id, callId, type] = [asString(item.id), asString(item.call_id), asString(item.type)];
    if (id) this.namedIds.add(id);
    if (callId) this.namedCallIds.add(callId);
    if (type) this.streamedTypes.add(type);
    if (type && !id) this.namelessTypes.add(type);
  }

  /**
   * The item an event is about, one key for all its events: the key its id or its `output_index` was
   * first seen with (an `.added` without an index and a `.done` with one are the same item), else its
   * `output_index` (every item event of OpenAI's has one), else its id, else '0'.
   */
  private keyOf(event: JsonObject): string {
    const id = asString(event.item_id) ?? asString(field(event.item, 'id'));
    const index = asNumber(event.output_index);
    const at = index === undefined ? undefined : String(index);
    const key = (id !== undefined ? this.keysById.get(id) : undefined) ?? (at !== undefined ? this.keysByIndex.get(at) : undefined) ?? at ?? id ?? '0';
    if (id !== undefined && !this.keysById.has(id)) this.keysById.set(id, key);
    if (at !== undefined && !this.keysByIndex.has(at)) this.keysByIndex.set(at, key);
    return key;
  }

  /**
   * A reasoning summary part begins (`added`: its `.added` event) or goes on (a delta): a part of the
   * same item after the one read last starts after a blank line, told by its summary_index (a stream
   * may send deltas without part events), else by its `.added`.
   */
  private summaryPart(event: JsonObject, added: boolean, key = this.keyOf(event)): void {
    const given = asNumber(event.summary_index);
    const same = this.summaryAt?.key === key;
    const index = given ?? (same ? this.summaryAt!.index + (added ? 1 : 0) : 0);
    if (same && index !== this.summaryAt!.index) this.say('thinking', '\n\n');
    this.summaryAt = {key, index};
  }

  /** Text or reasoning now, or after the open call's arguments when it came inside them (ToolCallQueue heldWords). */
  private say(kind: 'text' | 'thinking', delta: string): void {
    if (!delta) return;
    if (this.calls.holding()) return this.calls.hold(() => this.say(kind, delta));
    if (kind === 'text') this.out.text(delta);
    else this.out.thinking(delta);
  }

  private onItemAdded(event: JsonObject): void {
    this.streamedItems = true;
    const item = asRecord(event.item) ?? {};
    this.nameIds(item);
    const type = asString(item.type) ?? '';
    const key = this.keyOf(event);
    this.items.set(key, {type, streamed: false});
    if (type === 'function_call') {
      this.calls.announce(key, asString(item.call_id) ?? asString(item.id) ?? `call_${key}`, asString(item.name) ?? '');
    }
  }

  private markStreamed(event: JsonObject, type: 'message' | 'reasoning', key = this.keyOf(event)): void {
    this.streamedItems = true;
    this.streamedTypes.add(type);
    const itemId = asString(event.item_id);
    if (itemId) this.namedIds.add(itemId);
    const state = this.items.get(key);
    if (state) state.streamed = true;
    // Deltas of an item never announced (no `.added`): its text came, and the terminal Response's
    // `output` must not give it again (finishFromOutput), found there by its id (keyOf noted it) too.
    else this.items.set(key, {type, streamed: true});
  }

  /** An item is complete: what its deltas did not carry comes from the item itself. */
  private onItemDone(item: JsonObject, key: string): void {
    this.streamedItems = true;
    this.nameIds(item);
    const type = asString(item.type) ?? '';
    const state = this.items.get(key);
    const streamed = state?.streamed ?? false;
    // A message or reasoning item ending while a call's arguments are still coming: after them, in
    // order with its deltas held there (ToolCallQueue heldWords), signature and all.
    if ((type === 'message' || type === 'reasoning') && this.calls.holding()) {
      this.items.delete(key);
      return this.calls.hold(() => this.itemWords(item, type, streamed));
    }
    this.itemWords(item, type, streamed);
    if (type === 'function_call') {
      if (!this.calls.has(key)) this.calls.announce(key, asString(item.call_id) ?? `call_${key}`, asString(item.name) ?? '');
      // The item's full arguments win over deltas that were incomplete.
      this.calls.done(key, asString(item.arguments));
    }
    this.items.delete(key);
  }

  /** What a completed message or reasoning item adds to its deltas: its text when none streamed, its signature. */
  private itemWords(item: JsonObject, type: string, streamed: boolean): void {
    if (type === 'message') {
      if (!streamed) for (const part of asArray(item.content)) this.out.text(asString(field(part, 'text')) ?? asString(field(part, 'refusal')) ?? '');
    } else if (type === 'reasoning') {
      let text = streamed;
      if (!streamed) {
        const summary = asArray(item.summary).map((part) => asString(field(part, 'text')) ?? '').filter(Boolean);
        this.out.thinking(summary.join('\n\n'));
        text = summary.length > 0;
      }
      const encrypted = asString(item.encrypted_content);
      if (encrypted && text) this.out.thinkingSignature(encrypted);
      else if (encrypted) this.out.redactedThinking(encrypted);
    }
  }

  private onFinished(response: JsonObject | undefined): void {
    this.out.start(asString(field(response, 'id')), asString(field(response, 'model')));
    this.finishFromOutput(asArray(field(response, 'output')).map((item) => asRecord(item) ?? {}));
    this.calls.flush();
    const usage = responsesUsage(field(response, 'usage'));
    if (usage) this.out.usage(usage);
    this.out.stop(responsesStopReason(response));
    this.out.finish();
  }

  /**
   * The terminal Response's `output` (whole items): a stream that carried no item at all (a backend
   * that sends the answer only there) is read from it whole; otherwise only the items the stream left
   * open (added, or given deltas, and never done) are finished from it, each found by its id (a call
   * by its call_id too), else at its own position, and what it never sent is added after them; never
   * an item the stream already finished: positions and ids need not match the stream's.
   */
  private finishFromOutput(output: readonly JsonObject[]): void {
    if (!this.streamedItems) {
      for (const [index, item] of output.entries()) this.onItemDone(item, String(index));
      return;
    }
    const idOf = (item: JsonObject) => asString(item.id);
    const typeOf = (item: JsonObject) => asString(item.type) ?? '';
    // Each output item finishes one item at most (two open items must not both take it: a call twice).
    const used = new Set<JsonObject>();
    for (const [key, state] of [...this.items]) {
      const ids = [...this.keysById].filter(([, k]) => k === key).map(([id]) => id);
      const callId = this.calls.idOf(key);
      // By its position (its output_index): an output item of its type, none other of the stream's by its id.
      const atKey = /^\d+$/.test(key) ? output[Number(key)] : undefined;
      const found =
        output.find((item) => !used.has(item) && ids.includes(idOf(item) ?? '')) ??
        (callId !== undefined ? output.find((item) => !used.has(item) && asString(item.call_id) === callId) : undefined) ??
        (atKey && !used.has(atKey) && (state.type === '' || state.type === typeOf(atKey)) && !this.namedIds.has(idOf(atKey) ?? '') ? atKey : undefined);
      if (!found) continue;
      used.add(found);
      this.onItemDone(found, key);
    }
    // Items the stream never sent are the answer's too, after what it streamed: a call whose call_id
    // it never named; an item of a type it carried none of; one with an id it never named that holds
    // no text (reasoning with only its encrypted content), unless the stream sent items of that type
    // without ids (it may be one of them). Text under another id than the stream's is taken for the
    // same text (a backend's ids may differ): never twice.
    for (const [index, item] of output.entries()) {
      if (used.has(item)) continue;
      const type = typeOf(item);
      const id = idOf(item);
      const callId = asString(item.call_id);
      const unsent =
        type === 'function_call' ? callId !== undefined && !this.namedCallIds.has(callId)
        : !this.streamedTypes.has(type) ? id === undefined || !this.namedIds.has(id)
        : id !== undefined && !this.namedIds.has(id) && !holdsText(item) && !this.namelessTypes.has(type);
      if (unsent) this.onItemDone(item, `output:${index}`);
    }
  }

  /** A whole body: a Response object (`output` items), or the SSE text of a streamed one. */
  static readBody(text: string): TurnEvent[] {
    const reader = new OpenAIResponsesReader();
    return reader.readWhole(text, (value) => {
      const body = asRecord(value) ?? {};
      const error = asRecord(body.error);
      if (error && asString(body.status) !== 'completed') {
        reader.out.error(asString(error.message) ?? errorObjectText(error), errorCodeWord(error), error);
        return;
      }
      // Any other JSON (`{}`, an object of another API) is no answer: not an empty completed one.
      if (!Array.isArray(body.output)) {
        reader.out.error('the upstream answered with JSON that is not a response (no output list)');
        return;
      }
      reader.out.start(asString(body.id), asString(body.model));
      reader.onFinished(body);
    });
  }
}

/**
 * The error an OpenAI Responses stream event reports: `response.failed`'s `response.error`, or an
 * `error` event's code and message, at its top (OpenAI's Responses stream) or inside its `error`
 * (Codex's usage limit); `detail` is the error object as sent (the wait it names). Undefined for any
 * other event. Read here for the translators and for a pass-through stream collected whole (collect.ts) or ended by one (sse-final-event.ts).
 */
export function responsesStreamError(event: JsonObject): StreamError | undefined {
  const type = asString(event.type);
  if (type === 'response.failed') {
    const error = field(event.response, 'error');
    return {message: asString(field(error, 'message')) ?? 'the upstream response failed', code: errorCodeWord(error), detail: asRecord(error)};
  }
  if (type !== 'error') return undefined;
  return {message: asString(event.message) ?? asString(field(event.error, 'message')) ?? errorObjectText(event), code: asString(event.code) ?? errorCodeWord(event.error), detail: asRecord(event.error) ?? event};
}
