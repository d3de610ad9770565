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
import {dropThinkingBlocks, isThinkingBlock, skipCallSignatures} from './foreign-thinking.js';
import {SKIP_THOUGHT_SIGNATURE} from './gemini-contents.js';
import {asArray, field, isRecord, type JsonObject} from './json.js';
import type {ApiProtocol} from './types.js';

/** Anthropic's words for thinking it will not take back. */
const ANTHROPIC_REFUSAL = (text: string) => /thinking/i.test(text) && /signature|Expected `?thinking|thinking`? blocks?\b/i.test(text);
/** Google's words for a function call's thought signature it will not take, or one missing. */
const GEMINI_REFUSAL = (text: string) => /thought[ _]?signature/i.test(text);

/**
 * Whether an upstream's error answer (`status`, body `text`) refuses reasoning state the request
 * carried, by its protocol's words:
 * - Anthropic: `messages.N.content.M: Invalid \`signature\` in \`thinking\` block`, `Expected
 *   \`thinking\` or \`redacted_thinking\`, but found …` (a tool loop's turn without its thinking),
 *   `\`thinking\` … blocks in the latest assistant message cannot be modified`, `each thinking block must
 *   contain thinking`;
 * - OpenAI Responses (codex): code `invalid_encrypted_content`, "The encrypted content … could not
 *   be verified" (openai/codex issues, Dec 2025);
 * - Gemini, and Chat in front of it: "Corrupted thought signature", "Thought signature is not valid",
 *   "Function call is missing a thought_signature"; Cloud Code also passes on the words of the Claude
 *   models Antigravity serves, inside Google's error (`{"error": {"message": "{\"type\":\"error\"…
 *   Invalid \`signature\` in \`thinking\` block…"}}`).
 */
export function refusesReasoning(upstream: ApiProtocol, status: number, text: string): boolean {
  if (status !== 400) return false;
  switch (upstream) {
    case 'anthropic':
      return ANTHROPIC_REFUSAL(text);
    case 'openai-responses':
      return /invalid_encrypted_content|encrypted content.{0,200}could not be (?:verified|decrypted)/is.test(text);
    case 'openai-chat':
      return GEMINI_REFUSAL(text);
    case 'gemini-internal':
    case 'gemini-native':
      return GEMINI_REFUSAL(text) || ANTHROPIC_REFUSAL(text);
  }
}

/**
 * A copy of the client's `body` (of the `client` protocol) with its reasoning state taken out;
 * undefined when it holds none (sending it again would change nothing):
 * - Anthropic Messages: thinking and redacted thinking blocks are dropped (an assistant message left
 *   empty with them), and thinking is turned off where a tool loop's turn is then left without the
 *   thinking it must start with (thinkingRuleUnmet; Claude on Antigravity has the same rule);
 * - OpenAI Responses: reasoning items, and any other item with encrypted content (codex's compaction
 *   of earlier turns), are dropped from `input`;
 * - OpenAI Chat: every tool call gets the value Google takes for history it did not make
 *   (SKIP_THOUGHT_SIGNATURE), in place of a signature or where there is none.
 * A client of another protocol whose request goes to a Chat upstream in front of Gemini gets that
 * value on the calls of the translated body (prepare.ts, reasoningRefused).
 */
export function withoutReasoning(client: ApiProtocol, body: JsonObject): JsonObject | undefined {
  const out = {...body};
  switch (client) {
    case 'anthropic':
      if (!dropThinkingBlocks(out, isThinkingBlock)) return undefined;
      turnOffThinkingWhereRuleUnmet(out);
      return out;
    case 'openai-responses': {
      if (!Array.isArray(body.input)) return undefined;
      const input = body.input.filter((item) => field(item, 'type') !== 'reasoning' && typeof field(item, 'encrypted_content') !== 'string');
      if (input.length === body.input.length) return undefined;
      out.input = input;
      return out;
    }
    case 'openai-chat':
      return skipCallSignatures(out, notSkipValue) ? out : undefined;
    default:
      return undefined;
  }
}

/** Whether a call's thought signature is anything but Google's skip value (none, another, or a foreign one). */
export const notSkipValue = (signature: unknown): boolean => signature !== SKIP_THOUGHT_SIGNATURE;

/**
 * Whether Anthropic messages end inside a tool loop whose turn cannot have thinking on: the last
 * user turn holds a tool result, and the assistant turn that opened the loop (the first after the
 * last user turn without a tool result) does not start with a thinking or redacted thinking block.
 * Consecutive messages of one role are one turn, as Anthropic takes them. Anthropic answers 400 to
 * thinking on then ("When `thinking` is enabled, a final `assistant` message must start with a
 * thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks) … To avoid this
 * requirement, disable `thinking`"); later steps of the loop need none (Claude thinks after a tool
 * result only with interleaved thinking, and clients send such histories every turn). Met when
 * thinking was taken out of that turn (another provider's, or refused), or never came back (Chat
 * carries no Anthropic thinking).
 */
export function toolLoopLacksThinking(messages: readonly unknown[]): boolean {
  const turns: {role: unknown; blocks: unknown[]}[] = [];
  for (const message of messages) {
    const role = field(message, 'role');
    if (role !== 'user' && role !== 'assistant') continue;
    const content = field(message, 'content');
    const blocks = Array.isArray(content) ? content : typeof content === 'string' ? [{type: 'text', text: content}] : [];
    const last = turns.at(-1);
    if (last?.role === role) last.blocks.push(...blocks);
    else turns.push({role, blocks: [...blocks]});
  }
  // Claude Code adds text (reminders) beside tool results: a turn with any tool result is the loop's.
  const holdsToolResults = (turn: {blocks: unknown[]}) => turn.blocks.some((block) => field(block, 'type') === 'tool_result');
  const last = turns.at(-1);
  if (last?.role !== 'user' || !holdsToolResults(last)) return false;
  let opening: {blocks: unknown[]} | undefined;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    if (turn.role === 'assistant') opening = turn;
    else if (!holdsToolResults(turn)) break;
  }
  return opening !== undefined && !isThinkingBlock(opening.blocks[0]);
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
