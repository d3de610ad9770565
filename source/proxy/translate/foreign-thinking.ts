// A Claude Code conversation that switched models mid-way (another provider through this proxy, then
// Claude again) carries thinking blocks whose signatures this proxy made for another upstream
// (tagged, signatures.ts). Anthropic verifies every signature it is sent and answers 400 to a
// foreign one, so the pass-through path to an Anthropic upstream drops those blocks first; thinking
// Anthropic made itself (untagged) stays untouched.
import {asArray, isRecord, type JsonObject} from './json.js';
import {isTaggedSignature} from './signatures.js';

/** Whether a content block is thinking this proxy tagged for another upstream. */
function isForeignThinking(block: unknown): boolean {
  if (!isRecord(block)) return false;
  if (block.type === 'thinking') return isTaggedSignature(block.signature);
  if (block.type === 'redacted_thinking') return isTaggedSignature(block.data);
  return false;
}

/**
 * Drops foreign thinking blocks from the assistant messages of an Anthropic Messages body, in place.
 * An assistant message left empty is removed (Anthropic refuses empty content). True when it changed.
 */
export function dropForeignThinking(body: JsonObject): boolean {
  const messages = asArray(body.messages);
  let changed = false;
  const kept: unknown[] = [];
  for (const message of messages) {
    if (!isRecord(message) || message.role !== 'assistant' || !Array.isArray(message.content) || !message.content.some(isForeignThinking)) {
      kept.push(message);
      continue;
    }
    changed = true;
    const content = message.content.filter((block) => !isForeignThinking(block));
    if (content.length > 0) kept.push({...message, content});
  }
  if (changed) body.messages = kept;
  return changed;
}
