// Reasoning an upstream refuses to take back. Each service verifies the reasoning state a client
// sends back (Anthropic's thinking signatures, codex's encrypted reasoning, Gemini's thought
// signatures) and answers 400 to one it did not make: thinking Kimi's Anthropic endpoint signed,
// reasoning another account or another tool made, an old session's. The client sends its whole
// history every turn, so without help the conversation fails for good (a common report when people
// switch between providers: "Invalid `signature` in `thinking` block", codex's
// `invalid_encrypted_content`). The proxy's tags (signatures.ts) already take out what it made for
// another upstream; what it cannot tell apart is handled as other gateways do (a "thinking
// signature rectifier"): on such a refusal the request goes once more to the same account with the
// reasoning state taken out of the client's history. The model loses its earlier reasoning, not the
// conversation. Only a request that carried reasoning state is sent again.
import {dropReasoningItems, dropThinkingBlocks, isThinkingBlock, skipCallSignatures} from './foreign-thinking.js';
import {SKIP_THOUGHT_SIGNATURE} from './gemini-contents.js';
import {asArray, field, isRecord, type JsonObject} from './json.js';
import type {ApiProtocol} from './types.js';

/**
 * Whether an upstream's error answer (`status`, body `text`) refuses reasoning state the request
 * carried, by its protocol's words:
 * - Anthropic: `messages.N.content.M: Invalid \`signature\` in \`thinking\` block`, `Expected
 *   \`thinking\` or \`redacted_thinking\`, but found …` (a tool loop's turn without its thinking),
 *   `\`thinking\` … blocks in the latest assistant message cannot be modified`;
 * - OpenAI Responses (codex): code `invalid_encrypted_content`, "The encrypted content … could not
 *   be verified" (openai/codex issues, Dec 2025);
 * - Gemini, and Chat in front of it: "Corrupted thought signature", "Thought signature is not valid",
 *   "Function call is missing a thought_signature".
 */
export function refusesReasoning(upstream: ApiProtocol, status: number, text: string): boolean {
  if (status !== 400) return false;
  switch (upstream) {
    case 'anthropic':
      return /thinking/i.test(text) && /signature|Expected `?thinking|must start with a thinking block|cannot be modified/i.test(text);
    case 'openai-responses':
      return /invalid_encrypted_content|encrypted content.{0,200}could not be (?:verified|decrypted)/is.test(text);
    case 'openai-chat':
    case 'gemini-internal':
    case 'gemini-native':
      return /thought[ _]?signature/i.test(text);
  }
}

/**
 * A copy of the client's `body` (of the `client` protocol) with its reasoning state taken out, for
 * `upstream`; undefined when it holds none (sending it again would change nothing):
 * - Anthropic Messages: thinking and redacted thinking blocks are dropped (an assistant message left
 *   empty with them), and for an Anthropic upstream thinking is turned off when a tool loop's turn
 *   is left without the thinking it must start with (thinkingRuleUnmet);
 * - OpenAI Responses: reasoning items are dropped from `input`;
 * - OpenAI Chat: tool calls' Gemini thought signatures become the value Google takes for history it
 *   did not make (SKIP_THOUGHT_SIGNATURE), as for a call without one.
 */
export function withoutReasoning(client: ApiProtocol, upstream: ApiProtocol, body: JsonObject): JsonObject | undefined {
  const out = {...body};
  switch (client) {
    case 'anthropic':
      if (!dropThinkingBlocks(out, isThinkingBlock)) return undefined;
      if (upstream === 'anthropic') turnOffThinkingWhereRuleUnmet(out);
      return out;
    case 'openai-responses':
      return dropReasoningItems(out, () => true) ? out : undefined;
    case 'openai-chat':
      return skipCallSignatures(out, (signature) => typeof signature === 'string' && signature !== SKIP_THOUGHT_SIGNATURE) ? out : undefined;
    default:
      return undefined;
  }
}

/**
 * Whether Anthropic messages end inside a tool loop (the last user message holds a tool result)
 * whose turn cannot have thinking on: the assistant message that opened the loop (the first after the
 * last user message without a tool result), or the loop's last one, does not start with a thinking or
 * redacted thinking block. Anthropic answers 400 to thinking on then ("When `thinking` is enabled, a
 * final `assistant` message must start with a thinking block (preceeding the lastmost set of
 * `tool_use` and `tool_result` blocks) … To avoid this requirement, disable `thinking`"); which of
 * the two it means, its words leave open, so both must. Met when thinking was taken out of that turn
 * (another provider's, or refused), or never came back (Chat carries no Anthropic thinking).
 */
export function toolLoopLacksThinking(messages: readonly unknown[]): boolean {
  const turns = messages.filter((message) => field(message, 'role') === 'user' || field(message, 'role') === 'assistant');
  // Claude Code adds text (reminders) beside tool results: a message with any tool result is the loop's.
  const holdsToolResults = (message: unknown) => asArray(field(message, 'content')).some((block) => field(block, 'type') === 'tool_result');
  const last = turns.at(-1);
  if (field(last, 'role') !== 'user' || !holdsToolResults(last)) return false;
  const loop: unknown[] = [];
  for (let i = turns.length - 1; i >= 0; i--) {
    const message = turns[i];
    if (field(message, 'role') === 'assistant') loop.push(message);
    else if (!holdsToolResults(message)) break;
  }
  const startsWithThinking = (message: unknown) => isThinkingBlock(asArray(field(message, 'content'))[0]);
  return loop.length > 0 && !(startsWithThinking(loop[0]) && startsWithThinking(loop.at(-1)));
}

/** Whether an Anthropic Messages body has thinking on (`enabled`, `adaptive`) where toolLoopLacksThinking. */
export function thinkingRuleUnmet(body: JsonObject): boolean {
  const type = field(body.thinking, 'type');
  return (type === 'enabled' || type === 'adaptive') && toolLoopLacksThinking(asArray(body.messages));
}

/**
 * Turns thinking off (removes `thinking`, and context_management's `clear_thinking_*` edits, which
 * Anthropic takes only with thinking on) when thinkingRuleUnmet, in place. True when it changed.
 * The next message a person writes opens a turn that thinks again.
 */
export function turnOffThinkingWhereRuleUnmet(body: JsonObject): boolean {
  if (!thinkingRuleUnmet(body)) return false;
  delete body.thinking;
  const management = body.context_management;
  if (isRecord(management) && Array.isArray(management.edits)) {
    const edits = management.edits.filter((edit) => !/^clear_thinking/.test(String(field(edit, 'type'))));
    if (edits.length !== management.edits.length) {
      if (edits.length > 0) body.context_management = {...management, edits};
      else delete body.context_management;
    }
  }
  return true;
}
