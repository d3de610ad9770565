// Gemini upstream → TurnEvents. Cloud Code (`v1internal:streamGenerateContent?alt=sse`) sends
// `data: {response: {candidates: [{content: {parts}, finishReason}], usageMetadata, responseId,
// modelVersion}}`; the native APIs send the same object without the `response` envelope (both read).
// Parts: `{text}`, `{text, thought: true}` (thought summary), `{functionCall: {name, args, id?}}`
// (always whole, never fragments), any of them with `thoughtSignature`.
//
// Signatures must go back on the part that carried them (Gemini 3 rejects a function call whose
// signature is missing). A signature on a thought part ends that thinking block as is; a signature on
// a text or function-call part becomes an empty thinking block placed just before that part, its
// signature prefixed with GEMINI_SIGNATURE_FOR_NEXT_PART so the request translator puts it back on
// the part that follows.
import {randomUUID} from 'node:crypto';
import {errorObjectText} from '../errors.js';
import type {StopReason, TurnEvent, Usage} from '../events.js';
import {asArray, asNumber, asRecord, asString, field, isRecord, type JsonObject} from '../json.js';
import {SseTurnReader} from './sse-reader.js';

/** Prefix of a signature that belongs on the part after its (empty) thinking block. */
export const GEMINI_SIGNATURE_FOR_NEXT_PART = 'next:';

/** `finishReason` → stop reason (FINISH_REASON_UNSPECIFIED, OTHER, MALFORMED_FUNCTION_CALL end the turn). */
export function geminiStopReason(finish: string): StopReason {
  if (finish === 'MAX_TOKENS') return 'max_tokens';
  if (['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY'].includes(finish)) return 'refusal';
  return 'end_turn';
}

/** `usageMetadata` → Usage; `promptTokenCount` includes cached tokens, output includes thoughts. */
export function geminiUsage(metadata: unknown): Usage | undefined {
  const record = asRecord(metadata);
  if (!record) return undefined;
  const candidates = asNumber(record.candidatesTokenCount);
  const thoughts = asNumber(record.thoughtsTokenCount);
  return {
    inputTokens: asNumber(record.promptTokenCount),
    outputTokens: candidates === undefined && thoughts === undefined ? undefined : (candidates ?? 0) + (thoughts ?? 0),
    cachedInputTokens: asNumber(record.cachedContentTokenCount),
    reasoningTokens: thoughts,
  };
}

export class GeminiReader extends SseTurnReader {
  private calls = 0;
  /** The usage came with the chunk that has the `finishReason`, or after it. */
  private finalUsage = false;

  /**
   * Gemini sends no end marker: its answer is over at the chunk with a `finishReason` and the usage
   * (its last, as Google sends it). A `finishReason` alone is not the end (Gemini 3 sends the usage
   * in a chunk of its own): the chunks after it, with the usage or more parts, are read up to the
   * one with the usage, or to the stream's end.
   */
  override get answered(): boolean {
    return super.answered || this.finalUsage;
  }

  protected onJson(chunk: JsonObject): void {
    const error = asRecord(chunk.error);
    if (error) {
      this.out.error(asString(error.message) ?? errorObjectText(error), asString(error.status), error);
      return;
    }
    const response = asRecord(chunk.response) ?? chunk;
    this.out.start(asString(response.responseId), asString(response.modelVersion));
    // The proxy never asks for candidateCount > 1: the client's one answer is candidate 0 (no
    // `index`: 0), never another's parts joined to it, even when that one comes first in a chunk.
    const candidate = asArray(response.candidates).find((one) => (asNumber(field(one, 'index')) ?? 0) === 0);
    for (const part of asArray(field(field(candidate, 'content'), 'parts'))) if (isRecord(part)) this.onPart(part);
    const usage = geminiUsage(response.usageMetadata);
    if (usage) this.out.usage(usage);
    const finish = asString(field(candidate, 'finishReason'));
    if (finish) this.out.stop(geminiStopReason(finish));
    const blocked = asString(field(response.promptFeedback, 'blockReason'));
    if (blocked && !finish) this.out.stop('refusal');
    if (usage && this.out.stopKnown) this.finalUsage = true;
  }

  private onPart(part: JsonObject): void {
    const signature = asString(part.thoughtSignature);
    const text = asString(part.text);
    if (part.thought === true) {
      this.out.thinking(text ?? '');
      if (signature) this.out.thinkingSignature(signature);
      return;
    }
    if (signature) this.out.thinkingSignature(GEMINI_SIGNATURE_FOR_NEXT_PART + signature);
    if (text) this.out.text(text);
    const call = asRecord(part.functionCall);
    if (call) {
      const key = `call-${this.calls++}`;
      const id = asString(call.id) || `toolu_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
      this.out.toolCallStart(key, id, asString(call.name) ?? '');
      this.out.toolCallArgs(key, JSON.stringify(isRecord(call.args) ? call.args : {}));
      this.out.toolCallEnd(key);
    }
  }

  /** A whole body: `generateContent`'s object, a JSON array of stream chunks, or SSE text. */
  static readBody(text: string): TurnEvent[] {
    const reader = new GeminiReader();
    return reader.readWhole(text, (value) => {
      for (const chunk of Array.isArray(value) ? value : [value]) if (isRecord(chunk) && !reader.out.finished) reader.onJson(chunk);
    });
  }
}
