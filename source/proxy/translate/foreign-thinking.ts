// A conversation that switched providers mid-way (another provider through this proxy, then one whose
// protocol the client speaks itself) carries reasoning signatures this proxy made for another
// upstream (tagged, signatures.ts). The upstream verifies what it is sent and refuses a foreign one,
// so the pass-through path takes them out first, per protocol:
// - Anthropic: 400 to a thinking block it did not sign: those blocks are dropped;
// - OpenAI Responses (codex): 400 to encrypted reasoning it cannot decrypt: those reasoning items
//   are dropped;
// - OpenAI Chat in front of Gemini 3 (Google's OpenAI-compatible API, gateways to it): 400 to a
//   call's thought signature it did not make, and to a call without one: a tagged signature on a
//   call becomes the value Google allows for history it did not make.
// Reasoning the upstream made itself (untagged) stays untouched. The same droppers, picking every
// block, take out reasoning an upstream refused anyway (reasoning-refusal.ts).
import {SKIP_THOUGHT_SIGNATURE} from './gemini-contents.js';
import {asArray, isRecord, type JsonObject} from './json.js';
import {isTaggedSignature} from './signatures.js';
import type {ApiProtocol} from './types.js';

/** Whether a content block is thinking or redacted thinking. */
export const isThinkingBlock = (block: unknown): boolean => isRecord(block) && (block.type === 'thinking' || block.type === 'redacted_thinking');

/** Whether a content block is thinking this proxy tagged for another upstream. */
function isForeignThinking(block: unknown): boolean {
  if (!isRecord(block)) return false;
  if (block.type === 'thinking') return isTaggedSignature(block.signature);
  if (block.type === 'redacted_thinking') return isTaggedSignature(block.data);
  return false;
}

/**
 * Drops the content blocks `which` picks from the assistant messages (those `inMessage` picks, default
 * all) of an Anthropic Messages body, in place (new arrays and messages: the client's body may be sent again). An assistant message left
 * empty is removed (Anthropic refuses empty content; it takes consecutive messages of one role as one
 * turn). True when it changed.
 */
export function dropThinkingBlocks(body: JsonObject, which: (block: unknown) => boolean, inMessage: (message: unknown) => boolean = () => true): boolean {
  const messages = asArray(body.messages);
  let changed = false;
  const kept: unknown[] = [];
  for (const message of messages) {
    if (!isRecord(message) || message.role !== 'assistant' || !Array.isArray(message.content) || !inMessage(message) || !message.content.some(which)) {
      kept.push(message);
      continue;
    }
    changed = true;
    const content = message.content.filter((block) => !which(block));
    if (content.length > 0) kept.push({...message, content});
  }
  if (changed) body.messages = kept;
  return changed;
}

/** Drops the reasoning items `which` picks from a Responses body's `input`, in place. True when it changed. */
export function dropReasoningItems(body: JsonObject, which: (item: JsonObject) => boolean): boolean {
  if (!Array.isArray(body.input)) return false;
  const kept = body.input.filter((item) => !(isRecord(item) && item.type === 'reasoning' && which(item)));
  if (kept.length === body.input.length) return false;
  body.input = kept;
  return true;
}

/** The Gemini thought signature a Chat tool call carries (`extra_content.google.thought_signature`), if any. */
function callSignature(call: unknown): unknown {
  const google = isRecord(call) && isRecord(call.extra_content) ? call.extra_content.google : undefined;
  return isRecord(google) ? google.thought_signature : undefined;
}

/**
 * Gives the tool calls of a Chat body's assistant messages whose thought signature `which` picks
 * (the signature, or undefined for a call without one) the value Google takes for history it did not
 * make, in place (new messages and calls: the client's body may be sent again, to another account).
 * True when it changed.
 */
export function skipCallSignatures(body: JsonObject, which: (signature: unknown) => boolean): boolean {
  const picked = (call: unknown) => isRecord(call) && which(callSignature(call));
  const messages = asArray(body.messages);
  if (!messages.some((message) => isRecord(message) && message.role === 'assistant' && asArray(message.tool_calls).some(picked))) return false;
  body.messages = messages.map((message) => {
    if (!isRecord(message) || message.role !== 'assistant' || !asArray(message.tool_calls).some(picked)) return message;
    const calls = asArray(message.tool_calls).map((call) => {
      if (!picked(call)) return call;
      const record = call as JsonObject;
      const extra = isRecord(record.extra_content) ? record.extra_content : {};
      const google = isRecord(extra.google) ? extra.google : {};
      return {...record, extra_content: {...extra, google: {...google, thought_signature: SKIP_THOUGHT_SIGNATURE}}};
    });
    return {...message, tool_calls: calls};
  });
  return true;
}

/** Drops foreign thinking blocks from an Anthropic Messages body, in place (dropThinkingBlocks). */
export const dropForeignThinking = (body: JsonObject): boolean => dropThinkingBlocks(body, isForeignThinking);

/** Drops the reasoning items whose encrypted content this proxy tagged from a Responses body's `input`, in place. */
export const dropForeignReasoningItems = (body: JsonObject): boolean => dropReasoningItems(body, (item) => isTaggedSignature(item.encrypted_content));

/** Replaces tagged thought signatures on a Chat body's tool calls with the skip value, in place (skipCallSignatures). */
export const replaceForeignCallSignatures = (body: JsonObject): boolean => skipCallSignatures(body, isTaggedSignature);

/** What takes foreign signatures out of a pass-through body of `protocol`, when it can hold any. */
export const FOREIGN_SIGNATURES: Partial<Record<ApiProtocol, (body: JsonObject) => boolean>> = {
  anthropic: dropForeignThinking,
  'openai-responses': dropForeignReasoningItems,
  'openai-chat': replaceForeignCallSignatures,
};
